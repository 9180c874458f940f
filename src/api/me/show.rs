use actix_web::{HttpResponse, get};

use super::Profile;
use crate::auth::AuthUser;
use crate::error::AppError;

/// The caller's profile.
#[utoipa::path(
    operation_id = "get_me",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's profile", body = Profile),
        (status = 401, description = "Missing, invalid or expired access token"),
    )
)]
#[get("/me")]
pub async fn show(caller: AuthUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(Profile::from_rows(&caller.user, caller.organization.as_ref())))
}
