//! Rules, ledger and the aggregates maintained with it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::schema::{
    org_active, org_daily, point_rules, points_ledger, rule_daily, user_daily, user_points, user_stats,
};
use crate::db::{DbConn, per_backend};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = point_rules)]
pub struct RuleRow {
    pub action: String,
    pub points: i32,
    pub daily_cap: Option<i32>,
    pub enabled: bool,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = points_ledger)]
pub struct LedgerRow {
    pub id: i64,
    pub user_id: i64,
    pub action: String,
    pub source: String,
    pub local_date: String,
    pub points: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_stats)]
pub struct StatsRow {
    pub user_id: i64,
    pub total_points: i32,
    pub streak_days: i32,
    pub longest_streak: i32,
    pub last_active_date: Option<String>,
    pub study_seconds_total: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
}

pub fn rules(conn: &mut DbConn) -> QueryResult<Vec<RuleRow>> {
    point_rules::table.select(RuleRow::as_select()).order(point_rules::action).load(conn)
}

pub fn rule(conn: &mut DbConn, action: &str) -> QueryResult<Option<RuleRow>> {
    point_rules::table.find(action).select(RuleRow::as_select()).first(conn).optional()
}

pub fn set_rule(
    conn: &mut DbConn,
    action: &str,
    points: i32,
    cap: Option<i32>,
    enabled: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(point_rules::table.find(action))
        .set((
            point_rules::points.eq(points),
            point_rules::daily_cap.eq(cap),
            point_rules::enabled.eq(enabled),
            point_rules::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Claims (user, action, source, day) in the ledger with 0 points and returns the entry's
/// id; `None` when it was already claimed, i.e. this fact was rewarded before.
pub fn claim(
    conn: &mut DbConn,
    user: i64,
    action: &str,
    source: &str,
    date: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<i64>> {
    let row = (
        points_ledger::user_id.eq(user),
        points_ledger::action.eq(action),
        points_ledger::source.eq(source),
        points_ledger::local_date.eq(date),
        points_ledger::points.eq(0),
        points_ledger::created_at.eq(at),
    );
    per_backend!(conn, |c| diesel::insert_into(points_ledger::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning(points_ledger::id)
        .get_result(c)
        .optional())
}

/// Sets the points of a claimed ledger entry (in the claiming transaction), or removes it
/// when nothing was granted.
pub fn settle(conn: &mut DbConn, id: i64, points: i32) -> QueryResult<usize> {
    if points == 0 {
        diesel::delete(points_ledger::table.find(id)).execute(conn)
    } else {
        diesel::update(points_ledger::table.find(id)).set(points_ledger::points.eq(points)).execute(conn)
    }
}

/// Today's points under a rule, creating the day's row when missing.
pub fn rule_day_points(conn: &mut DbConn, user: i64, action: &str, date: &str) -> QueryResult<i32> {
    let row = (
        rule_daily::user_id.eq(user),
        rule_daily::action.eq(action),
        rule_daily::local_date.eq(date),
        rule_daily::points.eq(0),
    );
    per_backend!(conn, |c| diesel::insert_into(rule_daily::table).values(row).on_conflict_do_nothing().execute(c))?;
    rule_daily::table.find((user, action, date)).select(rule_daily::points).first(conn)
}

/// Moves the day's points under a rule from `from` to `to`, only if they are still `from`
/// (compare and set): two concurrent awards cannot both pass a cap.
pub fn rule_day_cas(conn: &mut DbConn, user: i64, action: &str, date: &str, from: i32, to: i32) -> QueryResult<bool> {
    let updated = diesel::update(rule_daily::table.find((user, action, date)).filter(rule_daily::points.eq(from)))
        .set(rule_daily::points.eq(to))
        .execute(conn)?;
    Ok(updated == 1)
}

/// What one fact adds to a learner's day.
#[derive(Debug, Clone, Copy, Default)]
pub struct DayDelta {
    pub points: i32,
    pub reading_seconds: i32,
    pub watching_seconds: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
    /// A scored attempt's score and maximum (organization aggregates only).
    pub quiz_score: i32,
    pub quiz_max: i32,
}

/// Adds to the learner's day; true when this is their first activity that day.
pub fn add_user_day(conn: &mut DbConn, user: i64, date: &str, d: DayDelta) -> QueryResult<bool> {
    let row = (user_daily::user_id.eq(user), user_daily::local_date.eq(date));
    let created =
        per_backend!(conn, |c| diesel::insert_into(user_daily::table).values(row).on_conflict_do_nothing().execute(c))?
            == 1;
    diesel::update(user_daily::table.find((user, date)))
        .set((
            user_daily::points.eq(user_daily::points + d.points),
            user_daily::reading_seconds.eq(user_daily::reading_seconds + d.reading_seconds),
            user_daily::watching_seconds.eq(user_daily::watching_seconds + d.watching_seconds),
            user_daily::articles_completed.eq(user_daily::articles_completed + d.articles_completed),
            user_daily::videos_completed.eq(user_daily::videos_completed + d.videos_completed),
            user_daily::quizzes_taken.eq(user_daily::quizzes_taken + d.quizzes_taken),
        ))
        .execute(conn)?;
    Ok(created)
}

pub fn user_day(conn: &mut DbConn, user: i64, date: &str) -> QueryResult<Option<(i32, i32, i32)>> {
    user_daily::table
        .find((user, date))
        .select((user_daily::points, user_daily::reading_seconds, user_daily::watching_seconds))
        .first(conn)
        .optional()
}

/// Adds points to one period total and records when it was reached.
pub fn add_user_period(conn: &mut DbConn, user: i64, period: &str, points: i32, at: NaiveDateTime) -> QueryResult<()> {
    let row = (
        user_points::user_id.eq(user),
        user_points::period.eq(period),
        user_points::points.eq(points),
        user_points::reached_at.eq(at),
    );
    per_backend!(conn, |c| diesel::insert_into(user_points::table)
        .values(row)
        .on_conflict((user_points::user_id, user_points::period))
        .do_update()
        .set((user_points::points.eq(user_points::points + points), user_points::reached_at.eq(at)))
        .execute(c))?;
    Ok(())
}

#[derive(Debug, Clone, Copy, Default)]
pub struct OrgDelta {
    pub points: i32,
    pub study_seconds: i32,
    /// Articles and videos completed (the organization leaderboard reads this).
    pub completions: i32,
    pub active_learners: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
    pub quiz_score_sum: i32,
    pub quiz_max_sum: i32,
}

pub fn add_org_day(conn: &mut DbConn, org: i64, date: &str, d: OrgDelta) -> QueryResult<()> {
    let row = (
        org_daily::org_id.eq(org),
        org_daily::local_date.eq(date),
        org_daily::points.eq(d.points),
        org_daily::study_seconds.eq(d.study_seconds),
        org_daily::completions.eq(d.completions),
        org_daily::active_learners.eq(d.active_learners),
        org_daily::articles_completed.eq(d.articles_completed),
        org_daily::videos_completed.eq(d.videos_completed),
        org_daily::quizzes_taken.eq(d.quizzes_taken),
        org_daily::quiz_score_sum.eq(d.quiz_score_sum),
        org_daily::quiz_max_sum.eq(d.quiz_max_sum),
    );
    per_backend!(conn, |c| diesel::insert_into(org_daily::table)
        .values(row)
        .on_conflict((org_daily::org_id, org_daily::local_date))
        .do_update()
        .set((
            org_daily::points.eq(org_daily::points + d.points),
            org_daily::study_seconds.eq(org_daily::study_seconds + d.study_seconds),
            org_daily::completions.eq(org_daily::completions + d.completions),
            org_daily::active_learners.eq(org_daily::active_learners + d.active_learners),
            org_daily::articles_completed.eq(org_daily::articles_completed + d.articles_completed),
            org_daily::videos_completed.eq(org_daily::videos_completed + d.videos_completed),
            org_daily::quizzes_taken.eq(org_daily::quizzes_taken + d.quizzes_taken),
            org_daily::quiz_score_sum.eq(org_daily::quiz_score_sum + d.quiz_score_sum),
            org_daily::quiz_max_sum.eq(org_daily::quiz_max_sum + d.quiz_max_sum),
        ))
        .execute(c))?;
    Ok(())
}

/// Days of a year in `org_active.days`: one character per day of year, leap years included.
pub const ACTIVE_DAYS: usize = 366;

/// Marks the learner active in the organization on one day of a year (1-based day of
/// year): inserts an all-'0' row if missing, then sets that day's character. Portable
/// string functions only; the row is the learner's own, locked by the same transaction.
pub fn mark_org_active(conn: &mut DbConn, org: i64, year: i32, user: i64, day_of_year: u32) -> QueryResult<()> {
    let row = (
        org_active::org_id.eq(org),
        org_active::year.eq(year),
        org_active::user_id.eq(user),
        org_active::days.eq("0".repeat(ACTIVE_DAYS)),
    );
    per_backend!(conn, |c| diesel::insert_into(org_active::table).values(row).on_conflict_do_nothing().execute(c))?;
    let k = day_of_year as i32;
    diesel::sql_query(
        "UPDATE org_active SET days = substr(days, 1, $1) || '1' || substr(days, $2) \
         WHERE org_id = $3 AND year = $4 AND user_id = $5",
    )
    .bind::<diesel::sql_types::Integer, _>(k - 1)
    .bind::<diesel::sql_types::Integer, _>(k + 1)
    .bind::<BigInt, _>(org)
    .bind::<diesel::sql_types::Integer, _>(year)
    .bind::<BigInt, _>(user)
    .execute(conn)?;
    Ok(())
}

/// Locks the learner's stats row (creating it) until the transaction ends, so one
/// learner's awards and credits happen one after another; returns when the learner's
/// last accepted event arrived. Every transaction that changes a learner's points or
/// study time calls this before touching any other points row (one lock order: no
/// deadlocks).
pub fn lock_learner(conn: &mut DbConn, user: i64) -> QueryResult<Option<NaiveDateTime>> {
    per_backend!(conn, |c| diesel::insert_into(user_stats::table)
        .values(user_stats::user_id.eq(user))
        .on_conflict(user_stats::user_id)
        .do_update()
        .set(user_stats::user_id.eq(user))
        .returning(user_stats::last_receipt_at)
        .get_result(c))
}

pub fn set_last_receipt(conn: &mut DbConn, user: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(user_stats::table.find(user)).set(user_stats::last_receipt_at.eq(at)).execute(conn)?;
    Ok(())
}

fn ensure_stats(conn: &mut DbConn, user: i64) -> QueryResult<()> {
    per_backend!(conn, |c| diesel::insert_into(user_stats::table)
        .values(user_stats::user_id.eq(user))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

pub fn add_totals(conn: &mut DbConn, user: i64, points: i32, d: DayDelta) -> QueryResult<()> {
    ensure_stats(conn, user)?;
    diesel::update(user_stats::table.find(user))
        .set((
            user_stats::total_points.eq(user_stats::total_points + points),
            user_stats::study_seconds_total
                .eq(user_stats::study_seconds_total + d.reading_seconds + d.watching_seconds),
            user_stats::articles_completed.eq(user_stats::articles_completed + d.articles_completed),
            user_stats::videos_completed.eq(user_stats::videos_completed + d.videos_completed),
            user_stats::quizzes_taken.eq(user_stats::quizzes_taken + d.quizzes_taken),
        ))
        .execute(conn)?;
    Ok(())
}

/// Counts `today` in the streak once: continues it when the last active day was
/// `yesterday`, else starts a new one; keeps the longest. One atomic statement.
/// SQLite numbers `$n` parameters by first appearance, so they appear in order here.
pub fn mark_active_day(conn: &mut DbConn, user: i64, today: &str, yesterday: &str) -> QueryResult<()> {
    ensure_stats(conn, user)?;
    diesel::sql_query(
        "UPDATE user_stats SET \
         streak_days = CASE WHEN last_active_date = $1 THEN streak_days + 1 ELSE 1 END, \
         longest_streak = CASE WHEN (CASE WHEN last_active_date = $1 THEN streak_days + 1 ELSE 1 END) > longest_streak \
                          THEN (CASE WHEN last_active_date = $1 THEN streak_days + 1 ELSE 1 END) ELSE longest_streak END, \
         last_active_date = $2 \
         WHERE user_id = $3 AND (last_active_date IS NULL OR last_active_date < $2)",
    )
    .bind::<Text, _>(yesterday)
    .bind::<Text, _>(today)
    .bind::<BigInt, _>(user)
    .execute(conn)?;
    Ok(())
}

pub fn stats(conn: &mut DbConn, user: i64) -> QueryResult<Option<StatsRow>> {
    user_stats::table.find(user).select(StatsRow::as_select()).first(conn).optional()
}

/// The learner's ledger, newest first.
pub fn ledger_page(conn: &mut DbConn, user: i64, before_id: Option<i64>, limit: i64) -> QueryResult<Vec<LedgerRow>> {
    let mut query =
        points_ledger::table.filter(points_ledger::user_id.eq(user)).select(LedgerRow::as_select()).into_boxed();
    if let Some(before) = before_id {
        query = query.filter(points_ledger::id.lt(before));
    }
    query.order(points_ledger::id.desc()).limit(limit + 1).load(conn)
}

/// Today's points per rule for a learner.
pub fn rule_days(conn: &mut DbConn, user: i64, date: &str) -> QueryResult<Vec<(String, i32)>> {
    rule_daily::table
        .filter(rule_daily::user_id.eq(user))
        .filter(rule_daily::local_date.eq(date))
        .select((rule_daily::action, rule_daily::points))
        .load(conn)
}

pub fn period_points(conn: &mut DbConn, user: i64, period: &str) -> QueryResult<Option<(i32, NaiveDateTime)>> {
    user_points::table
        .find((user, period))
        .select((user_points::points, user_points::reached_at))
        .first(conn)
        .optional()
}

/// The points a learner holds under an action for any of these sources (all days).
pub fn points_for_sources(conn: &mut DbConn, user: i64, action: &str, sources: &[String]) -> QueryResult<i64> {
    if sources.is_empty() {
        return Ok(0);
    }
    let points: Vec<i32> = points_ledger::table
        .filter(points_ledger::user_id.eq(user))
        .filter(points_ledger::action.eq(action))
        .filter(points_ledger::source.eq_any(sources))
        .select(points_ledger::points)
        .load(conn)?;
    Ok(points.into_iter().map(i64::from).sum())
}
