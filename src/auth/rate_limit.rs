//! Rate limits on what costs a password hash or answers a password guess, built on the
//! `governor` crate (GCRA): per client address (login, register and password checks) and
//! per account (password checks: `POST /me/password`, `DELETE /me`).

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// Beyond this many remembered keys, forget the ones whose quota has refilled.
const PRUNE_ABOVE: usize = 10_000;

/// A quota per key (an address, an account); `None` when the limit is off.
#[derive(Clone)]
pub struct KeyedLimit<K: Hash + Eq + Clone> {
    limiter: Option<Arc<DefaultKeyedRateLimiter<K>>>,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    /// `n` requests per minute per key, all of them usable in a burst; 0 = off.
    pub fn per_minute(n: u32) -> Self {
        Self::with(NonZeroU32::new(n).map(Quota::per_minute))
    }

    /// `n` requests per hour per key, all of them usable in a burst; 0 = off.
    pub fn per_hour(n: u32) -> Self {
        Self::with(NonZeroU32::new(n).map(Quota::per_hour))
    }

    fn with(quota: Option<Quota>) -> Self {
        Self { limiter: quota.map(|q| Arc::new(RateLimiter::keyed(q))) }
    }

    /// Counts one request for `key`; past the quota, 429 with the wait in `Retry-After`.
    pub fn check(&self, key: Option<&K>) -> Result<(), AppError> {
        let (Some(limiter), Some(key)) = (&self.limiter, key) else { return Ok(()) };
        if limiter.len() > PRUNE_ABOVE {
            limiter.retain_recent();
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited { retry_after_s: (wait.as_millis().div_ceil(1000) as u64).max(1) }
        })
    }
}

/// Login, register and password checks per client address.
pub type AuthRateLimiter = KeyedLimit<IpAddr>;

/// Password checks per account (user id): a stolen access token or an unlocked phone
/// must not turn `POST /me/password` or `DELETE /me` into a password oracle.
pub type PasswordCheckLimiter = KeyedLimit<i64>;
