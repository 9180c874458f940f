//! The learner's content: feed, detail, likes and favourites.

pub mod feed;
pub mod reactions;
pub mod show;

use actix_web::HttpRequest;
use actix_web::http::header;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::contents::published_at;
use crate::domain::feed::Item;
use crate::domain::locale;
use crate::domain::vocab::Audience;

pub fn media_url(id: i64) -> String {
    format!("/api/v1/media/{id}")
}

/// The caller's language preferences: `?locale=` first, then `Accept-Language`.
pub fn preferences(req: &HttpRequest, explicit: Option<&str>) -> Vec<String> {
    let mut prefs: Vec<String> = explicit.filter(|l| !l.is_empty()).map(|l| vec![l.to_owned()]).unwrap_or_default();
    if let Some(header) = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) {
        prefs.extend(locale::preferences(header));
    }
    prefs
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopicBrief {
    pub id: i64,
    #[schema(example = "ethnic-view")]
    pub slug: String,
    /// In the served locale.
    #[schema(example = "民族观")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub views: i64,
    pub likes: i64,
    pub favorites: i64,
    pub shares: i64,
}

/// The caller's own relation to an item (present when a token is sent).
#[derive(Debug, Serialize, ToSchema)]
pub struct MyState {
    pub liked: bool,
    pub favorited: bool,
    /// `null` until the caller has opened the item.
    pub progress: Option<MyProgress>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyProgress {
    /// Where to resume, in seconds.
    pub position_s: i32,
    /// 0–100, from the study time the server credited.
    pub percent: i32,
    pub completed: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    Article,
    Video,
}

crate::page_type!(
    /// A page of feed entries.
    FeedPage,
    FeedItem
);

/// A feed entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedItem {
    pub id: i64,
    pub kind: ContentKind,
    pub title: String,
    pub summary: String,
    /// A picture for the entry: the cover of an article, the poster of a video.
    pub cover_url: Option<String>,
    pub topic: TopicBrief,
    pub tags: Vec<String>,
    pub audiences: Vec<Audience>,
    /// Videos: length in seconds.
    pub duration_s: Option<i32>,
    /// Articles: estimated reading time in seconds.
    pub reading_time_s: Option<i32>,
    pub published_at: DateTime<Utc>,
    /// The locale of `title` and `summary` (the best translation for the caller).
    #[schema(example = "zh-Hans")]
    pub locale: String,
    pub stats: Stats,
    /// `null` without a token.
    pub me: Option<MyState>,
}

impl FeedItem {
    pub fn from_item(item: &Item) -> Self {
        let row = &item.row;
        let cover = row.cover_media_id.or(row.poster_media_id);
        Self {
            id: row.id,
            kind: if row.kind == "video" { ContentKind::Video } else { ContentKind::Article },
            title: item.text.title.clone(),
            summary: item.text.summary.clone(),
            cover_url: cover.map(media_url),
            topic: TopicBrief { id: item.topic.id, slug: item.topic.slug.clone(), name: item.topic.name.clone() },
            tags: item.tags.clone(),
            audiences: item.audiences.iter().filter_map(|a| Audience::parse(a)).collect(),
            duration_s: row.duration_s,
            reading_time_s: row.reading_time_s,
            published_at: published_at(row).unwrap_or_default(),
            locale: item.text.locale.clone(),
            stats: Stats {
                views: row.view_count,
                likes: row.like_count,
                favorites: row.favorite_count,
                shares: row.share_count,
            },
            me: item.mine.map(|m| MyState {
                liked: m.liked,
                favorited: m.favorited,
                progress: m.progress.map(|(position_s, percent, completed)| MyProgress {
                    position_s,
                    percent,
                    completed,
                }),
            }),
        }
    }
}
