//! The flags of `ccai-emulator record`, `diff` and `replay`, each with its
//! `CCAI_EMU_*` twin, validated into the recording feature's settings.

use std::path::PathBuf;

use clap::Args;

use crate::core::formats::parse_duration;
use crate::features::recording::settings::{region_of, upstream_base};
use crate::features::recording::{DiffSettings, RecordSettings, ReplaySettings};

/// `ccai-emulator record`: a transparent proxy of the Apps API to a tenant, and the
/// target of its webhooks, writing what it sees into cassettes.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The tenant's base URL: https://SUBDOMAIN.REGION.ccaiplatform.com.
    #[arg(long, env = "CCAI_EMU_RECORD_UPSTREAM")]
    upstream: String,
    /// The folder cassettes are written to (one JSON file per chat or per X-Ccai-Cassette name).
    #[arg(long, env = "CCAI_EMU_RECORD_OUT")]
    out: PathBuf,
    /// The tenant's primary webhook secret (each webhook's signature is checked with it).
    #[arg(long, env = "CCAI_EMU_WEBHOOK_PRIMARY_SECRET", hide_env_values = true)]
    webhook_primary_secret: Option<String>,
    /// The tenant's secondary webhook secret.
    #[arg(
        long,
        env = "CCAI_EMU_WEBHOOK_SECONDARY_SECRET",
        hide_env_values = true
    )]
    webhook_secondary_secret: Option<String>,
    /// Your own webhook receiver: each webhook is passed on to it as it came, and its answer to the tenant.
    #[arg(long, env = "CCAI_EMU_RECORD_FORWARD_WEBHOOKS")]
    forward_webhooks: Option<String>,
    /// The tenant's region for the cassettes' provenance (default: from the upstream's host name).
    #[arg(long, env = "CCAI_EMU_RECORD_REGION")]
    region: Option<String>,
    /// How long a webhook that arrives during a request waits for that request's answer (it tells "before" from "after" the answer).
    #[arg(long, env = "CCAI_EMU_RECORD_ORDER_HOLD", default_value = "500ms")]
    order_hold: String,
    /// How long a request to the tenant may take.
    #[arg(long, env = "CCAI_EMU_RECORD_UPSTREAM_TIMEOUT", default_value = "30s")]
    upstream_timeout: String,
}

impl RecordArgs {
    pub fn into_settings(self, bind: String) -> Result<RecordSettings, String> {
        let upstream =
            upstream_base(&self.upstream).map_err(|error| format!("--upstream: {error}"))?;
        let region = match self.region.filter(|region| !region.trim().is_empty()) {
            Some(region) => region,
            None => region_of(&upstream).unwrap_or_else(|| "unknown".to_owned()),
        };
        if let Some(url) = &self.forward_webhooks {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "--forward-webhooks {url:?}: expected an http(s) URL"
                ));
            }
        }
        let order_hold =
            parse_duration(&self.order_hold).map_err(|error| format!("--order-hold: {error}"))?;
        let upstream_timeout = parse_duration(&self.upstream_timeout)
            .map_err(|error| format!("--upstream-timeout: {error}"))?;
        if upstream_timeout.is_zero() {
            return Err("--upstream-timeout must be more than 0".into());
        }
        Ok(RecordSettings {
            bind,
            upstream,
            out: self.out,
            primary_secret: self.webhook_primary_secret.filter(|s| !s.is_empty()),
            secondary_secret: self.webhook_secondary_secret.filter(|s| !s.is_empty()),
            forward: self.forward_webhooks,
            region,
            order_hold,
            upstream_timeout,
        })
    }
}

/// `ccai-emulator [FLAGS] diff PATH`: replays each cassette's requests against a fresh
/// emulator (configured by the FLAGS before `diff`, like a served one) and reports every
/// difference; exit code 1 when there is one.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// A cassette, or a folder of them (read recursively).
    #[arg(env = "CCAI_EMU_DIFF_CASSETTES")]
    cassettes: PathBuf,
    /// Also write the report as JSON to this file (`-`: print JSON instead of the table).
    #[arg(long, env = "CCAI_EMU_DIFF_JSON")]
    json: Option<PathBuf>,
    /// How much longer than in the recording a webhook may take before it counts as missing.
    #[arg(long, env = "CCAI_EMU_DIFF_WEBHOOK_GRACE", default_value = "1s")]
    webhook_grace: String,
    /// The longest wait for the fresh emulator's webhook deliveries in progress, before each request.
    #[arg(long, env = "CCAI_EMU_DIFF_SETTLE", default_value = "10s")]
    settle: String,
}

impl DiffArgs {
    pub fn into_settings(self) -> Result<DiffSettings, String> {
        Ok(DiffSettings {
            path: self.cassettes,
            json: self.json,
            grace: parse_duration(&self.webhook_grace)
                .map_err(|error| format!("--webhook-grace: {error}"))?,
            settle: parse_duration(&self.settle).map_err(|error| format!("--settle: {error}"))?,
        })
    }
}

/// `ccai-emulator replay PATH`: answers the Apps API from cassettes, as fixtures (the
/// recorded answers, ids remapped) and sends their recorded webhooks.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A cassette, or a folder of them (read recursively).
    #[arg(env = "CCAI_EMU_REPLAY_CASSETTES")]
    cassettes: PathBuf,
    /// Where the recorded webhooks are sent (none: not sent).
    #[arg(long, env = "CCAI_EMU_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// The primary secret they are signed with.
    #[arg(long, env = "CCAI_EMU_WEBHOOK_PRIMARY_SECRET", hide_env_values = true)]
    webhook_primary_secret: Option<String>,
    /// The secondary secret they are signed with.
    #[arg(
        long,
        env = "CCAI_EMU_WEBHOOK_SECONDARY_SECRET",
        hide_env_values = true
    )]
    webhook_secondary_secret: Option<String>,
}

impl ReplayArgs {
    pub fn into_settings(self, bind: String) -> Result<ReplaySettings, String> {
        if let Some(url) = &self.webhook_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("--webhook-url {url:?}: expected an http(s) URL"));
            }
            if self
                .webhook_primary_secret
                .as_deref()
                .unwrap_or("")
                .is_empty()
            {
                return Err("--webhook-url needs --webhook-primary-secret".into());
            }
        }
        Ok(ReplaySettings {
            bind,
            path: self.cassettes,
            webhook_url: self.webhook_url,
            primary_secret: self.webhook_primary_secret.filter(|s| !s.is_empty()),
            secondary_secret: self.webhook_secondary_secret.filter(|s| !s.is_empty()),
        })
    }
}
