use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{TokenPair, token_response};
use crate::api::extract::Json;
use crate::domain::points;
use crate::domain::sessions::{self, RotationPolicy};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchange a refresh token for a new pair.
///
/// Each refresh token works once. Presented again within a few seconds
/// (`TONGXIN_REFRESH_GRACE_S`, a lost response), it returns the same new refresh token as
/// long as that one has not been used itself; presented later, or after its successor was
/// used, it ends the session (every refresh and access token of it).
#[utoipa::path(
    operation_id = "refresh_tokens",
    tag = "auth",
    security(()),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "Invalid, expired or revoked (`invalid_refresh_token`), or reused after its grace window or after its successor was used (`refresh_token_reused`, the session is ended)"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, Json(body): Json<RefreshRequest>) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let key = *state.keys.refresh_key();
    let (ttl, grace, tz) = (state.config.refresh_token_ttl, state.config.refresh_grace, state.config.timezone);
    let (issued, user) = state
        .db
        .run(move |conn| {
            let policy = RotationPolicy { successor_key: &key, ttl, grace };
            let (issued, user) = sessions::refresh(conn, &body.refresh_token, now, &policy)?;
            points::touch_day(conn, points::Earner::of(user.0.id, user.0.organization_id, &user.0.role), now, tz)?;
            Ok((issued, user))
        })
        .await?;
    token_response(&state, user, &issued, StatusCode::OK)
}
