//! The `ccai-emulator healthcheck` subcommand: ask a running emulator whether it is
//! healthy, so container healthchecks need no curl in a distroless or `FROM scratch` image.
//!
//! The probe reads the same `--bind` / `CCAI_EMU_BIND` (and `--admin-token` /
//! `CCAI_EMU_ADMIN_TOKEN`) as the server, so a compose file that changes the port never has
//! to repeat it in the healthcheck. A wildcard bind address (`0.0.0.0`, `::`) is probed on
//! the loopback address of the same family. Healthy means `GET /__admin/health` answered
//! 200 with `{"status": "ok"}` within the timeout; anything else is a failure with a reason.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use serde_json::Value;

/// The path the probe asks.
pub const HEALTH_PATH: &str = "/__admin/health";

/// How long a probe may take unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// One health probe of a local emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthProbe {
    url: String,
    admin_token: Option<String>,
    timeout: Duration,
}

impl HealthProbe {
    /// A probe of the emulator configured to listen on `bind` (`host:port`).
    pub fn new(
        bind: &str,
        admin_token: Option<String>,
        timeout: Duration,
    ) -> Result<HealthProbe, String> {
        if timeout.is_zero() {
            return Err("the healthcheck timeout must be more than 0".into());
        }
        Ok(HealthProbe {
            url: format!("http://{}{HEALTH_PATH}", probe_address(bind)?),
            admin_token: admin_token.filter(|token| !token.is_empty()),
            timeout,
        })
    }

    /// The URL probed, e.g. `http://127.0.0.1:8080/__admin/health`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Ok when the emulator answers healthy in time; otherwise why not. Needs an actix
    /// (tokio) runtime.
    pub async fn check(&self) -> Result<(), String> {
        match tokio::time::timeout(self.timeout, self.ask()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!(
                "no answer from {} within {:?}",
                self.url, self.timeout
            )),
        }
    }

    async fn ask(&self) -> Result<(), String> {
        let client = awc::Client::builder()
            .connector(awc::Connector::new().timeout(self.timeout))
            .timeout(self.timeout)
            .finish();
        let mut request = client.get(&self.url);
        if let Some(token) = &self.admin_token {
            request = request.bearer_auth(token);
        }
        let mut response = request
            .send()
            .await
            .map_err(|error| format!("GET {}: {error}", self.url))?;
        let body = response
            .body()
            .await
            .map_err(|error| format!("GET {}: reading the answer: {error}", self.url))?;
        let status = response.status();
        let reported = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|answer| {
                answer
                    .get("status")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
        match (status.as_u16(), reported.as_deref()) {
            (200, Some("ok")) => Ok(()),
            _ => Err(format!(
                "GET {} answered {status}: {}",
                self.url,
                String::from_utf8_lossy(&body)
            )),
        }
    }
}

/// The `host:port` to probe for a bind address: wildcards become loopback, port 0 (any
/// free port) cannot be probed because the chosen port is unknown.
pub fn probe_address(bind: &str) -> Result<String, String> {
    if let Ok(address) = bind.parse::<SocketAddr>() {
        if address.port() == 0 {
            return Err(format!(
                "cannot probe {bind:?}: port 0 means any free port, so the port is unknown"
            ));
        }
        let ip = match address.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        return Ok(SocketAddr::new(ip, address.port()).to_string());
    }
    let (host, port) = bind
        .rsplit_once(':')
        .ok_or_else(|| format!("cannot probe {bind:?}: expected host:port"))?;
    match port.parse::<u16>() {
        Ok(0) => Err(format!(
            "cannot probe {bind:?}: port 0 means any free port, so the port is unknown"
        )),
        Ok(port) if host.is_empty() => Ok(format!("127.0.0.1:{port}")),
        Ok(port) => Ok(format!("{host}:{port}")),
        Err(_) => Err(format!("cannot probe {bind:?}: {port:?} is not a port")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_probed_on_loopback() {
        assert_eq!(probe_address("0.0.0.0:8080").unwrap(), "127.0.0.1:8080");
        assert_eq!(probe_address("[::]:9000").unwrap(), "[::1]:9000");
        assert_eq!(probe_address(":7000").unwrap(), "127.0.0.1:7000");
    }

    #[test]
    fn concrete_binds_are_probed_as_given() {
        assert_eq!(probe_address("127.0.0.1:8080").unwrap(), "127.0.0.1:8080");
        assert_eq!(probe_address("10.1.2.3:80").unwrap(), "10.1.2.3:80");
        assert_eq!(probe_address("[::1]:81").unwrap(), "[::1]:81");
        assert_eq!(probe_address("localhost:8080").unwrap(), "localhost:8080");
    }

    #[test]
    fn unprobeable_binds_say_why() {
        assert!(probe_address("127.0.0.1:0").unwrap_err().contains("port 0"));
        assert!(probe_address("localhost:0").unwrap_err().contains("port 0"));
        assert!(probe_address("8080").unwrap_err().contains("host:port"));
        assert!(probe_address("host:http")
            .unwrap_err()
            .contains("not a port"));
    }

    #[test]
    fn the_probe_asks_the_health_path() {
        let probe = HealthProbe::new("0.0.0.0:8080", Some(String::new()), DEFAULT_TIMEOUT).unwrap();
        assert_eq!(probe.url(), "http://127.0.0.1:8080/__admin/health");
        assert_eq!(probe.admin_token, None);
        assert!(HealthProbe::new("0.0.0.0:8080", None, Duration::ZERO).is_err());
    }
}
