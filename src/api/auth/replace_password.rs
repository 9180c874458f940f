use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::login::verify_login;
use super::{AuthRateLimit, TokenPair, token_response};
use crate::api::extract::Json;
use crate::auth::password::Password;
use crate::domain::temporary_passwords::{self, Standing};
use crate::domain::{accounts, points};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplacePassword {
    #[schema(example = "zhangsan01")]
    pub username: String,
    /// The current password: usually the temporary one from a roster sheet or a reset.
    #[schema(value_type = String, format = Password)]
    pub password: Password,
    /// 10–128 characters mixing at least two of: a–z, A–Z, 0–9, anything else; not the
    /// username, not the current password.
    #[schema(value_type = String, format = Password, min_length = 10, max_length = 128, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*(?:[a-z][^a-z\u0000-\u001F\u007F-\u009F]|[A-Z][^A-Z\u0000-\u001F\u007F-\u009F]|[0-9][^0-9\u0000-\u001F\u007F-\u009F]|[^a-zA-Z0-9\u0000-\u001F\u007F-\u009F][a-zA-Z0-9])[^\u0000-\u001F\u007F-\u009F]*$")]
    pub new_password: Password,
}

/// Choose a new password with the current one, and sign in.
///
/// The way out of a temporary password (a roster's initial password or a staff reset),
/// which `/auth/login` refuses with 403 `password_change_required`: the new password
/// replaces it, every other session of the account ends, and a new session starts. It
/// works for a chosen password too. A learner who forgot their password has no
/// self-service path: a teacher or unit admin issues a reset
/// (`POST /admin/users/{id}/password-reset`).
///
/// Limited like login (per client address, and wrong passwords per username). The
/// new password must differ from the current one (a rule between two fields).
#[utoipa::path(
    operation_id = "replace_password",
    tag = "auth",
    security(()),
    request_body = ReplacePassword,
    responses(
        (status = 200, description = "Password replaced; signed in with a new session", body = TokenPair),
        (status = 401, description = "Wrong username or password (`invalid_credentials`)"),
        (status = 403, description = "The account is disabled (`account_disabled`), or the temporary password has expired (`temporary_password_expired`: staff issue a new one)"),
        (status = 422, description = "The new password breaks the documented rules, is the username or is the current password; nothing was checked or changed"),
        (status = 429, description = "Too many attempts (`rate_limited`; see `Retry-After`), as for login"),
    )
)]
#[post("/auth/password")]
pub async fn replace_password(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    Json(body): Json<ReplacePassword>,
) -> Result<HttpResponse, AppError> {
    // The new password's own rules first: a request that cannot succeed costs no hash.
    let key = accounts::check_username(&body.username).ok().map(|name| name.key);
    accounts::check_password("new_password", body.new_password.expose(), key.as_deref())
        .map_err(|e| AppError::Validation(vec![e]))?;
    if body.new_password.expose() == body.password.expose() {
        return Err(AppError::validation("new_password", "must differ from the current password"));
    }
    let user = verify_login(&state, &body.username, &body.password).await?;
    let now = state.clock.now();
    if temporary_passwords::standing(&user.0, now) == Standing::Expired {
        return Err(temporary_passwords::expired());
    }
    let hash = state.hasher.hash(&body.new_password).await?;
    let (ttl, tz) = (state.config.refresh_token_ttl, state.config.timezone);
    let who = points::Earner::of(user.0.id, user.0.organization_id, &user.0.role);
    let old_hash = user.0.password_hash.clone();
    let (issued, user) = state
        .db
        .run(move |conn| {
            let started = accounts::replace_password_and_start(conn, who.user_id, &old_hash, &hash, now, ttl)?;
            points::touch_day(conn, who, now, tz)?;
            Ok(started)
        })
        .await?;
    token_response(&state, user, &issued, StatusCode::OK)
}
