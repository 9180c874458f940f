//! The server's clock. Everything that compares times (token expiry, refresh grace,
//! and later quiz deadlines and day boundaries) asks this clock, so tests can move time
//! forward instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub type SharedClock = Arc<dyn Clock>;

/// Wall-clock time, truncated to microseconds: the precision both databases store, so a
/// value read back compares equal to the value written.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// Wall-clock time plus an adjustable offset: time still flows, and tests can jump ahead.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: AtomicI64,
}

impl OffsetClock {
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// Jumps so that "now" is `at` (and keeps flowing from there).
    pub fn set(&self, at: DateTime<Utc>) {
        self.offset_ms.store((at - Utc::now()).num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst));
        (Utc::now() + offset).trunc_subsecs(6)
    }
}

/// Database timestamps are naive UTC.
pub fn naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}
