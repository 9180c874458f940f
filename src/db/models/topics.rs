use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{contents, topics};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = topics)]
pub struct TopicRow {
    pub id: i64,
    pub slug: String,
    /// JSON object: locale -> name.
    pub names: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = topics)]
pub struct NewTopic<'a> {
    pub slug: &'a str,
    pub names: &'a str,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = topics)]
pub struct TopicChanges {
    pub slug: Option<String>,
    pub names: Option<String>,
    pub position: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

/// All topics in display order. The table is small (tens of rows).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<TopicRow>> {
    topics::table.select(TopicRow::as_select()).order((topics::position.asc(), topics::id.asc())).load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<TopicRow>> {
    topics::table.find(id).select(TopicRow::as_select()).first(conn).optional()
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<TopicRow>> {
    topics::table.filter(topics::slug.eq(slug)).select(TopicRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConn, new: &NewTopic<'_>) -> QueryResult<i64> {
    diesel::insert_into(topics::table).values(new).returning(topics::id).get_result(conn)
}

/// A topic's name and slug show on every item of it: cached public responses go.
pub fn update(conn: &mut DbConn, id: i64, changes: &TopicChanges) -> QueryResult<usize> {
    crate::db::changes::record(conn, crate::db::changes::Change::Everything)?;
    diesel::update(topics::table.find(id)).set(changes).execute(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    crate::db::changes::record(conn, crate::db::changes::Change::Everything)?;
    diesel::delete(topics::table.find(id)).execute(conn)
}

pub fn in_use(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(contents::table.filter(contents::topic_id.eq(id)))).get_result(conn)
}
