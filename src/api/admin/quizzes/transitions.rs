use actix_web::{HttpResponse, post, web};

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
            quizzes::find(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffQuiz::from(row)))
}

/// Send a draft quiz for review.
#[utoipa::path(
    operation_id = "admin_submit_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses((status = 200, description = "In review", body = StaffQuiz), (status = 403, description = "Not the author or a reviewer"), (status = 404, description = "No such quiz"), (status = 409, description = "Not a draft (`invalid_state`)"))
)]
#[post("/admin/quizzes/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    apply(&state, Actor { id: caller.id, role: caller.role }, id.into_inner(), Transition::Submit, None, None).await
}

/// Approve a quiz in review (now or at `publish_at`); nobody approves their own.
#[utoipa::path(
    operation_id = "admin_approve_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    request_body(content = Option<ApproveBody>, description = "Optional; an empty body publishes now"),
    responses((status = 200, description = "Published or scheduled", body = StaffQuiz), (status = 403, description = "Needs reviewer or admin, and not the author"), (status = 404, description = "No such quiz"), (status = 409, description = "Not in review (`invalid_state`)"))
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

/// Send a quiz in review back to draft with a reason.
#[utoipa::path(
    operation_id = "admin_reject_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    request_body = RejectBody,
    responses((status = 200, description = "Back to draft", body = StaffQuiz), (status = 403, description = "Needs reviewer or admin"), (status = 404, description = "No such quiz"), (status = 409, description = "Not in review (`invalid_state`)"))
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
