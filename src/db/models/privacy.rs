//! Queries for the learner's privacy rights: reading everything stored about a user page
//! by page (export), erasing personal data, username holds, and pruning raw events.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::attempts::{AttemptRow, ItemRow, MistakeRow};
use crate::db::models::audit::AuditRow;
use crate::db::models::points::LedgerRow;
use crate::db::models::progress::ProgressRow;
use crate::db::schema::{
    attempt_items, attempts, audit_log, events, favorites, likes, mistakes, org_active, points_ledger, progress,
    refresh_tokens, rule_daily, user_daily, user_points, user_stats, username_holds, users,
};

/// A refresh token as the export shows it: times only. The hash is not even selected.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct SessionRow {
    pub id: i64,
    pub family_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: String,
    pub kind: String,
    pub content_id: i64,
    pub position_s: Option<i32>,
    pub occurred_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub local_date: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rule_daily)]
pub struct RuleDayRow {
    pub action: String,
    pub local_date: String,
    pub points: i32,
}

/// The days of a year a learner was active while in one organization (for reports).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = org_active)]
pub struct ActiveDaysRow {
    pub org_id: i64,
    pub year: i32,
    pub days: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_daily)]
pub struct UserDayRow {
    pub local_date: String,
    pub points: i32,
    pub reading_seconds: i32,
    pub watching_seconds: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_points)]
pub struct UserPointsRow {
    pub period: String,
    pub points: i32,
    pub reached_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_stats)]
pub struct StatsRow {
    pub total_points: i32,
    pub streak_days: i32,
    pub longest_streak: i32,
    pub last_active_date: Option<String>,
    pub study_seconds_total: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
    pub last_receipt_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = likes)]
pub struct LikeRow {
    pub content_id: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = favorites)]
pub struct FavoriteRow {
    pub id: i64,
    pub content_id: i64,
    pub created_at: NaiveDateTime,
}

// Export pages. Each is one indexed keyset query: rows after the key, in key order.

pub fn sessions_after(conn: &mut DbConn, user: i64, after: i64, limit: i64) -> QueryResult<Vec<SessionRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user))
        .filter(refresh_tokens::id.gt(after))
        .select(SessionRow::as_select())
        .order(refresh_tokens::id)
        .limit(limit)
        .load(conn)
}

/// By time of receipt, then id (index `events_user`).
pub fn events_after(
    conn: &mut DbConn,
    user: i64,
    after: Option<(NaiveDateTime, &str)>,
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let mut query = events::table.filter(events::user_id.eq(user)).select(EventRow::as_select()).into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(events::received_at.gt(at).or(events::received_at.eq(at).and(events::id.gt(id))));
    }
    query.order((events::received_at, events::id)).limit(limit).load(conn)
}

pub fn progress_after(conn: &mut DbConn, user: i64, after: i64, limit: i64) -> QueryResult<Vec<ProgressRow>> {
    progress::table
        .filter(progress::user_id.eq(user))
        .filter(progress::content_id.gt(after))
        .select(ProgressRow::as_select())
        .order(progress::content_id)
        .limit(limit)
        .load(conn)
}

/// A page of attempts and all their items (two queries, not one per attempt).
pub fn attempts_after(
    conn: &mut DbConn,
    user: i64,
    after: i64,
    limit: i64,
) -> QueryResult<(Vec<AttemptRow>, Vec<ItemRow>)> {
    let rows: Vec<AttemptRow> = attempts::table
        .filter(attempts::user_id.eq(user))
        .filter(attempts::id.gt(after))
        .select(AttemptRow::as_select())
        .order(attempts::id)
        .limit(limit)
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let items = attempt_items::table
        .filter(attempt_items::attempt_id.eq_any(&ids))
        .select(ItemRow::as_select())
        .order((attempt_items::attempt_id, attempt_items::position))
        .load(conn)?;
    Ok((rows, items))
}

/// Wrong-answer book entries the learner may already see (the same rule as `/me/mistakes`:
/// an entry says the answer was wrong, which a quiz reviewed after closing hides until then).
pub fn mistakes_after(
    conn: &mut DbConn,
    user: i64,
    now: NaiveDateTime,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<MistakeRow>> {
    mistakes::table
        .filter(mistakes::user_id.eq(user))
        .filter(mistakes::visible_at.le(now))
        .filter(mistakes::question_id.gt(after))
        .select(MistakeRow::as_select())
        .order(mistakes::question_id)
        .limit(limit)
        .load(conn)
}

pub fn ledger_after(conn: &mut DbConn, user: i64, after: i64, limit: i64) -> QueryResult<Vec<LedgerRow>> {
    points_ledger::table
        .filter(points_ledger::user_id.eq(user))
        .filter(points_ledger::id.gt(after))
        .select(LedgerRow::as_select())
        .order(points_ledger::id)
        .limit(limit)
        .load(conn)
}

/// By (action, day): the primary key's order.
pub fn rule_days_after(
    conn: &mut DbConn,
    user: i64,
    after: Option<(&str, &str)>,
    limit: i64,
) -> QueryResult<Vec<RuleDayRow>> {
    let mut query = rule_daily::table.filter(rule_daily::user_id.eq(user)).select(RuleDayRow::as_select()).into_boxed();
    if let Some((action, date)) = after {
        query = query.filter(
            rule_daily::action.gt(action).or(rule_daily::action.eq(action).and(rule_daily::local_date.gt(date))),
        );
    }
    query.order((rule_daily::action, rule_daily::local_date)).limit(limit).load(conn)
}

pub fn user_days_after(conn: &mut DbConn, user: i64, after: &str, limit: i64) -> QueryResult<Vec<UserDayRow>> {
    user_daily::table
        .filter(user_daily::user_id.eq(user))
        .filter(user_daily::local_date.gt(after))
        .select(UserDayRow::as_select())
        .order(user_daily::local_date)
        .limit(limit)
        .load(conn)
}

pub fn user_points_after(conn: &mut DbConn, user: i64, after: &str, limit: i64) -> QueryResult<Vec<UserPointsRow>> {
    user_points::table
        .filter(user_points::user_id.eq(user))
        .filter(user_points::period.gt(after))
        .select(UserPointsRow::as_select())
        .order(user_points::period)
        .limit(limit)
        .load(conn)
}

/// All of them: one row per organization and year, so a handful per learner.
pub fn active_days_of(conn: &mut DbConn, user: i64) -> QueryResult<Vec<ActiveDaysRow>> {
    org_active::table
        .filter(org_active::user_id.eq(user))
        .select(ActiveDaysRow::as_select())
        .order((org_active::year, org_active::org_id))
        .load(conn)
}

pub fn stats_of(conn: &mut DbConn, user: i64) -> QueryResult<Option<StatsRow>> {
    user_stats::table.find(user).select(StatsRow::as_select()).first(conn).optional()
}

pub fn likes_after(conn: &mut DbConn, user: i64, after: i64, limit: i64) -> QueryResult<Vec<LikeRow>> {
    likes::table
        .filter(likes::user_id.eq(user))
        .filter(likes::content_id.gt(after))
        .select(LikeRow::as_select())
        .order(likes::content_id)
        .limit(limit)
        .load(conn)
}

pub fn favorites_after(conn: &mut DbConn, user: i64, after: i64, limit: i64) -> QueryResult<Vec<FavoriteRow>> {
    favorites::table
        .filter(favorites::user_id.eq(user))
        .filter(favorites::id.gt(after))
        .select(FavoriteRow::as_select())
        .order(favorites::id)
        .limit(limit)
        .load(conn)
}

/// Audit entries where the user acted or was acted upon.
pub fn audit_after(conn: &mut DbConn, user: i64, after: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::actor_id.eq(user).or(audit_log::target_type.eq("user").and(audit_log::target_id.eq(user))))
        .filter(audit_log::id.gt(after))
        .select(AuditRow::as_select())
        .order(audit_log::id)
        .limit(limit)
        .load(conn)
}

// Erasure.

/// The personal fields of an account replaced, and the account marked deleted.
pub struct Erasure<'a> {
    pub tombstone: &'a str,
    pub locale: &'a str,
    pub unusable_hash: &'a str,
    pub at: NaiveDateTime,
}

/// Overwrites the personal fields of a live account; false when it was already deleted.
/// Organization, role and audience stay: they are the dimensions of the anonymous
/// aggregates that unit reports read.
pub fn erase_user(conn: &mut DbConn, user: i64, erasure: &Erasure<'_>) -> QueryResult<bool> {
    let updated = diesel::update(users::table.find(user).filter(users::deleted_at.is_null()))
        .set((
            users::username.eq(erasure.tombstone),
            users::username_key.eq(erasure.tombstone),
            // The name's look-alikes are free again once its hold ends.
            users::username_skeleton.eq(None::<String>),
            users::display_name.eq(erasure.tombstone),
            users::password_hash.eq(erasure.unusable_hash),
            users::birth_year.eq(None::<i32>),
            users::guardian_consent_at.eq(None::<NaiveDateTime>),
            users::guardian_consent_by.eq(None::<i64>),
            users::student_number.eq(None::<String>),
            users::password_temporary_until.eq(None::<NaiveDateTime>),
            users::locale.eq(erasure.locale),
            users::disabled.eq(true),
            users::updated_at.eq(erasure.at),
            users::deleted_at.eq(erasure.at),
        ))
        .execute(conn)?;
    Ok(updated == 1)
}

/// What erasure removed, by kind (counts only: they go into the audit entry).
#[derive(Debug, Default, Clone, Copy)]
pub struct Removed {
    pub events: usize,
    pub likes: usize,
    pub favorites: usize,
    pub mistakes: usize,
    pub open_attempts: usize,
    pub responses: usize,
}

/// Deletes the user's raw events, likes, favourites, wrong-answer book and unscored
/// attempts, and blanks the responses of scored ones (their scores stay).
pub fn remove_personal_rows(conn: &mut DbConn, user: i64) -> QueryResult<Removed> {
    let events = diesel::delete(events::table.filter(events::user_id.eq(user))).execute(conn)?;
    let likes = diesel::delete(likes::table.filter(likes::user_id.eq(user))).execute(conn)?;
    let favorites = diesel::delete(favorites::table.filter(favorites::user_id.eq(user))).execute(conn)?;
    let mistakes = diesel::delete(mistakes::table.filter(mistakes::user_id.eq(user))).execute(conn)?;
    // An attempt still in progress was never scored or counted anywhere; left alone, the
    // overdue sweep would score it (empty) and count a quiz for an erased account.
    let open_attempts =
        diesel::delete(attempts::table.filter(attempts::user_id.eq(user)).filter(attempts::status.eq("in_progress")))
            .execute(conn)?;
    let owned = attempts::table.filter(attempts::user_id.eq(user)).select(attempts::id);
    let responses = diesel::update(
        attempt_items::table
            .filter(attempt_items::attempt_id.eq_any(owned))
            .filter(attempt_items::response.is_not_null()),
    )
    .set((attempt_items::response.eq(None::<String>), attempt_items::answered_at.eq(None::<NaiveDateTime>)))
    .execute(conn)?;
    Ok(Removed { events, likes, favorites, mistakes, open_attempts, responses })
}

/// A user by id whether deleted or not, for staff reads.
pub fn any_user(conn: &mut DbConn, id: i64) -> QueryResult<Option<super::users::UserWithOrg>> {
    use crate::db::models::organizations::OrganizationRow;
    use crate::db::models::users::UserRow;
    use crate::db::schema::organizations;
    users::table
        .left_join(organizations::table)
        .filter(users::id.eq(id))
        .select((UserRow::as_select(), Option::<OrganizationRow>::as_select()))
        .first(conn)
        .optional()
}

// Username holds.

/// Holds a name (by its hash) until `release_at`, replacing an older hold of it.
pub fn hold_name(conn: &mut DbConn, hash: &str, release_at: NaiveDateTime, now: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(username_holds::table.find(hash)).execute(conn)?;
    diesel::insert_into(username_holds::table)
        .values((
            username_holds::name_hash.eq(hash),
            username_holds::release_at.eq(release_at),
            username_holds::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether any of these hashes is held at `now`.
pub fn is_held(conn: &mut DbConn, hashes: &[String], now: NaiveDateTime) -> QueryResult<bool> {
    let held: i64 = username_holds::table
        .filter(username_holds::name_hash.eq_any(hashes))
        .filter(username_holds::release_at.gt(now))
        .count()
        .get_result(conn)?;
    Ok(held > 0)
}

pub fn drop_released_holds(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(username_holds::table.filter(username_holds::release_at.le(now))).execute(conn)
}

// Retention.

/// Deletes up to `limit` events received before `cutoff`, oldest first; returns how many.
/// Two statements (pick ids by the `events_received` index, delete them by key) so each
/// batch is short and portable.
pub fn prune_events_batch(conn: &mut DbConn, cutoff: NaiveDateTime, limit: i64) -> QueryResult<usize> {
    let ids: Vec<String> = events::table
        .filter(events::received_at.lt(cutoff))
        .select(events::id)
        .order(events::received_at)
        .limit(limit)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    diesel::delete(events::table.filter(events::id.eq_any(&ids))).execute(conn)
}
