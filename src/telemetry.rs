//! Logging: `tracing` to stdout, human-readable or JSON lines, filtered by `RUST_LOG`
//! (default `info`, with the HTTP server's own start and stop chatter at `warn`). Colours
//! only when stdout is a terminal (and `NO_COLOR` is unset). Start-up says everything a
//! person needs in one line ([`log_listening`]); per-request lines need `--access-log`.

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,actix_server=warn";

/// Installs the global subscriber; a second call (e.g. from tests) is a no-op.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stdout);
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
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
        api = %format!("{base}{}", crate::wire::APPS_API_BASE),
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
