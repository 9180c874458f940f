use actix_web::{HttpResponse, get, web};

use super::Status;
use crate::db;
use crate::error::AppError;
use crate::startup::AppState;

/// Readiness: the database answers, and can store data. After a write failed for want of
/// storage (a full disk or `TONGXIN_SQLITE_MAX_MB`, failing I/O; 503 `storage_full` or
/// `storage_failure` to its caller), each call tries a small committed write, and answers
/// 503 with the same code and `Retry-After` until one succeeds.
#[utoipa::path(
    operation_id = "readyz",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = Status),
        (status = 503, description = "The database is unreachable (`service_unavailable`) or cannot store data (`storage_full`, `storage_failure`); see `Retry-After`"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if state.db.storage_fault() {
        state.db.probe_storage().await?;
    } else {
        state.db.run(|conn| db::ping(conn).map_err(|_| AppError::Unavailable { retry_after_s: 1 })).await?;
    }
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(Status { status: "ready" }))
}
