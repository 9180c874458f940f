use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{FeedItem, FeedPage, preferences};
use crate::api::caching::{self, Audience as CacheAudience};
use crate::api::extract::Query;
use crate::api::pagination;
use crate::api::public_cache::{Entry, PageKey};
use crate::auth::MaybeAuthUser;
use crate::db::models::contents::{FeedKey, FeedOrder};
use crate::domain::feed::{self, FeedQuery};
use crate::domain::search;
use crate::domain::vocab::Audience;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    Latest,
    Popular,
    /// Title matches first, then newest. The default when `q` is given.
    Relevance,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KindFilter {
    Article,
    Video,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    pub kind: Option<KindFilter>,
    /// Topic slug or id.
    pub topic: Option<String>,
    pub audience: Option<Audience>,
    /// Only this campaign's contents.
    pub campaign: Option<i64>,
    /// Search words, at most 100 characters; two-character Chinese words such as 团结 match
    /// anywhere.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// `relevance` needs `q` with at least one non-space character (422 otherwise).
    #[param(inline)]
    pub sort: Option<Sort>,
    /// Preferred locale; overrides `Accept-Language`.
    pub locale: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (with the same filters).
    #[param(pattern = r"^[01]_[0-9]{1,16}_[0-9]{1,18}_[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// The cursor: the last item's key, `<title match 0|1>_<publish_at in µs>_<popularity>_<id>`
/// (`FEED_CURSOR_PATTERN`), whatever the order; each order reads the parts it sorts by.
fn encode(key: FeedKey) -> String {
    let micros = key.publish_at.and_utc().timestamp_micros().max(0);
    format!("{}_{micros}_{}_{}", key.rank, key.popularity.max(0), key.id)
}

fn decode(raw: &str) -> Result<FeedKey, AppError> {
    let bad = || AppError::bad_request("invalid_cursor", "The cursor is not one this API returned.");
    let parts: Vec<&str> = raw.split('_').collect();
    let [rank @ ("0" | "1"), micros, popularity, id] = parts[..] else { return Err(bad()) };
    let publish_at =
        chrono::DateTime::from_timestamp_micros(pagination::cursor_number(micros, 16)?).ok_or_else(bad)?.naive_utc();
    Ok(FeedKey {
        rank: i32::from(rank == "1"),
        publish_at,
        popularity: pagination::cursor_number(popularity, 18)?,
        id: pagination::cursor_number(id, 18)?,
    })
}

/// The feed: published articles and micro-videos for learners, newest, most popular or
/// best-matching first.
///
/// Without a token the response is the same for everyone (`Cache-Control: public`); with
/// one, each item carries the caller's `me` block.
#[utoipa::path(
    operation_id = "list_contents",
    tag = "contents",
    security((), ("bearer" = [])),
    params(FeedParams, ("Accept-Language" = Option<String>, Header, description = "Preferred locales")),
    responses(
        (status = 200, description = "A page of the feed", body = FeedPage,
            headers(("ETag" = String, description = "Version of this page"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 401, description = "A token was sent and is invalid"),
        (status = 422, description = "A parameter is invalid"),
    )
)]
#[get("/contents")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    Query(params): Query<FeedParams>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let q = search::check_query("q", params.q.as_deref())?;
    let sort = params.sort.unwrap_or(if q.is_some() { Sort::Relevance } else { Sort::Latest });
    if sort == Sort::Relevance && q.is_none() {
        return Err(AppError::validation("sort", "relevance needs a search query `q`"));
    }
    let after = params.cursor.as_deref().map(decode).transpose()?;
    let prefs = preferences(&req, params.locale.as_deref());
    let topic = params.topic.filter(|t| !t.is_empty());
    let key = PageKey {
        query: format!("{:?}", (params.kind, &topic, params.audience, &q, sort, limit, &params.cursor)),
        prefs: prefs.clone(),
    };
    let mut query = FeedQuery {
        kind: params.kind.map(|k| match k {
            KindFilter::Article => "article".to_owned(),
            KindFilter::Video => "video".to_owned(),
        }),
        topic,
        audience: params.audience,
        campaign: params.campaign,
        q,
        order: match sort {
            Sort::Latest => FeedOrder::Latest,
            Sort::Popular => FeedOrder::Popular,
            Sort::Relevance => FeedOrder::Relevance,
        },
        after,
        limit,
        prefs,
        viewer: None,
        viewer_path: None,
    };
    let now = state.clock.now();
    if params.campaign.is_some() {
        // A campaign's visibility depends on the caller and on time: never shared.
        query.viewer = caller.id();
        query.viewer_path = caller.0.as_ref().and_then(|u| u.org_path().map(str::to_owned));
        let page = state.db.run(move |conn| feed::feed(conn, &query, now)).await?;
        let audience = if caller.0.is_some() { CacheAudience::Private } else { CacheAudience::Public };
        return caching::json(&req, &body_of(&page), audience);
    }
    let shared = shared_page(&state, key, query, sort).await?;
    let Some(user) = caller.id() else {
        return Ok(caching::stored(&req, shared.body.clone(), &shared.etag, CacheAudience::Public));
    };
    // The page everyone sees, plus the caller's own `me` block for its items.
    let mut page = (*shared.value).clone();
    let mut items = std::mem::take(&mut page.items);
    page.items = state.db.run(move |conn| feed::attach_mine(conn, user, &mut items).map(|()| items)).await?;
    caching::json(&req, &body_of(&page), CacheAudience::Private)
}

fn body_of(page: &feed::Page) -> FeedPage {
    FeedPage { items: page.items.iter().map(FeedItem::from_item).collect(), next_cursor: page.next.map(encode) }
}

/// The page as anonymous callers see it, from the public cache or freshly read.
async fn shared_page(
    state: &AppState,
    key: PageKey,
    query: FeedQuery,
    sort: Sort,
) -> Result<Arc<Entry<feed::Page>>, AppError> {
    let (cache, now) = (&state.public_cache, state.clock.now());
    if let Some(hit) = cache.feed(&key, now) {
        return Ok(hit);
    }
    let epoch = cache.epoch();
    let (mut page, due) = state
        .db
        .run(move |conn| {
            let page = feed::feed(conn, &query, now)?;
            Ok((page, feed::next_publication(conn, now)?))
        })
        .await?;
    // Lists never show bodies; the cached page keeps only what a list shows.
    for item in &mut page.items {
        (item.row.body_markdown, item.row.body_html, item.text.body_markdown, item.text.body_html) =
            (None, None, None, None);
    }
    let body = serde_json::to_vec(&body_of(&page)).map_err(AppError::internal)?;
    let ids = page.items.iter().map(|item| item.row.id).collect();
    let entry = Entry::new(page, body, ids, sort == Sort::Popular, cache.expiry(now, due))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("ETag is not a header value")))?;
    cache.put_feed(epoch, key, entry.clone());
    Ok(entry)
}
