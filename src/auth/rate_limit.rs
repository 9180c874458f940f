//! Rate limits on what costs a password hash or answers a password guess: per client
//! address (login, register and password checks), per account for password checks
//! (`POST /me/password`, `DELETE /me`), and per login name for wrong passwords at login.
//!
//! Each is a GCRA ("generic cell rate algorithm", what the `governor` crate implements)
//! over the server's clock, so tests move time instead of sleeping: a key may spend its
//! whole quota at once and then gets one more every `period / n`.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::AppError;

/// Beyond this many remembered keys (or twice as many as the last pruning kept), forget
/// the ones whose quota has refilled.
const PRUNE_ABOVE: usize = 10_000;

/// A quota per key (an address, an account, a login name); off when built with 0.
#[derive(Clone)]
pub struct KeyedLimit<K: Hash + Eq + Clone> {
    inner: Option<Arc<Gcra<K>>>,
}

struct Gcra<K> {
    /// Time one request "costs": `period / n`.
    interval: TimeDelta,
    /// `interval * n`: how far ahead of now a key's theoretical arrival time may run.
    window: TimeDelta,
    /// Per key, the theoretical arrival time of its next request; absent = full quota.
    next: Mutex<HashMap<K, DateTime<Utc>>>,
    /// Prune when `next` grows past this (changed only under `next`'s lock).
    prune_above: AtomicUsize,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    /// `n` requests per minute per key, all of them usable in a burst; 0 = off.
    pub fn per_minute(n: u32) -> Self {
        Self::per(n, TimeDelta::minutes(1))
    }

    /// `n` requests per hour per key, all of them usable in a burst; 0 = off.
    pub fn per_hour(n: u32) -> Self {
        Self::per(n, TimeDelta::hours(1))
    }

    fn per(n: u32, period: TimeDelta) -> Self {
        let inner = (n > 0).then(|| {
            let n = n.min(i32::MAX as u32) as i32;
            let interval = period / n;
            Arc::new(Gcra {
                interval,
                window: interval * n,
                next: Mutex::new(HashMap::new()),
                prune_above: AtomicUsize::new(PRUNE_ABOVE),
            })
        });
        Self { inner }
    }

    /// Counts one request for `key` at `now`; past the quota, 429 with the wait in
    /// `Retry-After`, and nothing is counted.
    pub fn check(&self, key: Option<&K>, now: DateTime<Utc>) -> Result<(), AppError> {
        let (Some(gcra), Some(key)) = (&self.inner, key) else { return Ok(()) };
        let mut next = gcra.next.lock().unwrap_or_else(PoisonError::into_inner);
        if next.len() > gcra.prune_above.load(Ordering::Relaxed) {
            next.retain(|_, at| *at > now);
            // Scan again only once the map has doubled: with many keys still active (a spray
            // of login names) pruning stays O(1) per request on average, not O(keys).
            gcra.prune_above.store((next.len() * 2).max(PRUNE_ABOVE), Ordering::Relaxed);
        }
        // A clock that stepped back must not lock a key for longer than one window.
        let start = next.get(key).map_or(now, |at| (*at).clamp(now, now + gcra.window));
        let after = start + gcra.interval;
        if after - now > gcra.window {
            let wait = after - gcra.window - now;
            let retry_after_s = (wait.num_milliseconds().max(0) as u64).div_ceil(1000).max(1);
            return Err(AppError::RateLimited { retry_after_s });
        }
        next.insert(key.clone(), after);
        Ok(())
    }

    /// Gives back one request counted by [`check`](Self::check) for `key`: for an
    /// attempt that turned out not to count (a login with the right password).
    pub fn give_back(&self, key: &K, now: DateTime<Utc>) {
        let Some(gcra) = &self.inner else { return };
        let mut next = gcra.next.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = next.get_mut(key) {
            *at -= gcra.interval;
            if *at <= now {
                next.remove(key);
            }
        }
    }
}

/// Login, register and password checks per client address.
pub type AuthRateLimiter = KeyedLimit<IpAddr>;

/// Password checks per account (user id): a stolen access token or an unlocked phone
/// must not turn `POST /me/password` or `DELETE /me` into a password oracle.
pub type PasswordCheckLimiter = KeyedLimit<i64>;

/// Wrong passwords at login per login name (normalized as login matches it), whether or
/// not an account has that name, so the answer reveals nothing about which exist. A
/// class behind one school address shares the per-address budget; this one stops
/// guessing at any one pupil's password.
pub type LoginFailureLimiter = KeyedLimit<String>;

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(1_000_000 + s)
    }

    #[test]
    fn a_key_may_spend_its_quota_at_once_then_one_more_per_interval() {
        let limit = KeyedLimit::<u8>::per_minute(5);
        for _ in 0..5 {
            assert!(limit.check(Some(&1), at(0)).is_ok());
        }
        let Err(AppError::RateLimited { retry_after_s }) = limit.check(Some(&1), at(0)) else { panic!("limited") };
        assert_eq!(retry_after_s, 12);
        assert!(limit.check(Some(&2), at(0)).is_ok(), "another key has its own quota");
        assert!(limit.check(Some(&1), at(11)).is_err());
        assert!(limit.check(Some(&1), at(12)).is_ok());
        assert!(limit.check(Some(&1), at(12)).is_err());
    }

    #[test]
    fn a_request_given_back_does_not_count() {
        let limit = KeyedLimit::<u8>::per_minute(2);
        for _ in 0..10 {
            assert!(limit.check(Some(&1), at(0)).is_ok());
            limit.give_back(&1, at(0));
        }
        assert!(limit.check(Some(&1), at(0)).is_ok());
        assert!(limit.check(Some(&1), at(0)).is_ok());
        assert!(limit.check(Some(&1), at(0)).is_err());
    }

    #[test]
    fn zero_turns_the_limit_off_and_a_clock_stepping_back_locks_no_longer_than_a_window() {
        let off = KeyedLimit::<u8>::per_minute(0);
        for _ in 0..100 {
            assert!(off.check(Some(&1), at(0)).is_ok());
        }
        let limit = KeyedLimit::<u8>::per_minute(1);
        assert!(limit.check(Some(&1), at(3600)).is_ok());
        let Err(AppError::RateLimited { retry_after_s }) = limit.check(Some(&1), at(0)) else { panic!("limited") };
        assert_eq!(retry_after_s, 60);
    }
}
