//! The platform's rate limit (10 requests per second per tenant), off by default
//! and on with `--rate-limit N`; the middleware that applies it is `crate::features::requests::http::rate_limit`. What the platform does beyond it is not documented; the
//! emulator answers 429 with `Retry-After` (whole seconds) and the usual envelope. The
//! window slides: a tenant may send N requests in any one second, counted per Basic-auth
//! username, so tenants never affect each other. Rejected requests do not count. Only the
//! Apps API is limited, never the control plane. Usernames seen in no admission of the
//! last second are forgotten once more than [`PRUNE_ABOVE`] are held, so a stream of new
//! usernames (valid or not) cannot grow the limiter without bound.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use dashmap::DashMap;

/// The platform's documented limit, per tenant.
pub const PLATFORM_REQUESTS_PER_SECOND: u32 = 10;

const WINDOW: Duration = Duration::from_secs(1);

/// Past this many usernames held, the idle ones are forgotten (at most once per window).
pub const PRUNE_ABOVE: usize = 1_024;

/// Per-tenant sliding one-second windows.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: u32,
    /// The admission times within the last second, oldest first, per tenant.
    recent: DashMap<String, VecDeque<Instant>>,
    /// When idle usernames were last forgotten.
    last_prune: std::sync::Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `per_second` is at least 1.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            per_second: per_second.max(1),
            recent: DashMap::new(),
            last_prune: std::sync::Mutex::new(None),
        }
    }

    pub fn per_second(&self) -> u32 {
        self.per_second
    }

    /// Admits a request at `now`, or says how long until the tenant may send again.
    pub fn admit(&self, tenant: &str, now: Instant) -> Result<(), Duration> {
        let verdict = self.admit_in_window(tenant, now);
        if self.recent.len() > PRUNE_ABOVE {
            self.forget_idle(now);
        }
        verdict
    }

    /// Usernames held (for tests and the control plane).
    pub fn tracked(&self) -> usize {
        self.recent.len()
    }

    fn forget_idle(&self, now: Instant) {
        {
            let mut last = self.last_prune.lock().expect("prune lock");
            if last.is_some_and(|last| now.saturating_duration_since(last) < WINDOW) {
                return;
            }
            *last = Some(now);
        }
        self.recent.retain(|_, times| {
            times
                .back()
                .is_some_and(|last| now.saturating_duration_since(*last) < WINDOW)
        });
    }

    fn admit_in_window(&self, tenant: &str, now: Instant) -> Result<(), Duration> {
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
    fn usernames_idle_for_a_window_are_forgotten_once_many_are_held() {
        let limiter = RateLimiter::new(10);
        let start = Instant::now();
        for index in 0..5_000 {
            assert!(limiter.admit(&format!("user-{index}"), start).is_ok());
        }
        assert!(limiter.tracked() <= 5_000);
        limiter
            .admit("late", start + Duration::from_secs(2))
            .unwrap();
        assert_eq!(
            limiter.tracked(),
            1,
            "only the user of the last second is kept"
        );
    }

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
