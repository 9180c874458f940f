use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::like_pattern;
use crate::db::schema::{question_audiences, question_tags, questions};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = questions)]
pub struct QuestionRow {
    pub id: i64,
    pub kind: String,
    pub topic_id: i64,
    pub stem: String,
    /// JSON: `[{"key", "text"}]`.
    pub options: String,
    /// JSON: `"A"`, `["A","C"]`, `true` or `["accepted", ...]`.
    pub answer: String,
    pub explanation: String,
    pub difficulty: i32,
    pub version: i32,
    pub author_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = questions)]
pub struct NewQuestion<'a> {
    pub kind: &'a str,
    pub topic_id: i64,
    pub stem: &'a str,
    pub options: &'a str,
    pub answer: &'a str,
    pub explanation: &'a str,
    pub difficulty: i32,
    pub author_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = questions)]
pub struct QuestionChanges {
    pub kind: Option<String>,
    pub topic_id: Option<i64>,
    pub stem: Option<String>,
    pub options: Option<String>,
    pub answer: Option<String>,
    pub explanation: Option<String>,
    pub difficulty: Option<i32>,
    pub version: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
    pub retired_at: Option<Option<NaiveDateTime>>,
}

pub fn insert(conn: &mut DbConn, new: &NewQuestion<'_>) -> QueryResult<i64> {
    diesel::insert_into(questions::table).values(new).returning(questions::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<QuestionRow>> {
    questions::table.find(id).select(QuestionRow::as_select()).first(conn).optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<QuestionRow>> {
    questions::table.filter(questions::id.eq_any(ids)).select(QuestionRow::as_select()).load(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &QuestionChanges) -> QueryResult<usize> {
    diesel::update(questions::table.find(id)).set(changes).execute(conn)
}

pub fn set_tags(conn: &mut DbConn, id: i64, tags: &[String]) -> QueryResult<()> {
    diesel::delete(question_tags::table.filter(question_tags::question_id.eq(id))).execute(conn)?;
    for tag in tags {
        diesel::insert_into(question_tags::table)
            .values((question_tags::question_id.eq(id), question_tags::tag.eq(tag)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_audiences(conn: &mut DbConn, id: i64, audiences: &[&str]) -> QueryResult<()> {
    diesel::delete(question_audiences::table.filter(question_audiences::question_id.eq(id))).execute(conn)?;
    for audience in audiences {
        diesel::insert_into(question_audiences::table)
            .values((question_audiences::question_id.eq(id), question_audiences::audience.eq(audience)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn tags_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    question_tags::table
        .filter(question_tags::question_id.eq_any(ids))
        .select((question_tags::question_id, question_tags::tag))
        .order((question_tags::question_id, question_tags::tag))
        .load(conn)
}

pub fn audiences_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    question_audiences::table
        .filter(question_audiences::question_id.eq_any(ids))
        .select((question_audiences::question_id, question_audiences::audience))
        .order((question_audiences::question_id, question_audiences::audience))
        .load(conn)
}

pub struct ListFilter<'a> {
    pub topic_id: Option<i64>,
    pub tag: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub difficulty: Option<i32>,
    /// Case-insensitive substring of the stem.
    pub text: Option<&'a str>,
    pub include_retired: bool,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// The bank for editors, newest first.
pub fn list(conn: &mut DbConn, f: &ListFilter<'_>) -> QueryResult<Vec<QuestionRow>> {
    let mut query = questions::table.select(QuestionRow::as_select()).into_boxed();
    if let Some(topic) = f.topic_id {
        query = query.filter(questions::topic_id.eq(topic));
    }
    if let Some(tag) = f.tag {
        // Driven from the tag's index: a rare tag must not walk the whole bank.
        query =
            query
                .filter(questions::id.eq_any(
                    question_tags::table.filter(question_tags::tag.eq(tag)).select(question_tags::question_id),
                ));
    }
    if let Some(kind) = f.kind {
        query = query.filter(questions::kind.eq(kind));
    }
    if let Some(difficulty) = f.difficulty {
        query = query.filter(questions::difficulty.eq(difficulty));
    }
    if let Some(text) = f.text {
        query = query.filter(questions::stem.like(like_pattern(text)).escape('\\'));
    }
    if !f.include_retired {
        query = query.filter(questions::retired_at.is_null());
    }
    if let Some(before) = f.before_id {
        query = query.filter(questions::id.lt(before));
    }
    query.order(questions::id.desc()).limit(f.limit + 1).load(conn)
}

pub struct PoolFilter<'a> {
    pub topic_id: Option<i64>,
    /// Any of these tags.
    pub tags: &'a [String],
    pub difficulty: Option<i32>,
    /// Questions for this audience, or for everyone (no audience given).
    pub audience: Option<&'a str>,
}

/// Ids of the live questions a draw may pick from, in id order.
pub fn pool(conn: &mut DbConn, f: &PoolFilter<'_>) -> QueryResult<Vec<i64>> {
    let mut query = questions::table.filter(questions::retired_at.is_null()).select(questions::id).into_boxed();
    if let Some(topic) = f.topic_id {
        query = query.filter(questions::topic_id.eq(topic));
    }
    if !f.tags.is_empty() {
        query =
            query.filter(questions::id.eq_any(
                question_tags::table.filter(question_tags::tag.eq_any(f.tags)).select(question_tags::question_id),
            ));
    }
    if let Some(difficulty) = f.difficulty {
        query = query.filter(questions::difficulty.eq(difficulty));
    }
    if let Some(audience) = f.audience {
        let tagged = || question_audiences::table.filter(question_audiences::question_id.eq(questions::id));
        query = query.filter(
            diesel::dsl::exists(tagged().filter(question_audiences::audience.eq(audience)))
                .or(diesel::dsl::not(diesel::dsl::exists(tagged()))),
        );
    }
    query.order(questions::id.asc()).load(conn)
}
