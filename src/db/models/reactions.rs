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

/// Which of these contents the user liked and favourited, in two indexed queries.
pub fn of_user(conn: &mut DbConn, user_id: i64, content_ids: &[i64]) -> QueryResult<(Vec<i64>, Vec<i64>)> {
    let liked = likes::table
        .filter(likes::user_id.eq(user_id))
        .filter(likes::content_id.eq_any(content_ids))
        .select(likes::content_id)
        .load(conn)?;
    let favorited = favorites::table
        .filter(favorites::user_id.eq(user_id))
        .filter(favorites::content_id.eq_any(content_ids))
        .select(favorites::content_id)
        .load(conn)?;
    Ok((liked, favorited))
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
