//! The review workflow: submit, approve, reject.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{StaffContent, actor};
use crate::api::extract::{Json, OptionalJson};
use crate::auth::{ContentStaff, Require, Reviewers};
use crate::domain::contents;
use crate::error::AppError;
use crate::startup::AppState;

async fn respond(state: &AppState, id: i64) -> Result<HttpResponse, AppError> {
    let data = state.db.run(move |conn| contents::staff_view(conn, id)).await?;
    Ok(HttpResponse::Ok().json(StaffContent::from_data(data)))
}

/// Send a draft for review (its author or a reviewer).
#[utoipa::path(
    operation_id = "admin_submit_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses(
        (status = 200, description = "Now in review", body = StaffContent),
        (status = 403, description = "Not the author or a reviewer"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Not a draft (`invalid_state`)"),
    )
)]
#[post("/admin/contents/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (actor(&caller), state.clock.now(), id.into_inner());
    state.db.run(move |conn| contents::submit(conn, actor, id, now)).await?;
    respond(&state, id).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// Publish at this time instead of now (scheduled publishing).
    pub publish_at: Option<DateTime<Utc>>,
}

/// Approve an item in review: published now, or scheduled for `publish_at`. Nobody
/// approves their own work.
#[utoipa::path(
    operation_id = "admin_approve_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    request_body(content = Option<ApproveBody>, description = "Optional; an empty body publishes now"),
    responses(
        (status = 200, description = "Published or scheduled", body = StaffContent),
        (status = 403, description = "Needs reviewer or admin, and not the author"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Not in review (`invalid_state`)"),
    )
)]
#[post("/admin/contents/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    Require { user: caller, body: OptionalJson(body), .. }: Require<Reviewers, OptionalJson<ApproveBody>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let publish_at = body.and_then(|b| b.publish_at);
    let (actor, now, id) = (actor(&caller), state.clock.now(), id.into_inner());
    state.db.run(move |conn| contents::approve(conn, actor, id, publish_at, now)).await?;
    respond(&state, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// What the author should change (1–500 characters).
    #[schema(example = "请补充史料出处")]
    pub reason: String,
}

/// Send an item in review back to draft, with a reason.
#[utoipa::path(
    operation_id = "admin_reject_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    request_body = RejectBody,
    responses(
        (status = 200, description = "Back to draft", body = StaffContent),
        (status = 403, description = "Needs reviewer or admin"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Not in review (`invalid_state`)"),
    )
)]
#[post("/admin/contents/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<Reviewers, Json<RejectBody>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (actor(&caller), state.clock.now(), id.into_inner());
    state.db.run(move |conn| contents::reject(conn, actor, id, &body.reason, now)).await?;
    respond(&state, id).await
}
