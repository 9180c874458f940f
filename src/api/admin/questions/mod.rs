//! The question bank (editors, reviewers, admins).

pub mod import;
pub mod manage;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::contents::TopicBrief;
use crate::clock::utc;
use crate::db::models::topics::TopicRow;
use crate::domain::questions::{self, Answer, Full, QuestionKind, QuestionOption};
use crate::domain::topics;
use crate::domain::vocab::Audience;

/// A question with its answer, as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffQuestion {
    pub id: i64,
    pub kind: QuestionKind,
    pub stem: String,
    pub options: Vec<QuestionOption>,
    pub answer: Answer,
    pub explanation: String,
    pub topic: TopicBrief,
    pub tags: Vec<String>,
    pub difficulty: i32,
    pub audiences: Vec<Audience>,
    /// Goes up when the stem, options or answer change.
    pub version: i32,
    /// Retired questions are kept for attempts and statistics but never drawn again.
    pub retired: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StaffQuestion {
    pub fn from_full(full: Full, topics_all: &[TopicRow]) -> Self {
        let row = full.row;
        let topic = topics_all.iter().find(|t| t.id == row.topic_id).map_or_else(
            || TopicBrief { id: row.topic_id, slug: String::new(), name: String::new() },
            |t| TopicBrief { id: t.id, slug: t.slug.clone(), name: topics::name_for(t, &[]).0 },
        );
        Self {
            id: row.id,
            kind: QuestionKind::parse(&row.kind).unwrap_or(QuestionKind::Single),
            options: questions::options_of(&row),
            answer: Answer::from_json(&row.answer).unwrap_or(Answer::List(Vec::new())),
            stem: row.stem,
            explanation: row.explanation,
            topic,
            tags: full.tags,
            difficulty: row.difficulty,
            audiences: full.audiences.iter().filter_map(|a| Audience::parse(a)).collect(),
            version: row.version,
            retired: row.retired_at.is_some(),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

crate::page_type!(
    /// A page of the question bank, newest first.
    QuestionPage,
    StaffQuestion
);
