use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::contents::visible;
use crate::db::schema::{content_media, contents, media};

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

/// Whether some content learners can see uses this file: as its video, poster or cover,
/// or in the Markdown body of any of its locales. (`contents::visible` is the one rule.)
pub fn is_public(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let attached = contents::table
        .filter(visible(now))
        .filter(contents::media_id.eq(id).or(contents::poster_media_id.eq(id)).or(contents::cover_media_id.eq(id)));
    let inline = content_media::table
        .inner_join(contents::table)
        .filter(content_media::media_id.eq(id))
        .filter(visible(now))
        .select(content_media::content_id);
    diesel::select(diesel::dsl::exists(attached).or(diesel::dsl::exists(inline))).get_result(conn)
}

/// Replaces the media a content's bodies reference; ids of files that do not exist are
/// left out.
pub fn set_references(conn: &mut DbConn, content_id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(content_media::table.filter(content_media::content_id.eq(content_id))).execute(conn)?;
    if ids.is_empty() {
        return Ok(());
    }
    let existing: Vec<i64> = media::table.filter(media::id.eq_any(ids)).select(media::id).load(conn)?;
    for media_id in existing {
        diesel::insert_into(content_media::table)
            .values((content_media::content_id.eq(content_id), content_media::media_id.eq(media_id)))
            .execute(conn)?;
    }
    Ok(())
}
