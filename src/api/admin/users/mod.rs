//! Member management.

pub mod list;
pub mod reset_password;
pub mod show;
pub mod update;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::me::OrgRef;
use crate::clock::utc;
use crate::db::models::users::UserWithOrg;
use crate::domain::vocab::{Audience, Role};

crate::page_type!(
    /// A page of members, by id.
    MemberPage,
    Member
);

/// An account as staff see it: no password hash, no birth details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub audience: Audience,
    pub organization: Option<OrgRef>,
    pub disabled: bool,
    /// Set while the member still has a temporary password (a roster's initial password
    /// or a reset) not yet replaced: when it stops working. `null` once they chose their own.
    pub temporary_password_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserWithOrg> for Member {
    fn from((user, org): UserWithOrg) -> Self {
        Self {
            id: user.id,
            role: Role::parse(&user.role).unwrap_or(Role::Learner),
            audience: Audience::parse(&user.audience).unwrap_or(Audience::Public),
            organization: org.as_ref().map(OrgRef::from_row),
            username: user.username,
            display_name: user.display_name,
            disabled: user.disabled,
            temporary_password_expires_at: user.password_temporary_until.map(utc),
            created_at: utc(user.created_at),
            updated_at: utc(user.updated_at),
        }
    }
}
