//! The review workflow: submit, approve, reject, and discarding a pending change.

use actix_web::{HttpResponse, delete, post, web};
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

/// Send a draft, or the pending change of a published content, for review (its author or
/// a reviewer). The caller is recorded as `submitted_by` and may not approve it.
#[utoipa::path(
    operation_id = "admin_submit_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses(
        (status = 200, description = "Now in review (the draft, or its `revision`)", body = StaffContent),
        (status = 403, description = "Not the author or a reviewer"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Neither a draft nor a published content with a draft change (`invalid_state`)"),
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
    /// Publish at this time instead of now (scheduled publishing). Only for a first
    /// publication: a change to a published item goes live when it is approved, and a
    /// time in the future is refused for it (422, field `publish_at`).
    pub publish_at: Option<DateTime<Utc>>,
}

/// Approve what is in review: a draft is published now or scheduled for `publish_at`; the
/// pending change of a published content replaces the published version at once (feed,
/// detail, search, media and cached pages alike). Four eyes: nobody who wrote the revision
/// (`revised_by`) or submitted it (`submitted_by`) may approve it.
#[utoipa::path(
    operation_id = "admin_approve_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    request_body(content = Option<ApproveBody>, description = "Optional; an empty body publishes now"),
    responses(
        (status = 200, description = "Published, scheduled, or the change applied", body = StaffContent),
        (status = 403, description = "Needs reviewer or admin who neither wrote nor submitted the revision"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Nothing in review (`invalid_state`)"),
        (status = 422, description = "`publish_at` in the future for a change to a published content (`validation_failed`)"),
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
    /// What the author should change: 1–500 characters, not only white space (stored
    /// trimmed).
    #[schema(
        example = "请补充史料出处",
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub reason: String,
}

/// Send what is in review back to its writers with a reason: a draft back to draft, the
/// pending change of a published content back to a draft change (the published version
/// stays live; nothing is discarded).
#[utoipa::path(
    operation_id = "admin_reject_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    request_body = RejectBody,
    responses(
        (status = 200, description = "Back to draft (the item, or its `revision`)", body = StaffContent),
        (status = 403, description = "Needs reviewer or admin"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Nothing in review (`invalid_state`)"),
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

/// Discard the pending change of a published content (its author, a writer of the change
/// or a reviewer). The published version is untouched. Idempotent: with no pending change
/// there is nothing to do.
#[utoipa::path(
    operation_id = "admin_discard_content_revision",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    responses(
        (status = 204, description = "No pending change any more"),
        (status = 403, description = "Not the author, a writer of the change or a reviewer"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Not published: a draft is edited or archived instead (`invalid_state`)"),
    )
)]
#[delete("/admin/contents/{id}/revision")]
pub async fn discard(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (actor(&caller), state.clock.now(), id.into_inner());
    state.db.run(move |conn| contents::discard_revision(conn, actor, id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
