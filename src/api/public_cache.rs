//! The public response cache: feed pages and content details as every caller sees them
//! (without the caller's own `me` block), kept in memory per process.
//!
//! **Why it is never stale for longer than it may be.** An entry is dropped when
//! - a change that affects it is written: [`crate::db::changes`] logs publication, edits,
//!   tags, audiences, translations and topic renames (drop that content's details and every
//!   list) and counters passing a display threshold (drop that content's details, the
//!   lists that show it, and every list ordered by popularity). This process applies its
//!   own changes as soon as the writing closure returns; other processes read the log
//!   every `TONGXIN_CACHE_RECHECK_MS` (default 500 ms), which bounds how long another
//!   instance may serve the old version;
//! - the next scheduled publication time passes (read when the entry was filled), since
//!   an approved item becomes visible at `publish_at` with no write at all;
//! - it is older than the maximum age (60 s), a safety net for changes made outside the
//!   application.
//!
//! A fill that started before a change and finishes after it is not stored: every applied
//! change bumps an epoch, and a fill stores only if the epoch it read first is unchanged.
//! Every feed query is cached except one filtered by `campaign`, whose visibility depends
//! on the caller's organization and on time.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use actix_web::http::header::HeaderValue;
use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::db::changes::{Change, Listener};
use crate::domain::feed::{Detail, Page};

/// A stored response: the body every anonymous caller gets, and the page or item it was
/// made from, to which an authenticated caller's `me` block is added.
pub struct Entry<T> {
    pub value: Arc<T>,
    pub body: Bytes,
    /// What the entry is counted as against the capacity: its body and the value it was
    /// made from, estimated at twice the body (the same text in Rust structs).
    weight: usize,
    pub etag: HeaderValue,
    /// Ids of the contents it shows.
    content_ids: Vec<i64>,
    /// Ordered by popularity (moves whenever counters do).
    popular: bool,
    expires: DateTime<Utc>,
}

impl<T> Entry<T> {
    pub fn new(
        value: T,
        body: Vec<u8>,
        content_ids: Vec<i64>,
        popular: bool,
        expires: DateTime<Utc>,
    ) -> Option<Arc<Self>> {
        let etag = HeaderValue::from_str(&super::caching::etag_of(&body)).ok()?;
        let weight = body.len() * 3;
        Some(Arc::new(Self {
            value: Arc::new(value),
            body: Bytes::from(body),
            weight,
            etag,
            content_ids,
            popular,
            expires,
        }))
    }
}

struct Store<K, T> {
    entries: HashMap<K, Arc<Entry<T>>>,
    bytes: usize,
}

impl<K: Hash + Eq + Clone, T> Store<K, T> {
    fn new() -> Self {
        Self { entries: HashMap::new(), bytes: 0 }
    }

    fn retain(&mut self, keep: impl Fn(&Entry<T>) -> bool) {
        let mut freed = 0;
        self.entries.retain(|_, entry| {
            let kept = keep(entry);
            if !kept {
                freed += entry.weight;
            }
            kept
        });
        self.bytes -= freed;
    }

    fn insert(&mut self, key: K, entry: Arc<Entry<T>>, capacity: usize) {
        if self.bytes + entry.weight > capacity {
            // Drop the older half, oldest expiry first: rare, and cheaper than an LRU list
            // touched on every hit.
            let mut ages: Vec<DateTime<Utc>> = self.entries.values().map(|e| e.expires).collect();
            ages.sort_unstable();
            if let Some(cut) = ages.get(ages.len() / 2).copied() {
                self.retain(|e| e.expires > cut);
            }
        }
        self.bytes += entry.weight;
        if let Some(old) = self.entries.insert(key, entry) {
            self.bytes -= old.weight;
        }
    }
}

/// What identifies a feed page: the normalized query and the caller's locale preferences.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub query: String,
    pub prefs: Vec<String>,
}

/// What identifies a content detail.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DetailKey {
    pub id: i64,
    pub prefs: Vec<String>,
}

pub struct PublicCache {
    /// Bytes of bodies each store may hold; 0 turns the cache off.
    capacity: usize,
    max_age: chrono::Duration,
    epoch: AtomicU64,
    feeds: RwLock<Store<PageKey, Page>>,
    details: RwLock<Store<DetailKey, Detail>>,
}

impl PublicCache {
    pub fn new(capacity_bytes: usize, max_age: Duration) -> Self {
        Self {
            capacity: capacity_bytes / 2,
            max_age: chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::MAX),
            epoch: AtomicU64::new(0),
            feeds: RwLock::new(Store::new()),
            details: RwLock::new(Store::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Read before a fill; pass it to `put_*` (see the module comment).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// When an entry filled now must go at the latest.
    pub fn expiry(&self, now: DateTime<Utc>, next_publication: Option<DateTime<Utc>>) -> DateTime<Utc> {
        let aged = now.checked_add_signed(self.max_age).unwrap_or(DateTime::<Utc>::MAX_UTC);
        next_publication.map_or(aged, |due| due.min(aged))
    }

    pub fn feed(&self, key: &PageKey, now: DateTime<Utc>) -> Option<Arc<Entry<Page>>> {
        lookup(&self.feeds, key, now, "feed")
    }

    pub fn detail(&self, key: &DetailKey, now: DateTime<Utc>) -> Option<Arc<Entry<Detail>>> {
        lookup(&self.details, key, now, "detail")
    }

    pub fn put_feed(&self, epoch: u64, key: PageKey, entry: Arc<Entry<Page>>) {
        self.put(&self.feeds, epoch, key, entry);
    }

    pub fn put_detail(&self, epoch: u64, key: DetailKey, entry: Arc<Entry<Detail>>) {
        self.put(&self.details, epoch, key, entry);
    }

    fn put<K: Hash + Eq + Clone, T>(&self, store: &RwLock<Store<K, T>>, epoch: u64, key: K, entry: Arc<Entry<T>>) {
        if !self.enabled() || entry.weight > self.capacity {
            return;
        }
        let mut store = store.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Checked under the lock, which `changed` also takes after bumping the epoch.
        if self.epoch.load(Ordering::Acquire) == epoch {
            store.insert(key, entry, self.capacity);
        }
    }

    /// Drops what `changes` make stale.
    pub fn apply(&self, changes: &[Change]) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let mut feeds = self.feeds.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut details = self.details.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        for change in changes {
            match *change {
                Change::Everything => {
                    feeds.retain(|_| false);
                    details.retain(|_| false);
                }
                Change::Content(id) => {
                    feeds.retain(|_| false);
                    details.retain(|e| !e.content_ids.contains(&id));
                }
                Change::Counter(id) => {
                    feeds.retain(|e| !e.popular && !e.content_ids.contains(&id));
                    details.retain(|e| !e.content_ids.contains(&id));
                }
            }
        }
        metrics::counter!("public_cache_invalidations_total").increment(changes.len() as u64);
    }
}

fn lookup<K: Hash + Eq, T>(
    store: &RwLock<Store<K, T>>,
    key: &K,
    now: DateTime<Utc>,
    kind: &'static str,
) -> Option<Arc<Entry<T>>> {
    let found = store
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entries
        .get(key)
        .filter(|entry| entry.expires > now)
        .cloned();
    let result = if found.is_some() { "hit" } else { "miss" };
    metrics::counter!("public_cache_lookups_total", "kind" => kind, "result" => result).increment(1);
    found
}

impl Listener for PublicCache {
    fn changed(&self, changes: &[Change]) {
        self.apply(changes);
    }
}

/// Reads the change log every `every` and applies what other processes wrote. Rows can
/// become visible out of id order on PostgreSQL (ids are taken at insert, rows appear at
/// commit), so an id skipped over is waited for a while before it is given up as rolled
/// back.
pub fn spawn_recheck(db: crate::db::Db, cache: Arc<PublicCache>, every: Duration) {
    tokio::spawn(async move {
        let mut reader = match db.run(|conn| Ok(crate::db::changes::latest(conn)?)).await {
            Ok(latest) => LogReader::new(latest),
            Err(err) => {
                tracing::warn!(error = %err, "public cache: cannot read the change log; caching stays local");
                return;
            }
        };
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let after = reader.low;
            match db.run(move |conn| Ok(crate::db::changes::since(conn, after, 1_000)?)).await {
                Ok(rows) => {
                    let foreign = reader.read(&rows, db.origin(), std::time::Instant::now());
                    if !foreign.is_empty() {
                        cache.apply(&foreign);
                    }
                }
                Err(err) => tracing::warn!(error = %err, "public cache: change log read failed"),
            }
        }
    });
}

/// Which log ids have been read.
struct LogReader {
    /// Every id up to here has been read (or given up as rolled back).
    low: i64,
    /// Ids above `low` already read.
    seen: std::collections::BTreeSet<i64>,
    /// Ids above `low` not yet seen, with when they were first missed.
    missing: HashMap<i64, std::time::Instant>,
}

/// How long a transaction may take between taking a log id and committing.
const GIVE_UP: Duration = Duration::from_secs(10);

impl LogReader {
    fn new(latest: i64) -> Self {
        Self { low: latest, seen: std::collections::BTreeSet::new(), missing: HashMap::new() }
    }

    /// The changes among `rows` that are new and written by another process.
    fn read(&mut self, rows: &[crate::db::changes::Logged], own: i64, now: std::time::Instant) -> Vec<Change> {
        let mut fresh = Vec::new();
        for row in rows {
            if row.id > self.low && self.seen.insert(row.id) {
                self.missing.remove(&row.id);
                if row.origin != own {
                    fresh.push(row.change);
                }
            }
        }
        let top = self.seen.last().copied().unwrap_or(self.low);
        while self.low < top {
            let next = self.low + 1;
            if self.seen.remove(&next) {
                self.low = next;
                continue;
            }
            let since = *self.missing.entry(next).or_insert(now);
            if now.duration_since(since) < GIVE_UP {
                break;
            }
            self.missing.remove(&next);
            self.low = next;
        }
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::changes::Logged;

    fn row(id: i64, origin: i64) -> Logged {
        Logged { id, origin, change: Change::Content(id) }
    }

    #[test]
    fn the_log_reader_skips_its_own_rows_and_waits_for_ids_committed_out_of_order() {
        let start = std::time::Instant::now();
        let mut reader = LogReader::new(10);
        // 12 is visible before 11 (PostgreSQL commit order); 13 is this process's own.
        let got = reader.read(&[row(12, 1), row(13, 7)], 7, start);
        assert_eq!(got, vec![Change::Content(12)]);
        assert_eq!(reader.low, 10, "11 is still awaited");
        let got = reader.read(&[row(11, 1), row(12, 1), row(13, 7)], 7, start);
        assert_eq!(got, vec![Change::Content(11)], "12 is not applied twice");
        assert_eq!(reader.low, 13);
        // 14 never comes (rolled back): given up after a while, then 15 is the low mark.
        let got = reader.read(&[row(15, 1)], 7, start);
        assert_eq!(got, vec![Change::Content(15)]);
        assert_eq!(reader.low, 13);
        reader.read(&[row(15, 1)], 7, start + GIVE_UP);
        assert_eq!(reader.low, 15);
    }
}
