//! Leaderboard queries over the per-period totals (never over the ledger).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

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

/// The best `limit` learners of a period, optionally within an organization subtree.
/// Ties go to whoever reached the score first, then to the lower id.
pub fn top(conn: &mut DbConn, period: &str, within: Option<&str>, limit: i64) -> QueryResult<Vec<Entry>> {
    let mut query = user_points::table
        .inner_join(users::table.left_join(organizations::table))
        .filter(user_points::period.eq(period))
        .filter(user_points::points.gt(0))
        .filter(users::deleted_at.is_null())
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
            .filter(user_points::points.gt(points).or(user_points::points.eq(points).and(
                user_points::reached_at.lt(at).or(user_points::reached_at.eq(at).and(user_points::user_id.lt(id))),
            )))
            .into_boxed();
    let (from, to) = subtree_range(path);
    query = query.filter(organizations::path.ge(from)).filter(organizations::path.lt(to));
    query.count().get_result(conn)
}

/// Every learner with points on a board, as (points, reached_at, user), from the rank index
/// alone (erased accounts included: see `erased_ids`).
pub fn ranking(conn: &mut DbConn, period: &str) -> QueryResult<Vec<(i32, NaiveDateTime, i64)>> {
    user_points::table
        .filter(user_points::period.eq(period))
        .filter(user_points::points.gt(0))
        .select((user_points::points, user_points::reached_at, user_points::user_id))
        .load(conn)
}

/// Ids of erased accounts (erasure always disables: the small `users_disabled` index).
pub fn erased_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    users::table.filter(users::disabled.eq(true)).filter(users::deleted_at.is_not_null()).select(users::id).load(conn)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The county board's count reads the rank index alone: three ranges of
/// (period, points, reached_at, user_id), less the erased accounts ahead (found through
/// the small `users_disabled` index: erasure always disables).
fn ahead_in_county(conn: &mut DbConn, period: &str, points: i32, at: NaiveDateTime, id: i64) -> QueryResult<i64> {
    diesel::sql_query(
        "SELECT \
           (SELECT COUNT(*) FROM user_points WHERE period = $1 AND points > $2) \
         + (SELECT COUNT(*) FROM user_points WHERE period = $1 AND points = $2 AND reached_at < $3) \
         + (SELECT COUNT(*) FROM user_points WHERE period = $1 AND points = $2 AND reached_at = $3 AND user_id < $4) \
         - (SELECT COUNT(*) FROM users u JOIN user_points up ON up.user_id = u.id AND up.period = $1 \
            WHERE u.disabled AND u.deleted_at IS NOT NULL \
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

#[derive(Debug, Clone, QueryableByName)]
pub struct OrgTotal {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub members: i64,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
    #[diesel(sql_type = BigInt)]
    pub active: i64,
}

/// For each child of `parent` (or each root): members, points and active members of its
/// whole subtree in the period. One grouped query; each child's subtree is the range
/// `subtree_range` gives, written in SQL so it is one range read of `organizations_path`.
pub fn children_totals(conn: &mut DbConn, parent: Option<i64>, period: &str) -> QueryResult<Vec<OrgTotal>> {
    let head = "SELECT c.id AS id, c.name AS name, c.kind AS kind, \
                COUNT(u.id) AS members, COALESCE(SUM(up.points), 0) AS points, COUNT(up.user_id) AS active \
                FROM organizations c \
                JOIN organizations d ON d.path >= c.path AND d.path < (substr(c.path, 1, length(c.path) - 1) || '0') \
                LEFT JOIN users u ON u.organization_id = d.id AND u.deleted_at IS NULL \
                LEFT JOIN user_points up ON up.user_id = u.id AND up.period = $1 AND up.points > 0 ";
    let tail = " GROUP BY c.id, c.name, c.kind";
    match parent {
        Some(parent) => diesel::sql_query(format!("{head} WHERE c.parent_id = $2 {tail}"))
            .bind::<Text, _>(period)
            .bind::<Nullable<BigInt>, _>(Some(parent))
            .load(conn),
        None => {
            diesel::sql_query(format!("{head} WHERE c.parent_id IS NULL {tail}")).bind::<Text, _>(period).load(conn)
        }
    }
}
