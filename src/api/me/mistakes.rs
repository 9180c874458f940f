use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{OptionalJson, Query};
use crate::api::pagination;
use crate::api::quizzes::Attempt;
use crate::auth::AuthUser;
use crate::clock::utc;
use crate::domain::attempts;
use crate::domain::questions::{self, Answer, QuestionKind, QuestionOption};
use crate::error::AppError;
use crate::startup::AppState;

/// A question the caller got wrong, with the right answer now that the attempt is reviewed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Mistake {
    pub question_id: i64,
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<QuestionOption>,
    /// The caller's latest wrong response.
    pub last_response: Option<Answer>,
    pub correct_response: Answer,
    pub explanation: String,
    pub wrong_count: i32,
    /// Right answers since the last wrong one; at two the question leaves the book.
    pub right_count: i32,
    pub updated_at: DateTime<Utc>,
}

crate::page_type!(
    /// A page of the wrong-answer book, most recent first.
    MistakePage,
    Mistake
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MistakeParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,16}_[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// The wrong-answer book (错题本): questions the caller got wrong in reviewed attempts.
#[utoipa::path(
    operation_id = "list_my_mistakes", tag = "quizzes", security(("bearer" = [])),
    params(MistakeParams),
    responses((status = 200, description = "A page of mistakes", body = MistakePage), (status = 400, description = "Bad cursor (`invalid_cursor`)"))
)]
#[get("/me/mistakes")]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    Query(params): Query<MistakeParams>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let after = pagination::decode_time_cursor(params.cursor.as_deref())?;
    let (user, now) = (caller.id, state.clock.now());
    let page = state.db.run(move |conn| attempts::mistakes(conn, user, after, limit, now)).await?;
    let next = if page.has_more {
        page.items.last().map(|(m, _)| pagination::encode_time_cursor(m.updated_at, m.question_id))
    } else {
        None
    };
    let items = page
        .items
        .into_iter()
        .map(|(m, q)| Mistake {
            question_id: q.id,
            kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Single),
            options: questions::options_of(&q),
            stem: q.stem,
            last_response: m.last_response.as_deref().and_then(Answer::from_json),
            correct_response: Answer::from_json(&q.answer).unwrap_or(Answer::List(Vec::new())),
            explanation: q.explanation,
            wrong_count: m.wrong_count,
            right_count: m.right_count,
            updated_at: utc(m.updated_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(MistakePage { items, next_cursor: next }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PracticeBody {
    /// How many questions (1–50, default 10), most recent mistakes first.
    #[schema(minimum = 1, maximum = 50)]
    pub count: Option<u32>,
}

/// Start a practice attempt from the wrong-answer book (no time limit, answers shown
/// after submitting). Right answers count towards taking questions out of the book.
#[utoipa::path(
    operation_id = "practice_mistakes", tag = "quizzes", security(("bearer" = [])),
    request_body(content = Option<PracticeBody>, description = "Optional"),
    responses(
        (status = 201, description = "A practice attempt", body = Attempt, headers(("Location" = String))),
        (status = 409, description = "The book is empty (`nothing_to_practice`)"),
    )
)]
#[post("/me/mistakes/practice")]
pub async fn practice(
    state: web::Data<AppState>,
    caller: AuthUser,
    OptionalJson(body): OptionalJson<PracticeBody>,
) -> Result<HttpResponse, AppError> {
    let count = body.unwrap_or_default().count.unwrap_or(10);
    if !(1..=50).contains(&count) {
        return Err(AppError::validation("count", "must be 1 to 50"));
    }
    let (user, now) = (caller.id, state.clock.now());
    let loaded = state.db.run(move |conn| attempts::practice_mistakes(conn, user, i64::from(count), now)).await?;
    let body = Attempt::from_loaded(&loaded, now);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/attempts/{}", body.id))).json(body))
}
