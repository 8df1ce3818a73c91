//! The command line: every flag with its `CCAI_EMU_*` twin (clap's derive), and its
//! validation into a [`Config`] or a [`HealthProbe`]. Messages name the flag at fault.

use std::collections::HashMap;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::fidelity::{Fidelity, FidelityArgs};
use super::limit_flags::LimitFlags;
use super::recording_flags::{DiffArgs, RecordArgs, ReplayArgs};
use super::{check_bind_address, Config, FixtureSource, LogFormat};
use crate::core::formats::parse_duration;
use crate::core::state::AuthPolicy;
use crate::features::recording::{DiffSettings, RecordSettings, ReplaySettings};
use crate::features::webhooks::retry::{DeliveryOrdering, RetryPolicy};
use crate::features::webhooks::WebhookTarget;
use crate::healthcheck::HealthProbe;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OrderingMode {
    Ordered,
    Unordered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AuthMode {
    Open,
    Strict,
}

/// The command line: with no subcommand the emulator serves; `healthcheck` probes a running
/// one configured by the same `--bind` / `--admin-token` (or their environment twins).
#[derive(Debug, Parser)]
#[command(
    name = "ccai-emulator",
    version,
    about = "A local emulator of the CCAI Platform chat Apps API"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on (host:port); port 0 picks a free one. `healthcheck` probes it.
    #[arg(
        long,
        env = "CCAI_EMU_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    bind: String,
    /// Fixture folder. Default: ./fixtures if it exists, else the fixtures built into the binary.
    #[arg(long, env = "CCAI_EMU_FIXTURES")]
    fixtures: Option<PathBuf>,
    /// Default webhook URL for tenants that configure none.
    #[arg(long, env = "CCAI_EMU_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// Primary secret of the default webhook.
    #[arg(long, env = "CCAI_EMU_WEBHOOK_PRIMARY_SECRET")]
    webhook_primary_secret: Option<String>,
    /// Secondary secret of the default webhook.
    #[arg(long, env = "CCAI_EMU_WEBHOOK_SECONDARY_SECRET")]
    webhook_secondary_secret: Option<String>,
    /// `open`: any non-empty Basic credentials make a tenant; `strict`: only --tenant pairs.
    #[arg(long, env = "CCAI_EMU_AUTH", value_enum, default_value = "open")]
    auth: AuthMode,
    /// A `subdomain:token` pair admitted in strict mode (repeat, or comma-separate in the env).
    #[arg(long = "tenant", env = "CCAI_EMU_TENANTS", value_delimiter = ',')]
    tenants: Vec<String>,
    /// Log format.
    #[arg(
        long,
        env = "CCAI_EMU_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    log_format: LogFormat,
    /// Bearer token required on /__admin (none: the control plane is open).
    #[arg(long, env = "CCAI_EMU_ADMIN_TOKEN", global = true)]
    admin_token: Option<String>,
    /// Waits before each webhook retry, comma-separated (e.g. 100ms,500ms,2s,10s,30s).
    #[arg(
        long,
        env = "CCAI_EMU_WEBHOOK_RETRY_SCHEDULE",
        default_value = "100ms,500ms,2s,10s,30s"
    )]
    webhook_retry_schedule: String,
    /// How long one webhook attempt may take.
    #[arg(long, env = "CCAI_EMU_WEBHOOK_TIMEOUT", default_value = "5s")]
    webhook_timeout: String,
    /// Random spread of each retry wait, as a fraction (0.2 = ±20%).
    #[arg(long, env = "CCAI_EMU_WEBHOOK_RETRY_JITTER", default_value_t = 0.2)]
    webhook_retry_jitter: f64,
    /// The longest Retry-After a receiver can ask for; longer ones are cut to this.
    #[arg(long, env = "CCAI_EMU_WEBHOOK_RETRY_AFTER_MAX", default_value = "60s")]
    webhook_retry_after_max: String,
    /// `ordered`: a chat's events are delivered one at a time, in order; `unordered`: each on its own.
    #[arg(
        long,
        env = "CCAI_EMU_WEBHOOK_ORDERING",
        value_enum,
        default_value = "ordered"
    )]
    webhook_ordering: OrderingMode,
    /// On SIGTERM/SIGINT, how long to keep delivering pending webhooks before exiting.
    #[arg(long, env = "CCAI_EMU_SHUTDOWN_GRACE", default_value = "10s")]
    shutdown_grace: String,
    /// Keep every tenant's state, webhook settings, fixture uploads, media and pending
    /// deliveries in an SQLite database in this folder, so they survive a restart (off:
    /// everything is in memory).
    #[arg(long, env = "CCAI_EMU_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// A fault point in the --state-dir writer, for tests (see docs/persistence.md).
    #[arg(long, env = "CCAI_EMU_FAULT_POINT", hide = true)]
    fault_point: Option<String>,
    /// Overrides the fixtures' agent join delay (e.g. 0 for tests).
    #[arg(long, env = "CCAI_EMU_AGENT_JOIN_DELAY")]
    agent_join_delay: Option<String>,
    /// Dismiss a chat whose end user has been silent this long (off by default).
    #[arg(long, env = "CCAI_EMU_CHAT_INACTIVITY_TIMEOUT")]
    chat_inactivity_timeout: Option<String>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "CCAI_EMU_WORKERS")]
    workers: Option<usize>,
    /// Reload the fixture folder when its files change (a broken file keeps the previous version).
    #[arg(long, env = "CCAI_EMU_WATCH")]
    watch: bool,
    /// How often --watch looks at the fixture files.
    #[arg(long, env = "CCAI_EMU_WATCH_INTERVAL", default_value = "500ms")]
    watch_interval: String,
    #[command(flatten)]
    fidelity: FidelityArgs,
    /// Log one line per HTTP request (off by default; the request journal keeps them all).
    #[arg(long, env = "CCAI_EMU_ACCESS_LOG")]
    access_log: bool,
    #[command(flatten)]
    media: crate::features::media::MediaFlags,
    #[command(flatten)]
    limits: LimitFlags,
}

/// What the binary can do besides serving.
#[derive(Debug, Subcommand)]
enum Command {
    /// Probe the emulator at --bind (0.0.0.0 and :: mean loopback): exit 0 when
    /// GET /__admin/health answers {"status":"ok"}, 1 otherwise. For container healthchecks.
    Healthcheck {
        /// How long the probe may take (e.g. 500ms, 2s).
        #[arg(long, default_value = "2s")]
        timeout: String,
    },
    /// Proxy the Apps API to a tenant and take its webhooks, writing every exchange and
    /// webhook into cassettes (credentials and secrets redacted). Listens on --bind.
    Record(RecordArgs),
    /// Replay each cassette's requests against a fresh emulator (configured by the flags
    /// given before `diff`) and report every difference; exit 1 when there is one.
    Diff(DiffArgs),
    /// Answer the Apps API from cassettes (their recorded answers, ids remapped) and send
    /// their recorded webhooks. Listens on --bind.
    Replay(ReplayArgs),
}

/// What one run of the binary does.
#[derive(Debug)]
pub enum Invocation {
    /// Serve with this configuration.
    Serve(Box<Config>),
    /// Probe a running emulator and exit.
    Healthcheck(HealthProbe),
    /// Record a tenant through the proxy.
    Record(RecordSettings),
    /// Compare cassettes with a fresh emulator configured by this configuration.
    Diff(Box<Config>, DiffSettings),
    /// Serve cassettes as fixtures.
    Replay(ReplaySettings),
}

impl Cli {
    /// Validates the command line into what to do. A healthcheck reads only the bind
    /// address and admin token, so it works with whatever else the environment holds.
    pub fn into_invocation(mut self) -> Result<Invocation, String> {
        match self.command.take() {
            Some(Command::Healthcheck { timeout }) => {
                let timeout =
                    parse_duration(&timeout).map_err(|error| format!("--timeout: {error}"))?;
                check_bind_address(&self.bind).map_err(|error| format!("--bind: {error}"))?;
                let probe = HealthProbe::new(&self.bind, self.admin_token, timeout)?;
                Ok(Invocation::Healthcheck(probe))
            }
            Some(Command::Record(args)) => {
                check_bind_address(&self.bind).map_err(|error| format!("--bind: {error}"))?;
                Ok(Invocation::Record(args.into_settings(self.bind)?))
            }
            Some(Command::Replay(args)) => {
                check_bind_address(&self.bind).map_err(|error| format!("--bind: {error}"))?;
                Ok(Invocation::Replay(args.into_settings(self.bind)?))
            }
            Some(Command::Diff(args)) => {
                let settings = args.into_settings()?;
                let config = Config::try_from(self)?;
                Ok(Invocation::Diff(Box::new(config), settings))
            }
            None => Config::try_from(self).map(|config| Invocation::Serve(Box::new(config))),
        }
    }
}

impl TryFrom<Cli> for Config {
    type Error = String;

    fn try_from(cli: Cli) -> Result<Config, String> {
        check_bind_address(&cli.bind).map_err(|error| format!("--bind: {error}"))?;
        let default_webhook = match (cli.webhook_url, cli.webhook_primary_secret) {
            (None, None) if cli.webhook_secondary_secret.is_none() => None,
            (Some(url), Some(primary_secret)) => {
                let target = WebhookTarget {
                    url,
                    primary_secret,
                    secondary_secret: cli.webhook_secondary_secret,
                };
                target
                    .validate()
                    .map_err(|error| format!("--webhook-url: {error}"))?;
                Some(target)
            }
            (Some(_), None) => return Err("--webhook-url needs --webhook-primary-secret".into()),
            _ => return Err("webhook secrets need --webhook-url".into()),
        };
        let auth = match cli.auth {
            AuthMode::Open => AuthPolicy::Open,
            AuthMode::Strict => {
                let mut tokens = HashMap::new();
                for pair in cli.tenants.iter().filter(|pair| !pair.is_empty()) {
                    let (subdomain, token) = pair
                        .split_once(':')
                        .filter(|(subdomain, token)| !subdomain.is_empty() && !token.is_empty())
                        .ok_or_else(|| format!("--tenant {pair:?} must be subdomain:token"))?;
                    tokens.insert(subdomain.to_owned(), token.to_owned());
                }
                if tokens.is_empty() {
                    return Err("--auth strict needs at least one --tenant subdomain:token".into());
                }
                AuthPolicy::Strict(tokens)
            }
        };
        let schedule = cli
            .webhook_retry_schedule
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(parse_duration)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("--webhook-retry-schedule: {error}"))?;
        let timeout = parse_duration(&cli.webhook_timeout)
            .map_err(|error| format!("--webhook-timeout: {error}"))?;
        if timeout.is_zero() {
            return Err("--webhook-timeout must be more than 0".into());
        }
        if !(0.0..=1.0).contains(&cli.webhook_retry_jitter) {
            return Err("--webhook-retry-jitter must be between 0 and 1".into());
        }
        let max_retry_after = parse_duration(&cli.webhook_retry_after_max)
            .map_err(|error| format!("--webhook-retry-after-max: {error}"))?;
        let shutdown_grace = parse_duration(&cli.shutdown_grace)
            .map_err(|error| format!("--shutdown-grace: {error}"))?;
        let ordering = match cli.webhook_ordering {
            OrderingMode::Ordered => DeliveryOrdering::Ordered,
            OrderingMode::Unordered => DeliveryOrdering::Unordered,
        };
        let agent_join_delay = cli
            .agent_join_delay
            .as_deref()
            .map(parse_duration)
            .transpose()
            .map_err(|error| format!("--agent-join-delay: {error}"))?;
        let chat_inactivity_timeout = cli
            .chat_inactivity_timeout
            .as_deref()
            .map(parse_duration)
            .transpose()
            .map_err(|error| format!("--chat-inactivity-timeout: {error}"))?;
        let watch_interval = parse_duration(&cli.watch_interval)
            .map_err(|error| format!("--watch-interval: {error}"))?;
        if watch_interval.is_zero() {
            return Err("--watch-interval must be more than 0".into());
        }
        if cli.workers == Some(0) {
            return Err("--workers must be at least 1".into());
        }
        let limits = cli.limits.into_limits()?;
        Ok(Config {
            bind: cli.bind,
            fixtures: cli
                .fixtures
                .map_or(FixtureSource::Default, FixtureSource::Folder),
            default_webhook,
            auth,
            log_format: cli.log_format,
            admin_token: cli.admin_token.filter(|token| !token.is_empty()),
            retry: RetryPolicy {
                schedule,
                timeout,
                jitter: cli.webhook_retry_jitter,
                max_retry_after,
                ordering,
            },
            shutdown_grace,
            agent_join_delay,
            chat_inactivity_timeout,
            workers: cli.workers,
            live_event_backlog: crate::core::live_events::DEFAULT_BACKLOG,
            watch: cli.watch,
            watch_interval,
            state_dir: cli.state_dir.clone(),
            fault_point: cli
                .fault_point
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|error| format!("--fault-point: {error}"))?,
            limits,
            fidelity: Fidelity::try_from(cli.fidelity)?,
            access_log: cli.access_log,
            media: cli.media.try_into()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn no_flags_give_the_documented_defaults() {
        let config = Config::try_from(Cli::parse_from(["ccai-emulator"])).unwrap();
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert_eq!(config.retry.schedule.len(), 5);
        assert!(config.default_webhook.is_none());
        assert_eq!(config.limits.request_journal_cap, 10_000);
        assert_eq!(config.limits.rate_limit, None);
    }

    #[test]
    fn journal_cap_and_rate_limit_are_validated() {
        let parse = |args: &[&str]| Config::try_from(Cli::parse_from(args));
        assert!(parse(&["e", "--request-journal-cap", "0"]).is_err());
        assert!(parse(&["e", "--rate-limit", "0"]).is_err());
        let config = parse(&["e", "--rate-limit", "10", "--request-journal-cap", "50"]).unwrap();
        assert_eq!(config.limits.rate_limit, Some(10));
        assert_eq!(config.limits.request_journal_cap, 50);
    }

    #[test]
    fn watch_takes_an_interval() {
        let config = Config::try_from(Cli::parse_from([
            "e",
            "--watch",
            "--watch-interval",
            "50ms",
        ]))
        .unwrap();
        assert!(config.watch);
        assert_eq!(config.watch_interval, Duration::from_millis(50));
        assert!(Config::try_from(Cli::parse_from(["e", "--watch-interval", "0"])).is_err());
    }

    #[test]
    fn no_subcommand_serves_and_healthcheck_probes_the_bind_address() {
        let invocation = |args: &[&str]| Cli::parse_from(args).into_invocation();
        assert!(matches!(invocation(&["e"]), Ok(Invocation::Serve(_))));
        let probed_url = |args: &[&str]| match invocation(args) {
            Ok(Invocation::Healthcheck(probe)) => probe.url().to_owned(),
            other => panic!("{args:?} gave {other:?}"),
        };
        assert_eq!(
            probed_url(&["e", "healthcheck"]),
            "http://127.0.0.1:8080/__admin/health"
        );
        assert_eq!(
            probed_url(&["e", "healthcheck", "--bind", "0.0.0.0:9000"]),
            "http://127.0.0.1:9000/__admin/health"
        );
        assert_eq!(
            probed_url(&[
                "e",
                "--bind",
                "[::]:9001",
                "healthcheck",
                "--timeout",
                "300ms"
            ]),
            "http://[::1]:9001/__admin/health"
        );
        // Serving flags that would not validate do not stop a probe.
        assert!(matches!(
            invocation(&["e", "--auth", "strict", "healthcheck"]),
            Ok(Invocation::Healthcheck(_))
        ));
        assert!(invocation(&["e", "healthcheck", "--timeout", "soon"]).is_err());
        assert!(invocation(&["e", "healthcheck", "--bind", "0.0.0.0:0"]).is_err());
    }

    #[test]
    fn strict_mode_needs_well_formed_pairs() {
        let parse = |args: &[&str]| Config::try_from(Cli::parse_from(args));
        assert!(parse(&["e", "--auth", "strict"]).is_err());
        assert!(parse(&["e", "--auth", "strict", "--tenant", "acme"]).is_err());
        assert!(
            parse(&["e", "--auth", "strict", "--tenant", "acme:t1", "--tenant", "beta:t2"]).is_ok()
        );
        assert!(parse(&[
            "e",
            "--webhook-url",
            "ftp://x",
            "--webhook-primary-secret",
            "s"
        ])
        .is_err());
    }
}
