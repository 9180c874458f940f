//! The audit log: every staff change is recorded in the transaction that makes it.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::clock::naive;
use crate::db::DbConn;
use crate::db::models::audit::{self as audit_db, NewAudit};
use crate::error::AppError;

/// What kind of thing an entry is about.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Content(i64),
    Topic(i64),
    Media(i64),
    Organization(i64),
    User(i64),
    Question(i64),
    Quiz(i64),
}

impl Target {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Self::Content(id) => ("content", id),
            Self::Topic(id) => ("topic", id),
            Self::Media(id) => ("media", id),
            Self::Organization(id) => ("organization", id),
            Self::User(id) => ("user", id),
            Self::Question(id) => ("question", id),
            Self::Quiz(id) => ("quiz", id),
        }
    }
}

/// Records `actor` doing `action` (e.g. `content.approve`) to `target`, with details.
pub fn record(
    conn: &mut DbConn,
    actor: Option<i64>,
    action: &str,
    target: Target,
    detail: &Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (target_type, target_id) = target.parts();
    audit_db::insert(
        conn,
        &NewAudit {
            actor_id: actor,
            action,
            target_type,
            target_id: Some(target_id),
            detail: &detail.to_string(),
            created_at: naive(now),
        },
    )?;
    Ok(())
}
