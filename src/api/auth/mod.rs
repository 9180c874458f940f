//! Registration, login and the token lifecycle.

pub mod login;
pub mod logout;
pub mod refresh;
pub mod register;
pub mod replace_password;

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::me::Profile;
use crate::auth::client_ip::client_ip;
use crate::auth::jwt::KeySet;
use crate::db::models::users::UserWithOrg;
use crate::domain::sessions::IssuedRefresh;
use crate::domain::vocab::Role;
use crate::error::AppError;
use crate::startup::AppState;

/// A fresh access token and refresh token, with the account they belong to.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub user: Profile,
    /// A JWT for `Authorization: Bearer`; short-lived.
    pub access_token: String,
    /// Opaque; exchange it at `/auth/refresh` for a new pair. Single use.
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

/// Builds the token response. Token responses are never cached (RFC 6749 §5.1).
pub fn token_response(
    state: &AppState,
    (user, org): UserWithOrg,
    issued: &IssuedRefresh,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let role = Role::parse(&user.role).unwrap_or(Role::Learner);
    let claims =
        KeySet::access_claims(user.id, role, &issued.family_id, state.clock.now(), state.config.access_token_ttl);
    let body = TokenPair {
        access_token: state.keys.issue(&claims)?,
        refresh_token: issued.token.clone(),
        token_type: "Bearer",
        expires_in: state.config.access_token_ttl.as_secs(),
        refresh_expires_in: state.config.refresh_token_ttl.as_secs(),
        user: Profile::from_rows(&user, org.as_ref()),
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}

/// Counts a login, register or password-check attempt against the caller's address. Put
/// it first among a handler's arguments so even malformed requests are counted.
pub struct AuthRateLimit;

impl FromRequest for AuthRateLimit {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<AppState>>() {
            Some(state) => {
                let ip = client_ip(req, &state.config.trusted_proxies);
                state.auth_limiter.check(ip.as_ref(), state.clock.now()).map(|()| AuthRateLimit)
            }
            None => Err(AppError::internal(anyhow::anyhow!("AppState missing"))),
        };
        std::future::ready(result)
    }
}
