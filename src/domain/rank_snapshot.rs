//! The caller's own rank on a large county-wide board, without counting everyone ahead.
//!
//! Counting the learners ahead reads one index entry per learner ahead: about 2 ms for a
//! learner in the middle of 100,000, on every request. A board with at least
//! `TONGXIN_RANK_SNAPSHOT_MIN` ranked learners instead keeps a sorted snapshot of its
//! (points, reached_at, user) triples in memory, rebuilt when older than
//! `TONGXIN_RANK_SNAPSHOT_S`, and finds the caller's place in it by binary search. The
//! caller's own points are always current; the scores of the others are those of the
//! snapshot, at most that old. Smaller boards are counted exactly, as before.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::db::DbConn;
use crate::db::models::leaderboards as board_db;
use crate::error::AppError;

/// One ranked learner: points, when they were reached, user id.
type Entry = (i32, NaiveDateTime, i64);

struct Book {
    built_at: DateTime<Utc>,
    /// Best first: points descending, then earlier `reached_at`, then lower id.
    entries: Vec<Entry>,
}

#[derive(Default)]
struct Slot {
    book: Option<Arc<Book>>,
    /// A request is rebuilding this board's snapshot; the others keep using the old one.
    building: bool,
}

pub struct RankSnapshots {
    min_learners: usize,
    max_age: chrono::Duration,
    boards: Mutex<HashMap<String, Slot>>,
}

impl RankSnapshots {
    pub fn new(min_learners: usize, max_age: std::time::Duration) -> Self {
        Self {
            min_learners,
            max_age: chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::MAX),
            boards: Mutex::new(HashMap::new()),
        }
    }

    /// How many learners of the county-wide board `key` rank above (points, at, id), from
    /// the snapshot; `None` when the board is too small for one (count exactly then) or
    /// its first snapshot is still being built by another request.
    pub fn ahead(
        &self,
        conn: &mut DbConn,
        key: &str,
        mine: Entry,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, AppError> {
        let Some(book) = self.book(conn, key, now)? else { return Ok(None) };
        if book.entries.len() < self.min_learners {
            return Ok(None);
        }
        let (points, at, id) = mine;
        let ahead =
            book.entries.partition_point(|&(p, a, u)| p > points || (p == points && (a < at || (a == at && u < id))));
        Ok(Some(ahead as i64))
    }

    fn book(&self, conn: &mut DbConn, key: &str, now: DateTime<Utc>) -> Result<Option<Arc<Book>>, AppError> {
        let (current, rebuild) = {
            let mut boards = self.boards.lock().unwrap_or_else(PoisonError::into_inner);
            let slot = boards.entry(key.to_owned()).or_default();
            let fresh = slot.book.as_ref().is_some_and(|b| now - b.built_at <= self.max_age && b.built_at <= now);
            let rebuild = !fresh && !slot.building;
            slot.building |= rebuild;
            (slot.book.clone(), rebuild)
        };
        if !rebuild {
            return Ok(current);
        }
        let built = build(conn, key, now);
        let mut boards = self.boards.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = boards.entry(key.to_owned()).or_default();
        slot.building = false;
        let book = Arc::new(built?);
        slot.book = Some(Arc::clone(&book));
        Ok(Some(book))
    }
}

/// Reads the board from its covering index, leaves out erased accounts and staff (few:
/// read through their own small indexes) and sorts it here, so the order is Rust's whatever
/// the database's collation of timestamps.
fn build(conn: &mut DbConn, key: &str, now: DateTime<Utc>) -> Result<Book, AppError> {
    let unranked: HashSet<i64> = board_db::unranked_ids(conn)?.into_iter().collect();
    let mut entries: Vec<Entry> =
        board_db::ranking(conn, key)?.into_iter().filter(|(_, _, user)| !unranked.contains(user)).collect();
    entries.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    Ok(Book { built_at: now, entries })
}
