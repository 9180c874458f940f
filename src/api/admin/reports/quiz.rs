use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{ContentStaff, Require};
use crate::domain::item_stats;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionReport {
    pub key: String,
    pub text: String,
    /// Share of attempts given the question that picked this option (0–1).
    pub pick_rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionReport {
    pub question_id: i64,
    pub kind: String,
    pub stem: String,
    /// Submitted attempts that were given the question.
    pub attempts: i64,
    /// Share answered right (0–1).
    pub share_correct: f64,
    /// Share right in the top 27 % of attempts by score minus the bottom 27 % (−1 to 1);
    /// low or negative values point at a confusing question. `null` with too few attempts.
    pub discrimination: Option<f64>,
    /// Choice questions: how often each option was picked.
    pub options: Vec<OptionReport>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuizReport {
    pub quiz_id: i64,
    /// Submitted attempts.
    pub attempts: i64,
    pub mean_score: Option<f64>,
    /// Mean score as a percentage of the maximum.
    pub mean_percent: Option<f64>,
    /// Share of attempts that passed (when the quiz has a pass mark).
    pub pass_rate: Option<f64>,
    pub questions: Vec<QuestionReport>,
}

/// Item statistics for a quiz: attempts, mean score, pass rate, and per question the
/// share correct, a discrimination index and option pick rates.
#[utoipa::path(
    operation_id = "admin_quiz_report", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses((status = 200, description = "The statistics", body = QuizReport), (status = 403, description = "Needs editor, reviewer or admin"), (status = 404, description = "No such quiz"))
)]
#[get("/admin/reports/quizzes/{id}")]
pub async fn quiz(
    state: web::Data<AppState>,
    _caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let stats = state.db.run(move |conn| item_stats::for_quiz(conn, id)).await?;
    Ok(HttpResponse::Ok().json(QuizReport {
        quiz_id: id,
        attempts: stats.attempts,
        mean_score: stats.mean_score,
        mean_percent: stats.mean_percent,
        pass_rate: stats.pass_rate,
        questions: stats
            .questions
            .into_iter()
            .map(|q| QuestionReport {
                question_id: q.question_id,
                kind: q.kind,
                stem: q.stem,
                attempts: q.given,
                share_correct: q.share_correct,
                discrimination: q.discrimination,
                options: q
                    .options
                    .into_iter()
                    .map(|o| OptionReport { key: o.key, text: o.text, pick_rate: o.pick_rate })
                    .collect(),
            })
            .collect(),
    }))
}
