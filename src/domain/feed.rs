//! What learners read: the feed, one item, likes and favourites. Everything goes through
//! the one visibility rule (`db::models::contents::visible`), and a page costs a fixed
//! number of queries however many items it has.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::clock::naive;
use crate::db::models::contents::{
    self as content_db, ContentRow, Counter, FeedFilter, FeedKey, FeedOrder, TranslationRow,
};
use crate::db::models::media::{self as media_db, MediaRow};
use crate::db::models::reactions::{self, Reaction};
use crate::db::models::topics::{self as topic_db, TopicRow};
use crate::db::{DbConn, search as search_db, write_tx};
use crate::domain::search;
use crate::domain::vocab::Audience;
use crate::domain::{locale, topics};
use crate::error::AppError;

/// The text of a content in the locale chosen for the caller.
#[derive(Debug, Clone)]
pub struct Localized {
    pub locale: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: Option<String>,
    pub body_html: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TopicView {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// The caller's own relation to an item.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mine {
    pub liked: bool,
    pub favorited: bool,
    /// (position_s, percent, completed) once the caller has opened it.
    pub progress: Option<(i32, i32, bool)>,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub row: ContentRow,
    pub text: Localized,
    pub topic: TopicView,
    pub tags: Vec<String>,
    pub audiences: Vec<String>,
    /// Present when the caller is logged in.
    pub mine: Option<Mine>,
    /// The search rank this item was ordered by (1 = title match).
    pub rank: i32,
}

pub struct FeedQuery {
    pub kind: Option<String>,
    pub topic: Option<String>,
    pub audience: Option<Audience>,
    /// Only a campaign's contents (a campaign the viewer cannot see has none).
    pub campaign: Option<i64>,
    pub q: Option<String>,
    pub order: FeedOrder,
    pub after: Option<FeedKey>,
    pub limit: i64,
    pub prefs: Vec<String>,
    pub viewer: Option<i64>,
    /// The viewer's organization path (campaign scope).
    pub viewer_path: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Item>,
    pub next: Option<FeedKey>,
}

/// The key the next page starts after.
pub fn key_of(item: &Item) -> FeedKey {
    FeedKey {
        rank: item.rank,
        publish_at: item.row.publish_at.unwrap_or_default(),
        popularity: item.row.popularity,
        id: item.row.id,
    }
}

fn localize(row: &ContentRow, translations: &[&TranslationRow], prefs: &[String]) -> Localized {
    let mut available: Vec<&str> = vec![row.locale.as_str()];
    available.extend(translations.iter().map(|t| t.locale.as_str()));
    let chosen = locale::negotiate(prefs, &available, &row.locale);
    match translations.iter().find(|t| t.locale == chosen) {
        Some(t) => Localized {
            locale: t.locale.clone(),
            title: t.title.clone(),
            summary: t.summary.clone(),
            body_markdown: t.body_markdown.clone(),
            body_html: t.body_html.clone(),
        },
        None => Localized {
            locale: row.locale.clone(),
            title: row.title.clone(),
            summary: row.summary.clone(),
            body_markdown: row.body_markdown.clone(),
            body_html: row.body_html.clone(),
        },
    }
}

/// Topic, tags, audiences, translation and the caller's reactions for a set of rows: a
/// fixed number of queries for the whole set.
fn assemble(
    conn: &mut DbConn,
    rows: Vec<(ContentRow, i32)>,
    prefs: &[String],
    viewer: Option<i64>,
) -> Result<Vec<Item>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let topics: HashMap<i64, TopicRow> = topic_db::all(conn)?.into_iter().map(|t| (t.id, t)).collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, tag) in content_db::tags_of(conn, &ids)? {
        tags.entry(id).or_default().push(tag);
    }
    let mut audiences: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, audience) in content_db::audiences_of(conn, &ids)? {
        audiences.entry(id).or_default().push(audience);
    }
    let translations = content_db::translations_of(conn, &ids)?;
    let mut items: Vec<Item> = rows
        .into_iter()
        .map(|(row, rank)| {
            let own: Vec<&TranslationRow> = translations.iter().filter(|t| t.content_id == row.id).collect();
            let topic = topics.get(&row.topic_id).map_or_else(
                || TopicView { id: row.topic_id, slug: String::new(), name: String::new() },
                |t| TopicView { id: t.id, slug: t.slug.clone(), name: topics::name_for(t, prefs).0 },
            );
            Item {
                text: localize(&row, &own, prefs),
                topic,
                tags: tags.remove(&row.id).unwrap_or_default(),
                audiences: audiences.remove(&row.id).unwrap_or_default(),
                mine: None,
                rank,
                row,
            }
        })
        .collect();
    if let Some(user) = viewer {
        attach_mine(conn, user, &mut items)?;
    }
    Ok(items)
}

/// Fills in the caller's own relation (likes, favourites, progress) for a set of items
/// that everyone sees alike, e.g. a cached page: one indexed query on the (user, content)
/// keys, however many items there are.
pub fn attach_mine(conn: &mut DbConn, user: i64, items: &mut [Item]) -> Result<(), AppError> {
    let ids: Vec<i64> = items.iter().map(|item| item.row.id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut mine: HashMap<i64, Mine> = HashMap::with_capacity(ids.len());
    let mut progress: HashMap<i64, (i32, i32, bool)> = HashMap::new();
    for row in reactions::mine(conn, user, &ids)? {
        let entry = mine.entry(row.content_id).or_default();
        match row.what.as_str() {
            "l" => entry.liked = true,
            "f" => entry.favorited = true,
            _ => {
                progress.insert(row.content_id, (row.position_s, row.effective_s, row.completed == 1));
            }
        }
    }
    for item in items {
        let id = item.row.id;
        let mut own = mine.remove(&id).unwrap_or_default();
        own.progress = progress.get(&id).map(|&(position_s, effective_s, completed)| {
            (position_s, crate::domain::engagement::percent_of(effective_s, completed, &item.row), completed)
        });
        item.mine = Some(own);
    }
    Ok(())
}

/// When the next item already approved for a future time becomes visible (nothing is
/// written then, so cached lists must expire by themselves).
pub fn next_publication(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(content_db::next_publication(conn, naive(now))?.map(crate::clock::utc))
}

/// A page of the feed.
pub fn feed(conn: &mut DbConn, query: &FeedQuery, now: DateTime<Utc>) -> Result<Page, AppError> {
    let prepared = match query.q.as_deref() {
        Some(q) => match search_db::prepare(conn, &search::query_terms(q)) {
            Some(prepared) => Some(prepared),
            // A query with no letters or digits matches nothing.
            None => return Ok(Page { items: Vec::new(), next: None }),
        },
        None => None,
    };
    let topic_id = match query.topic.as_deref() {
        Some(slug_or_id) => {
            let found = match slug_or_id.parse::<i64>() {
                Ok(id) => topic_db::find(conn, id)?,
                Err(_) => topic_db::find_by_slug(conn, slug_or_id)?,
            };
            // An unknown topic has no items (and is not an error a learner can fix).
            match found {
                Some(topic) => Some(topic.id),
                None => return Ok(Page { items: Vec::new(), next: None }),
            }
        }
        None => None,
    };
    if let Some(campaign) = query.campaign {
        match crate::domain::campaigns::visible_to(conn, campaign, query.viewer_path.as_deref(), now) {
            Ok(_) => {}
            Err(AppError::NotFound(_)) => return Ok(Page { items: Vec::new(), next: None }),
            Err(other) => return Err(other),
        }
    }
    let filter = FeedFilter {
        now: naive(now),
        kind: query.kind.as_deref(),
        topic_id,
        audience: query.audience.map(Audience::as_str),
        campaign_id: query.campaign,
        search: prepared.as_ref(),
        order: query.order,
        after: query.after,
        limit: query.limit,
    };
    let mut rows = content_db::feed(conn, &filter)?;
    let has_more = rows.len() as i64 > query.limit;
    rows.truncate(query.limit as usize);
    let items = assemble(conn, rows, &query.prefs, query.viewer)?;
    let next = if has_more { items.last().map(key_of) } else { None };
    Ok(Page { items, next })
}

/// One visible item with the media files it shows.
#[derive(Debug, Clone)]
pub struct Detail {
    pub item: Item,
    pub video: Option<MediaRow>,
}

pub fn detail(
    conn: &mut DbConn,
    id: i64,
    prefs: &[String],
    viewer: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Detail, AppError> {
    let row = content_db::find_visible(conn, id, naive(now))?.ok_or_else(|| AppError::not_found("content"))?;
    let video = match row.media_id {
        Some(media) => media_db::find(conn, media)?,
        None => None,
    };
    let item = assemble(conn, vec![(row, 0)], prefs, viewer)?.pop().ok_or_else(|| AppError::not_found("content"))?;
    Ok(Detail { item, video })
}

/// Counts after a reaction changed.
pub struct Reacted {
    pub active: bool,
    pub count: i64,
}

/// Sets or clears a like or favourite. Idempotent: the row is unique per (user, content)
/// and the counter moves only when a row was really added or removed, in the same
/// transaction.
pub fn react(
    conn: &mut DbConn,
    user: i64,
    content_id: i64,
    reaction: Reaction,
    on: bool,
    now: DateTime<Utc>,
) -> Result<Reacted, AppError> {
    write_tx(conn, |conn| {
        content_db::find_visible(conn, content_id, naive(now))?.ok_or_else(|| AppError::not_found("content"))?;
        let counter = match reaction {
            Reaction::Like => Counter::Likes,
            Reaction::Favorite => Counter::Favorites,
        };
        let changed = if on {
            reactions::add(conn, reaction, user, content_id, naive(now))?
        } else {
            reactions::remove(conn, reaction, user, content_id)?
        };
        if changed {
            content_db::bump(conn, content_id, counter, if on { 1 } else { -1 })?;
        }
        let row = content_db::find(conn, content_id)?.ok_or_else(|| AppError::not_found("content"))?;
        let count = match reaction {
            Reaction::Like => row.like_count,
            Reaction::Favorite => row.favorite_count,
        };
        Ok(Reacted { active: on, count })
    })
}

/// The caller's favourites, newest first; items that are no longer visible drop out.
pub fn favorites(
    conn: &mut DbConn,
    user: i64,
    before: Option<i64>,
    limit: i64,
    prefs: &[String],
    now: DateTime<Utc>,
) -> Result<(Vec<Item>, Option<i64>), AppError> {
    let mut marks = reactions::favorites_page(conn, user, naive(now), before, limit)?;
    let has_more = marks.len() as i64 > limit;
    marks.truncate(limit as usize);
    // One query for the rows, then back into favourite order.
    let ids: Vec<i64> = marks.iter().map(|(_, content_id)| *content_id).collect();
    let mut by_id: HashMap<i64, ContentRow> =
        content_db::find_many(conn, &ids)?.into_iter().map(|r| (r.id, r)).collect();
    let ordered: Vec<(ContentRow, i32)> = ids.iter().filter_map(|id| by_id.remove(id).map(|r| (r, 0))).collect();
    let items = assemble(conn, ordered, prefs, Some(user))?;
    let next = if has_more { marks.last().map(|(mark, _)| *mark) } else { None };
    Ok((items, next))
}
