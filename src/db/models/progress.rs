//! Events and per-content progress.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::contents::ContentRow;
use crate::db::schema::{contents, events, progress};
use crate::db::{DbConn, per_backend};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub kind: &'a str,
    pub content_id: i64,
    pub position_s: Option<i32>,
    pub occurred_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub local_date: &'a str,
}

/// Stores the events whose ids are new, in one statement; returns the ids stored.
pub fn insert_events(conn: &mut DbConn, batch: &[NewEvent<'_>]) -> QueryResult<HashSet<String>> {
    if batch.is_empty() {
        return Ok(HashSet::new());
    }
    match conn {
        // One round trip for the whole batch.
        DbConn::Pg(c) => {
            let stored: Vec<String> = diesel::insert_into(events::table)
                .values(batch)
                .on_conflict_do_nothing()
                .returning(events::id)
                .get_results(c)?;
            Ok(stored.into_iter().collect())
        }
        // Diesel runs an SQLite batch row by row anyway, and a skipped row would end a
        // RETURNING batch with NotFound; in-process statements are cheap.
        DbConn::Sqlite(c) => {
            let mut stored = HashSet::new();
            for event in batch {
                if diesel::insert_into(events::table).values(event).on_conflict_do_nothing().execute(c)? == 1 {
                    stored.insert(event.id.to_owned());
                }
            }
            Ok(stored)
        }
    }
}

/// Who these event ids belong to (known ids only).
pub fn event_owners(conn: &mut DbConn, ids: &[&str]) -> QueryResult<HashMap<String, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, i64)> =
        events::table.filter(events::id.eq_any(ids)).select((events::id, events::user_id)).load(conn)?;
    Ok(rows.into_iter().collect())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = progress, treat_none_as_null = true)]
pub struct ProgressRow {
    pub user_id: i64,
    pub content_id: i64,
    pub position_s: i32,
    pub position_at: Option<NaiveDateTime>,
    pub effective_s: i32,
    pub segments: String,
    pub first_view_at: Option<NaiveDateTime>,
    pub last_receipt_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
}

/// The progress row to update, created when missing and locked against concurrent
/// batches for the same learner and content (PostgreSQL `FOR UPDATE`; SQLite's write
/// transaction already excludes them).
pub fn lock(conn: &mut DbConn, user: i64, content: i64) -> QueryResult<ProgressRow> {
    let fresh = (progress::user_id.eq(user), progress::content_id.eq(content));
    per_backend!(conn, |c| diesel::insert_into(progress::table).values(fresh).on_conflict_do_nothing().execute(c))?;
    match conn {
        crate::db::DbConn::Pg(c) => {
            progress::table.find((user, content)).select(ProgressRow::as_select()).for_update().first(c)
        }
        crate::db::DbConn::Sqlite(c) => progress::table.find((user, content)).select(ProgressRow::as_select()).first(c),
    }
}

pub fn save(conn: &mut DbConn, row: &ProgressRow) -> QueryResult<usize> {
    diesel::update(progress::table.find((row.user_id, row.content_id))).set(row).execute(conn)
}

/// The learner's progress on those of `ids` that are visible, with each content, by id.
pub fn of_visible_contents(
    conn: &mut DbConn,
    user: i64,
    ids: &[i64],
    now: NaiveDateTime,
) -> QueryResult<Vec<(ProgressRow, ContentRow)>> {
    progress::table
        .inner_join(contents::table)
        .filter(progress::user_id.eq(user))
        .filter(progress::content_id.eq_any(ids))
        .filter(crate::db::models::contents::visible(now))
        .select((ProgressRow::as_select(), ContentRow::as_select()))
        .order(progress::content_id)
        .load(conn)
}

/// What the learner opened, most recent first, among contents still visible.
pub fn history_page(
    conn: &mut DbConn,
    user: i64,
    now: NaiveDateTime,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<(ProgressRow, ContentRow)>> {
    let mut query = progress::table
        .inner_join(contents::table)
        .filter(progress::user_id.eq(user))
        .filter(progress::last_receipt_at.is_not_null())
        .filter(crate::db::models::contents::visible(now))
        .select((ProgressRow::as_select(), ContentRow::as_select()))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(
            progress::last_receipt_at.lt(at).or(progress::last_receipt_at.eq(at).and(progress::content_id.lt(id))),
        );
    }
    query.order((progress::last_receipt_at.desc(), progress::content_id.desc())).limit(limit + 1).load(conn)
}
