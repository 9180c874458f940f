use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{StaffQuiz, StaffQuizPage};
use crate::api::admin::contents::{RevisionStatus, WorkflowStatus};
use crate::api::extract::{Json, Query};
use crate::api::pagination;
use crate::auth::{ContentStaff, Require};
use crate::domain::quizzes::{self, Mode, QuizInput};
use crate::domain::workflow::{Actor, Transition};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StaffQuizParams {
    pub status: Option<WorkflowStatus>,
    /// Only published quizzes with a pending change in this state (`in_review`: the
    /// changes waiting for a reviewer).
    pub revision_status: Option<RevisionStatus>,
    pub mode: Option<Mode>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Quizzes in every state, newest first.
#[utoipa::path(
    operation_id = "admin_list_quizzes", tag = "admin: quizzes", security(("bearer" = [])),
    params(StaffQuizParams),
    responses((status = 200, description = "A page of quizzes", body = StaffQuizPage), (status = 400, description = "Bad cursor (`invalid_cursor`)"), (status = 403, description = "Needs editor, reviewer or admin"))
)]
#[get("/admin/quizzes")]
pub async fn list(
    state: web::Data<AppState>,
    Require { body: Query(params), .. }: Require<ContentStaff, Query<StaffQuizParams>>,
) -> Result<HttpResponse, AppError> {
    let status = params.status.map(WorkflowStatus::status);
    let revision = params.revision_status.map(RevisionStatus::status);
    let (limit, before) = (pagination::limit(params.limit)?, pagination::decode_cursor(params.cursor.as_deref())?);
    let mode = params.mode;
    let (rows, next) =
        state.db.run(move |conn| quizzes::staff_list(conn, status, revision, mode, before, limit)).await?;
    Ok(HttpResponse::Ok().json(StaffQuizPage {
        items: rows.into_iter().map(StaffQuiz::from).collect(),
        next_cursor: next.map(pagination::encode_cursor),
    }))
}

async fn respond(state: &AppState, id: i64) -> Result<StaffQuiz, AppError> {
    Ok(StaffQuiz::from(state.db.run(move |conn| quizzes::staff_view(conn, id)).await?))
}

/// Create a draft quiz: fixed `question_ids` or a `draw`, and its rules.
///
/// Rules between fields: give `question_ids` or `draw`, not both; a `daily` quiz has a
/// `draw`; `closes_at` is after `opens_at`; `review` `after_close` needs a `closes_at`.
/// Broken, they are 422. A question id or draw topic naming nothing is 404
/// `unknown_reference`; a draw the bank cannot fill is 409 `conflict`.
#[utoipa::path(
    operation_id = "admin_create_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    request_body = QuizInput,
    responses(
        (status = 201, description = "The new draft", body = StaffQuiz, headers(("Location" = String))),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 404, description = "A question or draw topic named does not exist (`unknown_reference`)"),
        (status = 409, description = "The bank has fewer matching questions than `draw.count` (`conflict`)"),
    )
)]
#[post("/admin/quizzes")]
pub async fn create(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(input), .. }: Require<ContentStaff, Json<QuizInput>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now) = (Actor { id: caller.id, role: caller.role }, state.clock.now());
    let id = state.db.run(move |conn| quizzes::create(conn, actor, &input, now)).await?;
    let body = respond(&state, id).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/admin/quizzes/{id}"))).json(body))
}

/// One quiz in any state, with its pending change (`revision`) if it is published.
#[utoipa::path(
    operation_id = "admin_get_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses((status = 200, description = "The quiz", body = StaffQuiz), (status = 403, description = "Needs editor, reviewer or admin"), (status = 404, description = "No such quiz"))
)]
#[get("/admin/quizzes/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    _caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(respond(&state, id.into_inner()).await?))
}

/// Change a quiz, under the same rules as contents: a draft (its author or a reviewer) in
/// place; a published quiz (its author or a reviewer) through its pending `revision`,
/// which learners do not see until a reviewer who neither wrote nor submitted it approves
/// it. The caller becomes one of the revision's writers.
///
/// Rules between fields: give `question_ids` or `draw`, not both; a `daily` quiz has a
/// `draw`; `closes_at` is after `opens_at`; `review` `after_close` needs a `closes_at`.
/// Broken by the request alone, they are 422; broken only together with a stored
/// value (e.g. a `closes_at` before the stored `opens_at`), 409 `conflict`.
#[utoipa::path(
    operation_id = "admin_update_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    request_body = QuizInput,
    responses(
        (status = 200, description = "The quiz: the draft as edited, or the published settings with the pending `revision`", body = StaffQuiz),
        (status = 403, description = "Not allowed for this caller in this state"),
        (status = 404, description = "No such quiz, or a reference naming nothing (`unknown_reference`)"),
        (status = 409, description = "Not editable in its state (`invalid_state`), or the change conflicts with the stored settings or the bank (`conflict`)"),
    )
)]
#[patch("/admin/quizzes/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    Require { user: caller, body: Json(input), .. }: Require<ContentStaff, Json<QuizInput>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (Actor { id: caller.id, role: caller.role }, state.clock.now(), id.into_inner());
    state.db.run(move |conn| quizzes::update(conn, actor, id, &input, now)).await?;
    Ok(HttpResponse::Ok().json(respond(&state, id).await?))
}

/// Archive a quiz: learners no longer see it. Idempotent.
#[utoipa::path(
    operation_id = "admin_archive_quiz", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses((status = 204, description = "Archived"), (status = 403, description = "Authors archive their own unpublished quizzes; reviewers any"), (status = 404, description = "No such quiz"))
)]
#[delete("/admin/quizzes/{id}")]
pub async fn archive(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (Actor { id: caller.id, role: caller.role }, state.clock.now(), id.into_inner());
    state.db.run(move |conn| quizzes::transition(conn, actor, id, Transition::Archive, None, None, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
