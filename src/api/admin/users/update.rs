use actix_web::{HttpResponse, patch, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::Member;
use crate::api::extract::{Json, nullable};
use crate::auth::{MemberManagers, Require};
use crate::domain::members::{self, Actor, MemberChanges};
use crate::domain::organizations::Scope;
use crate::domain::vocab::{Audience, Role};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// Admins only.
    pub role: Option<Role>,
    /// Move the member; org admins only within their subtree (another node is 404
    /// `unknown_reference`); `null` (admins only: 403 for org admins) detaches.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Option<Option<i64>>,
    /// `true` blocks the account at once and ends its sessions.
    pub disabled: Option<bool>,
    /// Set a learner's audience. Pupils' audiences (`primary`, `junior`) are set by staff
    /// only. Moving someone who may be under 14 into one needs `guardian_consent: true`
    /// unless consent is already recorded (`guardian_consent_required`).
    pub audience: Option<Audience>,
    /// The school holds a guardian's signed consent: records it, with who recorded it and
    /// when (audited). `false` or absent records nothing; consent is never withdrawn here.
    pub guardian_consent: Option<bool>,
}

/// Change a member's role (admins), organization, audience or disabled flag, or record a
/// guardian's consent.
///
/// Org admins change learners of their subtree only; staff accounts are placed, moved and
/// disabled by admins. Every change is in the audit log (`user.update`, with the
/// organization a member was moved from).
#[utoipa::path(
    operation_id = "update_user",
    tag = "admin: users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The updated member", body = Member),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Not allowed: role changes need admin; org admins change learners only (never staff, themselves included) and cannot detach a member (`organization_id: null`); nobody changes their own role or disables themselves"),
        (status = 404, description = "No such member in the caller's scope (`not_found`), or `organization_id` names no organization in the caller's scope (`unknown_reference`, with `errors` naming the field)"),
        (status = 422, description = "A field is invalid, or a move into a pupil audience of someone who may be under 14 lacks `guardian_consent: true` (`guardian_consent_required`)"),
    )
)]
#[patch("/admin/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<MemberManagers, Json<UpdateUser>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = Actor { id: caller.id, role: caller.role, scope: Scope::of(caller.role, caller.org_path()) };
    let (now, tz) = (state.clock.now(), state.config.timezone);
    let target = id.into_inner();
    let member = state
        .db
        .run(move |conn| {
            let changes = MemberChanges {
                role: body.role,
                organization_id: body.organization_id,
                disabled: body.disabled,
                audience: body.audience,
                guardian_consent: body.guardian_consent == Some(true),
            };
            members::update(conn, &actor, target, &changes, now, tz)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Member::from(member)))
}
