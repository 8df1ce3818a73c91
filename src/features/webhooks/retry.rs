//! When to retry a webhook and how long to wait: the retry schedule is configuration
//! (tests shrink it to milliseconds), waits get proportional jitter so a fleet of retries
//! does not arrive in lock-step, and a receiver's `Retry-After` is honoured up to a bound.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Serialize;

/// Whether one chat's events wait for each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOrdering {
    /// A chat's events go out one at a time, in order; a retrying event holds later ones.
    Ordered,
    /// Every event is sent as soon as it is due, retries independently.
    Unordered,
}

/// How deliveries are attempted and retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Waits before the 2nd, 3rd, ... attempt; its length is the number of retries.
    pub schedule: Vec<Duration>,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// Each wait is scaled by a random factor in `1 ± jitter` (0 = none, at most 1).
    pub jitter: f64,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub max_retry_after: Duration,
    pub ordering: DeliveryOrdering,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            schedule: [100, 500, 2_000, 10_000, 30_000]
                .into_iter()
                .map(Duration::from_millis)
                .collect(),
            timeout: Duration::from_secs(5),
            jitter: 0.2,
            max_retry_after: Duration::from_secs(60),
            ordering: DeliveryOrdering::Ordered,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based), or `None` when retries are used up.
    /// A `Retry-After` from the receiver replaces the scheduled wait, within the bound.
    pub fn wait_before_retry(
        &self,
        retry: usize,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let scheduled = *self.schedule.get(retry)?;
        if let Some(asked) = retry_after {
            return Some(asked.min(self.max_retry_after));
        }
        Some(self.jittered(scheduled))
    }

    fn jittered(&self, wait: Duration) -> Duration {
        let jitter = self.jitter.clamp(0.0, 1.0);
        if jitter == 0.0 || wait.is_zero() {
            return wait;
        }
        let factor = rand::thread_rng().gen_range((1.0 - jitter)..=(1.0 + jitter));
        wait.mul_f64(factor)
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: f64) -> RetryPolicy {
        RetryPolicy {
            schedule: vec![Duration::from_millis(100), Duration::from_secs(2)],
            jitter,
            max_retry_after: Duration::from_secs(30),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn the_schedule_runs_out() {
        let policy = policy(0.0);
        assert_eq!(
            policy.wait_before_retry(0, None),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            policy.wait_before_retry(1, None),
            Some(Duration::from_secs(2))
        );
        assert_eq!(policy.wait_before_retry(2, None), None);
    }

    #[test]
    fn jitter_stays_within_its_band() {
        let policy = policy(0.5);
        for _ in 0..200 {
            let wait = policy.wait_before_retry(1, None).unwrap();
            assert!(
                wait >= Duration::from_secs(1) && wait <= Duration::from_secs(3),
                "{wait:?}"
            );
        }
    }

    #[test]
    fn retry_after_replaces_the_wait_but_is_bounded() {
        let policy = policy(0.5);
        assert_eq!(
            policy.wait_before_retry(0, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            policy.wait_before_retry(0, Some(Duration::from_secs(600))),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            policy.wait_before_retry(5, Some(Duration::from_secs(1))),
            None,
            "no retries left"
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
