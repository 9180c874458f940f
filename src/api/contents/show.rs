use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ContentKind, FeedItem, MyState, Stats, TopicBrief, media_url, preferences};
use crate::api::caching::{self, Audience as CacheAudience};
use crate::api::extract::Query;
use crate::api::public_cache::{DetailKey, Entry};
use crate::auth::MaybeAuthUser;
use crate::domain::feed::{self, Detail};
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
    let key = DetailKey { id: id.into_inner(), prefs: preferences(&req, params.locale.as_deref()) };
    let shared = shared_detail(&state, key).await?;
    let mut response = match caller.id() {
        None => caching::stored(&req, shared.body.clone(), &shared.etag, CacheAudience::Public),
        Some(user) => {
            // The item everyone sees, plus the caller's own `me` block.
            let mut detail = (*shared.value).clone();
            let mut items = vec![detail.item];
            detail.item = state
                .db
                .run(move |conn| feed::attach_mine(conn, user, &mut items).map(|()| items))
                .await?
                .pop()
                .ok_or_else(|| AppError::not_found("content"))?;
            caching::json(&req, &body_of(&detail), CacheAudience::Private)?
        }
    };
    if let Ok(value) = HeaderValue::from_str(&shared.value.item.text.locale) {
        response.headers_mut().insert(header::CONTENT_LANGUAGE, value);
    }
    Ok(response)
}

/// The item as anonymous callers see it, from the public cache or freshly read.
async fn shared_detail(state: &AppState, key: DetailKey) -> Result<Arc<Entry<Detail>>, AppError> {
    let (cache, now) = (&state.public_cache, state.clock.now());
    if let Some(hit) = cache.detail(&key, now) {
        return Ok(hit);
    }
    let epoch = cache.epoch();
    let (id, prefs) = (key.id, key.prefs.clone());
    let (detail, due) = state
        .db
        .run(move |conn| {
            let detail = feed::detail(conn, id, &prefs, None, now)?;
            Ok((detail, feed::next_publication(conn, now)?))
        })
        .await?;
    let body = serde_json::to_vec(&body_of(&detail)).map_err(AppError::internal)?;
    let entry = Entry::new(detail, body, vec![id], false, cache.expiry(now, due))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("ETag is not a header value")))?;
    cache.put_detail(epoch, key, entry.clone());
    Ok(entry)
}

fn body_of(detail: &Detail) -> ContentDetail {
    let entry = FeedItem::from_item(&detail.item);
    let row = &detail.item.row;
    ContentDetail {
        video: detail.video.as_ref().map(|file| VideoFile {
            url: media_url(file.id),
            mime: file.mime.clone(),
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
    }
}
