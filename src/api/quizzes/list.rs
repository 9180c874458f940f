use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{QuizPage, QuizSummary, quizzes_viewer};
use crate::api::caching::{self, Audience};
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::MaybeAuthUser;
use crate::domain::quizzes;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuizListParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Published quizzes (the daily quiz has its own endpoint), with the caller's attempts
/// used and left and best score when a token is sent.
///
/// A quiz attached to campaigns is listed only to callers inside the scope of one of them
/// that is published (running, upcoming or past), with that campaign's window.
#[utoipa::path(
    operation_id = "list_quizzes", tag = "quizzes", security((), ("bearer" = [])),
    params(QuizListParams),
    responses(
        (status = 200, description = "A page of quizzes", body = QuizPage),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 401, description = "A token was sent and is invalid"),
    )
)]
#[get("/quizzes")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    Query(params): Query<QuizListParams>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let before = pagination::decode_cursor(params.cursor.as_deref())?;
    let (viewer, now) = (quizzes_viewer(&caller), state.clock.now());
    let private = viewer.id.is_some();
    let (items, next) = state.db.run(move |conn| quizzes::visible_list(conn, &viewer, before, limit, now)).await?;
    let page = QuizPage {
        items: items.iter().map(|q| QuizSummary::from_learner(q, now)).collect(),
        next_cursor: next.map(pagination::encode_cursor),
    };
    caching::json(&req, &page, if private { Audience::Private } else { Audience::Public })
}
