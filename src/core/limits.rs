//! The emulator's resource limits in one place (issue 14): each one has a flag with a
//! `CCAI_EMU_*` twin, is reported with its current use by `GET /__admin/limits`, and is
//! answered, when reached, with a 4xx in the platform's envelope that names the limit and
//! the flag that raises it (`http::error::limit_reached`). Nothing here knows about HTTP. The limits that older modules own (body
//! size, journal caps, rate limit) are reported here too, so one call shows how close the
//! emulator is to every one of them.

use std::time::Duration;

/// Default number of tenants open mode creates before refusing new subdomains.
pub const DEFAULT_MAX_TENANTS: usize = 1_000;
/// A real subdomain is one DNS label: at most 63 characters.
pub const DEFAULT_MAX_SUBDOMAIN_LENGTH: usize = 63;
/// Default bytes kept per journaled request: path, query, headers and body together.
pub const DEFAULT_REQUEST_JOURNAL_ENTRY_BYTES: usize = 16 * 1024;
/// Default payload bytes kept per finished delivery.
pub const DEFAULT_DELIVERY_PAYLOAD_CAP: usize = 16 * 1024;
/// Default attempts kept per delivery.
pub const DEFAULT_DELIVERY_ATTEMPTS_CAP: usize = 50;
/// Default time a client has to send a whole request body.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The limits added by issue 14 (the older ones stay where they were in `Config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Tenants `open` auth mode may create (seeds and snapshot loads are not refused).
    pub max_tenants: usize,
    /// Longest Basic-auth username (subdomain) accepted in `open` mode.
    pub max_subdomain_length: usize,
    /// Bytes kept per request journal entry (tenant, path, query, headers and body).
    pub request_journal_entry_bytes: usize,
    /// Payload bytes a delivery keeps once it is finished (delivered, failed, skipped).
    pub delivery_payload_cap: usize,
    /// Attempts a delivery keeps (the oldest are dropped and counted).
    pub delivery_attempts_cap: usize,
    /// How long a client may take to send a request body.
    pub body_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tenants: DEFAULT_MAX_TENANTS,
            max_subdomain_length: DEFAULT_MAX_SUBDOMAIN_LENGTH,
            request_journal_entry_bytes: DEFAULT_REQUEST_JOURNAL_ENTRY_BYTES,
            delivery_payload_cap: DEFAULT_DELIVERY_PAYLOAD_CAP,
            delivery_attempts_cap: DEFAULT_DELIVERY_ATTEMPTS_CAP,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
        }
    }
}

impl Limits {
    /// Checks every limit is usable (all at least 1).
    pub fn validate(&self) -> Result<(), String> {
        let checks = [
            ("--max-tenants", self.max_tenants),
            ("--max-subdomain-length", self.max_subdomain_length),
            (
                "--request-journal-entry-bytes",
                self.request_journal_entry_bytes,
            ),
            ("--delivery-payload-cap", self.delivery_payload_cap),
            ("--delivery-attempts-cap", self.delivery_attempts_cap),
        ];
        for (flag, value) in checks {
            if value == 0 {
                return Err(format!("{flag} must be at least 1"));
            }
        }
        if self.body_read_timeout.is_zero() {
            return Err("--body-read-timeout must be more than 0".into());
        }
        Ok(())
    }
}

/// The environment twin of a flag: `--max-tenants` is `CCAI_EMU_MAX_TENANTS`.
pub fn env_twin(flag: &str) -> String {
    format!(
        "CCAI_EMU_{}",
        flag.trim_start_matches('-')
            .replace('-', "_")
            .to_uppercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_have_environment_twins_and_zero_limits_are_refused() {
        assert_eq!(env_twin("--max-tenants"), "CCAI_EMU_MAX_TENANTS");
        assert!(Limits::default().validate().is_ok());
        let zero = Limits {
            delivery_attempts_cap: 0,
            ..Limits::default()
        };
        assert!(zero
            .validate()
            .unwrap_err()
            .contains("--delivery-attempts-cap"));
    }
}
