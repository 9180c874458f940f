use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::OptionalJson;
use crate::api::quizzes::Attempt;
use crate::auth::AuthUser;
use crate::domain::attempts;
use crate::domain::questions::Answer;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmittedAnswer {
    pub question_id: i64,
    pub response: Answer,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    /// Last answers to save before scoring (counted only if they arrive in time).
    #[serde(default)]
    pub answers: Vec<SubmittedAnswer>,
}

/// Submit an attempt and get its score. Idempotent: submitting again, or twice at once,
/// returns the same result and scores once. After the deadline, the attempt is scored
/// from the answers saved in time.
#[utoipa::path(
    operation_id = "submit_attempt", tag = "quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attempt id")),
    request_body(content = Option<SubmitBody>, description = "Optional final answers"),
    responses(
        (status = 200, description = "The scored attempt; `results` when the review policy allows", body = Attempt),
        (status = 404, description = "No such attempt of the caller's (`not_found`), or an answer names a question that is not the attempt's (`unknown_reference`)"),
        (status = 422, description = "An answer does not fit its question"),
    )
)]
#[post("/attempts/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<i64>,
    OptionalJson(body): OptionalJson<SubmitBody>,
) -> Result<HttpResponse, AppError> {
    let answers: Vec<(i64, Answer)> =
        body.unwrap_or_default().answers.into_iter().map(|a| (a.question_id, a.response)).collect();
    let (learner, now, timing, id) = (caller.id, state.clock.now(), state.timing(), id.into_inner());
    let loaded = state.db.run(move |conn| attempts::submit(conn, learner, id, &answers, now, timing)).await?;
    Ok(HttpResponse::Ok().json(Attempt::from_loaded(&loaded, now)))
}
