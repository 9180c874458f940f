use actix_web::{HttpResponse, delete, post, web};

use super::StaffCampaign;
use super::manage::respond;
use crate::api::admin::contents::transitions::{ApproveBody, RejectBody};
use crate::api::extract::{Json, OptionalJson};
use crate::auth::{ContentStaff, Require, Reviewers};
use crate::domain::campaigns;
use crate::domain::workflow::{Actor, Transition};
use crate::error::AppError;
use crate::startup::AppState;

async fn apply(
    state: &AppState,
    actor: Actor,
    id: i64,
    step: Transition,
    publish_at: Option<chrono::DateTime<chrono::Utc>>,
    reason: Option<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    state.db.run(move |conn| campaigns::transition(conn, actor, id, step, publish_at, reason.as_deref(), now)).await?;
    Ok(HttpResponse::Ok().json(respond(state, id).await?))
}

/// Send a draft campaign, or the pending change of a published one, for review; the
/// caller is recorded as `submitted_by` and may not approve it.
#[utoipa::path(
    operation_id = "admin_submit_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses((status = 200, description = "In review (the draft, or its `revision`)", body = StaffCampaign), (status = 403, description = "Not the author or a reviewer"), (status = 404, description = "No such campaign"), (status = 409, description = "Neither a draft nor a published campaign with a draft change (`invalid_state`)"))
)]
#[post("/admin/campaigns/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    apply(&state, Actor { id: caller.id, role: caller.role }, id.into_inner(), Transition::Submit, None, None).await
}

/// Approve what is in review: a draft campaign is published now or at `publish_at`; the
/// pending change of a published campaign (settings and attachments) goes live at once
/// (it cannot be scheduled). Nobody who wrote or submitted the revision may approve it.
#[utoipa::path(
    operation_id = "admin_approve_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    request_body(content = Option<ApproveBody>, description = "Optional; an empty body publishes now"),
    responses((status = 200, description = "Published, scheduled, or the change applied", body = StaffCampaign), (status = 403, description = "Needs reviewer or admin who neither wrote nor submitted the revision"), (status = 404, description = "No such campaign"), (status = 409, description = "Nothing in review (`invalid_state`)"), (status = 422, description = "`publish_at` in the future for a change to a published campaign (`validation_failed`)"))
)]
#[post("/admin/campaigns/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    Require { user: caller, body: OptionalJson(body), .. }: Require<Reviewers, OptionalJson<ApproveBody>>,
) -> Result<HttpResponse, AppError> {
    let publish_at = body.and_then(|b| b.publish_at);
    apply(&state, Actor { id: caller.id, role: caller.role }, id.into_inner(), Transition::Approve, publish_at, None)
        .await
}

/// Send what is in review back with a reason: a draft campaign back to draft, the pending
/// change of a published campaign back to a draft change (the published campaign stays
/// live).
#[utoipa::path(
    operation_id = "admin_reject_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = RejectBody,
    responses((status = 200, description = "Back to draft (the campaign, or its `revision`)", body = StaffCampaign), (status = 403, description = "Needs reviewer or admin"), (status = 404, description = "No such campaign"), (status = 409, description = "Nothing in review (`invalid_state`)"))
)]
#[post("/admin/campaigns/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    Require { user: caller, body: Json(body), .. }: Require<Reviewers, Json<RejectBody>>,
) -> Result<HttpResponse, AppError> {
    apply(
        &state,
        Actor { id: caller.id, role: caller.role },
        id.into_inner(),
        Transition::Reject,
        None,
        Some(body.reason),
    )
    .await
}

/// Discard the pending change of a published campaign (its author, a writer of the change
/// or a reviewer); the published campaign is untouched. Idempotent.
#[utoipa::path(
    operation_id = "admin_discard_campaign_revision", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses((status = 204, description = "No pending change any more"), (status = 403, description = "Not the author, a writer of the change or a reviewer"), (status = 404, description = "No such campaign"), (status = 409, description = "Not published: a draft is edited or archived instead (`invalid_state`)"))
)]
#[delete("/admin/campaigns/{id}/revision")]
pub async fn discard(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (Actor { id: caller.id, role: caller.role }, state.clock.now(), id.into_inner());
    state.db.run(move |conn| campaigns::transition(conn, actor, id, Transition::Discard, None, None, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
