//! Temporary passwords: a roster's initial passwords and the resets staff issue. Neither
//! email nor SMS is assumed (pupils often have neither): staff hand the password over on
//! paper. A temporary password starts no session; its owner must replace it first
//! (`POST /auth/password`), so what staff once saw stops working at the first sign-in.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde_json::json;

use crate::clock::{naive, utc};
use crate::db::models::users::{self as user_db, UserChanges, UserRow, UserWithOrg};
use crate::db::{DbConn, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::members::{self, Actor};
use crate::domain::organizations::user_in_scope;
use crate::domain::sessions;
use crate::error::AppError;

/// How long a reset works when staff do not say: a pupil may see the teacher only at the
/// next lesson, days later.
pub const RESET_DEFAULT_HOURS: u32 = 72;
/// The longest a reset may work (a week).
pub const RESET_MAX_HOURS: u32 = 168;
/// How long a roster's initial passwords work: long enough to print the sheet and hand it
/// out over the following weeks; afterwards staff issue a reset.
pub const INITIAL_VALID_DAYS: i64 = 30;

/// Letters and digits nobody confuses when copying from paper: no `0 o 1 l i`.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new temporary password: 8 characters (about 40 bits, enough for a password that
/// expires and whose guesses the per-account limit slows), shown as two groups of four
/// (`k7mp-3x9a`) so a pupil can copy it from a sheet.
pub fn generate() -> String {
    let mut rng = rand::rng();
    let mut pick = || ALPHABET[rng.random_range(0..ALPHABET.len())] as char;
    let first: String = (0..4).map(|_| pick()).collect();
    let second: String = (0..4).map(|_| pick()).collect();
    format!("{first}-{second}")
}

/// Whether an account's password may start a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Chosen by its owner.
    Chosen,
    /// Issued by staff and still valid: it must be replaced before use.
    Temporary,
    /// Issued by staff and past its time: staff must issue a new one.
    Expired,
}

pub fn standing(user: &UserRow, now: DateTime<Utc>) -> Standing {
    match user.password_temporary_until {
        None => Standing::Chosen,
        Some(until) if utc(until) > now => Standing::Temporary,
        Some(_) => Standing::Expired,
    }
}

/// The refusal for a temporary password that is past its time (whichever endpoint it is
/// presented to, after it was verified: its owner learns nothing they did not know).
pub fn expired() -> AppError {
    AppError::Forbidden {
        code: "temporary_password_expired",
        detail: "This temporary password has expired; ask your teacher or unit admin for a new one.".into(),
    }
}

/// Login's rule, after the password was verified: only a chosen password starts a session.
pub fn require_chosen(user: &UserRow, now: DateTime<Utc>) -> Result<(), AppError> {
    match standing(user, now) {
        Standing::Chosen => Ok(()),
        Standing::Temporary => Err(AppError::Forbidden {
            code: "password_change_required",
            detail: "This is a temporary password: choose your own with POST /api/v1/auth/password (username, \
                     this password and new_password), which also signs you in."
                .into(),
        }),
        Standing::Expired => Err(expired()),
    }
}

/// Replaces a member's password with a temporary one (its hash) valid until `until`, ends
/// every session of theirs, and records who did it. Org admins reset learners of their
/// subtree; admins anyone but themselves (their own password is changed, not reset).
pub fn issue_reset(
    conn: &mut DbConn,
    actor: &Actor,
    target_id: i64,
    password_hash: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<UserWithOrg, AppError> {
    write_tx(conn, |conn| {
        let (target, _) = user_in_scope(conn, &actor.scope, target_id)?;
        if target.id == actor.id {
            return Err(AppError::forbidden("Change your own password with POST /api/v1/me/password."));
        }
        members::require_manageable(actor, &target)?;
        let changes = UserChanges {
            password_hash: Some(password_hash.to_owned()),
            password_temporary_until: Some(Some(naive(until))),
            updated_at: Some(naive(now)),
            ..UserChanges::default()
        };
        user_db::update(conn, target.id, &changes)?;
        let ended = sessions::end_all(conn, target.id, None, now)?;
        let detail = json!({ "expires_at": until, "sessions_ended": ended });
        audit::record(conn, Some(actor.id), "user.password_reset", Target::User(target.id), &detail, now)?;
        user_db::find_active(conn, target.id)?.ok_or_else(|| AppError::not_found("user"))
    })
}

/// When a roster's initial passwords stop working.
pub fn initial_until(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(INITIAL_VALID_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_password_is_two_groups_of_four_unambiguous_characters() {
        let password = generate();
        let groups: Vec<&str> = password.split('-').collect();
        assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [4, 4], "{password}");
        assert!(groups.concat().bytes().all(|c| ALPHABET.contains(&c)), "{password}");
    }
}
