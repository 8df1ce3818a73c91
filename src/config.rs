//! Configuration: command-line flags, each with a `CCAI_EMU_*` environment twin,
//! validated into a typed [`Config`]. Every setting has a default, so the emulator runs
//! with no flags at all; tests build a [`Config`] directly and shrink its delays. The flags
//! themselves and their validation are in `config/cli.rs`; the fidelity switches in [`fidelity`].

use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;

mod cli;
pub mod fidelity;
mod limit_flags;
mod recording_flags;

pub use cli::{Cli, Invocation};
use fidelity::Fidelity;

use crate::core::limits::Limits;
use crate::core::state::AuthPolicy;
use crate::features::webhooks::retry::RetryPolicy;
use crate::features::webhooks::WebhookTarget;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where the contact-center script comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixtureSource {
    /// `./fixtures` if present, else the embedded copy.
    Default,
    Folder(PathBuf),
    Embedded,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub fixtures: FixtureSource,
    pub default_webhook: Option<WebhookTarget>,
    pub auth: AuthPolicy,
    pub log_format: LogFormat,
    pub admin_token: Option<String>,
    pub retry: RetryPolicy,
    /// How long a shutdown keeps delivering pending webhooks.
    pub shutdown_grace: Duration,
    pub agent_join_delay: Option<Duration>,
    /// Dismiss chats whose end user has been silent this long.
    pub chat_inactivity_timeout: Option<Duration>,
    pub workers: Option<usize>,
    /// How far a live-event subscriber may fall behind before it misses events (no flag).
    pub live_event_backlog: usize,
    /// Reload the fixture folder when its files change, checking every `watch_interval`.
    pub watch: bool,
    pub watch_interval: Duration,
    /// Every limit (see `crate::core::limits`).
    pub limits: Limits,
    /// Where the emulator may differ from the platform (defaults follow the platform).
    pub fidelity: Fidelity,
    /// Log one line per HTTP request (`--access-log`).
    pub access_log: bool,
    /// Upload-form expiry (the media budgets are limits).
    pub media: crate::features::media::MediaConfig,
    /// Where the state is kept across restarts (`--state-dir`); `None`: in memory only.
    pub state_dir: Option<PathBuf>,
    /// A fault point in `--state-dir`'s writer, for tests of the durability promise
    /// (`--fault-point`, hidden from `--help`).
    pub fault_point: Option<crate::features::persistence::FaultPoint>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            fixtures: FixtureSource::Default,
            default_webhook: None,
            auth: AuthPolicy::Open,
            log_format: LogFormat::Pretty,
            admin_token: None,
            retry: RetryPolicy::default(),
            shutdown_grace: Duration::from_secs(10),
            agent_join_delay: None,
            chat_inactivity_timeout: None,
            workers: None,
            live_event_backlog: crate::core::live_events::DEFAULT_BACKLOG,
            watch: false,
            watch_interval: Duration::from_millis(500),
            limits: Limits::default(),
            fidelity: Fidelity::default(),
            access_log: false,
            media: crate::features::media::MediaConfig::default(),
            state_dir: None,
            fault_point: None,
        }
    }
}

/// The form of a `--bind` value, for error messages.
pub const BIND_FORM: &str = "host:port such as 127.0.0.1:8080 (port 0 picks any free port)";

/// Checks a `--bind` value: an IP `host:port`, or a name and a port (`localhost:8080`).
pub fn check_bind_address(bind: &str) -> Result<(), String> {
    let well_formed = bind.parse::<std::net::SocketAddr>().is_ok()
        || bind.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty()
                && !host.contains(|c: char| c.is_whitespace() || "/[]".contains(c))
                && port.parse::<u16>().is_ok()
        });
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "{bind:?} is not an address to listen on: expected {BIND_FORM}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_addresses_need_a_host_and_a_port() {
        assert!(check_bind_address("127.0.0.1:8080").is_ok());
        assert!(check_bind_address("[::1]:0").is_ok());
        assert!(check_bind_address("localhost:8080").is_ok());
        let error = check_bind_address("19305").unwrap_err();
        assert!(
            error.contains("host:port such as 127.0.0.1:8080"),
            "{error}"
        );
        assert!(check_bind_address(":8080").is_err());
        assert!(check_bind_address("localhost:http").is_err());
        assert!(check_bind_address("127.0.0.1:99999").is_err());
    }
}
