//! Settings: built-in defaults, then an optional `tongxin.toml`, then the environment
//! (`DATABASE_URL` and `TONGXIN_*`). Everything is checked here, once, at start, so that a
//! bad value stops the process with one readable line instead of failing later.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};

const DAY_S: u64 = 24 * 3600;
/// Day counts above a century are typos, and would overflow date arithmetic.
const MAX_DAYS: u64 = 36_500;
/// The shortest retention for raw events that may be configured (0 aside).
pub const MIN_EVENT_RETENTION_DAYS: u64 = 30;

/// A configuration problem, worded for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Which database to use, decided by the scheme of `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://<path>`: a file, created when missing.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, passed to libpq as is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        if let Some(path) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(ConfigError(
                    "DATABASE_URL `sqlite://` needs a file path, e.g. sqlite://./data/tongxin.db".into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let url = url::Url::parse(raw)
                .map_err(|e| ConfigError(format!("DATABASE_URL is not a valid PostgreSQL URL: {e}")))?;
            if url.host_str().is_none_or(str::is_empty) && !url.query().is_some_and(|q| q.contains("host=")) {
                return Err(ConfigError(
                    "DATABASE_URL has no host, e.g. postgres://user@127.0.0.1:5432/tongxin".into(),
                ));
            }
            return Ok(Self::Postgres(raw.to_owned()));
        }
        Err(ConfigError("DATABASE_URL must start with sqlite:// (a file) or postgres:// (a server)".into()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

// A PostgreSQL URL may carry a password: never print it.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(raw) => match url::Url::parse(raw) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        let _ = url.set_password(Some("***"));
                    }
                    write!(f, "{url}")
                }
                Err(_) => f.write_str("postgres://(unparseable)"),
            },
        }
    }
}

/// A secret string whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaLocation {
    Local(PathBuf),
    /// `s3://bucket/optional/prefix`, with an optional endpoint for S3-compatible servers.
    /// Credentials and region come from `TONGXIN_S3_*` when set, else from the usual
    /// `AWS_*` environment variables.
    S3 {
        bucket: String,
        prefix: String,
        endpoint: Option<String>,
        credentials: S3Credentials,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct S3Credentials {
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The validated settings the service runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// The signing secret; `None` means "generate one and keep it in the data dir".
    pub jwt_secret: Option<Secret>,
    /// Earlier secrets whose tokens are still accepted while they expire (key rotation).
    pub jwt_previous_secrets: Vec<Secret>,
    pub timezone: chrono_tz::Tz,
    /// Where media files live: a folder on disk (default: `media` in the data dir) or an
    /// S3-compatible bucket.
    pub media: MediaLocation,
    /// Uploads above this many bytes are refused with 413.
    pub max_upload_bytes: u64,
    pub log_filter: String,
    pub log_format: LogFormat,
    /// Login, register and password-check requests (`POST /me/password`, `DELETE /me`)
    /// per minute per client address; 0 turns the limit off. High by default: a whole
    /// school shares one public address behind its NAT.
    pub auth_rate_per_min: u32,
    /// Wrong passwords at login per minute per login name; 0 turns the limit off.
    pub login_failures_per_min: u32,
    /// Password checks (`POST /me/password`, `DELETE /me`) per hour per account; 0 = off.
    pub password_checks_per_hour: u32,
    pub trusted_proxies: Vec<IpNet>,
    pub refresh_grace: Duration,
    /// Answers arriving this long after an attempt's deadline still count (network delay).
    pub attempt_grace: Duration,
    /// How often abandoned attempts past their deadline are finalized.
    pub attempt_sweep: Duration,
    /// Credited reading an article's `complete` needs at least (capped at its estimate).
    pub min_read: Duration,
    /// Percent of an article's reading-time estimate its credited reading must reach
    /// before a `complete` completes it.
    pub article_complete_share: u8,
    /// How long an erased account's username stays unavailable to others.
    pub username_hold: Duration,
    /// Raw engagement events older than this are deleted; `None` keeps them forever.
    pub event_retention: Option<Duration>,
    /// How often the retention job runs in `serve`.
    pub event_prune_interval: Duration,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub cors_origins: Vec<String>,
    pub db_pool_size: u32,
    pub db_pool_timeout: Duration,
    pub db_statement_timeout: Duration,
    /// SQLite only: the most the database file may grow to (`None`: as far as the disk
    /// allows). Writes past it answer 503 `storage_full` like a full disk.
    pub sqlite_max_bytes: Option<u64>,
    pub hash_concurrency: usize,
    /// Bytes the public response cache may hold (0 turns it off).
    pub cache_bytes: usize,
    /// How often each process reads the change log that other processes write.
    pub cache_recheck: Duration,
    /// Boards with at least this many ranked learners give the caller's own rank from a
    /// snapshot of the board (see `domain::rank_snapshot`).
    pub rank_snapshot_min: usize,
    /// How old that snapshot may be.
    pub rank_snapshot_age: Duration,
    pub workers: usize,
    pub shutdown_timeout: Duration,
}

/// The shape of the settings as read from file and environment, before checking.
#[derive(Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSettings {
    database_url: Option<String>,
    #[serde(deserialize_with = "scalar_string")]
    bind: String,
    data_dir: PathBuf,
    #[serde(deserialize_with = "opt_scalar_string")]
    jwt_secret: Option<String>,
    #[serde(deserialize_with = "scalar_string")]
    jwt_previous_secrets: String,
    timezone: String,
    media_url: Option<String>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    s3_access_key_id: Option<String>,
    #[serde(deserialize_with = "opt_scalar_string")]
    s3_secret_access_key: Option<String>,
    max_upload_mb: u64,
    log: String,
    log_format: String,
    auth_rate_per_min: u32,
    login_failures_per_min: u32,
    password_checks_per_hour: u32,
    #[serde(deserialize_with = "scalar_string")]
    trusted_proxies: String,
    refresh_grace_s: u64,
    attempt_grace_s: u64,
    attempt_sweep_ms: u64,
    min_read_s: u64,
    article_complete_share: u64,
    username_hold_days: u64,
    event_retention_days: u64,
    event_prune_interval_ms: u64,
    access_token_ttl_s: u64,
    refresh_token_ttl_days: u64,
    #[serde(deserialize_with = "scalar_string")]
    cors_origins: String,
    db_pool_size: u32,
    db_pool_timeout_ms: u64,
    db_statement_timeout_ms: u64,
    sqlite_max_mb: u64,
    hash_concurrency: usize,
    cache_mb: u64,
    cache_recheck_ms: u64,
    rank_snapshot_min: usize,
    rank_snapshot_s: u64,
    workers: usize,
    shutdown_timeout_s: u64,
    /// Read by `tongxin` itself to find this file; accepted so the environment can set it.
    config: Option<PathBuf>,
}

impl Default for RawSettings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            database_url: None,
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            jwt_secret: None,
            jwt_previous_secrets: String::new(),
            timezone: "Asia/Shanghai".into(),
            media_url: None,
            s3_endpoint: None,
            s3_region: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            max_upload_mb: 200,
            log: "info".into(),
            log_format: "pretty".into(),
            auth_rate_per_min: 300,
            login_failures_per_min: 5,
            password_checks_per_hour: 10,
            trusted_proxies: String::new(),
            refresh_grace_s: 10,
            attempt_grace_s: 5,
            attempt_sweep_ms: 60_000,
            min_read_s: 30,
            article_complete_share: 50,
            username_hold_days: 30,
            event_retention_days: 180,
            event_prune_interval_ms: 3_600_000,
            access_token_ttl_s: 15 * 60,
            refresh_token_ttl_days: 30,
            cors_origins: String::new(),
            db_pool_size: 8,
            db_pool_timeout_ms: 5_000,
            db_statement_timeout_ms: 15_000,
            sqlite_max_mb: 0,
            // Half the cores: a login storm must leave the rest to readers (argon2 is
            // deliberately expensive, and each hash holds a core for tens of ms).
            hash_concurrency: (cores / 2).max(1),
            cache_mb: 32,
            cache_recheck_ms: 500,
            rank_snapshot_min: 10_000,
            rank_snapshot_s: 5,
            workers: cores,
            shutdown_timeout_s: 30,
            config: None,
        }
    }
}

/// Environment values arrive typed by figment ("12345" becomes a number); fields that are
/// strings accept any scalar so a numeric-looking secret or address still loads.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    S(String),
    I(i64),
    U(u64),
    F(f64),
    B(bool),
}

impl Scalar {
    fn into_string(self) -> String {
        match self {
            Scalar::S(s) => s,
            Scalar::I(i) => i.to_string(),
            Scalar::U(u) => u.to_string(),
            Scalar::F(f) => f.to_string(),
            Scalar::B(b) => b.to_string(),
        }
    }
}

fn scalar_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Scalar::deserialize(d).map(Scalar::into_string)
}

fn opt_scalar_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.map(Scalar::into_string))
}

fn comma_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl Config {
    /// Reads defaults, then `path` (or `./tongxin.toml` when it exists), then the environment.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
        match path {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!("configuration file {} does not exist", path.display())));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file("tongxin.toml")),
        }
        let figment = figment
            // TONGXIN_TEST_* belong to the test harness, not to the service.
            .merge(Env::prefixed("TONGXIN_").filter(|key| !key.as_str().to_ascii_lowercase().starts_with("test_")))
            .merge(Env::raw().only(&["DATABASE_URL"]).map(|_| "database_url".into()));
        let raw: RawSettings = figment.extract().map_err(|e| ConfigError(format!("configuration: {e}")))?;
        Self::from_raw(raw)
    }

    /// Defaults with the given overrides applied: what tests and tools start from.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
        for (key, value) in pairs {
            // Parsed as the environment would be, so "0" is a number and "a,b" a string.
            let value: figment::value::Value = value.parse().unwrap_or_else(|_| (*value).into());
            figment = figment.merge(Serialized::default(key, value));
        }
        let raw: RawSettings = figment.extract().map_err(|e| ConfigError(format!("configuration: {e}")))?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: RawSettings) -> Result<Self, ConfigError> {
        let database = match &raw.database_url {
            Some(url) => DatabaseUrl::parse(url)?,
            None => DatabaseUrl::Sqlite(raw.data_dir.join("tongxin.db")),
        };
        let bind: SocketAddr = raw
            .bind
            .parse()
            .map_err(|_| ConfigError(format!("TONGXIN_BIND `{}` is not an address like 127.0.0.1:8080", raw.bind)))?;
        let timezone: chrono_tz::Tz = raw.timezone.parse().map_err(|_| {
            ConfigError(format!("TONGXIN_TIMEZONE `{}` is not an IANA time zone like Asia/Shanghai", raw.timezone))
        })?;
        let log_format = match raw.log_format.as_str() {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => return Err(ConfigError(format!("TONGXIN_LOG_FORMAT `{other}` must be `pretty` or `json`"))),
        };
        tracing_subscriber::EnvFilter::try_new(&raw.log)
            .map_err(|e| ConfigError(format!("TONGXIN_LOG `{}` is not a valid filter: {e}", raw.log)))?;
        let jwt_secret = raw.jwt_secret.filter(|s| !s.is_empty()).map(Secret::new);
        let jwt_previous_secrets: Vec<Secret> =
            comma_list(&raw.jwt_previous_secrets).map(|s| Secret::new(s.to_owned())).collect();
        for secret in jwt_secret.iter().chain(&jwt_previous_secrets) {
            if secret.expose().len() < 32 {
                return Err(ConfigError(
                    "TONGXIN_JWT_SECRET (and each previous secret) must be at least 32 characters".into(),
                ));
            }
        }
        let trusted_proxies = comma_list(&raw.trusted_proxies)
            .map(|entry| {
                entry.parse::<IpNet>().or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from)).map_err(|_| {
                    ConfigError(format!("TONGXIN_TRUSTED_PROXIES: `{entry}` is not an IP address or CIDR block"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cors_origins: Vec<String> = comma_list(&raw.cors_origins).map(str::to_owned).collect();
        for origin in &cors_origins {
            if origin != "*" && url::Url::parse(origin).is_err() {
                return Err(ConfigError(format!(
                    "TONGXIN_CORS_ORIGINS: `{origin}` is not an origin like https://admin.example.org"
                )));
            }
        }
        let media = match raw.media_url.as_deref().filter(|m| !m.is_empty()) {
            None => MediaLocation::Local(raw.data_dir.join("media")),
            Some(url) if url.starts_with("file://") => MediaLocation::Local(PathBuf::from(&url["file://".len()..])),
            Some(url) if url.starts_with("s3://") => {
                let rest = &url["s3://".len()..];
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(ConfigError("TONGXIN_MEDIA_URL s3:// needs a bucket, e.g. s3://tongxin-media".into()));
                }
                let endpoint = raw.s3_endpoint.clone().filter(|e| !e.is_empty());
                if let Some(endpoint) = &endpoint
                    && url::Url::parse(endpoint).is_err()
                {
                    return Err(ConfigError(format!("TONGXIN_S3_ENDPOINT `{endpoint}` is not a URL")));
                }
                let credentials = S3Credentials {
                    region: raw.s3_region.clone().filter(|r| !r.is_empty()),
                    access_key_id: raw.s3_access_key_id.clone().filter(|k| !k.is_empty()),
                    secret_access_key: raw.s3_secret_access_key.clone().filter(|k| !k.is_empty()).map(Secret::new),
                };
                MediaLocation::S3 {
                    bucket: bucket.to_owned(),
                    prefix: prefix.trim_matches('/').to_owned(),
                    endpoint,
                    credentials,
                }
            }
            Some(_) => return Err(ConfigError("TONGXIN_MEDIA_URL must be a file:// path or an s3:// URL".into())),
        };
        if raw.max_upload_mb == 0 {
            return Err(ConfigError("TONGXIN_MAX_UPLOAD_MB must be at least 1".into()));
        }
        if raw.access_token_ttl_s == 0 || raw.refresh_token_ttl_days == 0 {
            return Err(ConfigError("token lifetimes must be greater than zero".into()));
        }
        if raw.username_hold_days > MAX_DAYS {
            return Err(ConfigError(format!("TONGXIN_USERNAME_HOLD_DAYS must be at most {MAX_DAYS}")));
        }
        // Below 30 days a learner offline for a few weeks would find their queued events
        // refused as expired (the ingest refuses events older than the window).
        if raw.event_retention_days != 0 && !(MIN_EVENT_RETENTION_DAYS..=MAX_DAYS).contains(&raw.event_retention_days) {
            return Err(ConfigError(format!(
                "TONGXIN_EVENT_RETENTION_DAYS must be 0 (keep events forever) or between \
                 {MIN_EVENT_RETENTION_DAYS} and {MAX_DAYS}"
            )));
        }
        let article_complete_share = u8::try_from(raw.article_complete_share)
            .ok()
            .filter(|share| *share <= 100)
            .ok_or_else(|| ConfigError("TONGXIN_ARTICLE_COMPLETE_SHARE must be a percentage, 0 to 100".into()))?;
        if raw.db_pool_size == 0 || raw.hash_concurrency == 0 || raw.workers == 0 {
            return Err(ConfigError(
                "TONGXIN_DB_POOL_SIZE, TONGXIN_HASH_CONCURRENCY and TONGXIN_WORKERS must be at least 1".into(),
            ));
        }
        Ok(Self {
            database,
            bind,
            data_dir: raw.data_dir,
            jwt_secret,
            jwt_previous_secrets,
            timezone,
            media,
            max_upload_bytes: raw.max_upload_mb * 1024 * 1024,
            log_filter: raw.log,
            log_format,
            auth_rate_per_min: raw.auth_rate_per_min,
            login_failures_per_min: raw.login_failures_per_min,
            password_checks_per_hour: raw.password_checks_per_hour,
            trusted_proxies,
            refresh_grace: Duration::from_secs(raw.refresh_grace_s),
            attempt_grace: Duration::from_secs(raw.attempt_grace_s),
            attempt_sweep: Duration::from_millis(raw.attempt_sweep_ms.max(100)),
            min_read: Duration::from_secs(raw.min_read_s),
            article_complete_share,
            username_hold: Duration::from_secs(raw.username_hold_days * DAY_S),
            event_retention: (raw.event_retention_days > 0)
                .then(|| Duration::from_secs(raw.event_retention_days * DAY_S)),
            event_prune_interval: Duration::from_millis(raw.event_prune_interval_ms.max(100)),
            access_token_ttl: Duration::from_secs(raw.access_token_ttl_s),
            refresh_token_ttl: Duration::from_secs(raw.refresh_token_ttl_days * 24 * 3600),
            cors_origins,
            db_pool_size: raw.db_pool_size,
            db_pool_timeout: Duration::from_millis(raw.db_pool_timeout_ms.max(1)),
            db_statement_timeout: Duration::from_millis(raw.db_statement_timeout_ms),
            sqlite_max_bytes: (raw.sqlite_max_mb > 0).then(|| raw.sqlite_max_mb.saturating_mul(1024 * 1024)),
            hash_concurrency: raw.hash_concurrency,
            cache_bytes: usize::try_from(raw.cache_mb.min(64 * 1024) * 1024 * 1024).unwrap_or(usize::MAX),
            cache_recheck: Duration::from_millis(raw.cache_recheck_ms.clamp(50, 60_000)),
            rank_snapshot_min: raw.rank_snapshot_min,
            rank_snapshot_age: Duration::from_secs(raw.rank_snapshot_s.min(7 * 24 * 3600)),
            workers: raw.workers,
            shutdown_timeout: Duration::from_secs(raw.shutdown_timeout_s),
        })
    }

    /// Creates the data directory when missing and proves it is writable.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| ConfigError(format!("data directory {} cannot be created: {e}", dir.display())))?;
        let probe = dir.join(".write-test");
        std::fs::write(&probe, b"ok")
            .and_then(|()| std::fs::remove_file(&probe))
            .map_err(|e| ConfigError(format!("data directory {} is not writable: {e}", dir.display())))?;
        if let DatabaseUrl::Sqlite(path) = &self.database
            && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                ConfigError(format!("directory {} for the SQLite file cannot be created: {e}", parent.display()))
            })?;
        }
        Ok(())
    }
}
