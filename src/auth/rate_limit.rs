//! Per-address limit on login and register, built on the `governor` crate (GCRA).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// Beyond this many remembered addresses, forget the ones whose quota has refilled.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Clone)]
pub struct AuthRateLimiter {
    limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
}

impl AuthRateLimiter {
    /// `per_minute` requests per minute per address, all of them usable in a burst; 0 = off.
    pub fn new(per_minute: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n))));
        Self { limiter }
    }

    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        let (Some(limiter), Some(ip)) = (&self.limiter, ip) else { return Ok(()) };
        if limiter.len() > PRUNE_ABOVE {
            limiter.retain_recent();
        }
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited { retry_after_s: (wait.as_millis().div_ceil(1000) as u64).max(1) }
        })
    }
}
