//! The change log behind the public response cache.
//!
//! A write that changes what learners see (a content published, edited or withdrawn; a
//! shown counter passing a threshold; a topic renamed) calls [`record`] inside its
//! transaction. That inserts a row into `cache_invalidations`, which every other server
//! process reads every `TONGXIN_CACHE_RECHECK_MS`, and notes the change for this process,
//! which [`super::Db::run`] hands to its listener (the cache) once the closure returned,
//! so this process never waits for its own poll.

use std::cell::{Cell, RefCell};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::cache_invalidations;

/// What changed, as far as cached public responses are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The content's text, metadata or publication changed: its detail and every list.
    Content(i64),
    /// A counter shown on the content passed a threshold: its detail, the lists that
    /// show it, and every list ordered by popularity.
    Counter(i64),
    /// Something every response may show (a topic's name): everything.
    Everything,
}

impl Change {
    fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Change::Content(id) => ("content", Some(id)),
            Change::Counter(id) => ("counter", Some(id)),
            Change::Everything => ("all", None),
        }
    }

    fn from_parts(scope: &str, content_id: Option<i64>) -> Self {
        match (scope, content_id) {
            ("content", Some(id)) => Change::Content(id),
            ("counter", Some(id)) => Change::Counter(id),
            // Unknown scopes (a newer version wrote them) are treated as the widest.
            _ => Change::Everything,
        }
    }
}

/// Who hears about this process's own changes once they are written.
pub trait Listener: Send + Sync {
    fn changed(&self, changes: &[Change]);
}

thread_local! {
    /// The process (`Db`) the current closure runs for: its rows are skipped by its own poll.
    static ORIGIN: Cell<i64> = const { Cell::new(0) };
    static PENDING: RefCell<Vec<Change>> = const { RefCell::new(Vec::new()) };
}

/// Starts a unit of work for `origin` on this thread (called by `Db::run`).
pub(super) fn begin(origin: i64) {
    ORIGIN.set(origin);
    PENDING.with_borrow_mut(Vec::clear);
}

/// The changes recorded since `begin` (called by `Db::run` after the closure).
pub(super) fn finish() -> Vec<Change> {
    ORIGIN.set(0);
    PENDING.with_borrow_mut(std::mem::take)
}

/// Records a change in the log, inside the caller's transaction. A transaction that
/// rolls back leaves no row; this process may still drop a few cache entries for it,
/// which costs a recomputation, never a stale answer.
pub fn record(conn: &mut DbConn, change: Change) -> QueryResult<()> {
    let (scope, content_id) = change.parts();
    let now = crate::clock::naive(chrono::Utc::now());
    diesel::insert_into(cache_invalidations::table)
        .values((
            cache_invalidations::scope.eq(scope),
            cache_invalidations::content_id.eq(content_id),
            cache_invalidations::origin.eq(ORIGIN.get()),
            cache_invalidations::created_at.eq(now),
        ))
        .execute(conn)?;
    PENDING.with_borrow_mut(|pending| {
        if !pending.contains(&change) {
            pending.push(change);
        }
    });
    Ok(())
}

/// Whether a counter moving from `old` to `new` changes what a cached response should
/// show: every value below 100, then each change of the two leading digits (so 1,234
/// becomes visible at 1,300). Popularity uses the same rule.
pub fn crosses_threshold(old: i64, new: i64) -> bool {
    fn bucket(n: i64) -> i64 {
        if n.abs() < 100 {
            return n;
        }
        let digits = n.abs().ilog10();
        let step = 10_i64.pow(digits - 1);
        n / step * step
    }
    bucket(old) != bucket(new)
}

/// A logged change, as another process reads it.
#[derive(Debug, Clone, Copy)]
pub struct Logged {
    pub id: i64,
    pub origin: i64,
    pub change: Change,
}

/// The newest id in the log (where a process starts reading).
pub fn latest(conn: &mut DbConn) -> QueryResult<i64> {
    Ok(cache_invalidations::table
        .select(diesel::dsl::max(cache_invalidations::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// Up to `limit` log rows after `after`, oldest first.
pub fn since(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<Logged>> {
    let rows: Vec<(i64, String, Option<i64>, i64)> = cache_invalidations::table
        .filter(cache_invalidations::id.gt(after))
        .order(cache_invalidations::id.asc())
        .limit(limit)
        .select((
            cache_invalidations::id,
            cache_invalidations::scope,
            cache_invalidations::content_id,
            cache_invalidations::origin,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, scope, content_id, origin)| Logged { id, origin, change: Change::from_parts(&scope, content_id) })
        .collect())
}

/// Deletes log rows written before `before` (every process has read them long since).
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(cache_invalidations::table.filter(cache_invalidations::created_at.lt(before))).execute(conn)
}

#[cfg(test)]
mod tests {
    use super::crosses_threshold;

    #[test]
    fn small_counters_show_every_change_and_large_ones_each_two_leading_digits() {
        assert!(crosses_threshold(0, 1));
        assert!(crosses_threshold(98, 99));
        assert!(crosses_threshold(99, 100));
        assert!(!crosses_threshold(100, 109));
        assert!(crosses_threshold(109, 110));
        assert!(!crosses_threshold(1_234, 1_299));
        assert!(crosses_threshold(1_299, 1_300));
        assert!(crosses_threshold(1_300, 1_299));
        assert!(!crosses_threshold(5, 5));
    }
}
