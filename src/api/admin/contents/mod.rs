//! Content for staff: every state, the editing fields, the workflow.

pub mod archive;
pub mod create;
pub mod list;
pub mod show;
pub mod transitions;
pub mod translate;
pub mod update;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::contents::feed::KindFilter;
use crate::api::contents::{ContentKind, Stats, TopicBrief};
use crate::auth::AuthUser;
use crate::clock::utc;
use crate::domain::contents::{Actor, ContentInput, Pending, StaffData, Status};
use crate::domain::topics::{self, TopicRef};
use crate::domain::vocab::{Audience, TagText};

pub fn actor(caller: &AuthUser) -> Actor {
    Actor { id: caller.id, role: caller.role }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowStatus {
    Draft,
    InReview,
    Published,
    Archived,
}

impl WorkflowStatus {
    pub fn of(status: Status) -> Self {
        match status {
            Status::Draft => Self::Draft,
            Status::InReview => Self::InReview,
            Status::Published => Self::Published,
            Status::Archived => Self::Archived,
        }
    }

    pub fn status(self) -> Status {
        match self {
            Self::Draft => Status::Draft,
            Self::InReview => Status::InReview,
            Self::Published => Status::Published,
            Self::Archived => Status::Archived,
        }
    }
}

/// The state of a pending change to a published item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevisionStatus {
    /// Being written; its writers submit it when it is ready.
    Draft,
    /// Waiting for a reviewer who neither wrote nor submitted it.
    InReview,
}

impl RevisionStatus {
    pub fn of(status: Status) -> Self {
        if status == Status::InReview { Self::InReview } else { Self::Draft }
    }

    pub fn status(self) -> Status {
        match self {
            Self::Draft => Status::Draft,
            Self::InReview => Status::InReview,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Translation {
    pub locale: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: Option<String>,
    pub updated_at: DateTime<Utc>,
}

crate::page_type!(
    /// A page of contents, newest first.
    StaffContentPage,
    StaffContent
);

/// A content as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffContent {
    pub id: i64,
    pub kind: ContentKind,
    pub status: WorkflowStatus,
    /// When it becomes (or became) visible; set on approval. A time in the future means scheduled.
    pub publish_at: Option<DateTime<Utc>>,
    pub title: String,
    pub summary: String,
    pub locale: String,
    pub topic: TopicBrief,
    pub tags: Vec<String>,
    pub audiences: Vec<Audience>,
    pub body_markdown: Option<String>,
    pub body_html: Option<String>,
    pub reading_time_s: Option<i32>,
    pub media_id: Option<i64>,
    pub poster_media_id: Option<i64>,
    pub cover_media_id: Option<i64>,
    pub duration_s: Option<i32>,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    /// Why a reviewer sent the revision under work (this draft, or the pending `revision`)
    /// back, until it is approved.
    pub reject_reason: Option<String>,
    /// Who wrote the revision awaiting approval: this item until it is first published
    /// (its author first), then its pending `revision`. Empty when nothing awaits
    /// approval. None of them may approve it.
    pub revised_by: Vec<i64>,
    /// Who sent the revision awaiting approval for review; they may not approve it either.
    pub submitted_by: Option<i64>,
    /// A change to this published item awaiting review. Learners keep seeing the published
    /// version (the fields above) until a reviewer who neither wrote nor submitted the
    /// change approves it; then it replaces them at once. `null`: no pending change.
    pub revision: Option<ContentRevision>,
    /// Goes up by one with every edit of a draft and every approved change.
    pub version: i32,
    pub stats: Stats,
    pub translations: Vec<Translation>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A pending change to a published content: the fields as they will be once approved.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentRevision {
    pub status: RevisionStatus,
    pub title: String,
    pub summary: String,
    pub locale: String,
    pub topic: TopicBrief,
    pub tags: Vec<String>,
    pub audiences: Vec<Audience>,
    pub body_markdown: Option<String>,
    pub body_html: Option<String>,
    pub reading_time_s: Option<i32>,
    pub media_id: Option<i64>,
    pub poster_media_id: Option<i64>,
    pub cover_media_id: Option<i64>,
    pub duration_s: Option<i32>,
    /// Translations the change adds or replaces (the others stay as published).
    pub translations: Vec<Translation>,
    pub updated_at: DateTime<Utc>,
}

fn topic_brief(id: i64, topic: Option<crate::db::models::topics::TopicRow>) -> TopicBrief {
    topic.map_or_else(
        || TopicBrief { id, slug: String::new(), name: String::new() },
        |t| TopicBrief { id: t.id, name: topics::name_for(&t, &[]).0, slug: t.slug },
    )
}

impl ContentRevision {
    fn from_pending(pending: Pending) -> Self {
        let state = pending.state;
        let updated_at = state.updated_at;
        Self {
            status: RevisionStatus::of(pending.status),
            topic: topic_brief(state.topic_id, pending.topic),
            title: state.title,
            summary: state.summary,
            locale: state.locale,
            tags: state.tags,
            audiences: state.audiences.iter().filter_map(|a| Audience::parse(a)).collect(),
            body_markdown: state.body_markdown,
            body_html: state.body_html,
            reading_time_s: state.reading_time_s,
            media_id: state.media_id,
            poster_media_id: state.poster_media_id,
            cover_media_id: state.cover_media_id,
            duration_s: state.duration_s,
            translations: state
                .translations
                .into_iter()
                .map(|t| Translation {
                    locale: t.locale,
                    title: t.title,
                    summary: t.summary,
                    body_markdown: t.body_markdown,
                    updated_at,
                })
                .collect(),
            updated_at,
        }
    }
}

impl StaffContent {
    pub fn from_data(data: StaffData) -> Self {
        let row = data.row;
        let topic = topic_brief(row.topic_id, data.topic);
        Self {
            id: row.id,
            kind: if row.kind == "video" { ContentKind::Video } else { ContentKind::Article },
            status: match row.status.as_str() {
                "in_review" => WorkflowStatus::InReview,
                "published" => WorkflowStatus::Published,
                "archived" => WorkflowStatus::Archived,
                _ => WorkflowStatus::Draft,
            },
            publish_at: row.publish_at.map(utc),
            title: row.title,
            summary: row.summary,
            locale: row.locale,
            topic,
            tags: data.tags,
            audiences: data.audiences.iter().filter_map(|a| Audience::parse(a)).collect(),
            body_markdown: row.body_markdown,
            body_html: row.body_html,
            reading_time_s: row.reading_time_s,
            media_id: row.media_id,
            poster_media_id: row.poster_media_id,
            cover_media_id: row.cover_media_id,
            duration_s: row.duration_s,
            author_id: row.author_id,
            reviewer_id: row.reviewer_id,
            reject_reason: row.reject_reason,
            revised_by: crate::domain::workflow::parse_writers(&row.revised_by),
            submitted_by: row.submitted_by,
            revision: data.revision.map(ContentRevision::from_pending),
            version: row.version,
            stats: Stats {
                views: row.view_count,
                likes: row.like_count,
                favorites: row.favorite_count,
                shares: row.share_count,
            },
            translations: data
                .translations
                .into_iter()
                .map(|t| Translation {
                    locale: t.locale,
                    title: t.title,
                    summary: t.summary,
                    body_markdown: t.body_markdown,
                    updated_at: utc(t.updated_at),
                })
                .collect(),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

/// The editable fields, shared by create and update.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "石榴籽的故事", "summary": "各民族像石榴籽一样紧紧抱在一起。", "topic": "ethnic-view",
    "audiences": ["public"], "tags": ["团结"], "locale": "zh-Hans"
}))]
pub struct ContentFields {
    /// Required when creating; cannot change afterwards (not allowed when editing).
    #[schema(example = "article")]
    pub kind: Option<KindFilter>,
    /// 1–200 characters, not only white space (stored trimmed). Required when creating.
    #[schema(
        example = "石榴籽的故事",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: Option<String>,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub summary: Option<String>,
    /// Articles only (required when creating one): 1–200000 characters, not only white
    /// space.
    #[schema(
        example = "## 石榴籽\n\n各民族像石榴籽一样紧紧抱在一起。",
        min_length = 1,
        max_length = 200_000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub body_markdown: Option<String>,
    /// Topic slug or id. Required when creating.
    #[schema(example = "ethnic-view")]
    pub topic: Option<TopicRef>,
    /// Who it is for: at least one audience. Required when creating.
    #[schema(min_items = 1)]
    pub audiences: Option<Vec<Audience>>,
    /// At most 10 distinct tags.
    #[schema(value_type = Option<Vec<TagText>>, max_items = 10)]
    pub tags: Option<Vec<String>>,
    /// The language the title and body are written in (default zh-Hans): a language tag.
    #[schema(max_length = 35, pattern = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", example = "zh-Hans")]
    pub locale: Option<String>,
    /// Videos only (required when creating one): the uploaded video file.
    pub media_id: Option<i64>,
    /// Videos only: length in seconds, 1 to 86400. The duration read from the file (an MP4
    /// or QuickTime header) always wins and governs watch credit: a value more than 1 s
    /// away from it is refused (409 `conflict`), and one within ±1 s is replaced by the
    /// file's. Needed only when the file does not tell its duration (e.g. WebM, or an MP4
    /// whose header comes after its media data).
    #[schema(minimum = 1, maximum = 86_400)]
    pub duration_s: Option<i32>,
    /// Videos only: a poster image; `null` removes it.
    #[serde(default, deserialize_with = "crate::api::extract::nullable")]
    #[schema(value_type = Option<i64>)]
    pub poster_media_id: Option<Option<i64>>,
    /// A cover image; `null` removes it.
    #[serde(default, deserialize_with = "crate::api::extract::nullable")]
    #[schema(value_type = Option<i64>)]
    pub cover_media_id: Option<Option<i64>>,
}

impl ContentFields {
    pub fn into_input(self) -> ContentInput {
        ContentInput {
            title: self.title,
            summary: self.summary,
            body_markdown: self.body_markdown,
            topic: self.topic,
            audiences: self.audiences,
            tags: self.tags,
            locale: self.locale,
            media_id: self.media_id,
            duration_s: self.duration_s,
            poster_media_id: self.poster_media_id,
            cover_media_id: self.cover_media_id,
        }
    }
}
