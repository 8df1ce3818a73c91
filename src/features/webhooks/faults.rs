//! Fault injection for the consumer's own tests (opt-in, per tenant): webhooks that arrive
//! late, twice, with a bad signature, with a stale timestamp, or signed with the primary
//! secret only. Each is exactly what a consumer's verification and de-duplication code must
//! survive, and each applied fault is written on the attempt in the journal.

use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// The faults configured for a tenant. Everything is off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultInjection {
    /// Hold every attempt back this long before sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Add a random extra delay of up to this much.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_jitter_ms: Option<u64>,
    /// The share of attempts (0 to 1) sent twice, with the same delivery id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub duplicate_probability: Option<f64>,
    /// Sign with a wrong secret.
    #[serde(default)]
    pub bad_signature: bool,
    /// Sign with a timestamp this many seconds in the past.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_timestamp_seconds: Option<u64>,
    /// Send only `primary=<sig>`, even when a secondary secret is configured.
    #[serde(default)]
    pub primary_only: bool,
}

const LONGEST_DELAY_MS: u64 = 10 * 60 * 1_000;

impl FaultInjection {
    /// Checks the values are usable.
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("delay_ms", self.delay_ms),
            ("delay_jitter_ms", self.delay_jitter_ms),
        ] {
            if value.is_some_and(|ms| ms > LONGEST_DELAY_MS) {
                return Err(format!(
                    "{name} must be at most {LONGEST_DELAY_MS} (10 minutes)"
                ));
            }
        }
        if let Some(probability) = self.duplicate_probability {
            if !(0.0..=1.0).contains(&probability) {
                return Err("duplicate_probability must be between 0 and 1".into());
            }
        }
        if self.stale_timestamp_seconds == Some(0) {
            return Err("stale_timestamp_seconds must be more than 0".into());
        }
        Ok(())
    }

    /// Decides, for one attempt, which faults apply.
    pub fn draw(&self) -> AppliedFaults {
        let mut rng = rand::thread_rng();
        let jitter = match self.delay_jitter_ms {
            Some(max) if max > 0 => rng.gen_range(0..=max),
            _ => 0,
        };
        let delay_ms = self.delay_ms.unwrap_or(0) + jitter;
        AppliedFaults {
            delay: (delay_ms > 0).then(|| Duration::from_millis(delay_ms)),
            duplicate: self
                .duplicate_probability
                .is_some_and(|probability| rng.gen_bool(probability)),
            bad_signature: self.bad_signature,
            stale_by: self.stale_timestamp_seconds.map(Duration::from_secs),
            primary_only: self.primary_only,
        }
    }
}

/// The faults applied to one attempt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppliedFaults {
    pub delay: Option<Duration>,
    pub duplicate: bool,
    pub bad_signature: bool,
    pub stale_by: Option<Duration>,
    pub primary_only: bool,
}

impl AppliedFaults {
    /// Names for the journal, e.g. `["delayed 500ms", "bad_signature"]`.
    pub fn describe(&self) -> Vec<String> {
        let mut names = Vec::new();
        if let Some(delay) = self.delay {
            names.push(format!("delayed {}ms", delay.as_millis()));
        }
        if self.duplicate {
            names.push("duplicated".into());
        }
        if self.bad_signature {
            names.push("bad_signature".into());
        }
        if let Some(stale_by) = self.stale_by {
            names.push(format!("stale_timestamp {}s", stale_by.as_secs()));
        }
        if self.primary_only {
            names.push("primary_only".into());
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_applies_by_default() {
        assert_eq!(FaultInjection::default().draw(), AppliedFaults::default());
        assert!(AppliedFaults::default().describe().is_empty());
    }

    #[test]
    fn certain_faults_always_apply_and_are_described() {
        let faults = FaultInjection {
            delay_ms: Some(50),
            duplicate_probability: Some(1.0),
            bad_signature: true,
            stale_timestamp_seconds: Some(600),
            primary_only: true,
            ..FaultInjection::default()
        };
        let applied = faults.draw();
        assert_eq!(applied.delay, Some(Duration::from_millis(50)));
        assert_eq!(
            applied.describe(),
            [
                "delayed 50ms",
                "duplicated",
                "bad_signature",
                "stale_timestamp 600s",
                "primary_only"
            ]
        );
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let bad = |faults: FaultInjection| faults.validate().is_err();
        assert!(bad(FaultInjection {
            duplicate_probability: Some(1.5),
            ..Default::default()
        }));
        assert!(bad(FaultInjection {
            delay_ms: Some(LONGEST_DELAY_MS + 1),
            ..Default::default()
        }));
        assert!(bad(FaultInjection {
            stale_timestamp_seconds: Some(0),
            ..Default::default()
        }));
    }
}
