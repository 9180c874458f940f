use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::contents::visible;
use crate::db::schema::{contents, media};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media)]
pub struct MediaRow {
    pub id: i64,
    pub kind: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub duration_s: Option<i32>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub uploader_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia<'a> {
    pub kind: &'a str,
    pub mime: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
    pub duration_s: Option<i32>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub uploader_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<MediaRow>> {
    media::table.find(id).select(MediaRow::as_select()).first(conn).optional()
}

pub fn find_by_sha256(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<MediaRow>> {
    media::table.filter(media::sha256.eq(sha256)).select(MediaRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConn, new: &NewMedia<'_>) -> QueryResult<i64> {
    diesel::insert_into(media::table).values(new).returning(media::id).get_result(conn)
}

/// Whether some content learners can see uses this file (as video, poster or cover).
pub fn is_public(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        contents::table
            .filter(visible(now))
            .filter(contents::media_id.eq(id).or(contents::poster_media_id.eq(id)).or(contents::cover_media_id.eq(id))),
    ))
    .get_result(conn)
}
