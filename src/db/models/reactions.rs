//! Likes and favourites: one row per (user, content), so repeating a request changes nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{contents, favorites, likes};
use crate::db::{DbConn, per_backend};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    Like,
    Favorite,
}

/// Adds the reaction unless present; true when a row was added.
pub fn add(
    conn: &mut DbConn,
    reaction: Reaction,
    user_id: i64,
    content_id: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = match reaction {
        Reaction::Like => per_backend!(conn, |c| diesel::insert_into(likes::table)
            .values((likes::user_id.eq(user_id), likes::content_id.eq(content_id), likes::created_at.eq(now)))
            .on_conflict_do_nothing()
            .execute(c))?,
        Reaction::Favorite => per_backend!(conn, |c| diesel::insert_into(favorites::table)
            .values((
                favorites::user_id.eq(user_id),
                favorites::content_id.eq(content_id),
                favorites::created_at.eq(now)
            ))
            .on_conflict_do_nothing()
            .execute(c))?,
    };
    Ok(inserted == 1)
}

/// Removes the reaction if present; true when a row was removed.
pub fn remove(conn: &mut DbConn, reaction: Reaction, user_id: i64, content_id: i64) -> QueryResult<bool> {
    let deleted = match reaction {
        Reaction::Like => diesel::delete(likes::table.find((user_id, content_id))).execute(conn)?,
        Reaction::Favorite => diesel::delete(
            favorites::table.filter(favorites::user_id.eq(user_id)).filter(favorites::content_id.eq(content_id)),
        )
        .execute(conn)?,
    };
    Ok(deleted == 1)
}

/// The caller's own relation to one content: liked, favourited, and progress if opened.
#[derive(Debug, Clone, QueryableByName)]
pub struct MineRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub content_id: i64,
    /// 'l' (a like), 'f' (a favourite) or 'p' (progress).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub what: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub position_s: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub effective_s: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub completed: i32,
}

/// Likes, favourites and progress of one user on a set of contents, in one statement:
/// three primary-key range reads, (user_id, content_id) each, joined by UNION ALL.
pub fn mine(conn: &mut DbConn, user_id: i64, content_ids: &[i64]) -> QueryResult<Vec<MineRow>> {
    use diesel::sql_types::BigInt;
    // $1 is the user; the ids follow as $2..$n+1 (the same list in all three parts).
    let list = (2..content_ids.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let text = format!(
        "SELECT content_id, 'l' AS what, 0 AS position_s, 0 AS effective_s, 0 AS completed \
         FROM likes WHERE user_id = $1 AND content_id IN ({list}) \
         UNION ALL SELECT content_id, 'f', 0, 0, 0 FROM favorites WHERE user_id = $1 AND content_id IN ({list}) \
         UNION ALL SELECT content_id, 'p', position_s, effective_s, \
                          CASE WHEN completed_at IS NULL THEN 0 ELSE 1 END \
         FROM progress WHERE user_id = $1 AND content_id IN ({list})"
    );
    let mut query = diesel::sql_query(text).into_boxed::<crate::db::Backend>().bind::<BigInt, _>(user_id);
    for id in content_ids {
        query = query.bind::<BigInt, _>(*id);
    }
    query.load(conn)
}

/// A user's favourites, newest first, as (favourite id, content id) among visible contents.
pub fn favorites_page(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    let mut query = favorites::table
        .inner_join(contents::table)
        .filter(favorites::user_id.eq(user_id))
        .filter(crate::db::models::contents::visible(now))
        .select((favorites::id, favorites::content_id))
        .into_boxed();
    if let Some(before) = before_id {
        query = query.filter(favorites::id.lt(before));
    }
    query.order(favorites::id.desc()).limit(limit + 1).load(conn)
}
