//! Reports for staff.

pub mod contents;
pub mod participation;
pub mod quiz;
pub mod timeseries;

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::RoleRule;
use crate::db::models::organizations::OrganizationRow;
use crate::domain::vocab::{OrgKind, Role};
use crate::error::AppError;

/// Who may read the county-wide content report: editors, reviewers, admins and org
/// admins (it holds no personal data).
pub struct ContentReportReaders;

impl RoleRule for ContentReportReaders {
    fn check(role: Role) -> Result<(), AppError> {
        if matches!(role, Role::Editor | Role::Reviewer | Role::Admin | Role::OrgAdmin) {
            Ok(())
        } else {
            Err(AppError::forbidden("This report needs a staff role."))
        }
    }
}

pub use super::SortOrder;

/// The organization a report row is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOrg {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    /// A demonstration site (示范点).
    pub demonstration_site: bool,
}

impl From<&OrganizationRow> for ReportOrg {
    fn from(row: &OrganizationRow) -> Self {
        Self {
            id: row.id,
            name: row.name.clone(),
            kind: OrgKind::parse(&row.kind).unwrap_or(OrgKind::Unit),
            demonstration_site: row.demonstration_site,
        }
    }
}
