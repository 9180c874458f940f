use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::me::OrgRef;
use crate::auth::{MemberManagers, Require};
use crate::clock::utc;
use crate::domain::members::Actor;
use crate::domain::organizations::Scope;
use crate::domain::privacy;
use crate::domain::vocab::{Audience, Role};
use crate::error::AppError;
use crate::startup::AppState;

/// A member's account with its personal details (the fields of `Member`, and more).
/// Reading it is recorded in the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDetail {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub audience: Audience,
    pub organization: Option<OrgRef>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub birth_year: Option<i32>,
    /// When a guardian's consent was recorded.
    pub guardian_consent_at: Option<DateTime<Utc>>,
    /// The staff member who recorded it for the learner (a school holding the signed
    /// form); `null` when the learner's guardian consented at registration.
    pub guardian_consent_by: Option<i64>,
    /// The school's number for the pupil, from a roster.
    pub student_number: Option<String>,
    /// Set while the member still has a temporary password (a roster's initial password
    /// or a reset) not yet replaced: when it stops working.
    pub temporary_password_expires_at: Option<DateTime<Utc>>,
    pub locale: String,
    /// When the account was erased by its owner (its personal fields are gone).
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A member's account, personal details included (audited as `user.read`).
#[utoipa::path(
    operation_id = "get_user",
    tag = "admin: users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The member", body = MemberDetail),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin"),
        (status = 404, description = "No such member in the caller's scope"),
    )
)]
#[get("/admin/users/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    Require { user: caller, .. }: Require<MemberManagers>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = Actor { id: caller.id, role: caller.role, scope: Scope::of(caller.role, caller.org_path()) };
    let (now, id) = (state.clock.now(), id.into_inner());
    let (user, org) = state.db.run(move |conn| privacy::read_member(conn, &actor, id, now)).await?;
    let detail = MemberDetail {
        id: user.id,
        role: Role::parse(&user.role).unwrap_or(Role::Learner),
        audience: Audience::parse(&user.audience).unwrap_or(Audience::Public),
        organization: org.as_ref().map(OrgRef::from_row),
        disabled: user.disabled,
        created_at: utc(user.created_at),
        updated_at: utc(user.updated_at),
        birth_year: user.birth_year,
        guardian_consent_at: user.guardian_consent_at.map(utc),
        guardian_consent_by: user.guardian_consent_by,
        student_number: user.student_number,
        temporary_password_expires_at: user.password_temporary_until.map(utc),
        deleted_at: user.deleted_at.map(utc),
        username: user.username,
        display_name: user.display_name,
        locale: user.locale,
    };
    Ok(HttpResponse::Ok().json(detail))
}
