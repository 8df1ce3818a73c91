//! Logging: `tracing` to stdout, human-readable or JSON lines, filtered by `RUST_LOG`
//! (default `info`, with the HTTP server's own start and stop chatter at `warn`;
//! `target=level` directives as `EnvFilter` reads them). Colours
//! only when stdout is a terminal (and `NO_COLOR` is unset). Start-up says everything a
//! person needs in one line ([`log_listening`]); per-request lines need `--access-log`.

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// The filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,actix_server=warn";

/// Installs the global subscriber; a second call (e.g. from tests) is a no-op.
pub fn init(format: LogFormat) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| parse_filter(&directives))
        .unwrap_or_else(|| parse_filter(DEFAULT_FILTER).expect("the default filter parses"));
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let lines = tracing_subscriber::fmt::layer()
        .with_ansi(colour)
        .with_writer(std::io::stdout);
    let logging = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Pretty => logging.with(lines).try_init(),
        LogFormat::Json => logging.with(lines.json().flatten_event(true)).try_init(),
    };
}

/// `RUST_LOG`'s comma-separated `target=level` directives as `EnvFilter` reads them: empty
/// items are skipped, an empty list logs nothing, and an invalid one rejects the whole
/// value (`None`: the default applies). `Targets` rather than `EnvFilter` keeps the regex
/// engine of span filters out of the build; the emulator opens no spans, so a span filter
/// (`target[span]=debug`) selected nothing before and selects nothing now.
fn parse_filter(directives: &str) -> Option<Targets> {
    let kept: Vec<&str> = directives
        .split(',')
        .map(str::trim)
        .filter(|directive| !directive.is_empty())
        .collect();
    if !kept.iter().all(|directive| well_formed(directive)) {
        return None;
    }
    if kept.is_empty() {
        return Some(Targets::new());
    }
    kept.join(",").parse().ok()
}

/// The checks `EnvFilter` makes before the level: a target of letters, digits, `_`, `-`
/// and `:`, then at most one `[...]` group right before the `=`.
fn well_formed(directive: &str) -> bool {
    let selector = directive.split('=').next().unwrap_or_default();
    let (target, brackets) = selector.split_at(selector.find('[').unwrap_or(selector.len()));
    let target_ok = target
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':'));
    let brackets_ok = brackets.is_empty()
        || (brackets.ends_with(']')
            && brackets.matches('[').count() == 1
            && brackets.matches(']').count() == 1);
    target_ok && brackets_ok
}

/// The one start-up line: where the Apps API and the console are, where the fixtures came
/// from, and the default webhook's URL (never its secrets, nor a password in the URL).
/// `address` is the bound socket; the URLs use loopback when it is a wildcard.
pub fn log_listening(address: SocketAddr, fixture_source: &str, default_webhook: Option<&str>) {
    let base = format!("http://{}", reachable(address));
    let fixtures = match fixture_source {
        "embedded" => "embedded".to_owned(),
        folder => std::fs::canonicalize(folder)
            .map_or_else(|_| folder.to_owned(), |path| path.display().to_string()),
    };
    let default_webhook = default_webhook.map_or_else(|| "none".to_owned(), without_password);
    tracing::info!(
        address = %address,
        api = %format!("{base}{}", crate::core::wire::APPS_API_BASE),
        console = %format!("{base}/__admin/console"),
        fixtures = %fixtures,
        default_webhook = %default_webhook,
        "ccai-emulator listening"
    );
}

/// Where a client on this machine reaches a socket bound to `address`.
fn reachable(address: SocketAddr) -> SocketAddr {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, address.port())
}

/// A URL with any `user:password@` reduced to `user:***@`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_filters_read_target_level_directives_like_env_filter() {
        use tracing::Level;
        let default = parse_filter(DEFAULT_FILTER).unwrap();
        assert!(default.would_enable("ccai_emulator::telemetry", &Level::INFO));
        assert!(!default.would_enable("ccai_emulator::telemetry", &Level::DEBUG));
        assert!(!default.would_enable("actix_server::builder", &Level::INFO));
        assert!(default.would_enable("actix_server::builder", &Level::WARN));

        let debug = parse_filter(", debug,").unwrap();
        assert!(debug.would_enable("awc", &Level::DEBUG));
        assert!(!debug.would_enable("awc", &Level::TRACE));

        let empty = parse_filter("").unwrap();
        assert!(!empty.would_enable("ccai_emulator", &Level::ERROR));

        let span_only = parse_filter("ccai_emulator[span]=debug").unwrap();
        assert!(!span_only.would_enable("ccai_emulator::telemetry", &Level::ERROR));
        assert!(parse_filter("info,bogus[[=").is_none());
    }

    #[test]
    fn webhook_urls_lose_their_password() {
        assert_eq!(
            without_password("http://127.0.0.1:9000/"),
            "http://127.0.0.1:9000/"
        );
        assert_eq!(
            without_password("https://bot:s3cret@hooks.example/in?x=1"),
            "https://bot:***@hooks.example/in?x=1"
        );
        assert_eq!(without_password("not a url"), "not a url");
    }

    #[test]
    fn wildcard_addresses_are_shown_on_loopback() {
        let shown = reachable("0.0.0.0:8080".parse().unwrap());
        assert_eq!(shown.to_string(), "127.0.0.1:8080");
        assert_eq!(
            reachable("[::]:81".parse().unwrap()).to_string(),
            "[::1]:81"
        );
        let concrete = "10.1.2.3:80".parse().unwrap();
        assert_eq!(reachable(concrete), concrete);
    }
}
