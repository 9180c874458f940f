//! Campaigns, their attached contents and quizzes, and the learner visibility rule.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{campaign_contents, campaign_quizzes, campaigns, organizations};
use crate::db::{DbConn, per_backend};

pub const PUBLISHED: &str = "published";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = campaigns)]
pub struct CampaignRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub org_id: Option<i64>,
    /// Percent: 100 = no bonus.
    pub points_multiplier: i32,
    pub status: String,
    pub publish_at: Option<NaiveDateTime>,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    pub reject_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON array of the staff ids who wrote the revision awaiting approval.
    pub revised_by: String,
    pub submitted_by: Option<i64>,
    /// The pending change of a published campaign: `draft` or `in_review` (its fields are in
    /// the `revision` column, read with [`revision_of`]).
    pub revision_status: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = campaigns)]
pub struct NewCampaign<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub kind: &'a str,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub org_id: Option<i64>,
    pub points_multiplier: i32,
    pub status: &'a str,
    pub author_id: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub revised_by: &'a str,
}

/// `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = campaigns)]
pub struct CampaignChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: Option<String>,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub org_id: Option<Option<i64>>,
    pub points_multiplier: Option<i32>,
    pub status: Option<String>,
    pub publish_at: Option<Option<NaiveDateTime>>,
    pub reviewer_id: Option<Option<i64>>,
    pub reject_reason: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
    pub revised_by: Option<String>,
    pub submitted_by: Option<Option<i64>>,
    pub revision_status: Option<Option<String>>,
    pub revision: Option<Option<String>>,
}

/// A campaign with the materialized path of its organization scope (if any).
pub type ScopedCampaign = (CampaignRow, Option<String>);

/// The one learner visibility rule for campaigns: published and its publication time
/// reached (archived campaigns are not `published`). Scope and window are applied on top.
#[diesel::dsl::auto_type]
pub fn visible(now: NaiveDateTime) -> _ {
    let published: &'static str = PUBLISHED;
    campaigns::status.eq(published).and(campaigns::publish_at.le(now))
}

pub fn insert(conn: &mut DbConn, new: &NewCampaign<'_>) -> QueryResult<i64> {
    diesel::insert_into(campaigns::table).values(new).returning(campaigns::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<CampaignRow>> {
    campaigns::table.find(id).select(CampaignRow::as_select()).first(conn).optional()
}

/// The campaign to change, locked against concurrent changes until the transaction ends
/// (PostgreSQL `FOR UPDATE`; SQLite's write transaction already excludes them).
pub fn find_for_update(conn: &mut DbConn, id: i64) -> QueryResult<Option<CampaignRow>> {
    match conn {
        DbConn::Pg(c) => campaigns::table.find(id).select(CampaignRow::as_select()).for_update().first(c).optional(),
        DbConn::Sqlite(c) => campaigns::table.find(id).select(CampaignRow::as_select()).first(c).optional(),
    }
}

/// The stored pending revision of a campaign, if any.
pub fn revision_of(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    Ok(campaigns::table.find(id).select(campaigns::revision).first(conn).optional()?.flatten())
}

/// `(id, revision)` for those of these campaigns that have a pending revision.
pub fn revisions_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, Option<String>)> = campaigns::table
        .filter(campaigns::id.eq_any(ids))
        .filter(campaigns::revision.is_not_null())
        .select((campaigns::id, campaigns::revision))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, r)| r.map(|r| (id, r))).collect())
}

/// A visible campaign with its scope path.
pub fn find_visible(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<Option<ScopedCampaign>> {
    campaigns::table
        .left_join(organizations::table)
        .filter(campaigns::id.eq(id))
        .filter(visible(now))
        .select((CampaignRow::as_select(), organizations::path.nullable()))
        .first(conn)
        .optional()
}

pub fn update(conn: &mut DbConn, id: i64, changes: &CampaignChanges) -> QueryResult<usize> {
    diesel::update(campaigns::table.find(id)).set(changes).execute(conn)
}

/// Replaces the attached contents (in the given order).
pub fn set_contents(conn: &mut DbConn, id: i64, content_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(campaign_contents::table.filter(campaign_contents::campaign_id.eq(id))).execute(conn)?;
    let rows: Vec<_> = content_ids
        .iter()
        .zip(0..)
        .map(|(content, position)| {
            (
                campaign_contents::campaign_id.eq(id),
                campaign_contents::content_id.eq(*content),
                campaign_contents::position.eq(position),
            )
        })
        .collect();
    if !rows.is_empty() {
        per_backend!(conn, |c| diesel::insert_into(campaign_contents::table).values(&rows).execute(c))?;
    }
    Ok(())
}

/// Replaces the attached quizzes (in the given order).
pub fn set_quizzes(conn: &mut DbConn, id: i64, quiz_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(campaign_quizzes::table.filter(campaign_quizzes::campaign_id.eq(id))).execute(conn)?;
    let rows: Vec<_> = quiz_ids
        .iter()
        .zip(0..)
        .map(|(quiz, position)| {
            (
                campaign_quizzes::campaign_id.eq(id),
                campaign_quizzes::quiz_id.eq(*quiz),
                campaign_quizzes::position.eq(position),
            )
        })
        .collect();
    if !rows.is_empty() {
        per_backend!(conn, |c| diesel::insert_into(campaign_quizzes::table).values(&rows).execute(c))?;
    }
    Ok(())
}

/// (campaign id, content id) pairs for these campaigns, in each campaign's order.
pub fn contents_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    campaign_contents::table
        .filter(campaign_contents::campaign_id.eq_any(ids))
        .order((campaign_contents::campaign_id, campaign_contents::position))
        .select((campaign_contents::campaign_id, campaign_contents::content_id))
        .load(conn)
}

/// (campaign id, quiz id) pairs for these campaigns, in each campaign's order.
pub fn quizzes_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    campaign_quizzes::table
        .filter(campaign_quizzes::campaign_id.eq_any(ids))
        .order((campaign_quizzes::campaign_id, campaign_quizzes::position))
        .select((campaign_quizzes::campaign_id, campaign_quizzes::quiz_id))
        .load(conn)
}

/// Which part of the calendar a listing covers, each in its own keyset order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Running now; ending soonest first.
    Active,
    /// Not started; starting soonest first.
    Upcoming,
    /// Over; ended most recently first.
    Past,
}

pub struct ListFilter {
    pub now: NaiveDateTime,
    pub window: Window,
    /// The cursor: (the order's time, id) of the previous page's last row.
    pub after: Option<(NaiveDateTime, i64)>,
    pub limit: i64,
}

/// Visible campaigns in a window with their scope paths (plus one probe row). The caller
/// filters by scope; a page may therefore come back short, and the cursor still moves on.
pub fn list_visible(conn: &mut DbConn, f: &ListFilter) -> QueryResult<Vec<ScopedCampaign>> {
    let now = f.now;
    let mut query = campaigns::table
        .left_join(organizations::table)
        .filter(visible(now))
        .select((CampaignRow::as_select(), organizations::path.nullable()))
        .into_boxed();
    query = match f.window {
        Window::Active => query.filter(campaigns::starts_at.le(now)).filter(campaigns::ends_at.gt(now)),
        Window::Upcoming => query.filter(campaigns::starts_at.gt(now)),
        Window::Past => query.filter(campaigns::ends_at.le(now)),
    };
    if let Some((at, id)) = f.after {
        query = match f.window {
            Window::Active => {
                query.filter(campaigns::ends_at.gt(at).or(campaigns::ends_at.eq(at).and(campaigns::id.gt(id))))
            }
            Window::Upcoming => {
                query.filter(campaigns::starts_at.gt(at).or(campaigns::starts_at.eq(at).and(campaigns::id.gt(id))))
            }
            Window::Past => {
                query.filter(campaigns::ends_at.lt(at).or(campaigns::ends_at.eq(at).and(campaigns::id.lt(id))))
            }
        };
    }
    query = match f.window {
        Window::Active => query.order((campaigns::ends_at.asc(), campaigns::id.asc())),
        Window::Upcoming => query.order((campaigns::starts_at.asc(), campaigns::id.asc())),
        Window::Past => query.order((campaigns::ends_at.desc(), campaigns::id.desc())),
    };
    query.limit(f.limit + 1).load(conn)
}

/// Staff listing: every state (or one; or those with a pending revision in a state),
/// newest first.
pub fn admin_list(
    conn: &mut DbConn,
    status: Option<&str>,
    revision_status: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CampaignRow>> {
    let mut query = campaigns::table.select(CampaignRow::as_select()).into_boxed();
    if let Some(status) = status {
        query = query.filter(campaigns::status.eq(status));
    }
    if let Some(revision) = revision_status {
        query = query.filter(campaigns::revision_status.eq(revision));
    }
    if let Some(before) = before_id {
        query = query.filter(campaigns::id.lt(before));
    }
    query.order(campaigns::id.desc()).limit(limit + 1).load(conn)
}

/// What earned points, as campaigns attach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attached {
    Content(i64),
    Quiz(i64),
}

/// Visible campaigns running at `now` that hold `item`, with their scope paths.
pub fn running_with(conn: &mut DbConn, item: Attached, now: NaiveDateTime) -> QueryResult<Vec<ScopedCampaign>> {
    let base = campaigns::table
        .left_join(organizations::table)
        .filter(visible(now))
        .filter(campaigns::starts_at.le(now))
        .filter(campaigns::ends_at.gt(now))
        .select((CampaignRow::as_select(), organizations::path.nullable()))
        .into_boxed();
    let query = match item {
        Attached::Content(id) => base.filter(
            campaigns::id.eq_any(
                campaign_contents::table
                    .filter(campaign_contents::content_id.eq(id))
                    .select(campaign_contents::campaign_id),
            ),
        ),
        Attached::Quiz(id) => base.filter(campaigns::id.eq_any(
            campaign_quizzes::table.filter(campaign_quizzes::quiz_id.eq(id)).select(campaign_quizzes::campaign_id),
        )),
    };
    query.order(campaigns::id).load(conn)
}

/// A quiz's attachment to a campaign, with what decides whether and when the quiz can be
/// taken through it: the campaign's state, publication time, window and scope path.
#[derive(Debug, Clone, Queryable)]
pub struct QuizCampaign {
    pub quiz_id: i64,
    pub campaign_id: i64,
    pub status: String,
    pub publish_at: Option<NaiveDateTime>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub scope_path: Option<String>,
}

/// The campaigns holding these quizzes (`None`: every attached quiz), in any state.
/// Campaigns are few and hold a handful of quizzes each.
pub fn quiz_campaigns(conn: &mut DbConn, quiz_ids: Option<&[i64]>) -> QueryResult<Vec<QuizCampaign>> {
    let mut query = campaign_quizzes::table
        .inner_join(campaigns::table.left_join(organizations::table))
        .select((
            campaign_quizzes::quiz_id,
            campaigns::id,
            campaigns::status,
            campaigns::publish_at,
            campaigns::starts_at,
            campaigns::ends_at,
            organizations::path.nullable(),
        ))
        .into_boxed();
    if let Some(ids) = quiz_ids {
        query = query.filter(campaign_quizzes::quiz_id.eq_any(ids));
    }
    query.order((campaign_quizzes::quiz_id, campaigns::id)).load(conn)
}
