use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::quizzes;

pub const PUBLISHED: &str = "published";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = quizzes)]
pub struct QuizRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub mode: String,
    /// JSON array of question ids (fixed questions).
    pub question_ids: Option<String>,
    /// JSON draw rule (questions drawn per attempt).
    pub draw: Option<String>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub time_limit_s: Option<i32>,
    pub max_attempts: Option<i32>,
    pub pass_score: Option<i32>,
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    pub review: String,
    pub points_per_correct: Option<i32>,
    pub status: String,
    pub publish_at: Option<NaiveDateTime>,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON array of the staff ids who wrote the revision awaiting approval.
    pub revised_by: String,
    pub submitted_by: Option<i64>,
    /// The pending change of a published quiz: `draft` or `in_review` (its fields are in
    /// the `revision` column, read with [`revision_of`]).
    pub revision_status: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = quizzes)]
pub struct NewQuiz<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub mode: &'a str,
    pub question_ids: Option<&'a str>,
    pub draw: Option<&'a str>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub time_limit_s: Option<i32>,
    pub max_attempts: Option<i32>,
    pub pass_score: Option<i32>,
    pub opens_at: Option<NaiveDateTime>,
    pub closes_at: Option<NaiveDateTime>,
    pub review: &'a str,
    pub points_per_correct: Option<i32>,
    pub status: &'a str,
    pub author_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub revised_by: &'a str,
}

/// Every editable field; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = quizzes)]
pub struct QuizChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub mode: Option<String>,
    pub question_ids: Option<Option<String>>,
    pub draw: Option<Option<String>>,
    pub shuffle_questions: Option<bool>,
    pub shuffle_options: Option<bool>,
    pub time_limit_s: Option<Option<i32>>,
    pub max_attempts: Option<Option<i32>>,
    pub pass_score: Option<Option<i32>>,
    pub opens_at: Option<Option<NaiveDateTime>>,
    pub closes_at: Option<Option<NaiveDateTime>>,
    pub review: Option<String>,
    pub points_per_correct: Option<Option<i32>>,
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

/// Learners see a quiz when it is published and its publication time has come (the same
/// rule as for contents).
#[diesel::dsl::auto_type(no_type_alias)]
pub fn visible(now: NaiveDateTime) -> _ {
    let published: &'static str = PUBLISHED;
    quizzes::status.eq(published).and(quizzes::publish_at.le(now))
}

pub fn insert(conn: &mut DbConn, new: &NewQuiz<'_>) -> QueryResult<i64> {
    diesel::insert_into(quizzes::table).values(new).returning(quizzes::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<QuizRow>> {
    quizzes::table.find(id).select(QuizRow::as_select()).first(conn).optional()
}

/// The quiz to change, locked against concurrent changes until the transaction ends
/// (PostgreSQL `FOR UPDATE`; SQLite's write transaction already excludes them).
pub fn find_for_update(conn: &mut DbConn, id: i64) -> QueryResult<Option<QuizRow>> {
    match conn {
        DbConn::Pg(c) => quizzes::table.find(id).select(QuizRow::as_select()).for_update().first(c).optional(),
        DbConn::Sqlite(c) => quizzes::table.find(id).select(QuizRow::as_select()).first(c).optional(),
    }
}

/// The stored pending revision of a quiz, if any.
pub fn revision_of(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    Ok(quizzes::table.find(id).select(quizzes::revision).first(conn).optional()?.flatten())
}

/// `(id, revision)` for those of these quizzes that have a pending revision.
pub fn revisions_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, Option<String>)> = quizzes::table
        .filter(quizzes::id.eq_any(ids))
        .filter(quizzes::revision.is_not_null())
        .select((quizzes::id, quizzes::revision))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, r)| r.map(|r| (id, r))).collect())
}

pub fn find_visible(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<Option<QuizRow>> {
    quizzes::table.find(id).filter(visible(now)).select(QuizRow::as_select()).first(conn).optional()
}

/// Visible quizzes among `ids` (any order).
pub fn find_many_visible(conn: &mut DbConn, ids: &[i64], now: NaiveDateTime) -> QueryResult<Vec<QuizRow>> {
    quizzes::table.filter(quizzes::id.eq_any(ids)).filter(visible(now)).select(QuizRow::as_select()).load(conn)
}

/// How many of `ids` exist (any state).
pub fn count_existing(conn: &mut DbConn, ids: &[i64]) -> QueryResult<i64> {
    quizzes::table.filter(quizzes::id.eq_any(ids)).count().get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &QuizChanges) -> QueryResult<usize> {
    diesel::update(quizzes::table.find(id)).set(changes).execute(conn)
}

/// The newest visible quiz of a mode (the daily quiz).
pub fn latest_visible_of_mode(conn: &mut DbConn, mode: &str, now: NaiveDateTime) -> QueryResult<Option<QuizRow>> {
    quizzes::table
        .filter(visible(now))
        .filter(quizzes::mode.eq(mode))
        .select(QuizRow::as_select())
        .order((quizzes::publish_at.desc(), quizzes::id.desc()))
        .first(conn)
        .optional()
}

pub struct ListFilter<'a> {
    /// `Some(now)`: only what learners see, and never the daily quiz.
    pub visible_at: Option<NaiveDateTime>,
    pub status: Option<&'a str>,
    /// Only quizzes with a pending revision in this state.
    pub revision_status: Option<&'a str>,
    pub mode: Option<&'a str>,
    pub before_id: Option<i64>,
    pub limit: i64,
    /// Quizzes to leave out (those the viewer's campaigns hide).
    pub except: &'a [i64],
}

pub fn list(conn: &mut DbConn, f: &ListFilter<'_>) -> QueryResult<Vec<QuizRow>> {
    let mut query = quizzes::table.select(QuizRow::as_select()).into_boxed();
    if let Some(now) = f.visible_at {
        query = query.filter(visible(now)).filter(quizzes::mode.ne("daily"));
    }
    if let Some(status) = f.status {
        query = query.filter(quizzes::status.eq(status));
    }
    if let Some(revision) = f.revision_status {
        query = query.filter(quizzes::revision_status.eq(revision));
    }
    if let Some(mode) = f.mode {
        query = query.filter(quizzes::mode.eq(mode));
    }
    if let Some(before) = f.before_id {
        query = query.filter(quizzes::id.lt(before));
    }
    if !f.except.is_empty() {
        query = query.filter(quizzes::id.ne_all(f.except));
    }
    query.order(quizzes::id.desc()).limit(f.limit + 1).load(conn)
}
