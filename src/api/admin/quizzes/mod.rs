//! Quizzes for staff: every state, the settings, the workflow.

pub mod manage;
pub mod transitions;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::admin::contents::{RevisionStatus, WorkflowStatus};
use crate::clock::utc;
use crate::domain::quizzes::{self, Mode, Review, Revision, StaffData, StoredDraw};

/// The draw rule of a quiz, as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDraw {
    pub count: i32,
    pub topic_id: Option<i64>,
    pub tags: Vec<String>,
    pub difficulty: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffQuiz {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub mode: Mode,
    pub status: WorkflowStatus,
    pub publish_at: Option<DateTime<Utc>>,
    pub question_ids: Option<Vec<i64>>,
    pub draw: Option<StaffDraw>,
    pub question_count: i32,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub time_limit_s: Option<i32>,
    pub max_attempts: Option<i32>,
    pub pass_score: Option<i32>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub review: Review,
    pub points_per_correct: Option<i32>,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    /// Why a reviewer sent the revision under work (this draft, or the pending `revision`)
    /// back, until it is approved.
    pub reject_reason: Option<String>,
    /// Who wrote the revision awaiting approval: this quiz until it is first published
    /// (its author first), then its pending `revision`. None of them may approve it.
    pub revised_by: Vec<i64>,
    /// Who sent the revision awaiting approval for review; they may not approve it either.
    pub submitted_by: Option<i64>,
    /// A change to this published quiz awaiting review. Learners keep the published
    /// settings (the fields above) until a reviewer who neither wrote nor submitted the
    /// change approves it. `null`: no pending change.
    pub revision: Option<QuizRevision>,
    /// Goes up by one with every edit of a draft and every approved change.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A pending change to a published quiz: its settings as they will be once approved.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuizRevision {
    pub status: RevisionStatus,
    pub title: String,
    pub description: String,
    pub mode: Mode,
    pub question_ids: Option<Vec<i64>>,
    pub draw: Option<StaffDraw>,
    pub question_count: i32,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub time_limit_s: Option<i32>,
    pub max_attempts: Option<i32>,
    pub pass_score: Option<i32>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub review: Review,
    pub points_per_correct: Option<i32>,
    pub updated_at: DateTime<Utc>,
}

fn staff_draw(d: StoredDraw) -> StaffDraw {
    StaffDraw { count: d.count, topic_id: d.topic_id, tags: d.tags, difficulty: d.difficulty }
}

impl QuizRevision {
    fn from_pending(status: crate::domain::workflow::Status, pending: Revision) -> Self {
        let s = pending.settings;
        Self {
            status: RevisionStatus::of(status),
            question_count: s.question_count(),
            title: s.title,
            description: s.description,
            mode: s.mode,
            question_ids: s.question_ids,
            draw: s.draw.map(staff_draw),
            shuffle_questions: s.shuffle_questions,
            shuffle_options: s.shuffle_options,
            time_limit_s: s.time_limit_s,
            max_attempts: s.max_attempts,
            pass_score: s.pass_score,
            opens_at: s.opens_at,
            closes_at: s.closes_at,
            review: s.review,
            points_per_correct: s.points_per_correct,
            updated_at: pending.updated_at,
        }
    }
}

impl From<StaffData> for StaffQuiz {
    fn from(data: StaffData) -> Self {
        let row = data.row;
        Self {
            revision: data.revision.map(|(status, pending)| QuizRevision::from_pending(status, pending)),
            revised_by: crate::domain::workflow::parse_writers(&row.revised_by),
            submitted_by: row.submitted_by,
            question_count: quizzes::question_count(&row),
            question_ids: quizzes::fixed_ids(&row),
            draw: quizzes::draw_of(&row).map(staff_draw),
            id: row.id,
            mode: Mode::parse(&row.mode).unwrap_or(Mode::Practice),
            status: match row.status.as_str() {
                "in_review" => WorkflowStatus::InReview,
                "published" => WorkflowStatus::Published,
                "archived" => WorkflowStatus::Archived,
                _ => WorkflowStatus::Draft,
            },
            publish_at: row.publish_at.map(utc),
            title: row.title,
            description: row.description,
            shuffle_questions: row.shuffle_questions,
            shuffle_options: row.shuffle_options,
            time_limit_s: row.time_limit_s,
            max_attempts: row.max_attempts,
            pass_score: row.pass_score,
            opens_at: row.opens_at.map(utc),
            closes_at: row.closes_at.map(utc),
            review: Review::parse(&row.review).unwrap_or(Review::AfterSubmit),
            points_per_correct: row.points_per_correct,
            author_id: row.author_id,
            reviewer_id: row.reviewer_id,
            reject_reason: row.reject_reason,
            version: row.version,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

crate::page_type!(
    /// A page of quizzes, newest first.
    StaffQuizPage,
    StaffQuiz
);
