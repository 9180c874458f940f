//! Leaderboard queries over the per-period totals (never over the ledger).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::DbConn;
use crate::db::models::organizations::subtree_range;
use crate::db::schema::{organizations, user_points, users};

#[derive(Debug, Clone, Queryable)]
pub struct Entry {
    pub user_id: i64,
    pub points: i32,
    pub reached_at: NaiveDateTime,
    pub display_name: String,
    pub birth_year: Option<i32>,
    pub audience: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub org_kind: Option<String>,
    pub org_path: Option<String>,
}

/// Only learner accounts rank: staff (and learners promoted to staff since) keep their
/// period totals but are left out of every board.
const LEARNER: &str = "learner";

/// The best `limit` learners of a period, optionally within an organization subtree.
/// Ties go to whoever reached the score first, then to the lower id.
pub fn top(conn: &mut DbConn, period: &str, within: Option<&str>, limit: i64) -> QueryResult<Vec<Entry>> {
    let mut query = user_points::table
        .inner_join(users::table.left_join(organizations::table))
        .filter(user_points::period.eq(period))
        .filter(user_points::points.gt(0))
        .filter(users::deleted_at.is_null())
        .filter(users::role.eq(LEARNER))
        .select((
            user_points::user_id,
            user_points::points,
            user_points::reached_at,
            users::display_name,
            users::birth_year,
            users::audience,
            users::organization_id,
            organizations::name.nullable(),
            organizations::kind.nullable(),
            organizations::path.nullable(),
        ))
        .into_boxed();
    if let Some(path) = within {
        let (from, to) = subtree_range(path);
        query = query.filter(organizations::path.ge(from)).filter(organizations::path.lt(to));
    }
    query
        .order((user_points::points.desc(), user_points::reached_at.asc(), user_points::user_id.asc()))
        .limit(limit)
        .load(conn)
}

/// How many learners in scope rank above this score (reached at `at`, by user `id`).
pub fn ahead_of(
    conn: &mut DbConn,
    period: &str,
    within: Option<&str>,
    points: i32,
    at: NaiveDateTime,
    id: i64,
) -> QueryResult<i64> {
    let Some(path) = within else { return ahead_in_county(conn, period, points, at, id) };
    let mut query =
        user_points::table
            .inner_join(users::table.left_join(organizations::table))
            .filter(user_points::period.eq(period))
            .filter(users::deleted_at.is_null())
            .filter(users::role.eq(LEARNER))
            .filter(user_points::points.gt(points).or(user_points::points.eq(points).and(
                user_points::reached_at.lt(at).or(user_points::reached_at.eq(at).and(user_points::user_id.lt(id))),
            )))
            .into_boxed();
    let (from, to) = subtree_range(path);
    query = query.filter(organizations::path.ge(from)).filter(organizations::path.lt(to));
    query.count().get_result(conn)
}

/// Every account with points on a board, as (points, reached_at, user), from the rank index
/// alone (erased accounts and staff included: see `unranked_ids`).
pub fn ranking(conn: &mut DbConn, period: &str) -> QueryResult<Vec<(i32, NaiveDateTime, i64)>> {
    user_points::table
        .filter(user_points::period.eq(period))
        .filter(user_points::points.gt(0))
        .select((user_points::points, user_points::reached_at, user_points::user_id))
        .load(conn)
}

/// Ids of the accounts that do not rank: erased ones (erasure always disables: the small
/// `users_disabled` index) and staff (the small `users_staff` index).
pub fn unranked_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = users::table
        .filter(users::disabled.eq(true))
        .filter(users::deleted_at.is_not_null())
        .select(users::id)
        .load(conn)?;
    // The role as a literal, so the partial index serves it.
    let staff: Vec<Id> = diesel::sql_query("SELECT id FROM users WHERE role <> 'learner'").load(conn)?;
    ids.extend(staff.into_iter().map(|s| s.id));
    Ok(ids)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The county board's count reads the rank index alone: three ranges of
/// (period, points, reached_at, user_id), less the erased accounts ahead (found through
/// the small `users_disabled` index: erasure always disables) and the staff ahead that
/// are not erased (the small `users_staff` index).
fn ahead_in_county(conn: &mut DbConn, period: &str, points: i32, at: NaiveDateTime, id: i64) -> QueryResult<i64> {
    diesel::sql_query(
        "SELECT \
           (SELECT COUNT(*) FROM user_points WHERE period = $1 AND points > $2) \
         + (SELECT COUNT(*) FROM user_points WHERE period = $1 AND points = $2 AND reached_at < $3) \
         + (SELECT COUNT(*) FROM user_points WHERE period = $1 AND points = $2 AND reached_at = $3 AND user_id < $4) \
         - (SELECT COUNT(*) FROM users u JOIN user_points up ON up.user_id = u.id AND up.period = $1 \
            WHERE u.disabled AND u.deleted_at IS NOT NULL \
              AND (up.points > $2 OR (up.points = $2 AND (up.reached_at < $3 OR (up.reached_at = $3 AND up.user_id < $4))))) \
         - (SELECT COUNT(*) FROM users u JOIN user_points up ON up.user_id = u.id AND up.period = $1 \
            WHERE u.role <> 'learner' AND NOT (u.disabled AND u.deleted_at IS NOT NULL) \
              AND (up.points > $2 OR (up.points = $2 AND (up.reached_at < $3 OR (up.reached_at = $3 AND up.user_id < $4))))) \
           AS n",
    )
    .bind::<Text, _>(period)
    .bind::<diesel::sql_types::Integer, _>(points)
    .bind::<diesel::sql_types::Timestamp, _>(at)
    .bind::<BigInt, _>(id)
    .get_result::<Count>(conn)
    .map(|c| c.n)
}
