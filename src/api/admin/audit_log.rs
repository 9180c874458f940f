use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::{Admins, Require};
use crate::clock::utc;
use crate::db::models::Page;
use crate::db::models::audit::{self as audit_db, AuditRow};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// Who did it (`null` for the system or the command line).
    pub actor_id: Option<i64>,
    #[schema(example = "content.approve")]
    pub action: String,
    /// `content`, `topic`, `media`, `organization` or `user`.
    pub target_type: String,
    pub target_id: Option<i64>,
    /// Details of the change.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            actor_id: row.actor_id,
            action: row.action,
            target_type: row.target_type,
            target_id: row.target_id,
            detail: serde_json::from_str(&row.detail).unwrap_or_default(),
            created_at: utc(row.created_at),
        }
    }
}

crate::page_type!(
    /// A page of audit entries, newest first.
    AuditPage,
    AuditEntry
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub actor_id: Option<i64>,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    /// e.g. `content.approve`.
    pub action: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Who did what to what, newest first (admins).
#[utoipa::path(
    operation_id = "admin_audit_log", tag = "admin: audit", security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 403, description = "Needs admin"),
    )
)]
#[get("/admin/audit-log")]
pub async fn list(
    state: web::Data<AppState>,
    Require { user: _, body: Query(params), .. }: Require<Admins, Query<AuditParams>>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let before_id = pagination::decode_cursor(params.cursor.as_deref())?;
    let rows = state
        .db
        .run(move |conn| {
            let filter = audit_db::ListFilter {
                actor_id: params.actor_id,
                target_type: params.target_type.as_deref(),
                target_id: params.target_id,
                action: params.action.as_deref(),
                before_id,
                limit,
            };
            Ok(Page::from_probe(audit_db::list(conn, &filter)?, limit))
        })
        .await?;
    let page: AuditPage = pagination::paged(rows, |row| row.id, AuditEntry::from);
    Ok(HttpResponse::Ok().json(page))
}
