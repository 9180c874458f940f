use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AttemptStatus, DeliveredQuestion, QuizSummary};
use crate::auth::AuthUser;
use crate::domain::attempts;
use crate::domain::quizzes::ForLearner;
use crate::error::AppError;
use crate::startup::AppState;

/// Today's attempt at the daily quiz, when started.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyAttempt {
    pub id: i64,
    pub status: AttemptStatus,
    pub score: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DailyQuiz {
    pub quiz: QuizSummary,
    /// The caller's local date this set belongs to.
    #[schema(value_type = String, format = Date, example = "2026-11-27")]
    pub date: NaiveDate,
    pub attempt: Option<DailyAttempt>,
    /// Today's questions: the same on every device all day, and exactly what an attempt
    /// started today gets. No answers.
    pub questions: Vec<DeliveredQuestion>,
}

/// Today's daily quiz (每日答题) for the caller: drawn for their audience, avoiding what
/// they had in the last three days when the bank allows. Start it with
/// `POST /quizzes/{id}/attempts`; one scored attempt per local day.
#[utoipa::path(
    operation_id = "get_daily_quiz", tag = "quizzes", security(("bearer" = [])),
    responses(
        (status = 200, description = "Today's set", body = DailyQuiz),
        (status = 404, description = "No daily quiz is published"),
    )
)]
#[get("/quizzes/daily")]
pub async fn daily(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, AppError> {
    let learner = super::learner(&caller);
    let (now, timing) = (state.clock.now(), state.timing());
    let daily = state.db.run(move |conn| attempts::daily(conn, &learner, now, timing)).await?;
    let summary = QuizSummary::from_learner(
        &ForLearner { question_count: daily.items.len() as i32, mine: None, row: daily.quiz, window: daily.window },
        now,
    );
    Ok(HttpResponse::Ok().json(DailyQuiz {
        quiz: summary,
        date: daily.date,
        attempt: daily.attempt.map(|a| DailyAttempt {
            id: a.id,
            status: if a.status == "submitted" { AttemptStatus::Submitted } else { AttemptStatus::InProgress },
            score: a.score,
        }),
        questions: daily.items.iter().map(DeliveredQuestion::from_item).collect(),
    }))
}
