use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::Json;
use crate::auth::password::Password;
use crate::auth::{MemberManagers, Require};
use crate::domain::members::Actor;
use crate::domain::organizations::Scope;
use crate::domain::temporary_passwords::{self, RESET_DEFAULT_HOURS};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// How many hours the temporary password works; 72 when left out.
    #[schema(minimum = 1, maximum = 168, example = 72)]
    pub valid_hours: Option<u32>,
}

/// A temporary password, shown this once: the server keeps only its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordReset {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// Eight letters and digits in two groups (`k7mp-3x9a`), without look-alikes.
    #[schema(example = "k7mp-3x9a")]
    pub temporary_password: String,
    /// After this the temporary password no longer works.
    pub expires_at: DateTime<Utc>,
}

/// Reset a member's password (the answer to a forgotten password).
///
/// Gives the member a temporary password, shown once in this response, and ends every
/// session of theirs at once (all refresh tokens are revoked). The temporary password
/// starts no session: at `/auth/login` it answers 403 `password_change_required`, and
/// the member chooses a new password with `POST /auth/password`, which signs them in.
/// Nothing is sent by email or SMS: staff hand the password over. There is no
/// self-service reset. Org admins reset learners of their subtree; admins reset anyone
/// but themselves. Audited (`user.password_reset`, without the password).
#[utoipa::path(
    operation_id = "reset_user_password",
    tag = "admin: users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = PasswordResetRequest,
    responses(
        (status = 201, description = "The temporary password, shown once (`Cache-Control: no-store`)", body = PasswordReset),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not allowed: learners, editors and reviewers; an org admin resetting staff; anyone resetting themselves"),
        (status = 404, description = "No such member in the caller's scope (`not_found`)"),
        (status = 422, description = "A field is invalid"),
    )
)]
#[post("/admin/users/{id}/password-reset")]
pub async fn reset_password(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<MemberManagers, Json<PasswordResetRequest>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let hours = body.valid_hours.unwrap_or(RESET_DEFAULT_HOURS);
    if !(1..=temporary_passwords::RESET_MAX_HOURS).contains(&hours) {
        return Err(AppError::validation("valid_hours", "must be between 1 and 168"));
    }
    let actor = Actor { id: caller.id, role: caller.role, scope: Scope::of(caller.role, caller.org_path()) };
    let now = state.clock.now();
    let until = now + Duration::hours(i64::from(hours));
    let password = temporary_passwords::generate();
    let hash = state.hasher.hash(&Password::new(password.clone())).await?;
    let target = id.into_inner();
    let (user, _) =
        state.db.run(move |conn| temporary_passwords::issue_reset(conn, &actor, target, &hash, until, now)).await?;
    let body = PasswordReset {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        temporary_password: password,
        expires_at: until,
    };
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}
