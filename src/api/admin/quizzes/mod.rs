//! Quizzes for staff: every state, the settings, the workflow.

pub mod manage;
pub mod transitions;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::admin::contents::WorkflowStatus;
use crate::clock::utc;
use crate::db::models::quizzes::QuizRow;
use crate::domain::quizzes::{self, Mode, Review};

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
    pub reject_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<QuizRow> for StaffQuiz {
    fn from(row: QuizRow) -> Self {
        Self {
            question_count: quizzes::question_count(&row),
            question_ids: quizzes::fixed_ids(&row),
            draw: quizzes::draw_of(&row).map(|d| StaffDraw {
                count: d.count,
                topic_id: d.topic_id,
                tags: d.tags,
                difficulty: d.difficulty,
            }),
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
