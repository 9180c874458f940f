use actix_web::{HttpResponse, post, web};

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

/// Send a draft campaign for review.
#[utoipa::path(
    operation_id = "admin_submit_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses((status = 200, description = "In review", body = StaffCampaign), (status = 403, description = "Not the author or a reviewer"), (status = 404, description = "No such campaign"), (status = 409, description = "Not a draft (`invalid_state`)"))
)]
#[post("/admin/campaigns/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    apply(&state, Actor { id: caller.id, role: caller.role }, id.into_inner(), Transition::Submit, None, None).await
}

/// Approve a campaign in review (now or at `publish_at`); nobody approves their own.
#[utoipa::path(
    operation_id = "admin_approve_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    request_body(content = Option<ApproveBody>, description = "Optional; an empty body publishes now"),
    responses((status = 200, description = "Published or scheduled", body = StaffCampaign), (status = 403, description = "Needs reviewer or admin, and not the author"), (status = 404, description = "No such campaign"), (status = 409, description = "Not in review (`invalid_state`)"))
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

/// Send a campaign in review back to draft with a reason.
#[utoipa::path(
    operation_id = "admin_reject_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = RejectBody,
    responses((status = 200, description = "Back to draft", body = StaffCampaign), (status = 403, description = "Needs reviewer or admin"), (status = 404, description = "No such campaign"), (status = 409, description = "Not in review (`invalid_state`)"))
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
