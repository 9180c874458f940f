//! Supervision reports: sums over the daily aggregates (`org_daily`, `org_active`,
//! `content_daily`) and member counts, grouped by organization subtree. Nothing here reads
//! the ledger or the events.
//!
//! A group is a node and everything below it: `o.path` in `[g.path, g.path without its
//! last '/' + '0')`, the same half-open range as `subtree_range`, written in SQL so one
//! statement serves every group (an index range scan on `organizations.path` per group).
//! Group ids are integers formatted into the SQL; every value a caller chose is bound.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamp};

use crate::db::models::organizations::{OrganizationRow, subtree_range};
use crate::db::schema::{content_daily, organizations};
use crate::db::{DbConn, per_backend};

/// The children of a node (`None`: the roots), by id.
pub fn children(conn: &mut DbConn, parent: Option<i64>) -> QueryResult<Vec<OrganizationRow>> {
    let query = organizations::table.select(OrganizationRow::as_select()).order(organizations::id).into_boxed();
    match parent {
        Some(id) => query.filter(organizations::parent_id.eq(id)).load(conn),
        None => query.filter(organizations::parent_id.is_null()).load(conn),
    }
}

/// The demonstration sites in a subtree (the node itself included; `None`: everywhere).
pub fn demonstration_sites(conn: &mut DbConn, within: Option<&str>) -> QueryResult<Vec<OrganizationRow>> {
    let mut query = organizations::table
        .filter(organizations::demonstration_site.eq(true))
        .select(OrganizationRow::as_select())
        .order(organizations::id)
        .into_boxed();
    if let Some(path) = within {
        let (from, to) = subtree_range(path);
        query = query.filter(organizations::path.ge(from)).filter(organizations::path.lt(to));
    }
    query.load(conn)
}

/// Which subtrees to total: the listed nodes (each with everything below it), one node
/// alone (without its descendants), or the whole tree as one group (key 0).
#[derive(Debug, Clone)]
pub enum Groups<'a> {
    Nodes(&'a [i64]),
    NodeOnly(i64),
    Everything,
}

struct Shape {
    key: String,
    from: String,
    filter: String,
    group_by: &'static str,
}

fn shape(groups: &Groups<'_>) -> Option<Shape> {
    match groups {
        Groups::Nodes([]) => None,
        Groups::Nodes(ids) => {
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            Some(Shape {
                key: "g.id".into(),
                from: "organizations g JOIN organizations o \
                       ON o.path >= g.path AND o.path < substr(g.path, 1, length(g.path) - 1) || '0'"
                    .into(),
                filter: format!("g.id IN ({list})"),
                group_by: "GROUP BY g.id",
            })
        }
        Groups::NodeOnly(id) => Some(Shape {
            key: "o.id".into(),
            from: "organizations o".into(),
            filter: format!("o.id = {id}"),
            group_by: "GROUP BY o.id",
        }),
        Groups::Everything => Some(Shape {
            key: "CAST(0 AS BIGINT)".into(),
            from: "organizations o".into(),
            filter: "1 = 1".into(),
            group_by: "",
        }),
    }
}

#[derive(Debug, Clone, Default, QueryableByName)]
pub struct GroupSums {
    #[diesel(sql_type = BigInt)]
    pub group_id: i64,
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
    #[diesel(sql_type = BigInt)]
    pub quiz_score_sum: i64,
    #[diesel(sql_type = BigInt)]
    pub quiz_max_sum: i64,
}

impl GroupSums {
    /// Adds another group's sums (sums over disjoint sets of organizations add up).
    pub fn add(&mut self, other: &GroupSums) {
        self.points += other.points;
        self.study_seconds += other.study_seconds;
        self.articles_completed += other.articles_completed;
        self.videos_completed += other.videos_completed;
        self.quizzes_taken += other.quizzes_taken;
        self.quiz_score_sum += other.quiz_score_sum;
        self.quiz_max_sum += other.quiz_max_sum;
    }
}

/// Per group, the sums of its subtree's `org_daily` rows over `[from, to]` (local dates).
/// Groups without any row are absent.
pub fn sums(conn: &mut DbConn, groups: &Groups<'_>, from: &str, to: &str) -> QueryResult<Vec<GroupSums>> {
    let Some(s) = shape(groups) else { return Ok(Vec::new()) };
    let sql = format!(
        "SELECT {key} AS group_id, \
         CAST(COALESCE(SUM(d.points), 0) AS BIGINT) AS points, \
         CAST(COALESCE(SUM(d.study_seconds), 0) AS BIGINT) AS study_seconds, \
         CAST(COALESCE(SUM(d.articles_completed), 0) AS BIGINT) AS articles_completed, \
         CAST(COALESCE(SUM(d.videos_completed), 0) AS BIGINT) AS videos_completed, \
         CAST(COALESCE(SUM(d.quizzes_taken), 0) AS BIGINT) AS quizzes_taken, \
         CAST(COALESCE(SUM(d.quiz_score_sum), 0) AS BIGINT) AS quiz_score_sum, \
         CAST(COALESCE(SUM(d.quiz_max_sum), 0) AS BIGINT) AS quiz_max_sum \
         FROM {from} JOIN org_daily d ON d.org_id = o.id \
         WHERE {filter} AND d.local_date >= $1 AND d.local_date <= $2 {group_by}",
        key = s.key,
        from = s.from,
        filter = s.filter,
        group_by = s.group_by,
    );
    diesel::sql_query(sql).bind::<Text, _>(from).bind::<Text, _>(to).load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct GroupCount {
    #[diesel(sql_type = BigInt)]
    pub group_id: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// A stretch of days inside one calendar year: `org_active.days` characters
/// `start..start + len` (1-based).
#[derive(Debug, Clone, Copy)]
pub struct YearSpan {
    pub year: i32,
    pub start: i32,
    pub len: i32,
}

/// Per group, the distinct learners active on any day of the spans (at most two: a
/// range of at most a year touches at most two calendar years). Cost: one pass over the
/// subtree's learner-years, whatever the length of the range.
pub fn active(conn: &mut DbConn, groups: &Groups<'_>, spans: &[YearSpan]) -> QueryResult<Vec<GroupCount>> {
    let Some(s) = shape(groups) else { return Ok(Vec::new()) };
    let none = YearSpan { year: -1, start: 1, len: 1 };
    let first = spans.first().copied().unwrap_or(none);
    let second = spans.get(1).copied().unwrap_or(none);
    let sql = format!(
        "SELECT {key} AS group_id, COUNT(DISTINCT a.user_id) AS n \
         FROM {from} JOIN org_active a ON a.org_id = o.id \
         WHERE {filter} AND ((a.year = $1 AND substr(a.days, $2, $3) LIKE '%1%') \
                          OR (a.year = $4 AND substr(a.days, $5, $6) LIKE '%1%')) {group_by}",
        key = s.key,
        from = s.from,
        filter = s.filter,
        group_by = s.group_by,
    );
    diesel::sql_query(sql)
        .bind::<Integer, _>(first.year)
        .bind::<Integer, _>(first.start)
        .bind::<Integer, _>(first.len)
        .bind::<Integer, _>(second.year)
        .bind::<Integer, _>(second.start)
        .bind::<Integer, _>(second.len)
        .load(conn)
}

/// Per group, the learner accounts whose current organization is in the subtree and
/// that existed during `[start, end)`: created before `end`, not deleted before `start`.
/// Erased accounts keep their organization, so they still count for the days they existed.
pub fn members(
    conn: &mut DbConn,
    groups: &Groups<'_>,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> QueryResult<Vec<GroupCount>> {
    let Some(s) = shape(groups) else { return Ok(Vec::new()) };
    let sql = format!(
        "SELECT {key} AS group_id, COUNT(*) AS n \
         FROM {from} JOIN users u ON u.organization_id = o.id \
         WHERE {filter} AND u.role = 'learner' AND u.created_at < $1 \
           AND (u.deleted_at IS NULL OR u.deleted_at >= $2) {group_by}",
        key = s.key,
        from = s.from,
        filter = s.filter,
        group_by = s.group_by,
    );
    diesel::sql_query(sql).bind::<Timestamp, _>(end).bind::<Timestamp, _>(start).load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct DaySums {
    #[diesel(sql_type = Text)]
    pub local_date: String,
    #[diesel(sql_type = BigInt)]
    pub active_learners: i64,
    #[diesel(sql_type = BigInt)]
    pub study_seconds: i64,
    #[diesel(sql_type = BigInt)]
    pub completions: i64,
    #[diesel(sql_type = BigInt)]
    pub quizzes_taken: i64,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
}

/// Per local day with any row, the sums over the subtree `[path_from, path_to)`.
pub fn days(conn: &mut DbConn, path_from: &str, path_to: &str, from: &str, to: &str) -> QueryResult<Vec<DaySums>> {
    diesel::sql_query(
        "SELECT d.local_date AS local_date, \
         CAST(COALESCE(SUM(d.active_learners), 0) AS BIGINT) AS active_learners, \
         CAST(COALESCE(SUM(d.study_seconds), 0) AS BIGINT) AS study_seconds, \
         CAST(COALESCE(SUM(d.completions), 0) AS BIGINT) AS completions, \
         CAST(COALESCE(SUM(d.quizzes_taken), 0) AS BIGINT) AS quizzes_taken, \
         CAST(COALESCE(SUM(d.points), 0) AS BIGINT) AS points \
         FROM organizations o JOIN org_daily d ON d.org_id = o.id \
         WHERE o.path >= $1 AND o.path < $2 AND d.local_date >= $3 AND d.local_date <= $4 \
         GROUP BY d.local_date ORDER BY d.local_date",
    )
    .bind::<Text, _>(path_from)
    .bind::<Text, _>(path_to)
    .bind::<Text, _>(from)
    .bind::<Text, _>(to)
    .load(conn)
}

/// What one ingest batch adds to a content's day.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContentDay {
    pub views: i32,
    pub completions: i32,
    pub shares: i32,
    pub learner_days: i32,
    pub percent_sum: i32,
}

/// Adds to a content's day (one upsert; nothing when the batch adds nothing).
pub fn add_content_day(conn: &mut DbConn, content: i64, date: &str, d: ContentDay) -> QueryResult<()> {
    if d.views == 0 && d.completions == 0 && d.shares == 0 && d.learner_days == 0 && d.percent_sum == 0 {
        return Ok(());
    }
    let row = (
        content_daily::content_id.eq(content),
        content_daily::local_date.eq(date),
        content_daily::views.eq(d.views),
        content_daily::completions.eq(d.completions),
        content_daily::shares.eq(d.shares),
        content_daily::learner_days.eq(d.learner_days),
        content_daily::percent_sum.eq(d.percent_sum),
    );
    per_backend!(conn, |c| diesel::insert_into(content_daily::table)
        .values(row)
        .on_conflict((content_daily::content_id, content_daily::local_date))
        .do_update()
        .set((
            content_daily::views.eq(content_daily::views + d.views),
            content_daily::completions.eq(content_daily::completions + d.completions),
            content_daily::shares.eq(content_daily::shares + d.shares),
            content_daily::learner_days.eq(content_daily::learner_days + d.learner_days),
            content_daily::percent_sum.eq(content_daily::percent_sum + d.percent_sum),
        ))
        .execute(c))?;
    Ok(())
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ContentSums {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub views: i64,
    #[diesel(sql_type = BigInt)]
    pub completions: i64,
    #[diesel(sql_type = BigInt)]
    pub shares: i64,
    #[diesel(sql_type = BigInt)]
    pub learner_days: i64,
    #[diesel(sql_type = BigInt)]
    pub percent_sum: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub average_effective_percent: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub likes: i64,
    #[diesel(sql_type = BigInt)]
    pub favorites: i64,
}

/// Columns the content report sorts by, each a fixed SQL expression.
#[derive(Debug, Clone, Copy)]
pub enum ContentOrder {
    Views,
    Completions,
    AverageEffectivePercent,
    Likes,
    Favorites,
    Shares,
    Id,
}

impl ContentOrder {
    fn sql(self) -> &'static str {
        match self {
            Self::Views => "views",
            Self::Completions => "completions",
            // No studied learner-days sorts below any average.
            Self::AverageEffectivePercent => "COALESCE(average_effective_percent, -1.0)",
            Self::Likes => "likes",
            Self::Favorites => "favorites",
            Self::Shares => "shares",
            Self::Id => "id",
        }
    }
}

/// The contents with any activity in `[from, to]`, optionally of one kind, sorted (ties
/// by id, ascending), at most `limit`.
pub fn contents(
    conn: &mut DbConn,
    from: &str,
    to: &str,
    kind: Option<&str>,
    order: ContentOrder,
    descending: bool,
    limit: i64,
) -> QueryResult<Vec<ContentSums>> {
    let sql = format!(
        "SELECT * FROM (SELECT c.id AS id, c.title AS title, c.kind AS kind, \
         CAST(COALESCE(SUM(d.views), 0) AS BIGINT) AS views, \
         CAST(COALESCE(SUM(d.completions), 0) AS BIGINT) AS completions, \
         CAST(COALESCE(SUM(d.shares), 0) AS BIGINT) AS shares, \
         CAST(COALESCE(SUM(d.learner_days), 0) AS BIGINT) AS learner_days, \
         CAST(COALESCE(SUM(d.percent_sum), 0) AS BIGINT) AS percent_sum, \
         CASE WHEN SUM(d.learner_days) > 0 \
              THEN CAST(SUM(d.percent_sum) AS DOUBLE PRECISION) / SUM(d.learner_days) END \
              AS average_effective_percent, \
         c.like_count AS likes, c.favorite_count AS favorites \
         FROM content_daily d JOIN contents c ON c.id = d.content_id \
         WHERE d.local_date >= $1 AND d.local_date <= $2 AND c.kind LIKE $3 \
         GROUP BY c.id, c.title, c.kind, c.like_count, c.favorite_count) AS r \
         ORDER BY {col} {dir}, id ASC LIMIT $4",
        col = order.sql(),
        dir = if descending { "DESC" } else { "ASC" },
    );
    diesel::sql_query(sql)
        .bind::<Text, _>(from)
        .bind::<Text, _>(to)
        .bind::<Text, _>(kind.unwrap_or("%"))
        .bind::<BigInt, _>(limit)
        .load(conn)
}
