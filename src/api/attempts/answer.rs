use actix_web::{HttpResponse, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::domain::attempts;
use crate::domain::questions::Answer;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// `"A"` (single), `["A","C"]` (multiple), `true`/`false`, or one string (fill_blank).
    pub response: Answer,
}

/// Save (or replace) the answer to one question while the attempt is open.
#[utoipa::path(
    operation_id = "save_answer", tag = "quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attempt id"), ("question_id" = i64, Path, description = "Question id")),
    request_body = AnswerBody,
    responses(
        (status = 204, description = "Saved"),
        (status = 404, description = "No such attempt of the caller's, or the question is not in it"),
        (status = 409, description = "The attempt is submitted or its time ran out (`attempt_closed`)"),
        (status = 422, description = "The response does not fit the question (`validation_failed`)"),
    )
)]
#[put("/attempts/{id}/answers/{question_id}")]
pub async fn answer(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(i64, i64)>,
    Json(body): Json<AnswerBody>,
) -> Result<HttpResponse, AppError> {
    let (attempt, question) = path.into_inner();
    let (learner, now, timing) = (caller.id, state.clock.now(), state.timing());
    state.db.run(move |conn| attempts::answer(conn, learner, attempt, question, &body.response, now, timing)).await?;
    Ok(HttpResponse::NoContent().finish())
}
