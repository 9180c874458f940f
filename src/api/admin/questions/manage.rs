use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{QuestionPage, StaffQuestion};
use crate::api::extract::{Json, Query};
use crate::api::pagination;
use crate::auth::{ContentStaff, Require};
use crate::domain::contents::Actor;
use crate::domain::questions::{self as question_bank, QuestionDraft, QuestionKind, QuestionPatch};
use crate::domain::topics::TopicRef;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuestionParams {
    /// Topic slug or id; one naming no topic is 404 `unknown_reference`.
    #[param(pattern = r"^([0-9]{1,18}|[a-z0-9][a-z0-9-]{0,38}[a-z0-9])$")]
    pub topic: Option<String>,
    pub tag: Option<String>,
    pub kind: Option<QuestionKind>,
    pub difficulty: Option<i32>,
    /// Part of the stem (at most 100 characters).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Include retired questions.
    pub retired: Option<bool>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Search the question bank, newest first.
#[utoipa::path(
    operation_id = "admin_list_questions", tag = "admin: quizzes", security(("bearer" = [])),
    params(QuestionParams),
    responses(
        (status = 200, description = "A page of questions", body = QuestionPage),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 404, description = "`topic` names no topic (`unknown_reference`)"),
    )
)]
#[get("/admin/questions")]
pub async fn list(
    state: web::Data<AppState>,
    Require { body: Query(params), .. }: Require<ContentStaff, Query<QuestionParams>>,
) -> Result<HttpResponse, AppError> {
    let filter = question_bank::Filter {
        topic: params.topic.map(|t| t.parse().map_or(TopicRef::Slug(t), TopicRef::Id)),
        tag: params.tag,
        kind: params.kind,
        difficulty: params.difficulty,
        q: crate::domain::search::check_query("q", params.q.as_deref())?,
        include_retired: params.retired.unwrap_or(false),
        before_id: pagination::decode_cursor(params.cursor.as_deref())?,
        limit: pagination::limit(params.limit)?,
    };
    let (items, topics, next) = state.db.run(move |conn| question_bank::list(conn, &filter)).await?;
    Ok(HttpResponse::Ok().json(QuestionPage {
        items: items.into_iter().map(|q| StaffQuestion::from_full(q, &topics)).collect(),
        next_cursor: next.map(pagination::encode_cursor),
    }))
}

async fn respond(state: &AppState, id: i64, created: bool) -> Result<HttpResponse, AppError> {
    let (full, topics) = state.db.run(move |conn| question_bank::one(conn, id)).await?;
    let body = StaffQuestion::from_full(full, &topics);
    Ok(if created {
        HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/admin/questions/{id}"))).json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// Add a question to the bank.
///
/// By kind: `single` and `multiple` have 2–8 options with unique keys and an `answer` made
/// of their keys (one key; a non-empty list); `true_false` and `fill_blank` have no options
/// and answer `true`/`false`, or a non-empty list of accepted answers (each 1–200
/// characters, not only white space). A topic naming none is 404 `unknown_reference`.
#[utoipa::path(
    operation_id = "admin_create_question", tag = "admin: quizzes", security(("bearer" = [])),
    request_body = QuestionDraft,
    responses(
        (status = 201, description = "Created", body = StaffQuestion, headers(("Location" = String))),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 404, description = "`topic` names no topic (`unknown_reference`)"),
    )
)]
#[post("/admin/questions")]
pub async fn create(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(draft), .. }: Require<ContentStaff, Json<QuestionDraft>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now) = (Actor { id: caller.id, role: caller.role }, state.clock.now());
    let id = state.db.run(move |conn| crate::domain::questions::create(conn, actor, &draft, now)).await?;
    respond(&state, id, true).await
}

/// One question with its answer.
#[utoipa::path(
    operation_id = "admin_get_question", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Question id")),
    responses((status = 200, description = "The question", body = StaffQuestion), (status = 403, description = "Needs editor, reviewer or admin"), (status = 404, description = "No such question"))
)]
#[get("/admin/questions/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    _caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    respond(&state, id.into_inner(), false).await
}

/// Change a question. Attempts already started keep the version they were given.
///
/// The merged question must keep the rules of `POST /admin/questions`; when only the
/// kind, options and answer as stored with this patch do not fit together, 409
/// `conflict` (send all three to change the shape).
#[utoipa::path(
    operation_id = "admin_update_question", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Question id")),
    request_body = QuestionPatch,
    responses((status = 200, description = "The question", body = StaffQuestion), (status = 403, description = "Needs editor, reviewer or admin"), (status = 404, description = "No such (live) question"), (status = 409, description = "The patch does not fit the stored kind, options or answer (`conflict`)"))
)]
#[patch("/admin/questions/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    Require { user: caller, body: Json(patch), .. }: Require<ContentStaff, Json<QuestionPatch>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (Actor { id: caller.id, role: caller.role }, state.clock.now(), id.into_inner());
    state.db.run(move |conn| question_bank::patch(conn, actor, id, patch, now)).await?;
    respond(&state, id, false).await
}

/// Retire a question (a soft delete): it is never drawn again and can no longer be
/// changed or put into a quiz (404), and lists leave it out unless `retired=true`; past
/// attempts and statistics keep it, and `GET /admin/questions/{id}` still shows it, with
/// `retired: true`. Retiring a retired question again is a no-op (204).
#[utoipa::path(
    operation_id = "admin_retire_question", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Question id")),
    responses((status = 204, description = "Retired"), (status = 403, description = "Needs editor, reviewer or admin"), (status = 404, description = "No such question"))
)]
#[delete("/admin/questions/{id}")]
pub async fn retire(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (Actor { id: caller.id, role: caller.role }, state.clock.now(), id.into_inner());
    state.db.run(move |conn| crate::domain::questions::retire(conn, actor, id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
