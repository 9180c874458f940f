use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::Json;
use crate::domain::sessions;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    pub refresh_token: String,
}

/// End the session the refresh token belongs to.
///
/// Idempotent: an unknown or already revoked token also answers 204.
#[utoipa::path(
    operation_id = "logout",
    tag = "auth",
    security(()),
    request_body = LogoutRequest,
    responses((status = 204, description = "The session is ended"))
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, Json(body): Json<LogoutRequest>) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    state.db.run(move |conn| sessions::end(conn, &body.refresh_token, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
