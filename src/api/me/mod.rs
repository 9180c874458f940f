//! The caller's own account.

pub mod change_password;
pub mod delete;
pub mod export;
pub mod favorites;
pub mod mistakes;
pub mod points;
pub mod progress;
pub mod show;
pub mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::utc;
use crate::db::models::organizations::OrganizationRow;
use crate::db::models::users::UserRow;
use crate::domain::vocab::{Audience, OrgKind, Role};

/// The organization a user belongs to, as other resources show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
}

impl OrgRef {
    pub fn from_row(org: &OrganizationRow) -> Self {
        Self { id: org.id, name: org.name.clone(), kind: OrgKind::parse(&org.kind).unwrap_or(OrgKind::Unit) }
    }
}

/// A user's own profile: what they entered and what the service decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub audience: Audience,
    pub organization: Option<OrgRef>,
    pub birth_year: Option<i32>,
    /// When a guardian's consent was recorded (learners who may be under 14).
    pub guardian_consent_at: Option<DateTime<Utc>>,
    /// The school's number for a pupil, from a class roster import (`null` otherwise).
    pub student_number: Option<String>,
    pub locale: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Profile {
    pub fn from_rows(user: &UserRow, org: Option<&OrganizationRow>) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: Role::parse(&user.role).unwrap_or(Role::Learner),
            audience: Audience::parse(&user.audience).unwrap_or(Audience::Public),
            organization: org.map(OrgRef::from_row),
            birth_year: user.birth_year,
            guardian_consent_at: user.guardian_consent_at.map(utc),
            student_number: user.student_number.clone(),
            locale: user.locale.clone(),
            created_at: utc(user.created_at),
            updated_at: utc(user.updated_at),
        }
    }
}
