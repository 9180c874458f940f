use actix_web::{HttpResponse, get};

use super::Status;

/// Liveness: the process is up and serving.
#[utoipa::path(operation_id = "healthz", tag = "operations", security(()), responses((status = 200, description = "Alive", body = Status)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(Status { status: "ok" })
}
