use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::auth::AuthRateLimit;
use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::auth::password::Password;
use crate::domain::accounts;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[schema(value_type = String, format = Password)]
    pub current_password: Password,
    /// 10–128 characters mixing at least two of: a–z, A–Z, 0–9, anything else; not the
    /// username.
    #[schema(value_type = String, format = Password, min_length = 10, max_length = 128, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*(?:[a-z][^a-z\u0000-\u001F\u007F-\u009F]|[A-Z][^A-Z\u0000-\u001F\u007F-\u009F]|[0-9][^0-9\u0000-\u001F\u007F-\u009F]|[^a-zA-Z0-9\u0000-\u001F\u007F-\u009F][a-zA-Z0-9])[^\u0000-\u001F\u007F-\u009F]*$")]
    pub new_password: Password,
}

/// Change the caller's password. Every other session is ended; this one stays.
///
/// Each request checks a password, so it is rate-limited like login: per client address
/// (with login and register, `TONGXIN_AUTH_RATE_PER_MIN`) and per account
/// (`TONGXIN_PASSWORD_CHECKS_PER_HOUR`, shared with `DELETE /me`); past either, 429
/// `rate_limited` with `Retry-After`, and the password is not checked.
#[utoipa::path(
    operation_id = "change_password",
    tag = "me",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Password changed; other sessions ended"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "The current password is wrong (`wrong_password`); nothing was changed"),
        (status = 422, description = "The new password breaks the documented rules (or is the username)"),
        (status = 429, description = "Too many password checks from this address or for this account (`rate_limited`); see `Retry-After`"),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    caller: AuthUser,
    Json(body): Json<ChangePassword>,
) -> Result<HttpResponse, AppError> {
    // Before any hashing: each request checks a password guess.
    state.password_check_limiter.check(Some(&caller.id), state.clock.now())?;
    accounts::check_password("new_password", body.new_password.expose(), Some(&caller.user.username_key))
        .map_err(|e| AppError::Validation(vec![e]))?;
    let ok = state.hasher.verify(&body.current_password, Some(caller.user.password_hash.clone())).await?;
    if !ok {
        // 403 like `DELETE /me`: the request is well formed; the proof of identity failed.
        return Err(AppError::Forbidden {
            code: "wrong_password",
            detail: "current_password is not the account's password; nothing was changed.".into(),
        });
    }
    let hash = state.hasher.hash(&body.new_password).await?;
    let now = state.clock.now();
    state.db.run(move |conn| accounts::set_password(conn, caller.id, &hash, Some(&caller.session), now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
