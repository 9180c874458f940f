use actix_web::{HttpResponse, get, web};

use super::StaffContent;
use crate::auth::{ContentStaff, Require};
use crate::domain::contents;
use crate::error::AppError;
use crate::startup::AppState;

/// One content in any state, with its translations and, for a published content, its
/// pending change (`revision`) and who wrote and submitted it.
#[utoipa::path(
    operation_id = "admin_get_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses(
        (status = 200, description = "The content", body = StaffContent),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 404, description = "No such content"),
    )
)]
#[get("/admin/contents/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    _caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let data = state.db.run(move |conn| contents::staff_view(conn, id)).await?;
    Ok(HttpResponse::Ok().json(StaffContent::from_data(data)))
}
