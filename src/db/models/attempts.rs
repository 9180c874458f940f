use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{attempt_items, attempts, mistakes, organizations, questions, users};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = attempts)]
pub struct AttemptRow {
    pub id: i64,
    pub quiz_id: Option<i64>,
    pub user_id: i64,
    pub source: String,
    pub attempt_no: i32,
    pub local_date: Option<String>,
    pub status: String,
    pub started_at: NaiveDateTime,
    pub deadline_at: Option<NaiveDateTime>,
    pub submitted_at: Option<NaiveDateTime>,
    pub finalized_late: bool,
    pub score: Option<i32>,
    pub max_score: i32,
    pub passed: Option<bool>,
    pub review_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = attempts)]
pub struct NewAttempt<'a> {
    pub quiz_id: Option<i64>,
    pub user_id: i64,
    pub source: &'a str,
    pub attempt_no: i32,
    pub local_date: Option<&'a str>,
    pub status: &'a str,
    pub started_at: NaiveDateTime,
    pub deadline_at: Option<NaiveDateTime>,
    pub max_score: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attempt_items)]
pub struct ItemRow {
    pub attempt_id: i64,
    pub position: i32,
    pub question_id: i64,
    pub question_version: i32,
    pub kind: String,
    pub stem: String,
    /// JSON, in delivered order and delivered keys.
    pub options: String,
    /// JSON object: delivered key -> original key.
    pub option_map: String,
    /// JSON, in delivered keys.
    pub answer: String,
    pub explanation: String,
    pub response: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub correct: Option<bool>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mistakes)]
pub struct MistakeRow {
    pub user_id: i64,
    pub question_id: i64,
    pub wrong_count: i32,
    pub right_count: i32,
    /// JSON, in the question's own keys.
    pub last_response: Option<String>,
    pub last_attempt_id: i64,
    pub visible_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewAttempt<'_>) -> QueryResult<i64> {
    diesel::insert_into(attempts::table).values(new).returning(attempts::id).get_result(conn)
}

pub fn insert_item(conn: &mut DbConn, item: &ItemRow) -> QueryResult<usize> {
    diesel::insert_into(attempt_items::table).values(item).execute(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<AttemptRow>> {
    attempts::table.find(id).select(AttemptRow::as_select()).first(conn).optional()
}

pub fn items(conn: &mut DbConn, attempt_id: i64) -> QueryResult<Vec<ItemRow>> {
    attempt_items::table
        .filter(attempt_items::attempt_id.eq(attempt_id))
        .select(ItemRow::as_select())
        .order(attempt_items::position.asc())
        .load(conn)
}

/// A user's attempts at a quiz, oldest first.
pub fn of_user_for_quiz(conn: &mut DbConn, user_id: i64, quiz_id: i64) -> QueryResult<Vec<AttemptRow>> {
    attempts::table
        .filter(attempts::user_id.eq(user_id))
        .filter(attempts::quiz_id.eq(quiz_id))
        .select(AttemptRow::as_select())
        .order(attempts::attempt_no.asc())
        .load(conn)
}

/// A user's attempts at any of these quizzes, for list pages (one query).
pub fn of_user_for_quizzes(conn: &mut DbConn, user_id: i64, quiz_ids: &[i64]) -> QueryResult<Vec<AttemptRow>> {
    attempts::table
        .filter(attempts::user_id.eq(user_id))
        .filter(attempts::quiz_id.eq_any(quiz_ids))
        .select(AttemptRow::as_select())
        .load(conn)
}

pub fn daily_of_user(
    conn: &mut DbConn,
    user_id: i64,
    quiz_id: i64,
    local_date: &str,
) -> QueryResult<Option<AttemptRow>> {
    attempts::table
        .filter(attempts::user_id.eq(user_id))
        .filter(attempts::quiz_id.eq(quiz_id))
        .filter(attempts::local_date.eq(local_date))
        .select(AttemptRow::as_select())
        .first(conn)
        .optional()
}

/// Question ids a user was given in daily quizzes on these local dates.
pub fn daily_questions_seen(conn: &mut DbConn, user_id: i64, dates: &[String]) -> QueryResult<Vec<i64>> {
    attempt_items::table
        .inner_join(attempts::table)
        .filter(attempts::user_id.eq(user_id))
        .filter(attempts::source.eq("daily"))
        .filter(attempts::local_date.eq_any(dates))
        .select(attempt_items::question_id)
        .load(conn)
}

pub fn save_response(
    conn: &mut DbConn,
    attempt_id: i64,
    question_id: i64,
    response: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        attempt_items::table
            .filter(attempt_items::attempt_id.eq(attempt_id))
            .filter(attempt_items::question_id.eq(question_id)),
    )
    .set((attempt_items::response.eq(response), attempt_items::answered_at.eq(at)))
    .execute(conn)
}

pub fn mark_item(conn: &mut DbConn, attempt_id: i64, position: i32, correct: bool) -> QueryResult<usize> {
    diesel::update(attempt_items::table.find((attempt_id, position)))
        .set(attempt_items::correct.eq(correct))
        .execute(conn)
}

pub struct Score {
    pub at: NaiveDateTime,
    pub late: bool,
    pub score: i32,
    pub passed: Option<bool>,
    pub review_at: Option<NaiveDateTime>,
}

/// Closes an attempt with its score, atomically: of two racing submits exactly one sees
/// `true` and does the scoring; the other finds it already closed.
pub fn close(conn: &mut DbConn, id: i64, score: &Score) -> QueryResult<bool> {
    let updated = diesel::update(attempts::table.find(id).filter(attempts::status.eq("in_progress")))
        .set((
            attempts::status.eq("submitted"),
            attempts::submitted_at.eq(score.at),
            attempts::finalized_late.eq(score.late),
            attempts::score.eq(score.score),
            attempts::passed.eq(score.passed),
            attempts::review_at.eq(score.review_at),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// In-progress attempts whose deadline passed before `cutoff`, oldest first.
pub fn overdue(conn: &mut DbConn, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    attempts::table
        .filter(attempts::status.eq("in_progress"))
        .filter(attempts::deadline_at.lt(cutoff))
        .select(attempts::id)
        .order(attempts::deadline_at.asc())
        .limit(limit)
        .load(conn)
}

/// Submitted attempts at a quiz, with their items (for item statistics). With `within`
/// (an organization path), only attempts by learners whose organization is in that
/// subtree.
pub fn submitted_for_quiz(
    conn: &mut DbConn,
    quiz_id: i64,
    within: Option<&str>,
) -> QueryResult<(Vec<AttemptRow>, Vec<ItemRow>)> {
    let rows: Vec<AttemptRow> = match within {
        None => attempts::table
            .filter(attempts::quiz_id.eq(quiz_id))
            .filter(attempts::status.eq("submitted"))
            .select(AttemptRow::as_select())
            .load(conn)?,
        Some(path) => {
            let (from, to) = super::organizations::subtree_range(path);
            let learner: &'static str = "learner";
            let in_subtree = users::table
                .inner_join(organizations::table)
                .filter(users::role.eq(learner))
                .filter(organizations::path.ge(from))
                .filter(organizations::path.lt(to))
                .select(users::id);
            attempts::table
                .filter(attempts::quiz_id.eq(quiz_id))
                .filter(attempts::status.eq("submitted"))
                .filter(attempts::user_id.eq_any(in_subtree))
                .select(AttemptRow::as_select())
                .load(conn)?
        }
    };
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let items =
        attempt_items::table.filter(attempt_items::attempt_id.eq_any(&ids)).select(ItemRow::as_select()).load(conn)?;
    Ok((rows, items))
}

pub fn find_mistake(conn: &mut DbConn, user_id: i64, question_id: i64) -> QueryResult<Option<MistakeRow>> {
    mistakes::table.find((user_id, question_id)).select(MistakeRow::as_select()).first(conn).optional()
}

pub fn insert_mistake(conn: &mut DbConn, row: &MistakeRow) -> QueryResult<usize> {
    diesel::insert_into(mistakes::table)
        .values((
            mistakes::user_id.eq(row.user_id),
            mistakes::question_id.eq(row.question_id),
            mistakes::wrong_count.eq(row.wrong_count),
            mistakes::right_count.eq(row.right_count),
            mistakes::last_response.eq(&row.last_response),
            mistakes::last_attempt_id.eq(row.last_attempt_id),
            mistakes::visible_at.eq(row.visible_at),
            mistakes::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
}

pub fn update_mistake(conn: &mut DbConn, row: &MistakeRow) -> QueryResult<usize> {
    diesel::update(mistakes::table.find((row.user_id, row.question_id)))
        .set((
            mistakes::wrong_count.eq(row.wrong_count),
            mistakes::right_count.eq(row.right_count),
            mistakes::last_response.eq(&row.last_response),
            mistakes::last_attempt_id.eq(row.last_attempt_id),
            mistakes::visible_at.eq(row.visible_at),
            mistakes::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
}

pub fn delete_mistake(conn: &mut DbConn, user_id: i64, question_id: i64) -> QueryResult<usize> {
    diesel::delete(mistakes::table.find((user_id, question_id))).execute(conn)
}

/// A user's visible mistakes with their questions, most recently updated first.
pub fn mistakes_page(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<(MistakeRow, super::questions::QuestionRow)>> {
    let mut query = mistakes::table
        .inner_join(questions::table)
        .filter(mistakes::user_id.eq(user_id))
        .filter(mistakes::visible_at.le(now))
        .select((MistakeRow::as_select(), super::questions::QuestionRow::as_select()))
        .into_boxed();
    if let Some((at, question)) = after {
        query = query.filter(
            mistakes::updated_at.lt(at).or(mistakes::updated_at.eq(at).and(mistakes::question_id.lt(question))),
        );
    }
    query.order((mistakes::updated_at.desc(), mistakes::question_id.desc())).limit(limit + 1).load(conn)
}
