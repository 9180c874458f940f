//! Contents, quizzes and campaigns read together, as the review workflow sees them: the
//! review queue across the three tables and the counts per workflow state. Each is one
//! statement, whatever the number of items.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use crate::db::DbConn;
use crate::db::models::Page;

/// The three kinds of reviewed items, in the order the queue breaks ties between them.
pub const ITEM_KINDS: [&str; 3] = ["content", "quiz", "campaign"];

/// One table's part of the queue. `submitted_at` is the time of the item's latest submit
/// entry in the audit log (written in the same transaction as the submission), or its
/// last update for rows that reached review without one (demo data loaded directly).
fn queue_part(order: usize, table: &str, content_kind: &str) -> String {
    let kind = ITEM_KINDS[order];
    format!(
        "SELECT '{kind}' AS item_kind, {order} AS kind_order, t.id AS id, t.title AS title, \
         {content_kind} AS content_kind, t.status AS status, t.revision_status AS revision_status, \
         t.author_id AS author_id, t.revised_by AS revised_by, t.submitted_by AS submitted_by, \
         COALESCE((SELECT MAX(a.created_at) FROM audit_log a WHERE a.target_type = '{kind}' \
           AND a.target_id = t.id AND a.action = '{kind}.submit'), t.updated_at) AS submitted_at \
         FROM {table} t WHERE t.status = 'in_review' OR (t.status = 'published' AND t.revision_status = 'in_review')"
    )
}

#[derive(Debug, Clone, QueryableByName)]
pub struct QueueRow {
    /// `content`, `quiz` or `campaign`.
    #[diesel(sql_type = Text)]
    pub item_kind: String,
    #[diesel(sql_type = Integer)]
    pub kind_order: i32,
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    /// Contents only: `article` or `video`.
    #[diesel(sql_type = Nullable<Text>)]
    pub content_kind: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub revision_status: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub author_id: i64,
    #[diesel(sql_type = Text)]
    pub revised_by: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub submitted_by: Option<i64>,
    #[diesel(sql_type = Timestamp)]
    pub submitted_at: NaiveDateTime,
}

/// Where a page of the queue starts: after this (submitted_at, kind order, id).
#[derive(Debug, Clone, Copy)]
pub struct QueueKey {
    pub submitted_at: NaiveDateTime,
    pub kind_order: i32,
    pub id: i64,
}

impl QueueKey {
    /// Before every item: the queue starts here without a cursor.
    pub fn start() -> Self {
        Self { submitted_at: chrono::DateTime::UNIX_EPOCH.naive_utc(), kind_order: -1, id: 0 }
    }
}

/// Everything waiting for a reviewer (first submissions and changes to published items),
/// oldest submission first, `kind` (one of [`ITEM_KINDS`]) or all.
pub fn review_queue(conn: &mut DbConn, kind: Option<&str>, after: QueueKey, limit: i64) -> QueryResult<Page<QueueRow>> {
    let parts = [
        queue_part(0, "contents", "t.kind"),
        queue_part(1, "quizzes", "CAST(NULL AS TEXT)"),
        queue_part(2, "campaigns", "CAST(NULL AS TEXT)"),
    ];
    let sql = format!(
        "SELECT * FROM ({}) q WHERE ($1 = '' OR q.item_kind = $1) \
         AND (q.submitted_at > $2 OR (q.submitted_at = $2 AND (q.kind_order > $3 OR (q.kind_order = $3 AND q.id > $4)))) \
         ORDER BY q.submitted_at, q.kind_order, q.id LIMIT $5",
        parts.join(" UNION ALL ")
    );
    // SQLite numbers `$n` by first appearance: the binds follow the text.
    let rows: Vec<QueueRow> = diesel::sql_query(sql)
        .bind::<Text, _>(kind.unwrap_or_default())
        .bind::<Timestamp, _>(after.submitted_at)
        .bind::<Integer, _>(after.kind_order)
        .bind::<BigInt, _>(after.id)
        .bind::<BigInt, _>(limit + 1)
        .load(conn)?;
    Ok(Page::from_probe(rows, limit))
}

/// How many items of one table are in each workflow state. `draft` and `rejected` split
/// the drafts (a rejected one carries the reviewer's reason); `scheduled` and `published`
/// split the approved ones by whether their time has come.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct StatusCounts {
    #[diesel(sql_type = Text)]
    pub item_kind: String,
    #[diesel(sql_type = BigInt)]
    pub draft: i64,
    #[diesel(sql_type = BigInt)]
    pub in_review: i64,
    #[diesel(sql_type = BigInt)]
    pub rejected: i64,
    #[diesel(sql_type = BigInt)]
    pub scheduled: i64,
    #[diesel(sql_type = BigInt)]
    pub published: i64,
    #[diesel(sql_type = BigInt)]
    pub archived: i64,
    /// Published items whose pending change waits for a reviewer.
    #[diesel(sql_type = BigInt)]
    pub changes_in_review: i64,
}

fn counts_part(kind: &str, table: &str, mine: bool) -> String {
    let filter = if mine { " WHERE author_id = $2" } else { "" };
    format!(
        "SELECT '{kind}' AS item_kind, \
         COUNT(CASE WHEN status = 'draft' AND reject_reason IS NULL THEN 1 END) AS draft, \
         COUNT(CASE WHEN status = 'in_review' THEN 1 END) AS in_review, \
         COUNT(CASE WHEN status = 'draft' AND reject_reason IS NOT NULL THEN 1 END) AS rejected, \
         COUNT(CASE WHEN status = 'published' AND publish_at > $1 THEN 1 END) AS scheduled, \
         COUNT(CASE WHEN status = 'published' AND (publish_at IS NULL OR publish_at <= $1) THEN 1 END) AS published, \
         COUNT(CASE WHEN status = 'archived' THEN 1 END) AS archived, \
         COUNT(CASE WHEN status = 'published' AND revision_status = 'in_review' THEN 1 END) AS changes_in_review \
         FROM {table}{filter}"
    )
}

/// The counts of contents, quizzes and campaigns (in [`ITEM_KINDS`] order), of everyone's
/// items or of those `author_id` wrote. One statement, one pass over each table (an
/// author's contents through `contents_author`): a staff overview, not a learner's path.
pub fn status_counts(conn: &mut DbConn, now: NaiveDateTime, author_id: Option<i64>) -> QueryResult<Vec<StatusCounts>> {
    let mine = author_id.is_some();
    let sql = [("content", "contents"), ("quiz", "quizzes"), ("campaign", "campaigns")]
        .map(|(kind, table)| counts_part(kind, table, mine))
        .join(" UNION ALL ");
    let query = diesel::sql_query(sql).bind::<Timestamp, _>(now);
    match author_id {
        Some(author) => query.bind::<BigInt, _>(author).load(conn),
        None => query.load(conn),
    }
}
