//! A content's editable state as one value: what an edit produces and what approval puts
//! live. Drafts are changed in place; a change to a published content is kept as a
//! pending revision (this value, as JSON) beside the published version, which learners go
//! on seeing until another reviewer approves the change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::naive;
use crate::db::DbConn;
use crate::db::models::contents::{self as content_db, ContentChanges, ContentRow, TranslationRow};
use crate::error::AppError;

/// Everything an editor can change on a content, as it is or would be once approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub topic_id: i64,
    pub locale: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: Option<String>,
    pub body_html: Option<String>,
    pub reading_time_s: Option<i32>,
    pub cover_media_id: Option<i64>,
    pub media_id: Option<i64>,
    pub poster_media_id: Option<i64>,
    pub duration_s: Option<i32>,
    pub audiences: Vec<String>,
    pub tags: Vec<String>,
    /// Translations this revision adds or changes (the others stay as published).
    #[serde(default)]
    pub translations: Vec<Translation>,
    /// When the revision was last edited.
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    pub locale: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: Option<String>,
    pub body_html: Option<String>,
}

impl State {
    /// The content as stored (the published version, for a published content).
    pub fn of_row(conn: &mut DbConn, row: &ContentRow) -> Result<Self, AppError> {
        let ids = [row.id];
        Ok(Self {
            topic_id: row.topic_id,
            locale: row.locale.clone(),
            title: row.title.clone(),
            summary: row.summary.clone(),
            body_markdown: row.body_markdown.clone(),
            body_html: row.body_html.clone(),
            reading_time_s: row.reading_time_s,
            cover_media_id: row.cover_media_id,
            media_id: row.media_id,
            poster_media_id: row.poster_media_id,
            duration_s: row.duration_s,
            audiences: content_db::audiences_of(conn, &ids)?.into_iter().map(|(_, a)| a).collect(),
            tags: content_db::tags_of(conn, &ids)?.into_iter().map(|(_, t)| t).collect(),
            translations: Vec::new(),
            updated_at: crate::clock::utc(row.updated_at),
        })
    }

    /// The pending revision stored for a content, if it has one (and it can be read).
    pub fn pending(conn: &mut DbConn, id: i64) -> Result<Option<Self>, AppError> {
        Ok(content_db::revision_of(conn, id)?.and_then(|text| Self::parse(&text)))
    }

    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Adds or replaces one translation of the revision.
    pub fn put_translation(&mut self, translation: Translation) {
        self.translations.retain(|t| !t.locale.eq_ignore_ascii_case(&translation.locale));
        self.translations.push(translation);
        self.translations.sort_by(|a, b| a.locale.cmp(&b.locale));
    }

    /// Writes this state into the content's own columns, audiences, tags and translations,
    /// with `extra` (version, workflow columns): the one way a content's learner-visible
    /// fields change. The caller reindexes.
    pub fn write(&self, conn: &mut DbConn, id: i64, extra: ContentChanges, now: DateTime<Utc>) -> Result<(), AppError> {
        let changes = ContentChanges {
            topic_id: Some(self.topic_id),
            locale: Some(self.locale.clone()),
            title: Some(self.title.clone()),
            summary: Some(self.summary.clone()),
            body_markdown: Some(self.body_markdown.clone()),
            body_html: Some(self.body_html.clone()),
            reading_time_s: Some(self.reading_time_s),
            cover_media_id: Some(self.cover_media_id),
            media_id: Some(self.media_id),
            poster_media_id: Some(self.poster_media_id),
            duration_s: Some(self.duration_s),
            ..extra
        };
        content_db::update(conn, id, &changes)?;
        let audiences: Vec<&str> = self.audiences.iter().map(String::as_str).collect();
        content_db::set_audiences(conn, id, &audiences)?;
        content_db::set_tags(conn, id, &self.tags)?;
        for t in &self.translations {
            content_db::put_translation(
                conn,
                &TranslationRow {
                    content_id: id,
                    locale: t.locale.clone(),
                    title: t.title.clone(),
                    summary: t.summary.clone(),
                    body_markdown: t.body_markdown.clone(),
                    body_html: t.body_html.clone(),
                    updated_at: naive(now),
                },
            )?;
        }
        Ok(())
    }
}
