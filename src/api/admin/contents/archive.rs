use actix_web::{HttpResponse, delete, web};

use super::actor;
use crate::auth::{ContentStaff, Require};
use crate::domain::contents;
use crate::error::AppError;
use crate::startup::AppState;

/// Archive a content: learners no longer see it (nor its files). Idempotent.
#[utoipa::path(
    operation_id = "admin_archive_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses(
        (status = 204, description = "Archived"),
        (status = 403, description = "Authors archive their own unpublished work; reviewers anything"),
        (status = 404, description = "No such content"),
    )
)]
#[delete("/admin/contents/{id}")]
pub async fn archive(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (actor(&caller), state.clock.now(), id.into_inner());
    state.db.run(move |conn| contents::archive(conn, actor, id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
