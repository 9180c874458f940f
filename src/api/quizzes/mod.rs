//! Quizzes and attempts as learners see them. These types have no field that could carry
//! a right answer, an explanation or correctness: reviewed results are a separate type,
//! built only when the quiz's review policy allows.

pub mod daily;
pub mod list;
pub mod show;
pub mod start;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AuthUser, MaybeAuthUser};
use crate::clock::utc;
use crate::db::models::attempts::ItemRow;
use crate::domain::attempts::{Learner, Loaded};
use crate::domain::questions::{Answer, QuestionKind, QuestionOption};
use crate::domain::quizzes::{ForLearner, Mode, Review, Viewer};

/// A question as delivered in an attempt: no answer, no explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveredQuestion {
    /// The question's id; answers are saved under it.
    pub id: i64,
    pub position: i32,
    pub kind: QuestionKind,
    pub stem: String,
    /// In delivered order (empty for true_false and fill_blank).
    pub options: Vec<QuestionOption>,
}

impl DeliveredQuestion {
    pub fn from_item(item: &ItemRow) -> Self {
        Self {
            id: item.question_id,
            position: item.position,
            kind: QuestionKind::parse(&item.kind).unwrap_or(QuestionKind::Single),
            stem: item.stem.clone(),
            options: serde_json::from_str(&item.options).unwrap_or_default(),
        }
    }
}

/// What the learner has answered so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedResponse {
    pub question_id: i64,
    pub response: Answer,
}

/// One question after review: only present once the review policy allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewedResult {
    pub question_id: i64,
    pub correct: bool,
    /// What the learner answered (`null` if nothing).
    pub response: Option<Answer>,
    pub correct_response: Answer,
    pub explanation: String,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    InProgress,
    Submitted,
}

/// An attempt as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attempt {
    pub id: i64,
    /// `null` for practice from the wrong-answer book.
    pub quiz_id: Option<i64>,
    pub status: AttemptStatus,
    pub started_at: DateTime<Utc>,
    /// Answers count until this time (plus a few seconds for the network). `null`: no limit.
    pub deadline_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Finished by the server after the deadline passed.
    pub finalized_late: bool,
    pub questions: Vec<DeliveredQuestion>,
    pub responses: Vec<SavedResponse>,
    /// After submission.
    pub score: Option<i32>,
    pub max_score: i32,
    /// After submission, when the quiz has a pass mark.
    pub passed: Option<bool>,
    /// When `results` become available (`null`: never, or not submitted yet).
    pub review_available_at: Option<DateTime<Utc>>,
    /// Right answers and explanations, once the review policy allows; otherwise `null`.
    pub results: Option<Vec<ReviewedResult>>,
}

impl Attempt {
    pub fn from_loaded(loaded: &Loaded, now: DateTime<Utc>) -> Self {
        let a = &loaded.attempt;
        let submitted = a.status == "submitted";
        let results = loaded.reviewable(now).then(|| {
            loaded
                .items
                .iter()
                .map(|item| ReviewedResult {
                    question_id: item.question_id,
                    correct: item.correct.unwrap_or(false),
                    response: item.response.as_deref().and_then(Answer::from_json),
                    correct_response: Answer::from_json(&item.answer).unwrap_or(Answer::List(Vec::new())),
                    explanation: item.explanation.clone(),
                })
                .collect()
        });
        Self {
            id: a.id,
            quiz_id: a.quiz_id,
            status: if submitted { AttemptStatus::Submitted } else { AttemptStatus::InProgress },
            started_at: utc(a.started_at),
            deadline_at: a.deadline_at.map(utc),
            submitted_at: a.submitted_at.map(utc),
            finalized_late: a.finalized_late,
            questions: loaded.items.iter().map(DeliveredQuestion::from_item).collect(),
            responses: loaded
                .items
                .iter()
                .filter_map(|i| {
                    let response = i.response.as_deref().and_then(Answer::from_json)?;
                    Some(SavedResponse { question_id: i.question_id, response })
                })
                .collect(),
            score: a.score.filter(|_| submitted),
            max_score: a.max_score,
            passed: a.passed.filter(|_| submitted),
            review_available_at: a.review_at.filter(|_| submitted).map(utc),
            results,
        }
    }
}

/// The caller's record with a quiz.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyQuizRecord {
    pub attempts_used: i32,
    /// `null`: unlimited.
    pub attempts_left: Option<i32>,
    pub best_score: Option<i32>,
    /// An attempt to resume.
    pub in_progress_attempt_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuizSummary {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub mode: Mode,
    pub question_count: i32,
    pub time_limit_s: Option<i32>,
    pub max_attempts: Option<i32>,
    /// Percent needed to pass.
    pub pass_score: Option<i32>,
    /// When attempts can start: the quiz's own opening time or, for a quiz in a
    /// campaign, the campaign's start if later.
    pub opens_at: Option<DateTime<Utc>>,
    /// When attempts end: the quiz's own closing time or, for a quiz in a campaign, the
    /// campaign's end if sooner (an attempt's deadline never passes it).
    pub closes_at: Option<DateTime<Utc>>,
    /// Whether attempts can be started now.
    pub open: bool,
    /// The campaign whose organization scope and window apply to this caller; `null`
    /// when the quiz is in no campaign.
    pub campaign_id: Option<i64>,
    /// When answers are shown: after_submit, after_close or never.
    pub review: Review,
    pub points_per_correct: Option<i32>,
    /// `null` without a token.
    pub me: Option<MyQuizRecord>,
}

impl QuizSummary {
    pub fn from_learner(q: &ForLearner, now: DateTime<Utc>) -> Self {
        let row = &q.row;
        Self {
            id: row.id,
            title: row.title.clone(),
            description: row.description.clone(),
            mode: Mode::parse(&row.mode).unwrap_or(Mode::Practice),
            question_count: q.question_count,
            time_limit_s: row.time_limit_s,
            max_attempts: row.max_attempts,
            pass_score: row.pass_score,
            opens_at: q.window.opens_at,
            closes_at: q.window.closes_at,
            open: q.window.is_open(now),
            campaign_id: q.window.campaign_id,
            review: Review::parse(&row.review).unwrap_or(Review::AfterSubmit),
            points_per_correct: row.points_per_correct,
            me: q.mine.as_ref().map(|m| MyQuizRecord {
                attempts_used: m.attempts_used,
                attempts_left: m.attempts_left,
                best_score: m.best_score,
                in_progress_attempt_id: m.in_progress,
            }),
        }
    }
}

crate::page_type!(
    /// A page of quizzes, newest first.
    QuizPage,
    QuizSummary
);

/// The caller as the quiz listings see them: who (for their own record) and where (for
/// the scope of the campaigns quizzes are in).
pub fn quizzes_viewer(caller: &MaybeAuthUser) -> Viewer {
    Viewer { id: caller.id(), org_path: caller.0.as_ref().and_then(|u| u.org_path().map(str::to_owned)) }
}

/// The caller as a quiz taker: audience (for the daily draw) and organization (for the
/// scope of the campaigns quizzes are in).
pub fn learner(caller: &AuthUser) -> Learner {
    Learner { id: caller.id, audience: caller.user.audience.clone(), org_path: caller.org_path().map(str::to_owned) }
}
