//! Supervision reports: sums over the daily aggregates (`org_daily`, `org_active`,
//! `content_daily`) and member counts, grouped by organization subtree. Nothing here reads
//! the ledger or the events.
//!
//! Each query reads one subtree (`organizations.path` in a half-open range, as
//! `subtree_range` gives it: one index range scan) and answers per organization; the
//! domain rolls organizations up into the report's rows, so the aggregates are read once
//! per report however many rows it has.

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
        // The flag itself rather than `= true`: the partial index of the few sites serves it.
        .filter(organizations::demonstration_site)
        .select(OrganizationRow::as_select())
        .order(organizations::id)
        .into_boxed();
    if let Some(path) = within {
        let (from, to) = subtree_range(path);
        query = query.filter(organizations::path.ge(from)).filter(organizations::path.lt(to));
    }
    query.load(conn)
}

#[derive(Debug, Clone, Default, QueryableByName)]
pub struct GroupSums {
    /// The organization the sums belong to.
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
    /// Adds another organization's sums (sums over disjoint sets of organizations add up).
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

/// Per organization of the subtree `[path_from, path_to)`, the sums of its own
/// `org_daily` rows over `[from, to]` (local dates). Organizations without rows are absent.
pub fn sums_by_org(
    conn: &mut DbConn,
    path_from: &str,
    path_to: &str,
    from: &str,
    to: &str,
) -> QueryResult<Vec<GroupSums>> {
    diesel::sql_query(
        "SELECT d.org_id AS group_id, \
         CAST(COALESCE(SUM(d.points), 0) AS BIGINT) AS points, \
         CAST(COALESCE(SUM(d.study_seconds), 0) AS BIGINT) AS study_seconds, \
         CAST(COALESCE(SUM(d.articles_completed), 0) AS BIGINT) AS articles_completed, \
         CAST(COALESCE(SUM(d.videos_completed), 0) AS BIGINT) AS videos_completed, \
         CAST(COALESCE(SUM(d.quizzes_taken), 0) AS BIGINT) AS quizzes_taken, \
         CAST(COALESCE(SUM(d.quiz_score_sum), 0) AS BIGINT) AS quiz_score_sum, \
         CAST(COALESCE(SUM(d.quiz_max_sum), 0) AS BIGINT) AS quiz_max_sum \
         FROM organizations o JOIN org_daily d ON d.org_id = o.id \
         WHERE o.path >= $1 AND o.path < $2 AND d.local_date >= $3 AND d.local_date <= $4 \
         GROUP BY d.org_id",
    )
    .bind::<Text, _>(path_from)
    .bind::<Text, _>(path_to)
    .bind::<Text, _>(from)
    .bind::<Text, _>(to)
    .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct GroupCount {
    #[diesel(sql_type = BigInt)]
    pub group_id: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Per organization of the subtree, the learner accounts whose current organization it
/// is and that existed during `[start, end)`: created before `end`, not deleted before
/// `start`. Erased accounts keep their organization, so they still count for the days
/// they existed.
pub fn members_by_org(
    conn: &mut DbConn,
    path_from: &str,
    path_to: &str,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> QueryResult<Vec<GroupCount>> {
    diesel::sql_query(
        "SELECT u.organization_id AS group_id, COUNT(*) AS n \
         FROM organizations o JOIN users u ON u.organization_id = o.id \
         WHERE o.path >= $1 AND o.path < $2 AND u.role = 'learner' AND u.created_at < $3 \
           AND (u.deleted_at IS NULL OR u.deleted_at >= $4) \
         GROUP BY u.organization_id",
    )
    .bind::<Text, _>(path_from)
    .bind::<Text, _>(path_to)
    .bind::<Timestamp, _>(end)
    .bind::<Timestamp, _>(start)
    .load(conn)
}

/// A stretch of days inside one calendar year: `org_active.days` characters
/// `start..start + len` (1-based).
#[derive(Debug, Clone, Copy)]
pub struct YearSpan {
    pub year: i32,
    pub start: i32,
    pub len: i32,
}

/// A range of days as `org_active` holds them: its first year's stretch, its last year's
/// stretch (`None` when the range lies in one year), and every whole year in between.
#[derive(Debug, Clone, Copy)]
pub struct ActiveSpans {
    pub first: YearSpan,
    pub last: Option<YearSpan>,
}

/// A learner active in an organization on some day of the range, with the organization
/// they are a member of now.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct ActivePair {
    /// Where the activity happened.
    #[diesel(sql_type = BigInt)]
    pub org_id: i64,
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    /// The learner's current organization.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub member_of: Option<i64>,
}

/// Every (organization, learner) of the subtree active on any day of the range, for the
/// accounts that count as members in it (learners now, registered before `end`, not
/// erased before `start`, as `members_by_org` counts them). One pass over the subtree's
/// learner-years, whatever the length of the range; the caller keeps only learners whose
/// current organization is in the same group and counts them as sets, since a learner who
/// moved may appear under two organizations.
pub fn active_pairs(
    conn: &mut DbConn,
    path_from: &str,
    path_to: &str,
    spans: ActiveSpans,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> QueryResult<Vec<ActivePair>> {
    let first = spans.first;
    let last = spans.last.unwrap_or(YearSpan { year: -1, start: 1, len: 1 });
    diesel::sql_query(
        "SELECT a.org_id AS org_id, a.user_id AS user_id, u.organization_id AS member_of \
         FROM organizations o JOIN org_active a ON a.org_id = o.id JOIN users u ON u.id = a.user_id \
         WHERE o.path >= $1 AND o.path < $2 \
           AND ((a.year = $3 AND substr(a.days, $4, $5) LIKE '%1%') \
             OR (a.year = $6 AND substr(a.days, $7, $8) LIKE '%1%') \
             OR (a.year > $3 AND a.year < $6)) \
           AND u.role = 'learner' AND u.created_at < $9 AND (u.deleted_at IS NULL OR u.deleted_at >= $10)",
    )
    .bind::<Text, _>(path_from)
    .bind::<Text, _>(path_to)
    .bind::<Integer, _>(first.year)
    .bind::<Integer, _>(first.start)
    .bind::<Integer, _>(first.len)
    .bind::<Integer, _>(last.year)
    .bind::<Integer, _>(last.start)
    .bind::<Integer, _>(last.len)
    .bind::<Timestamp, _>(end)
    .bind::<Timestamp, _>(start)
    .load(conn)
}

/// (id, path) of every organization in the subtree.
pub fn paths_within(conn: &mut DbConn, path_from: &str, path_to: &str) -> QueryResult<Vec<(i64, String)>> {
    organizations::table
        .filter(organizations::path.ge(path_from))
        .filter(organizations::path.lt(path_to))
        .select((organizations::id, organizations::path))
        .load(conn)
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
