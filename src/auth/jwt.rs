//! Access tokens: HS256 only, a `kid` naming the key so keys can rotate, `exp` required
//! and checked against the server's clock with a small leeway.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, ConfigError, Secret};
use crate::domain::vocab::Role;
use crate::error::AppError;

/// Clock skew tolerated between issuing and checking instances.
pub const LEEWAY_S: i64 = 30;
const SECRET_FILE: &str = "jwt_secret";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (RFC 7519).
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    /// The refresh-token family this access token was issued with (the session).
    pub sid: String,
}

struct Key {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Derived from the secret; keys the refresh-token successor derivation.
    refresh_key: [u8; 32],
    /// Derived from the secret; keys the hashes of held usernames.
    hold_key: [u8; 32],
}

/// The signing key and the earlier keys still accepted for verification.
pub struct KeySet {
    keys: Vec<Key>,
    validation: Validation,
}

impl KeySet {
    pub fn new(current: &Secret, previous: &[Secret]) -> Self {
        let keys = std::iter::once(current).chain(previous).map(Key::from_secret).collect();
        let mut validation = Validation::new(Algorithm::HS256);
        // `exp` is checked below against the injectable clock; the library would use the
        // system clock. It must still be present: a token without one fails to decode.
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "iat", "sub"].iter().map(ToString::to_string).collect();
        Self { keys, validation }
    }

    /// Uses the configured secret, or the one kept in the data dir, or makes and keeps one.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let current = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => load_or_generate_secret(&config.data_dir)?,
        };
        Ok(Self::new(&current, &config.jwt_previous_secrets))
    }

    fn signing(&self) -> &Key {
        &self.keys[0]
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, AppError> {
        let key = self.signing();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding)
            .map_err(|e| AppError::internal(anyhow::anyhow!("jwt encode: {e}")))
    }

    /// Verifies signature, algorithm, key id and lifetime; returns the claims.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, AppError> {
        let invalid = || AppError::unauthorized("invalid_token", "The access token is invalid.");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::HS256 {
            return Err(invalid());
        }
        let kid = header.kid.ok_or_else(invalid)?;
        let key = self.keys.iter().find(|k| k.kid == kid).ok_or_else(invalid)?;
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation).map_err(|_| invalid())?;
        let claims = data.claims;
        let now = now.timestamp();
        if claims.exp + LEEWAY_S <= now {
            return Err(AppError::unauthorized("token_expired", "The access token has expired; refresh it."));
        }
        if claims.iat - LEEWAY_S > now {
            return Err(invalid());
        }
        Ok(claims)
    }

    pub fn refresh_key(&self) -> &[u8; 32] {
        &self.signing().refresh_key
    }

    /// The keys for hashing held usernames: the signing key's first, then the earlier
    /// ones, so holds made before a key rotation are still recognized.
    pub fn username_hold_keys(&self) -> Vec<[u8; 32]> {
        self.keys.iter().map(|k| k.hold_key).collect()
    }

    pub fn access_claims(user_id: i64, role: Role, session: &str, now: DateTime<Utc>, ttl: Duration) -> Claims {
        let iat = now.timestamp();
        Claims { sub: user_id.to_string(), role, iat, exp: iat + ttl.as_secs() as i64, sid: session.to_owned() }
    }
}

impl Key {
    fn from_secret(secret: &Secret) -> Self {
        let bytes = secret.expose().as_bytes();
        // The kid is a short fingerprint of the secret: stable across restarts and
        // instances, and useless for guessing a high-entropy secret.
        let digest = Sha256::digest(bytes);
        let kid = hex::encode(&digest[..8]);
        let refresh_key: [u8; 32] =
            Sha256::new().chain_update(b"tongxin refresh successor v1\0").chain_update(bytes).finalize().into();
        let hold_key: [u8; 32] =
            Sha256::new().chain_update(b"tongxin username hold v1\0").chain_update(bytes).finalize().into();
        Self {
            kid,
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            refresh_key,
            hold_key,
        }
    }
}

fn load_or_generate_secret(data_dir: &Path) -> Result<Secret, ConfigError> {
    let path = data_dir.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(Secret::new(text.trim().to_owned())),
        Ok(_) => return Err(ConfigError(format!("{} is too short to be a signing secret", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    write_private(&path, &secret).map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    tracing::warn!(
        path = %path.display(),
        "TONGXIN_JWT_SECRET is not set: generated a signing secret and kept it in the data dir; \
         set TONGXIN_JWT_SECRET when several instances share one database"
    );
    Ok(Secret::new(secret))
}

/// Creates the file readable by its owner only (0600) before any byte is written.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}
