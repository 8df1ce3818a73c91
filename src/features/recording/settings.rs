//! The validated settings of `ccai-emulator record`, `diff` and `replay` (the flags and
//! their `CCAI_EMU_*` twins are in `config`).

use std::path::PathBuf;
use std::time::Duration;

/// `ccai-emulator record`.
#[derive(Debug, Clone)]
pub struct RecordSettings {
    pub bind: String,
    /// `https://SUBDOMAIN.REGION.ccaiplatform.com` (no `/apps/api/v1`).
    pub upstream: String,
    pub out: PathBuf,
    pub primary_secret: Option<String>,
    pub secondary_secret: Option<String>,
    /// The consumer's own webhook receiver, if any.
    pub forward: Option<String>,
    /// The tenant's region, for the cassettes' provenance.
    pub region: String,
    pub order_hold: Duration,
    pub upstream_timeout: Duration,
}

/// `ccai-emulator diff`.
#[derive(Debug, Clone)]
pub struct DiffSettings {
    /// A cassette, or a folder of them.
    pub path: PathBuf,
    /// Where to write the JSON report (`-`: standard output instead of the table).
    pub json: Option<PathBuf>,
    /// How much longer than in the recording a webhook may take to arrive.
    pub grace: Duration,
    /// The longest wait for the emulator's deliveries in progress.
    pub settle: Duration,
}

/// `ccai-emulator replay`.
#[derive(Debug, Clone)]
pub struct ReplaySettings {
    pub bind: String,
    /// A cassette, or a folder of them.
    pub path: PathBuf,
    pub webhook_url: Option<String>,
    pub primary_secret: Option<String>,
    pub secondary_secret: Option<String>,
}

/// The region in a tenant's URL (`https://acme.uc1.ccaiplatform.com` is `uc1`).
pub fn region_of(upstream: &str) -> Option<String> {
    let host = upstream.split("://").nth(1)?.split(['/', ':']).next()?;
    let parts: Vec<&str> = host.split('.').collect();
    match parts.as_slice() {
        [_, region, "ccaiplatform", "com"] => Some((*region).to_owned()),
        _ => None,
    }
}

/// An upstream base URL: `http(s)://host[:port]`, a trailing `/` or `/apps/api/v1` dropped.
pub fn upstream_base(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let trimmed = trimmed
        .strip_suffix(crate::core::wire::APPS_API_BASE)
        .unwrap_or(trimmed);
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| {
            format!(
                "{raw:?} is not an http(s) URL: expected https://SUBDOMAIN.REGION.ccaiplatform.com"
            )
        })?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err(format!(
            "{raw:?}: expected the tenant's base URL, https://SUBDOMAIN.REGION.ccaiplatform.com"
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstreams_are_base_urls_and_name_their_region() {
        assert_eq!(
            upstream_base("https://acme.uc1.ccaiplatform.com/apps/api/v1/").unwrap(),
            "https://acme.uc1.ccaiplatform.com"
        );
        assert_eq!(
            region_of("https://acme.uc1.ccaiplatform.com").as_deref(),
            Some("uc1")
        );
        assert_eq!(region_of("http://127.0.0.1:9000"), None);
        assert!(upstream_base("acme.uc1.ccaiplatform.com").is_err());
        assert!(upstream_base("https://acme.uc1.ccaiplatform.com/other").is_err());
    }
}
