use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{AuthRateLimit, TokenPair, token_response};
use crate::api::extract::Json;
use crate::auth::password::Password;
use crate::db::models::users::UserWithOrg;
use crate::domain::{accounts, points, sessions, temporary_passwords};
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
/// A forgotten password has no self-service reset (no email or SMS is assumed): a
/// teacher, unit admin or admin issues a temporary password
/// (`POST /admin/users/{id}/password-reset`), which is replaced at `POST /auth/password`.
///
/// Two limits apply, both answered with 429 `rate_limited` and `Retry-After` before any
/// password is hashed: requests per client address (high, for a school behind one NAT
/// address) and wrong passwords per username, counted for names no account has too.
#[utoipa::path(
    operation_id = "login",
    tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; tokens issued", body = TokenPair),
        (status = 401, description = "Wrong username or password (`invalid_credentials`)"),
        (status = 403, description = "The account is disabled (`account_disabled`); or the password is a temporary one issued by staff (a roster's initial password or a reset), which starts no session: `password_change_required` while it is valid (choose a new one with `POST /auth/password`), `temporary_password_expired` after (staff issue a new one). Only a right password gets these codes."),
        (status = 429, description = "Too many attempts (`rate_limited`; see `Retry-After`): either too many requests from this client address (`TONGXIN_AUTH_RATE_PER_MIN`, high enough for a school behind one NAT address) or too many wrong passwords for this username (`TONGXIN_LOGIN_FAILURES_PER_MIN`; every username is limited alike, whether or not an account has it, and while it is limited even the right password is refused)"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    Json(body): Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let user = verify_login(&state, &body.username, &body.password).await?;
    let now = state.clock.now();
    temporary_passwords::require_chosen(&user.0, now)?;
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

/// The account whose username and password these are, under the per-name failure limit;
/// 401 `invalid_credentials` when they match none, 403 `account_disabled` for a disabled one.
pub(super) async fn verify_login(
    state: &AppState,
    username: &str,
    password: &Password,
) -> Result<UserWithOrg, AppError> {
    // Counted as a wrong password before hashing, and given back unless it was one: so
    // concurrent guesses cannot overrun the budget, and a locked name costs no hash.
    let key = accounts::login_key(username);
    state.login_failure_limiter.check(Some(&key), state.clock.now())?;
    let checked = check_credentials(state, username, password).await;
    if !matches!(checked, Ok(None)) {
        state.login_failure_limiter.give_back(&key, state.clock.now());
    }
    let Some(user) = checked? else {
        return Err(AppError::unauthorized("invalid_credentials", "Wrong username or password."));
    };
    if user.0.disabled {
        return Err(AppError::Forbidden { code: "account_disabled", detail: "This account has been disabled.".into() });
    }
    Ok(user)
}

/// The account if the username and password match one, `None` if not (same time either way).
async fn check_credentials(
    state: &AppState,
    username: &str,
    password: &Password,
) -> Result<Option<UserWithOrg>, AppError> {
    let found = match accounts::check_username(username) {
        Ok(name) => state.db.run(move |conn| accounts::find_by_username(conn, &name)).await?,
        Err(_) => None,
    };
    let hash = found.as_ref().map(|(user, _)| user.password_hash.clone());
    let verified = state.hasher.verify(password, hash).await?;
    Ok(found.filter(|_| verified))
}
