use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ContentKind, FeedItem, MyState, Stats, TopicBrief, media_url, preferences};
use crate::api::caching::{self, Audience as CacheAudience};
use crate::api::extract::Query;
use crate::auth::MaybeAuthUser;
use crate::domain::feed;
use crate::domain::vocab::Audience;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct VideoFile {
    /// Streams with HTTP Range support.
    pub url: String,
    #[schema(example = "video/mp4")]
    pub mime: String,
    pub duration_s: Option<i32>,
    pub poster_url: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

/// One published item: a feed entry plus the body (articles) or the video file (videos).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentDetail {
    pub id: i64,
    pub kind: ContentKind,
    pub title: String,
    pub summary: String,
    pub cover_url: Option<String>,
    pub topic: TopicBrief,
    pub tags: Vec<String>,
    pub audiences: Vec<Audience>,
    pub duration_s: Option<i32>,
    pub reading_time_s: Option<i32>,
    pub published_at: DateTime<Utc>,
    pub locale: String,
    pub stats: Stats,
    pub me: Option<MyState>,
    /// Articles: the Markdown source in the served locale.
    pub body_markdown: Option<String>,
    /// Articles: the body as sanitized HTML (no scripts, no event handlers).
    pub body_html: Option<String>,
    /// Videos: the file to play.
    pub video: Option<VideoFile>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DetailParams {
    /// Preferred locale; overrides `Accept-Language`.
    pub locale: Option<String>,
}

/// One published article or micro-video.
#[utoipa::path(
    operation_id = "get_content",
    tag = "contents",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Content id"), DetailParams,
        ("Accept-Language" = Option<String>, Header, description = "Preferred locales")),
    responses(
        (status = 200, description = "The item", body = ContentDetail, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "A token was sent and is invalid"),
        (status = 404, description = "No such published item"),
    )
)]
#[get("/contents/{id}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<i64>,
    Query(params): Query<DetailParams>,
) -> Result<HttpResponse, AppError> {
    let prefs = preferences(&req, params.locale.as_deref());
    let (id, viewer, now) = (id.into_inner(), caller.id(), state.clock.now());
    let detail = state.db.run(move |conn| feed::detail(conn, id, &prefs, viewer, now)).await?;
    let entry = FeedItem::from_item(&detail.item);
    let row = &detail.item.row;
    let body = ContentDetail {
        video: detail.video.map(|file| VideoFile {
            url: media_url(file.id),
            mime: file.mime,
            duration_s: row.duration_s.or(file.duration_s),
            poster_url: row.poster_media_id.map(media_url),
            width: file.width,
            height: file.height,
        }),
        body_markdown: detail.item.text.body_markdown.clone(),
        body_html: detail.item.text.body_html.clone(),
        id: entry.id,
        kind: entry.kind,
        title: entry.title,
        summary: entry.summary,
        cover_url: entry.cover_url,
        topic: entry.topic,
        tags: entry.tags,
        audiences: entry.audiences,
        duration_s: entry.duration_s,
        reading_time_s: entry.reading_time_s,
        published_at: entry.published_at,
        locale: entry.locale,
        stats: entry.stats,
        me: entry.me,
    };
    let audience = if caller.0.is_some() { CacheAudience::Private } else { CacheAudience::Public };
    let mut response = caching::json(&req, &body, audience)?;
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&body.locale) {
        response.headers_mut().insert(actix_web::http::header::CONTENT_LANGUAGE, value);
    }
    Ok(response)
}
