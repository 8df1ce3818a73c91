//! The platform's rate limit (SPEC A1: 10 requests per second per tenant), off by default
//! and on with `--rate-limit N`; the middleware that applies it is `crate::http::rate_limit`. What the platform does beyond it is not documented; the
//! emulator answers 429 with `Retry-After` (whole seconds) and the usual envelope. The
//! window slides: a tenant may send N requests in any one second, counted per Basic-auth
//! username, so tenants never affect each other. Rejected requests do not count. Only the
//! Apps API is limited, never the control plane.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use dashmap::DashMap;

/// The platform's documented limit, per tenant.
pub const PLATFORM_REQUESTS_PER_SECOND: u32 = 10;

const WINDOW: Duration = Duration::from_secs(1);

/// Per-tenant sliding one-second windows.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: u32,
    /// The admission times within the last second, oldest first, per tenant.
    recent: DashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    /// `per_second` is at least 1.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            per_second: per_second.max(1),
            recent: DashMap::new(),
        }
    }

    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Admits a request at `now`, or says how long until the tenant may send again.
    pub fn admit(&self, tenant: &str, now: Instant) -> Result<(), Duration> {
        let mut times = match self.recent.get_mut(tenant) {
            Some(times) => times,
            None => self.recent.entry(tenant.to_owned()).or_default(),
        };
        while times
            .front()
            .is_some_and(|first| now.saturating_duration_since(*first) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() < self.per_second as usize {
            times.push_back(now);
            return Ok(());
        }
        let oldest = *times.front().expect("the window is full");
        Err(WINDOW.saturating_sub(now.saturating_duration_since(oldest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides_and_tenants_are_independent() {
        let limiter = RateLimiter::new(3);
        let start = Instant::now();
        for offset in [0, 100, 200] {
            assert!(limiter
                .admit("acme", start + Duration::from_millis(offset))
                .is_ok());
        }
        let wait = limiter
            .admit("acme", start + Duration::from_millis(300))
            .unwrap_err();
        assert_eq!(wait, Duration::from_millis(700));
        assert!(limiter
            .admit("beta", start + Duration::from_millis(300))
            .is_ok());
        // The first admission leaves the window after one second; the rejection did not count.
        assert!(limiter
            .admit("acme", start + Duration::from_millis(1_000))
            .is_ok());
        assert!(limiter
            .admit("acme", start + Duration::from_millis(1_001))
            .is_err());
    }
}
