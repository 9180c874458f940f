use actix_web::{HttpResponse, delete, post, web};

use super::StaffQuiz;
use crate::api::admin::contents::transitions::{ApproveBody, RejectBody};
use crate::api::extract::{Json, OptionalJson};
use crate::auth::{ContentStaff, Require, Reviewers};
use crate::domain::quizzes;
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
    let row = state
        .db
        .run(move |conn| {
            quizzes::transition(conn, actor, id, step, publish_at, reason.as_deref(), now)?;
            quizzes::staff_view(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffQuiz::from(row)))
}

/// Send a draft quiz, or the pending change of a published one, for review; the caller
/// is recorded as `submitted_by` and may not approve it.
#[utoipa::path(
    operation_id = "admin_submit_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses((status = 200, description = "In review (the draft, or its `revision`)", body = StaffQuiz), (status = 403, description = "Not the author or a reviewer"), (status = 404, description = "No such quiz"), (status = 409, description = "Neither a draft nor a published quiz with a draft change (`invalid_state`)"))
)]
#[post("/admin/quizzes/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    apply(&state, Actor { id: caller.id, role: caller.role }, id.into_inner(), Transition::Submit, None, None).await
}

/// Approve what is in review: a draft quiz is published now or at `publish_at`; the
/// pending change of a published quiz goes live at once (it cannot be scheduled). Nobody
/// who wrote or submitted the revision may approve it.
#[utoipa::path(
    operation_id = "admin_approve_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    request_body(content = Option<ApproveBody>, description = "Optional; an empty body publishes now"),
    responses((status = 200, description = "Published, scheduled, or the change applied", body = StaffQuiz), (status = 403, description = "Needs reviewer or admin who neither wrote nor submitted the revision"), (status = 404, description = "No such quiz"), (status = 409, description = "Nothing in review (`invalid_state`)"), (status = 422, description = "`publish_at` in the future for a change to a published quiz (`validation_failed`)"))
)]
#[post("/admin/quizzes/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    Require { user: caller, body: OptionalJson(body), .. }: Require<Reviewers, OptionalJson<ApproveBody>>,
) -> Result<HttpResponse, AppError> {
    let publish_at = body.and_then(|b| b.publish_at);
    apply(&state, Actor { id: caller.id, role: caller.role }, id.into_inner(), Transition::Approve, publish_at, None)
        .await
}

/// Send what is in review back with a reason: a draft quiz back to draft, the pending
/// change of a published quiz back to a draft change (the published quiz stays live).
#[utoipa::path(
    operation_id = "admin_reject_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    request_body = RejectBody,
    responses((status = 200, description = "Back to draft (the quiz, or its `revision`)", body = StaffQuiz), (status = 403, description = "Needs reviewer or admin"), (status = 404, description = "No such quiz"), (status = 409, description = "Nothing in review (`invalid_state`)"))
)]
#[post("/admin/quizzes/{id}/reject")]
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

/// Discard the pending change of a published quiz (its author, a writer of the change or
/// a reviewer); the published quiz is untouched. Idempotent.
#[utoipa::path(
    operation_id = "admin_discard_quiz_revision", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses((status = 204, description = "No pending change any more"), (status = 403, description = "Not the author, a writer of the change or a reviewer"), (status = 404, description = "No such quiz"), (status = 409, description = "Not published: a draft is edited or archived instead (`invalid_state`)"))
)]
#[delete("/admin/quizzes/{id}/revision")]
pub async fn discard(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (Actor { id: caller.id, role: caller.role }, state.clock.now(), id.into_inner());
    state.db.run(move |conn| quizzes::transition(conn, actor, id, Transition::Discard, None, None, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
