use actix_web::{HttpResponse, get, web};

use super::Organization;
use crate::auth::{MemberManagers, Require};
use crate::domain::organizations::{self, Scope};
use crate::error::AppError;
use crate::startup::AppState;

/// One organization (org admins: only inside their subtree).
#[utoipa::path(
    operation_id = "get_organization",
    tag = "admin: organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    responses(
        (status = 200, description = "The organization", body = Organization),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin"),
        (status = 404, description = "No such organization in the caller's scope"),
    )
)]
#[get("/admin/organizations/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    caller: Require<MemberManagers>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let scope = Scope::of(caller.role, caller.org_path());
    let id = id.into_inner();
    let row = state.db.run(move |conn| organizations::find_in_scope(conn, &scope, id)).await?;
    Ok(HttpResponse::Ok().json(Organization::from(row)))
}
