//! The teacher's view: one row per learner of a subtree, read from the same per-learner
//! aggregates `/me/stats` and `/me/points` read (`user_stats`, `user_daily`) and from the
//! scored attempts. Each query reads the whole subtree at once (`organizations.path` in a
//! half-open range, as `subtree_range` gives it) and answers per learner, so a page costs
//! the same three queries for a class of 45 as for a school of 2,000.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use crate::db::DbConn;

/// The learners of the subtree `[$1, $2)`: learner accounts not erased, as the member
/// list (`GET /admin/users?org_id=`) shows them.
const LEARNERS: &str = "o.path >= $1 AND o.path < $2 AND u.organization_id = o.id \
     AND u.role = 'learner' AND u.deleted_at IS NULL";

/// `CROSS JOIN` makes SQLite (which plans without statistics) walk the subtree's units by
/// path, then their members, then each member's own rows, instead of every learner or
/// every submitted attempt of the county; PostgreSQL reads it as an inner join and plans
/// as usual.
const FROM_LEARNERS: &str = "FROM organizations o CROSS JOIN users u";

#[derive(Debug, Clone, QueryableByName)]
pub struct LearnerRow {
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Text)]
    pub audience: String,
    #[diesel(sql_type = BigInt)]
    pub org_id: i64,
    #[diesel(sql_type = Text)]
    pub org_name: String,
    /// `user_stats`, as `/me/stats` reads it (0 and `None` without a row).
    #[diesel(sql_type = Integer)]
    pub total_points: i32,
    #[diesel(sql_type = Integer)]
    pub streak_days: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub streak_last_day: Option<String>,
    /// The last local day with a `user_daily` row (any activity), on or before `last_day`.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_active_day: Option<String>,
}

/// Every learner of the subtree, with their unit, their standing totals and their last
/// day with any activity on or before `last_day`. The last active day is one index seek per learner on
/// `user_daily`'s primary key (user, day), inside the one statement.
pub fn learners(conn: &mut DbConn, path_from: &str, path_to: &str, last_day: &str) -> QueryResult<Vec<LearnerRow>> {
    diesel::sql_query(
        "SELECT u.id AS user_id, u.username AS username, u.display_name AS display_name, \
         u.audience AS audience, o.id AS org_id, o.name AS org_name, \
         COALESCE(s.total_points, 0) AS total_points, COALESCE(s.streak_days, 0) AS streak_days, \
         s.last_active_date AS streak_last_day, \
         (SELECT MAX(d.local_date) FROM user_daily d WHERE d.user_id = u.id AND d.local_date <= $1) \
           AS last_active_day \
         FROM organizations o CROSS JOIN users u LEFT JOIN user_stats s ON s.user_id = u.id \
         WHERE o.path >= $2 AND o.path < $3 AND u.organization_id = o.id \
         AND u.role = 'learner' AND u.deleted_at IS NULL",
    )
    // SQLite numbers `$n` by first appearance: the day comes first in the text.
    .bind::<Text, _>(last_day)
    .bind::<Text, _>(path_from)
    .bind::<Text, _>(path_to)
    .load(conn)
}

/// A learner's `user_daily` sums over a range of local days.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct DaySums {
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
    #[diesel(sql_type = BigInt)]
    pub study_seconds: i64,
    #[diesel(sql_type = BigInt)]
    pub articles_completed: i64,
    #[diesel(sql_type = BigInt)]
    pub videos_completed: i64,
    #[diesel(sql_type = BigInt)]
    pub quizzes_taken: i64,
}

/// Per learner of the subtree with any day in `[from, to]`, the sums of those days.
pub fn day_sums(conn: &mut DbConn, path_from: &str, path_to: &str, from: &str, to: &str) -> QueryResult<Vec<DaySums>> {
    diesel::sql_query(format!(
        "SELECT d.user_id AS user_id, \
         CAST(COALESCE(SUM(d.points), 0) AS BIGINT) AS points, \
         CAST(COALESCE(SUM(d.reading_seconds + d.watching_seconds), 0) AS BIGINT) AS study_seconds, \
         CAST(COALESCE(SUM(d.articles_completed), 0) AS BIGINT) AS articles_completed, \
         CAST(COALESCE(SUM(d.videos_completed), 0) AS BIGINT) AS videos_completed, \
         CAST(COALESCE(SUM(d.quizzes_taken), 0) AS BIGINT) AS quizzes_taken \
         {FROM_LEARNERS} CROSS JOIN user_daily d \
         WHERE {LEARNERS} AND d.user_id = u.id AND d.local_date >= $3 AND d.local_date <= $4 \
         GROUP BY d.user_id"
    ))
    .bind::<Text, _>(path_from)
    .bind::<Text, _>(path_to)
    .bind::<Text, _>(from)
    .bind::<Text, _>(to)
    .load(conn)
}

/// A learner's scored quiz attempts over a range: the sums of scores and maximum scores.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct ScoreSums {
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = BigInt)]
    pub score_sum: i64,
    #[diesel(sql_type = BigInt)]
    pub max_sum: i64,
}

/// Per learner of the subtree, the quiz attempts scored in `[start, end)` (UTC instants
/// of the range's local days): the attempts `quizzes_taken` counts on the day they
/// closed (a quiz's attempts, not wrong-answer-book practice).
pub fn score_sums(
    conn: &mut DbConn,
    path_from: &str,
    path_to: &str,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> QueryResult<Vec<ScoreSums>> {
    diesel::sql_query(format!(
        "SELECT a.user_id AS user_id, \
         CAST(COALESCE(SUM(a.score), 0) AS BIGINT) AS score_sum, \
         CAST(COALESCE(SUM(a.max_score), 0) AS BIGINT) AS max_sum \
         {FROM_LEARNERS} CROSS JOIN attempts a \
         WHERE {LEARNERS} AND a.user_id = u.id AND a.quiz_id IS NOT NULL AND a.status = 'submitted' AND a.score IS NOT NULL \
         AND a.submitted_at >= $3 AND a.submitted_at < $4 \
         GROUP BY a.user_id"
    ))
    .bind::<Text, _>(path_from)
    .bind::<Text, _>(path_to)
    .bind::<Timestamp, _>(start)
    .bind::<Timestamp, _>(end)
    .load(conn)
}
