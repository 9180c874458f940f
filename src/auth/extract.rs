//! `AuthUser`: the caller behind a valid bearer token, loaded fresh from the database on
//! every request so that a disabled or deleted account stops working at once, a role
//! change applies at once, and a token whose session has ended (logout, refresh-token
//! reuse, a password change elsewhere) is refused at once, on every instance.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::db::models::organizations::OrganizationRow;
use crate::db::models::users::{self as user_db, UserRow};
use crate::domain::vocab::Role;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    /// The session (refresh-token family) the access token belongs to.
    pub session: String,
    pub user: UserRow,
    pub organization: Option<OrganizationRow>,
}

impl AuthUser {
    /// The materialized path of the caller's organization, if they belong to one.
    pub fn org_path(&self) -> Option<&str> {
        self.organization.as_ref().map(|o| o.path.as_str())
    }
}

fn bearer(req: &HttpRequest) -> Result<String, AppError> {
    let missing = || {
        AppError::unauthorized("unauthorized", "This endpoint needs an access token: Authorization: Bearer <token>.")
    };
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(missing)?;
    let text = value.to_str().map_err(|_| missing())?;
    let (scheme, token) = text.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim().to_owned())
}

/// The caller when a token is sent, or nobody. A token that is sent must be valid.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl MaybeAuthUser {
    pub fn id(&self) -> Option<i64> {
        self.0.as_ref().map(|u| u.id)
    }
    pub fn role(&self) -> Option<Role> {
        self.0.as_ref().map(|u| u.role)
    }
}

impl FromRequest for MaybeAuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().contains_key(header::AUTHORIZATION) {
            let user = AuthUser::from_request(req, payload);
            Box::pin(async move { user.await.map(|u| MaybeAuthUser(Some(u))) })
        } else {
            Box::pin(async { Ok(MaybeAuthUser(None)) })
        }
    }
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))?;
            let claims = state.keys.verify(&token?, state.clock.now())?;
            let id: i64 = claims
                .sub
                .parse()
                .map_err(|_| AppError::unauthorized("invalid_token", "The access token is invalid."))?;
            let session = claims.sid.clone();
            let found = state.db.run(move |conn| Ok(user_db::find_caller(conn, id, &session)?)).await?;
            let gone = || AppError::unauthorized("unauthorized", "This account no longer exists or is disabled.");
            let ((user, organization), alive) = found.ok_or_else(gone)?;
            if user.disabled {
                return Err(gone());
            }
            if !alive {
                return Err(AppError::unauthorized(
                    "session_ended",
                    "This session has ended (logged out, password changed elsewhere, or its refresh token \
                     was reused); log in again.",
                ));
            }
            let role = Role::parse(&user.role)
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown role in database")))?;
            Ok(AuthUser { id, role, session: claims.sid, user, organization })
        })
    }
}

/// A role rule checked while extracting the caller, before the body is read: a caller
/// without the right role gets 403 whatever they sent.
pub trait RoleRule {
    fn check(role: Role) -> Result<(), AppError>;
}

/// Editors, reviewers and admins.
pub struct ContentStaff;
/// Reviewers and admins.
pub struct Reviewers;
/// Admins and org admins (each within their scope).
pub struct MemberManagers;
/// Admins only.
pub struct Admins;

impl RoleRule for ContentStaff {
    fn check(role: Role) -> Result<(), AppError> {
        crate::domain::contents::require_editor(role)
    }
}

impl RoleRule for Reviewers {
    fn check(role: Role) -> Result<(), AppError> {
        if role.reviews_content() { Ok(()) } else { Err(AppError::forbidden("This needs the reviewer or admin role.")) }
    }
}

impl RoleRule for MemberManagers {
    fn check(role: Role) -> Result<(), AppError> {
        crate::domain::roles::require_member_manager(role)
    }
}

impl RoleRule for Admins {
    fn check(role: Role) -> Result<(), AppError> {
        crate::domain::roles::require_admin(role)
    }
}

/// The caller, who must satisfy `R`, and the request body `B` (none by default). The
/// body is read only after the caller is authorized, so a caller without the right role
/// gets 403 whatever they sent (extractors of one handler otherwise run side by side).
/// It takes the request's payload: a handler reads its body through `B`, never through
/// a second extractor.
pub struct Require<R, B = ()> {
    pub user: AuthUser,
    pub body: B,
    rule: std::marker::PhantomData<R>,
}

impl<R, B> std::ops::Deref for Require<R, B> {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl<R, B> FromRequest for Require<R, B>
where
    R: RoleRule + 'static,
    B: FromRequest + 'static,
{
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        let user = AuthUser::from_request(&req, &mut Payload::None);
        Box::pin(async move {
            let user = user.await?;
            R::check(user.role)?;
            let body = B::from_request(&req, &mut payload).await.map_err(Into::into)?;
            Ok(Require { user, body, rule: std::marker::PhantomData })
        })
    }
}
