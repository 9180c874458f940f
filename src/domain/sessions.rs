//! Sessions are refresh-token families. Each use of a refresh token rotates it; a token
//! presented again within the grace window (the client lost the response) gets the same
//! successor while that successor is unused; presented later, or after its successor was
//! used, it is treated as stolen and the whole family is revoked.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::auth::refresh;
use crate::clock::{naive, utc};
use crate::db::models::refresh_tokens::{self as token_db, NewRefreshToken};
use crate::db::models::users::{self as user_db, UserWithOrg};
use crate::db::{DbConn, write_tx};
use crate::error::AppError;

/// A refresh token handed to a client, and the session it belongs to.
pub struct IssuedRefresh {
    pub token: String,
    pub family_id: String,
    pub user_id: i64,
}

/// Starts a new session for a user.
pub fn start(conn: &mut DbConn, user_id: i64, now: DateTime<Utc>, ttl: Duration) -> Result<IssuedRefresh, AppError> {
    let token = refresh::generate();
    let family_id = uuid::Uuid::new_v4().to_string();
    store(conn, user_id, &family_id, &token, now, ttl)?;
    Ok(IssuedRefresh { token, family_id, user_id })
}

fn store(
    conn: &mut DbConn,
    user_id: i64,
    family_id: &str,
    token: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<(), AppError> {
    let expires = now + chrono::Duration::from_std(ttl).map_err(AppError::internal)?;
    token_db::insert(
        conn,
        &NewRefreshToken {
            user_id,
            family_id,
            token_hash: &refresh::hash(token),
            created_at: naive(now),
            expires_at: naive(expires),
        },
    )?;
    Ok(())
}

pub struct RotationPolicy<'a> {
    pub successor_key: &'a [u8; 32],
    pub ttl: Duration,
    pub grace: Duration,
}

fn invalid() -> AppError {
    AppError::unauthorized("invalid_refresh_token", "The refresh token is invalid, expired or revoked; log in again.")
}

enum Outcome {
    Issued(IssuedRefresh),
    Reused,
}

/// Exchanges a refresh token for its successor.
pub fn rotate(
    conn: &mut DbConn,
    presented: &str,
    now: DateTime<Utc>,
    policy: &RotationPolicy<'_>,
) -> Result<IssuedRefresh, AppError> {
    let hash = refresh::hash(presented);
    let successor = refresh::successor(policy.successor_key, presented);
    let outcome = write_tx(conn, |conn| {
        if let Some(row) = token_db::claim(conn, &hash, naive(now))? {
            store(conn, row.user_id, &row.family_id, &successor, now, policy.ttl)?;
            return Ok(Outcome::Issued(IssuedRefresh {
                token: successor.clone(),
                family_id: row.family_id,
                user_id: row.user_id,
            }));
        }
        let row = token_db::find_by_hash(conn, &hash)?.ok_or_else(invalid)?;
        if row.revoked_at.is_some() || utc(row.expires_at) <= now {
            return Err(invalid());
        }
        let Some(used_at) = row.used_at else { return Err(invalid()) };
        let grace = chrono::Duration::from_std(policy.grace).map_err(AppError::internal)?;
        if now - utc(used_at) <= grace {
            // A retry of a request whose response was lost: hand out the same successor,
            // provided it is the one stored (it is not if the signing key changed since)
            // and nobody has used it yet. A used successor means the client did get it, so
            // this is an old token walking the chain (R0 → R1 → R2, then R0 again): reuse.
            let next = token_db::find_by_hash(conn, &refresh::hash(&successor))?;
            match next {
                Some(next) if next.revoked_at.is_none() && next.family_id == row.family_id => {
                    if next.used_at.is_none() {
                        return Ok(Outcome::Issued(IssuedRefresh {
                            token: successor.clone(),
                            family_id: row.family_id,
                            user_id: row.user_id,
                        }));
                    }
                }
                _ => return Err(invalid()),
            }
        }
        // Reuse after the grace window, or after the successor was used: someone else may
        // hold this family. End it.
        token_db::revoke_family(conn, &row.family_id, naive(now))?;
        Ok(Outcome::Reused)
    })?;
    match outcome {
        Outcome::Issued(issued) => Ok(issued),
        Outcome::Reused => Err(AppError::unauthorized(
            "refresh_token_reused",
            "This refresh token was already used; the session has been ended for safety. Log in again.",
        )),
    }
}

/// Rotates a refresh token and returns the account it belongs to, which must still be
/// active: a disabled or deleted account gets no new tokens.
pub fn refresh(
    conn: &mut DbConn,
    presented: &str,
    now: DateTime<Utc>,
    policy: &RotationPolicy<'_>,
) -> Result<(IssuedRefresh, UserWithOrg), AppError> {
    let issued = rotate(conn, presented, now, policy)?;
    let user = user_db::find_active(conn, issued.user_id)?
        .filter(|(user, _)| !user.disabled)
        .ok_or_else(|| AppError::unauthorized("unauthorized", "This account no longer exists or is disabled."))?;
    Ok((issued, user))
}

/// Ends the session a refresh token belongs to. Unknown tokens are ignored: logging out
/// twice is not an error.
pub fn end(conn: &mut DbConn, presented: &str, now: DateTime<Utc>) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        if let Some(row) = token_db::find_by_hash(conn, &refresh::hash(presented))? {
            token_db::revoke_family(conn, &row.family_id, naive(now))?;
        }
        Ok(())
    })
}

/// Ends every session of a user but `keep` (used on password change, disabling, deletion).
pub fn end_all(conn: &mut DbConn, user_id: i64, keep: Option<&str>, now: DateTime<Utc>) -> Result<usize, AppError> {
    Ok(token_db::revoke_all_for_user(conn, user_id, keep, naive(now))?)
}
