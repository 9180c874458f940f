use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{QuizSummary, quizzes_viewer};
use crate::api::caching::{self, Audience};
use crate::auth::MaybeAuthUser;
use crate::domain::quizzes;
use crate::error::AppError;
use crate::startup::AppState;

/// One published quiz.
#[utoipa::path(
    operation_id = "get_quiz", tag = "quizzes", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses(
        (status = 200, description = "The quiz", body = QuizSummary),
        (status = 401, description = "A token was sent and is invalid"),
        (status = 404, description = "No such published quiz, or it is only in campaigns the caller cannot see"),
    )
)]
#[get("/quizzes/{id}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (viewer, now, id) = (quizzes_viewer(&caller), state.clock.now(), id.into_inner());
    let private = viewer.id.is_some();
    let quiz = state.db.run(move |conn| quizzes::visible_one(conn, id, &viewer, now)).await?;
    caching::json(
        &req,
        &QuizSummary::from_learner(&quiz, now),
        if private { Audience::Private } else { Audience::Public },
    )
}
