use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::ContentReportReaders;
use crate::api::csv_table::{self, Csv, num, opt, text};
use crate::auth::Require;
use crate::domain::item_stats;
use crate::domain::organizations::Scope;
use crate::domain::vocab::Role;
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
/// share correct, a discrimination index and option pick rates. Editors, reviewers and
/// admins see every submitted attempt; an org admin sees the same figures computed over
/// the attempts of learners whose organization is now in their own subtree only.
/// `Accept: text/csv` gives the same figures as CSV (UTF-8 with a byte-order mark, a
/// header row), like every report: a `quiz` line with the totals, then per question a
/// `question` line followed by one `option` line per choice.
#[utoipa::path(
    operation_id = "admin_quiz_report", tag = "admin: quizzes", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Quiz id")),
    responses(
        (status = 200, description = "The statistics", content(
            (QuizReport = "application/json"),
            (String = "text/csv", example = "\u{feff}row,quiz_id,question_id,kind,stem,option_key,option_text,attempts,share_correct,discrimination,pick_rate,mean_score,mean_percent,pass_rate\r\nquiz,3,,,,,,4,,,,1.25,62.5,0.5\r\n")
        )),
        (status = 403, description = "Needs editor, reviewer, org_admin or admin"),
        (status = 404, description = "No such quiz"),
    )
)]
#[get("/admin/reports/quizzes/{id}")]
pub async fn quiz(
    state: web::Data<AppState>,
    req: HttpRequest,
    Require { user: caller, .. }: Require<ContentReportReaders>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let scope = if caller.role == Role::OrgAdmin { Scope::of(caller.role, caller.org_path()) } else { Scope::All };
    let stats = state.db.run(move |conn| item_stats::for_quiz(conn, id, &scope)).await?;
    let report = QuizReport {
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
    };
    Ok(csv_table::respond(&req, &format!("quiz-{id}.csv"), &report, to_csv))
}

fn to_csv(report: &QuizReport) -> Csv {
    let mut csv = Csv::new(&[
        "row",
        "quiz_id",
        "question_id",
        "kind",
        "stem",
        "option_key",
        "option_text",
        "attempts",
        "share_correct",
        "discrimination",
        "pick_rate",
        "mean_score",
        "mean_percent",
        "pass_rate",
    ]);
    let blank = String::new;
    csv.row([
        "quiz".to_owned(),
        num(report.quiz_id),
        blank(),
        blank(),
        blank(),
        blank(),
        blank(),
        num(report.attempts),
        blank(),
        blank(),
        blank(),
        opt(report.mean_score),
        opt(report.mean_percent),
        opt(report.pass_rate),
    ]);
    for q in &report.questions {
        csv.row([
            "question".to_owned(),
            num(report.quiz_id),
            num(q.question_id),
            text(&q.kind),
            text(&q.stem),
            blank(),
            blank(),
            num(q.attempts),
            num(q.share_correct),
            opt(q.discrimination),
            blank(),
            blank(),
            blank(),
            blank(),
        ]);
        for o in &q.options {
            csv.row([
                "option".to_owned(),
                num(report.quiz_id),
                num(q.question_id),
                text(&q.kind),
                blank(),
                text(&o.key),
                text(&o.text),
                blank(),
                blank(),
                blank(),
                num(o.pick_rate),
                blank(),
                blank(),
                blank(),
            ]);
        }
    }
    csv
}
