use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Integer;

use crate::db::DbConn;
use crate::db::changes::{Change, crosses_threshold, record};
use crate::db::schema::{campaign_contents, content_audiences, content_tags, content_translations, contents};
use crate::db::search::{self, Prepared};

pub const PUBLISHED: &str = "published";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = contents)]
pub struct ContentRow {
    pub id: i64,
    pub kind: String,
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
    pub status: String,
    pub publish_at: Option<NaiveDateTime>,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub view_count: i64,
    pub like_count: i64,
    pub favorite_count: i64,
    pub share_count: i64,
    pub popularity: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON array of the staff ids who wrote the revision awaiting approval.
    pub revised_by: String,
    pub submitted_by: Option<i64>,
    /// The pending change of a published item: `draft` or `in_review` (its fields are in
    /// the `revision` column, read with [`revision_of`]).
    pub revision_status: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = contents)]
pub struct NewContent<'a> {
    pub kind: &'a str,
    pub topic_id: i64,
    pub locale: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    pub body_markdown: Option<&'a str>,
    pub body_html: Option<&'a str>,
    pub reading_time_s: Option<i32>,
    pub cover_media_id: Option<i64>,
    pub media_id: Option<i64>,
    pub poster_media_id: Option<i64>,
    pub duration_s: Option<i32>,
    pub status: &'a str,
    pub author_id: i64,
    pub revised_by: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = contents)]
pub struct ContentChanges {
    pub topic_id: Option<i64>,
    pub locale: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body_markdown: Option<Option<String>>,
    pub body_html: Option<Option<String>>,
    pub reading_time_s: Option<Option<i32>>,
    pub cover_media_id: Option<Option<i64>>,
    pub media_id: Option<Option<i64>>,
    pub poster_media_id: Option<Option<i64>>,
    pub duration_s: Option<Option<i32>>,
    pub status: Option<String>,
    pub publish_at: Option<Option<NaiveDateTime>>,
    pub reviewer_id: Option<Option<i64>>,
    pub reject_reason: Option<Option<String>>,
    pub version: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
    pub revised_by: Option<String>,
    pub submitted_by: Option<Option<i64>>,
    pub revision_status: Option<Option<String>>,
    pub revision: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = content_translations)]
pub struct TranslationRow {
    pub content_id: i64,
    pub locale: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: Option<String>,
    pub body_html: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// The one visibility rule for learners: published and its publication time has come.
/// (Archived and draft items have another status.) Every learner-facing query uses it.
#[diesel::dsl::auto_type(no_type_alias)]
pub fn visible(now: NaiveDateTime) -> _ {
    let published: &'static str = PUBLISHED;
    contents::status.eq(published).and(contents::publish_at.le(now))
}

pub fn insert(conn: &mut DbConn, new: &NewContent<'_>) -> QueryResult<i64> {
    diesel::insert_into(contents::table).values(new).returning(contents::id).get_result(conn)
}

/// The earliest `publish_at` after `now` among approved items (the `contents_latest` index).
pub fn next_publication(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    let published: &'static str = PUBLISHED;
    contents::table
        .filter(contents::status.eq(published))
        .filter(contents::publish_at.gt(now))
        .select(diesel::dsl::min(contents::publish_at))
        .first(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<ContentRow>> {
    contents::table.find(id).select(ContentRow::as_select()).first(conn).optional()
}

/// The content to change, locked against concurrent changes until the transaction ends
/// (PostgreSQL `FOR UPDATE`; SQLite's write transaction already excludes them).
pub fn find_for_update(conn: &mut DbConn, id: i64) -> QueryResult<Option<ContentRow>> {
    match conn {
        DbConn::Pg(c) => contents::table.find(id).select(ContentRow::as_select()).for_update().first(c).optional(),
        DbConn::Sqlite(c) => contents::table.find(id).select(ContentRow::as_select()).first(c).optional(),
    }
}

/// The stored pending revision of a content, if any.
pub fn revision_of(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    Ok(contents::table.find(id).select(contents::revision).first(conn).optional()?.flatten())
}

/// `(content_id, revision)` for those of these contents that have a pending revision.
pub fn revisions_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, Option<String>)> = contents::table
        .filter(contents::id.eq_any(ids))
        .filter(contents::revision.is_not_null())
        .select((contents::id, contents::revision))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, r)| r.map(|r| (id, r))).collect())
}

pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<ContentRow>> {
    contents::table.filter(contents::id.eq_any(ids)).select(ContentRow::as_select()).load(conn)
}

/// How many of `ids` exist (any state).
pub fn count_existing(conn: &mut DbConn, ids: &[i64]) -> QueryResult<i64> {
    contents::table.filter(contents::id.eq_any(ids)).count().get_result(conn)
}

pub fn find_many_visible(conn: &mut DbConn, ids: &[i64], now: NaiveDateTime) -> QueryResult<Vec<ContentRow>> {
    contents::table.filter(contents::id.eq_any(ids)).filter(visible(now)).select(ContentRow::as_select()).load(conn)
}

pub fn find_visible(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<Option<ContentRow>> {
    contents::table.find(id).filter(visible(now)).select(ContentRow::as_select()).first(conn).optional()
}

pub fn update(conn: &mut DbConn, id: i64, changes: &ContentChanges) -> QueryResult<usize> {
    record(conn, Change::Content(id))?;
    diesel::update(contents::table.find(id)).set(changes).execute(conn)
}

/// Changes only what staff see (a pending revision and its workflow columns): learners'
/// cached pages stay, since nothing they are shown changed.
pub fn update_staff_only(conn: &mut DbConn, id: i64, changes: &ContentChanges) -> QueryResult<usize> {
    diesel::update(contents::table.find(id)).set(changes).execute(conn)
}

pub fn set_audiences(conn: &mut DbConn, id: i64, audiences: &[&str]) -> QueryResult<()> {
    record(conn, Change::Content(id))?;
    diesel::delete(content_audiences::table.filter(content_audiences::content_id.eq(id))).execute(conn)?;
    for audience in audiences {
        diesel::insert_into(content_audiences::table)
            .values((content_audiences::content_id.eq(id), content_audiences::audience.eq(audience)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_tags(conn: &mut DbConn, id: i64, tags: &[String]) -> QueryResult<()> {
    record(conn, Change::Content(id))?;
    diesel::delete(content_tags::table.filter(content_tags::content_id.eq(id))).execute(conn)?;
    for tag in tags {
        diesel::insert_into(content_tags::table)
            .values((content_tags::content_id.eq(id), content_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    Ok(())
}

/// `(content_id, audience)` for these contents, in one query.
pub fn audiences_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    content_audiences::table
        .filter(content_audiences::content_id.eq_any(ids))
        .select((content_audiences::content_id, content_audiences::audience))
        .order((content_audiences::content_id, content_audiences::audience))
        .load(conn)
}

/// `(content_id, tag)` for these contents, in one query.
pub fn tags_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    content_tags::table
        .filter(content_tags::content_id.eq_any(ids))
        .select((content_tags::content_id, content_tags::tag))
        .order((content_tags::content_id, content_tags::tag))
        .load(conn)
}

/// Every translation of these contents, in one query.
pub fn translations_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<TranslationRow>> {
    content_translations::table
        .filter(content_translations::content_id.eq_any(ids))
        .select(TranslationRow::as_select())
        .order((content_translations::content_id, content_translations::locale))
        .load(conn)
}

/// Inserts or replaces one translation.
pub fn put_translation(conn: &mut DbConn, row: &TranslationRow) -> QueryResult<()> {
    record(conn, Change::Content(row.content_id))?;
    let updated = diesel::update(content_translations::table.find((row.content_id, &row.locale)))
        .set((
            content_translations::title.eq(&row.title),
            content_translations::summary.eq(&row.summary),
            content_translations::body_markdown.eq(&row.body_markdown),
            content_translations::body_html.eq(&row.body_html),
            content_translations::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(content_translations::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// Adds `delta` to a counter and to the popularity score, in one atomic statement. When
/// the counter or the score passes a display threshold, cached public responses that show
/// it are invalidated (in the same transaction).
pub fn bump(conn: &mut DbConn, id: i64, counter: Counter, delta: i64) -> QueryResult<usize> {
    let weighted = delta * counter.weight();
    let target = contents::table.find(id);
    let popularity = contents::popularity.eq(contents::popularity + weighted);
    let after: Option<(i64, i64)> = match counter {
        Counter::Likes => diesel::update(target)
            .set((contents::like_count.eq(contents::like_count + delta), popularity))
            .returning((contents::popularity, contents::like_count))
            .get_result(conn),
        Counter::Favorites => diesel::update(target)
            .set((contents::favorite_count.eq(contents::favorite_count + delta), popularity))
            .returning((contents::popularity, contents::favorite_count))
            .get_result(conn),
        Counter::Views => diesel::update(target)
            .set((contents::view_count.eq(contents::view_count + delta), popularity))
            .returning((contents::popularity, contents::view_count))
            .get_result(conn),
        Counter::Shares => diesel::update(target)
            .set((contents::share_count.eq(contents::share_count + delta), popularity))
            .returning((contents::popularity, contents::share_count))
            .get_result(conn),
    }
    .optional()?;
    let Some((score, count)) = after else { return Ok(0) };
    if crosses_threshold(count - delta, count) || crosses_threshold(score - weighted, score) {
        record(conn, Change::Counter(id))?;
    }
    Ok(1)
}

#[derive(Debug, Clone, Copy)]
pub enum Counter {
    Likes,
    Favorites,
    Views,
    Shares,
}

impl Counter {
    /// How much one of each counts towards "popular".
    fn weight(self) -> i64 {
        match self {
            Self::Views => 1,
            Self::Shares => 2,
            Self::Likes => 3,
            Self::Favorites => 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedOrder {
    Latest,
    Popular,
    /// Title matches first, then newest; needs a search.
    Relevance,
}

/// Where the previous page ended, in the order's own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedKey {
    pub rank: i32,
    pub publish_at: NaiveDateTime,
    pub popularity: i64,
    pub id: i64,
}

pub struct FeedFilter<'a> {
    pub now: NaiveDateTime,
    pub kind: Option<&'a str>,
    pub topic_id: Option<i64>,
    pub audience: Option<&'a str>,
    /// Only contents attached to this campaign.
    pub campaign_id: Option<i64>,
    pub search: Option<&'a Prepared>,
    pub order: FeedOrder,
    pub after: Option<FeedKey>,
    pub limit: i64,
}

/// One page of the learner feed (plus one probe row), each row with its search rank
/// (1 = the title matched, 0 = elsewhere or no search). Every order is a keyset over an
/// index: (publish_at, id), (popularity, id) or (rank, publish_at, id), all descending.
pub fn feed(conn: &mut DbConn, f: &FeedFilter<'_>) -> QueryResult<Vec<(ContentRow, i32)>> {
    let rank = || -> Box<dyn BoxableExpression<contents::table, _, SqlType = Integer>> {
        match f.search {
            Some(prepared) => search::title_rank(prepared),
            None => Box::new(sql::<Integer>("0")),
        }
    };
    // One upper bound on publish_at: SQLite seeks the index with one of two bounds and
    // scans the rest, so a page deep in the feed would read every row down to its cursor.
    let bound = match (f.order, f.after) {
        (FeedOrder::Latest, Some(after)) => f.now.min(after.publish_at),
        _ => f.now,
    };
    let mut query = contents::table.filter(visible(bound)).select((ContentRow::as_select(), rank())).into_boxed();
    if let Some(kind) = f.kind {
        query = query.filter(contents::kind.eq(kind));
    }
    if let Some(topic) = f.topic_id {
        query = query.filter(contents::topic_id.eq(topic));
    }
    if let Some(audience) = f.audience {
        query = query.filter(diesel::dsl::exists(
            content_audiences::table
                .filter(content_audiences::content_id.eq(contents::id))
                .filter(content_audiences::audience.eq(audience)),
        ));
    }
    if let Some(campaign) = f.campaign_id {
        query = query.filter(diesel::dsl::exists(
            campaign_contents::table
                .filter(campaign_contents::campaign_id.eq(campaign))
                .filter(campaign_contents::content_id.eq(contents::id)),
        ));
    }
    if let Some(prepared) = f.search {
        query = query.filter(search::matches(prepared));
    }
    if let Some(after) = f.after {
        let (at, id) = (after.publish_at, after.id);
        let older = contents::publish_at.lt(at).or(contents::publish_at.eq(at).and(contents::id.lt(id)));
        query = match f.order {
            FeedOrder::Latest => query.filter(older),
            FeedOrder::Popular => query.filter(
                contents::popularity
                    .lt(after.popularity)
                    .or(contents::popularity.eq(after.popularity).and(contents::id.lt(id))),
            ),
            FeedOrder::Relevance => {
                query.filter(rank().lt(after.rank).or(rank().eq(after.rank).and(older.assume_not_null())))
            }
        };
    }
    query = match f.order {
        FeedOrder::Latest => query.order((contents::publish_at.desc(), contents::id.desc())),
        FeedOrder::Popular => query.order((contents::popularity.desc(), contents::id.desc())),
        FeedOrder::Relevance => query.order((rank().desc(), contents::publish_at.desc(), contents::id.desc())),
    };
    query.limit(f.limit + 1).load(conn)
}

pub struct AdminFilter<'a> {
    pub status: Option<&'a str>,
    /// Only contents with a pending revision in this state.
    pub revision_status: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub topic_id: Option<i64>,
    pub author_id: Option<i64>,
    pub search: Option<&'a Prepared>,
    /// Newest first: only items with a smaller id.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Staff listing: every state, newest first.
pub fn admin_list(conn: &mut DbConn, f: &AdminFilter<'_>) -> QueryResult<Vec<ContentRow>> {
    let mut query = contents::table.select(ContentRow::as_select()).into_boxed();
    if let Some(status) = f.status {
        query = query.filter(contents::status.eq(status));
    }
    if let Some(revision) = f.revision_status {
        query = query.filter(contents::revision_status.eq(revision));
    }
    if let Some(kind) = f.kind {
        query = query.filter(contents::kind.eq(kind));
    }
    if let Some(topic) = f.topic_id {
        query = query.filter(contents::topic_id.eq(topic));
    }
    if let Some(author) = f.author_id {
        query = query.filter(contents::author_id.eq(author));
    }
    if let Some(prepared) = f.search {
        query = query.filter(search::matches(prepared));
    }
    if let Some(before) = f.before_id {
        query = query.filter(contents::id.lt(before));
    }
    query.order(contents::id.desc()).limit(f.limit + 1).load(conn)
}
