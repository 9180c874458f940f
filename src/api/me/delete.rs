use actix_web::{HttpResponse, delete, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::auth::AuthRateLimit;
use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::auth::password::Password;
use crate::domain::privacy::{self, ErasePolicy};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccount {
    /// The account's current password: an unlocked phone alone cannot erase an account.
    #[schema(value_type = String, format = Password)]
    pub password: Password,
}

/// Erase the caller's account.
///
/// At once and for good: every session ends and every token stops working; the
/// username, display name, birth year and consent record are erased; viewing history,
/// likes, favourites, the wrong-answer book and the answers given are deleted. Points,
/// progress and scores stay only as anonymous figures in the reports of the unit the
/// learner belonged to. The username cannot be registered by anyone for a while
/// (`TONGXIN_USERNAME_HOLD_DAYS`), then becomes free.
///
/// The password check is rate-limited per client address (with login and register) and
/// per account (with `POST /me/password`, `TONGXIN_PASSWORD_CHECKS_PER_HOUR`).
#[utoipa::path(
    operation_id = "delete_me",
    tag = "me",
    security(("bearer" = [])),
    request_body = DeleteAccount,
    responses(
        (status = 204, description = "The account is erased"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "The password is wrong (`wrong_password`); nothing was erased"),
        (status = 422, description = "The body is not `{\"password\": \"...\"}`"),
        (status = 429, description = "Too many password checks from this address or for this account (`rate_limited`); see `Retry-After`"),
    )
)]
#[delete("/me")]
pub async fn delete(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    caller: AuthUser,
    Json(body): Json<DeleteAccount>,
) -> Result<HttpResponse, AppError> {
    // The same per-account budget as POST /me/password: a wrong password here is a guess too.
    state.password_check_limiter.check(Some(&caller.id), state.clock.now())?;
    let ok = state.hasher.verify(&body.password, Some(caller.user.password_hash.clone())).await?;
    if !ok {
        return Err(AppError::Forbidden {
            code: "wrong_password",
            detail: "This is not the account's password; nothing was erased.".into(),
        });
    }
    let (now, holds, hold) = (state.clock.now(), state.username_holds(), state.config.username_hold);
    let user = (caller.user, caller.organization);
    state.db.run(move |conn| privacy::erase(conn, &user, &ErasePolicy { holds: &holds, hold }, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
