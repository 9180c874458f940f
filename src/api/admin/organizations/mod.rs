//! The organization tree.

pub mod create;
pub mod list;
pub mod progress;
pub mod roster;
pub mod roster_sheet;
pub mod show;
pub mod update;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::utc;
use crate::db::models::organizations::OrganizationRow;
use crate::domain::vocab::OrgKind;

crate::page_type!(
    /// A page of organizations, by id.
    OrganizationPage,
    Organization
);

#[derive(Debug, Serialize, ToSchema)]
pub struct Organization {
    pub id: i64,
    /// `null` for a root (the county).
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: OrgKind,
    /// What learners enter at registration to join this node.
    #[schema(example = "K7P3QX9M")]
    pub join_code: String,
    /// A demonstration site (示范点) of ethnic unity and progress.
    pub demonstration_site: bool,
    /// The local day (in `TONGXIN_TIMEZONE`) the node became a demonstration site; kept
    /// while it stays one, `null` when it is not one.
    #[schema(example = "2026-09-01")]
    pub demonstration_since: Option<NaiveDate>,
    /// A closed unit: its join code is refused at registration and in `PATCH /me` as if it
    /// did not exist; its members stay. Reopening makes the code work again.
    pub closed: bool,
    /// When the unit was closed; `null` while it is open.
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Self {
            id: row.id,
            parent_id: row.parent_id,
            kind: OrgKind::parse(&row.kind).unwrap_or(OrgKind::Unit),
            name: row.name,
            join_code: row.join_code,
            demonstration_site: row.demonstration_site,
            demonstration_since: row.demonstration_since.as_deref().and_then(|d| d.parse().ok()),
            closed: row.closed_at.is_some(),
            closed_at: row.closed_at.map(utc),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}
