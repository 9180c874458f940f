use actix_web::{HttpResponse, get, web};

use super::Status;
use crate::db;
use crate::error::AppError;
use crate::startup::AppState;

/// Readiness: the database answers.
#[utoipa::path(
    operation_id = "readyz",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = Status),
        (status = 503, description = "The database is unreachable"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.db.run(|conn| db::ping(conn).map_err(|_| AppError::Unavailable { retry_after_s: 1 })).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(Status { status: "ready" }))
}
