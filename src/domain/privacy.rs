//! The learner's privacy rights (PIPL): a copy of everything stored about them, erasure
//! of their account, audited staff reads of their personal data, and a retention limit
//! for raw engagement events.
//!
//! Erasure keeps what is anonymous once the person is gone: the points ledger, progress,
//! attempt scores and the daily aggregates stay attached to an account id whose personal
//! fields are overwritten, so unit reports do not change retroactively. What describes
//! the person's behaviour in detail (raw events, likes, favourites, the wrong-answer
//! book, answers given) is deleted.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use hmac::{Hmac, Mac as _};
use serde_json::json;
use sha2::Sha256;

use crate::clock::naive;
use crate::db::models::attempts::{AttemptRow, ItemRow, MistakeRow};
use crate::db::models::audit::AuditRow;
use crate::db::models::organizations::OrganizationRow;
use crate::db::models::points::LedgerRow;
use crate::db::models::privacy::{
    self as privacy_db, ActiveDaysRow, EventRow, FavoriteRow, LikeRow, RuleDayRow, SessionRow, StatsRow, UserDayRow,
    UserPointsRow,
};
use crate::db::models::progress::ProgressRow;
use crate::db::models::users::UserWithOrg;
use crate::db::{Db, DbConn, write_tx};
use crate::domain::accounts::{DEFAULT_LOCALE, Username};
use crate::domain::attempts::Loaded;
use crate::domain::audit::{self, Target};
use crate::domain::members::Actor;
use crate::domain::organizations::Scope;
use crate::domain::sessions;
use crate::error::AppError;

// ---------------------------------------------------------------------------------------
// Username holds

/// Keys for hashing held usernames (the current one first; see `KeySet`). A hold stores
/// HMAC-SHA256(key, normalized username), so the table cannot be read back into names
/// without the server's secret, and a name is only recognized when it is typed again.
#[derive(Clone)]
pub struct HoldKeys(Vec<[u8; 32]>);

impl HoldKeys {
    pub fn new(keys: Vec<[u8; 32]>) -> Self {
        Self(keys)
    }

    fn digest(key: &[u8; 32], username_key: &str) -> String {
        let mut mac =
            <Hmac<Sha256>>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(username_key.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The hash a new hold is stored under.
    fn current(&self, username_key: &str) -> Option<String> {
        self.0.first().map(|key| Self::digest(key, username_key))
    }

    /// The hashes under which a hold of this name may have been stored.
    fn all(&self, username_key: &str) -> Vec<String> {
        self.0.iter().map(|key| Self::digest(key, username_key)).collect()
    }
}

/// What a held name's look-alikes are held under: its skeleton, in a form no username key
/// can take (`:` is not allowed in usernames), so the two kinds of hold never meet.
fn skeleton_hold(skeleton: &str) -> String {
    format!("skeleton:{skeleton}")
}

/// Refuses a username that an erased account held until recently, with the same answer
/// as a live account would give: `username_taken` for the name itself,
/// `username_confusable` for a look-alike of it. Whether a name belonged to an erased
/// account is itself not to be revealed.
pub fn check_not_held(
    conn: &mut DbConn,
    holds: &HoldKeys,
    name: &Username,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if privacy_db::is_held(conn, &holds.all(&name.key), naive(now))? {
        return Err(AppError::conflict("username_taken", "This username is already taken."));
    }
    if privacy_db::is_held(conn, &holds.all(&skeleton_hold(&name.skeleton)), naive(now))? {
        return Err(AppError::conflict(
            "username_confusable",
            "This username looks like one already in use (letters from another script, or look-alike \
             letters); choose another.",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Erasure

/// What an erased account's username, username key and display name become. `-` is not
/// allowed in usernames (`accounts::check_username`), so a tombstone can never collide
/// with a real name, and the id makes it unique.
pub fn tombstone(user_id: i64) -> String {
    format!("deleted-{user_id}")
}

/// Not a PHC string: no password verifies against it.
const UNUSABLE_HASH: &str = "!erased";

pub struct ErasePolicy<'a> {
    pub holds: &'a HoldKeys,
    /// How long the username stays unavailable.
    pub hold: Duration,
}

/// Erases an account in one transaction: sessions revoked, personal fields overwritten,
/// the username held (as a keyed hash) until the hold ends, raw behaviour deleted, and
/// the erasure audited (counts only, no personal data).
pub fn erase(
    conn: &mut DbConn,
    user: &UserWithOrg,
    policy: &ErasePolicy<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (row, _) = user;
    let user_id = row.id;
    let hold_hash = policy.holds.current(&row.username_key);
    // Look-alikes of the name are held with it (the row gives up its skeleton below).
    let skeleton = crate::db::models::users::username_skeleton(&row.username_key);
    let skeleton_hash = policy.holds.current(&skeleton_hold(&skeleton));
    write_tx(conn, |conn| {
        // The learner's lock first, as every transaction that credits them takes it: an
        // event batch in flight either finishes before or sees the account gone.
        crate::db::models::points::lock_learner(conn, user_id)?;
        let at = naive(now);
        let name = tombstone(user_id);
        let erasure =
            privacy_db::Erasure { tombstone: &name, locale: DEFAULT_LOCALE, unusable_hash: UNUSABLE_HASH, at };
        if !privacy_db::erase_user(conn, user_id, &erasure)? {
            return Err(AppError::not_found("user"));
        }
        let revoked = sessions::end_all(conn, user_id, None, now)?;
        if !policy.hold.is_zero() {
            let release = now + chrono::Duration::from_std(policy.hold).map_err(AppError::internal)?;
            for hash in hold_hash.iter().chain(&skeleton_hash) {
                privacy_db::hold_name(conn, hash, naive(release), at)?;
            }
        }
        let removed = privacy_db::remove_personal_rows(conn, user_id)?;
        let detail = json!({
            "sessions_revoked": revoked,
            "events_deleted": removed.events,
            "likes_deleted": removed.likes,
            "favorites_deleted": removed.favorites,
            "mistakes_deleted": removed.mistakes,
            "open_attempts_deleted": removed.open_attempts,
            "responses_erased": removed.responses,
        });
        audit::record(conn, Some(user_id), "user.erase", Target::User(user_id), &detail, now)?;
        Ok(())
    })
}

/// Whether the account may still act (for transactions that began before an erasure).
pub fn is_live(conn: &mut DbConn, user_id: i64) -> Result<bool, AppError> {
    Ok(crate::db::models::users::find_active(conn, user_id)?.is_some())
}

// ---------------------------------------------------------------------------------------
// Export

/// The parts of the export document after the profile, in document order. Each is read
/// page by page, so the document is never whole in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Sessions,
    Events,
    Progress,
    Attempts,
    Mistakes,
    PointsLedger,
    RuleDaily,
    UserDaily,
    ActiveDays,
    UserPoints,
    UserStats,
    Likes,
    Favorites,
    Audit,
}

impl Section {
    pub const ALL: [Section; 14] = [
        Self::Sessions,
        Self::Events,
        Self::Progress,
        Self::Attempts,
        Self::Mistakes,
        Self::PointsLedger,
        Self::RuleDaily,
        Self::UserDaily,
        Self::ActiveDays,
        Self::UserPoints,
        Self::UserStats,
        Self::Likes,
        Self::Favorites,
        Self::Audit,
    ];

    /// The key of this section in the document.
    pub fn key(self) -> &'static str {
        match self {
            Self::Sessions => "sessions",
            Self::Events => "events",
            Self::Progress => "progress",
            Self::Attempts => "attempts",
            Self::Mistakes => "mistakes",
            Self::PointsLedger => "points_ledger",
            Self::RuleDaily => "rule_daily",
            Self::UserDaily => "user_daily",
            Self::ActiveDays => "active_days",
            Self::UserPoints => "user_points",
            Self::UserStats => "user_stats",
            Self::Likes => "likes",
            Self::Favorites => "favorites",
            Self::Audit => "audit",
        }
    }

    /// Rows per page: attempts carry their items, so fewer of them.
    fn page_size(self) -> i64 {
        match self {
            Self::Attempts => 50,
            _ => 500,
        }
    }
}

/// Where a section's next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Start,
    Id(i64),
    Text(String),
    TimeText(NaiveDateTime, String),
    TextText(String, String),
}

/// One page of one section.
pub enum Rows {
    Sessions(Vec<SessionRow>),
    Events(Vec<EventRow>),
    Progress(Vec<ProgressRow>),
    Attempts(Vec<Loaded>),
    Mistakes(Vec<MistakeRow>),
    PointsLedger(Vec<LedgerRow>),
    RuleDaily(Vec<RuleDayRow>),
    UserDaily(Vec<UserDayRow>),
    ActiveDays(Vec<ActiveDaysRow>),
    UserPoints(Vec<UserPointsRow>),
    /// A single object (or none), not a list.
    UserStats(Option<StatsRow>),
    Likes(Vec<LikeRow>),
    Favorites(Vec<FavoriteRow>),
    Audit(Vec<AuditRow>),
}

pub struct ExportPage {
    pub rows: Rows,
    /// `None` when the section is complete.
    pub next: Option<Cursor>,
}

fn id_after(cursor: &Cursor) -> i64 {
    match cursor {
        Cursor::Id(id) => *id,
        _ => i64::MIN,
    }
}

fn text_after(cursor: &Cursor) -> &str {
    match cursor {
        Cursor::Text(text) => text,
        _ => "",
    }
}

/// The next cursor: the last row's key when the page was full, else none (done).
fn next<T>(rows: &[T], limit: i64, key: impl Fn(&T) -> Cursor) -> Option<Cursor> {
    if (rows.len() as i64) < limit { None } else { rows.last().map(key) }
}

/// Reads one page of a section of `user`'s export. `now` decides what the learner may
/// already see of attempts (the review policy) and of the wrong-answer book.
pub fn export_page(
    conn: &mut DbConn,
    user: i64,
    section: Section,
    cursor: &Cursor,
    now: DateTime<Utc>,
) -> Result<ExportPage, AppError> {
    let limit = section.page_size();
    let page = match section {
        Section::Sessions => {
            let rows = privacy_db::sessions_after(conn, user, id_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Id(r.id)), rows: Rows::Sessions(rows) }
        }
        Section::Events => {
            let after = match cursor {
                Cursor::TimeText(at, id) => Some((*at, id.as_str())),
                _ => None,
            };
            let rows = privacy_db::events_after(conn, user, after, limit)?;
            ExportPage {
                next: next(&rows, limit, |r| Cursor::TimeText(r.received_at, r.id.clone())),
                rows: Rows::Events(rows),
            }
        }
        Section::Progress => {
            let rows = privacy_db::progress_after(conn, user, id_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Id(r.content_id)), rows: Rows::Progress(rows) }
        }
        Section::Attempts => {
            let (attempts, items) = privacy_db::attempts_after(conn, user, id_after(cursor), limit)?;
            let next = next(&attempts, limit, |a| Cursor::Id(a.id));
            ExportPage { next, rows: Rows::Attempts(with_items(attempts, items)) }
        }
        Section::Mistakes => {
            let rows = privacy_db::mistakes_after(conn, user, naive(now), id_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Id(r.question_id)), rows: Rows::Mistakes(rows) }
        }
        Section::PointsLedger => {
            let rows = privacy_db::ledger_after(conn, user, id_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Id(r.id)), rows: Rows::PointsLedger(rows) }
        }
        Section::RuleDaily => {
            let after = match cursor {
                Cursor::TextText(action, date) => Some((action.as_str(), date.as_str())),
                _ => None,
            };
            let rows = privacy_db::rule_days_after(conn, user, after, limit)?;
            ExportPage {
                next: next(&rows, limit, |r| Cursor::TextText(r.action.clone(), r.local_date.clone())),
                rows: Rows::RuleDaily(rows),
            }
        }
        // A handful of rows per learner: one page.
        Section::ActiveDays => {
            ExportPage { rows: Rows::ActiveDays(privacy_db::active_days_of(conn, user)?), next: None }
        }
        Section::UserDaily => {
            let rows = privacy_db::user_days_after(conn, user, text_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Text(r.local_date.clone())), rows: Rows::UserDaily(rows) }
        }
        Section::UserPoints => {
            let rows = privacy_db::user_points_after(conn, user, text_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Text(r.period.clone())), rows: Rows::UserPoints(rows) }
        }
        Section::UserStats => ExportPage { next: None, rows: Rows::UserStats(privacy_db::stats_of(conn, user)?) },
        Section::Likes => {
            let rows = privacy_db::likes_after(conn, user, id_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Id(r.content_id)), rows: Rows::Likes(rows) }
        }
        Section::Favorites => {
            let rows = privacy_db::favorites_after(conn, user, id_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Id(r.id)), rows: Rows::Favorites(rows) }
        }
        Section::Audit => {
            let rows = privacy_db::audit_after(conn, user, id_after(cursor), limit)?;
            ExportPage { next: next(&rows, limit, |r| Cursor::Id(r.id)), rows: Rows::Audit(rows) }
        }
    };
    Ok(page)
}

/// Attempts with their items, as `Loaded` so the learner's own attempt view (and its
/// review rule) renders them.
fn with_items(attempts: Vec<AttemptRow>, items: Vec<ItemRow>) -> Vec<Loaded> {
    let mut items = items.into_iter().peekable();
    attempts
        .into_iter()
        .map(|attempt| {
            let mut own = Vec::new();
            while let Some(item) = items.next_if(|i| i.attempt_id == attempt.id) {
                own.push(item);
            }
            Loaded { attempt, items: own, quiz: None, resumed: false }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Audited staff reads

fn in_scope(scope: &Scope, org: Option<&OrganizationRow>) -> bool {
    match scope {
        Scope::All => true,
        scope => org.is_some_and(|o| scope.contains(&o.path)),
    }
}

/// A member's account as staff may read it (erased accounts included, for admins and
/// the org admins of the unit they belonged to), with the read audited as `user.read`.
/// Outside the actor's scope it does not exist (404) and nothing is recorded.
pub fn read_member(conn: &mut DbConn, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<UserWithOrg, AppError> {
    write_tx(conn, |conn| {
        let found = privacy_db::any_user(conn, id)?
            .filter(|(_, org)| in_scope(&actor.scope, org.as_ref()))
            .ok_or_else(|| AppError::not_found("user"))?;
        audit::record(conn, Some(actor.id), "user.read", Target::User(id), &json!({}), now)?;
        Ok(found)
    })
}

/// The filter of a staff search, as recorded in the audit log.
pub struct SearchRecord<'a> {
    pub query: Option<&'a str>,
    pub org_id: Option<i64>,
    pub role: Option<&'a str>,
    pub disabled: Option<bool>,
    pub after_id: Option<i64>,
}

/// Records a staff search of members: one entry per request, with the filter and the ids
/// of the accounts it returned (`user.search`).
pub fn audit_search(
    conn: &mut DbConn,
    actor_id: i64,
    filter: &SearchRecord<'_>,
    returned: &[i64],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let detail = json!({
        "filter": {
            "q": filter.query, "org_id": filter.org_id, "role": filter.role,
            "disabled": filter.disabled, "after_id": filter.after_id,
        },
        "returned_ids": returned,
    });
    write_tx(conn, |conn| audit::record(conn, Some(actor_id), "user.search", Target::Users, &detail, now))
}

// ---------------------------------------------------------------------------------------
// Retention of raw events
//
// Nothing needs folding into aggregates before raw events go: every figure derived from
// them (progress, study time, completions, points, the per-user and per-organization
// daily totals) is maintained at ingest, in the transaction that stores the event.
// Pruning therefore loses no figure; it only forgets the detailed trail.

/// Events sent with a client time older than the retention window minus this margin are
/// refused as `expired`, so an event id that may already have been pruned can never be
/// accepted (and credited) a second time. The margin covers client clocks that run fast.
pub const EXPIRY_MARGIN: chrono::Duration = chrono::Duration::days(1);

/// The oldest client time the ingest accepts, when events are pruned at all.
pub fn oldest_accepted(now: DateTime<Utc>, retention: Option<Duration>) -> Option<DateTime<Utc>> {
    let retention = chrono::Duration::from_std(retention?).ok()?;
    Some(now - retention + EXPIRY_MARGIN)
}

/// Rows deleted per transaction: small enough that no write lock is held for long.
pub const PRUNE_BATCH: i64 = 1_000;

/// What one retention run removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub holds: u64,
}

/// Deletes events received longer ago than `retention` (batch by batch, each its own
/// short transaction, pausing between batches so other writers get the lock) and
/// username holds that have ended.
pub async fn prune(db: &Db, now: DateTime<Utc>, retention: Option<Duration>) -> Result<Pruned, AppError> {
    let holds =
        db.run(move |conn| Ok(write_tx(conn, |conn| privacy_db::drop_released_holds(conn, naive(now)))?)).await?;
    // Every process has read the cache change log long before an hour has passed.
    let log_cutoff = naive(now - chrono::Duration::hours(1));
    db.run(move |conn| Ok(crate::db::changes::prune(conn, log_cutoff)?)).await?;
    let mut pruned = Pruned { events: 0, holds: holds as u64 };
    let Some(retention) = retention else { return Ok(pruned) };
    let cutoff = naive(now - chrono::Duration::from_std(retention).map_err(AppError::internal)?);
    loop {
        let removed = db
            .run(move |conn| Ok(write_tx(conn, |conn| privacy_db::prune_events_batch(conn, cutoff, PRUNE_BATCH))?))
            .await?;
        pruned.events += removed as u64;
        if (removed as i64) < PRUNE_BATCH {
            return Ok(pruned);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
