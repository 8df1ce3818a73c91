//! The media flags: how long a pre-signed upload form stays valid, and how much memory the
//! stored files may take per tenant and in all. Each flag has its `CCAI_EMU_*` twin; sizes
//! take a bare number of bytes or a `KiB`/`MiB`/`GiB` suffix.

use std::time::Duration;

use clap::Args;

use crate::core::formats::parse_duration;

/// The media settings, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    /// How long a pre-signed upload form is accepted (the platform's is 5 minutes).
    pub upload_url_expiry: Duration,
    /// The most bytes of files one tenant may hold.
    pub budget_per_tenant: u64,
    /// The most bytes of files all tenants together may hold.
    pub budget_total: u64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            upload_url_expiry: Duration::from_secs(5 * 60),
            budget_per_tenant: 256 * 1024 * 1024,
            budget_total: 1024 * 1024 * 1024,
        }
    }
}

/// The command-line form of [`MediaConfig`].
#[derive(Debug, Clone, Args)]
pub struct MediaFlags {
    /// How long a pre-signed photo/video upload form stays valid (the platform's: 5m).
    #[arg(long, env = "CCAI_EMU_UPLOAD_URL_EXPIRY", default_value = "5m")]
    upload_url_expiry: String,
    /// Memory the stored media of one tenant may take (e.g. 256MiB); past it uploads get 507.
    #[arg(
        long,
        env = "CCAI_EMU_MEDIA_BUDGET_PER_TENANT",
        default_value = "256MiB"
    )]
    media_budget_per_tenant: String,
    /// Memory the stored media of all tenants may take (e.g. 1GiB); past it uploads get 507.
    #[arg(long, env = "CCAI_EMU_MEDIA_BUDGET_TOTAL", default_value = "1GiB")]
    media_budget_total: String,
}

impl TryFrom<MediaFlags> for MediaConfig {
    type Error = String;

    fn try_from(flags: MediaFlags) -> Result<MediaConfig, String> {
        let upload_url_expiry = parse_duration(&flags.upload_url_expiry)
            .map_err(|error| format!("--upload-url-expiry: {error}"))?;
        if upload_url_expiry.is_zero() {
            return Err("--upload-url-expiry must be more than 0".into());
        }
        let budget_per_tenant = parse_size(&flags.media_budget_per_tenant)
            .map_err(|error| format!("--media-budget-per-tenant: {error}"))?;
        let budget_total = parse_size(&flags.media_budget_total)
            .map_err(|error| format!("--media-budget-total: {error}"))?;
        Ok(MediaConfig {
            upload_url_expiry,
            budget_per_tenant,
            budget_total,
        })
    }
}

/// Parses `1048576`, `512KiB`, `256MiB` or `1GiB` (also `KB`/`MB`/`GB` as powers of 1000).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 1048576, 512KiB or 256MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "{text:?} has an unknown unit {other:?} (KiB, MiB, GiB, KB, MB, GB)"
            ))
        }
    };
    value
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("1048576"), Ok(1_048_576));
        assert_eq!(parse_size("2MiB"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("1 GiB"), Ok(1 << 30));
        assert_eq!(parse_size("5MB"), Ok(5_000_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3TiB").is_err());
    }
}
