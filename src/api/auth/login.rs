use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{AuthRateLimit, TokenPair, token_response};
use crate::api::extract::Json;
use crate::auth::password::Password;
use crate::domain::{accounts, points, sessions};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "zhang_wei")]
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: Password,
}

/// Log in with username and password.
///
/// An unknown username and a wrong password get the same answer in the same time.
#[utoipa::path(
    operation_id = "login",
    tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; tokens issued", body = TokenPair),
        (status = 401, description = "Wrong username or password (`invalid_credentials`)"),
        (status = 403, description = "The account is disabled (`account_disabled`)"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let found = match accounts::check_username(&body.username) {
        Ok(name) => state.db.run(move |conn| accounts::find_by_username(conn, &name)).await?,
        Err(_) => None,
    };
    let hash = found.as_ref().map(|(user, _)| user.password_hash.clone());
    let verified = state.hasher.verify(&body.password, hash).await?;
    let Some(user) = found.filter(|_| verified) else {
        return Err(AppError::unauthorized("invalid_credentials", "Wrong username or password."));
    };
    if user.0.disabled {
        return Err(AppError::Forbidden { code: "account_disabled", detail: "This account has been disabled.".into() });
    }
    let now = state.clock.now();
    let (ttl, tz) = (state.config.refresh_token_ttl, state.config.timezone);
    let who = points::Earner::of(user.0.id, user.0.organization_id, &user.0.role);
    let issued = state
        .db
        .run(move |conn| {
            let issued = sessions::start(conn, who.user_id, now, ttl)?;
            points::touch_day(conn, who, now, tz)?;
            Ok(issued)
        })
        .await?;
    token_response(&state, user, &issued, StatusCode::OK)
}
