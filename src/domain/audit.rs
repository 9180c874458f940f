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
    /// Several users at once (a search).
    Users,
    Question(i64),
    Quiz(i64),
    Campaign(i64),
    /// The points rules table as a whole.
    PointRules,
}

impl Target {
    fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Self::Content(id) => ("content", Some(id)),
            Self::Topic(id) => ("topic", Some(id)),
            Self::Media(id) => ("media", Some(id)),
            Self::Organization(id) => ("organization", Some(id)),
            Self::User(id) => ("user", Some(id)),
            Self::Users => ("user", None),
            Self::Question(id) => ("question", Some(id)),
            Self::Quiz(id) => ("quiz", Some(id)),
            Self::Campaign(id) => ("campaign", Some(id)),
            Self::PointRules => ("point_rules", None),
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
            target_id,
            detail: &detail.to_string(),
            created_at: naive(now),
        },
    )?;
    Ok(())
}
