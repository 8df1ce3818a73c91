//! Refusing webhook targets that point back at the emulator itself: a target such as
//! `http://127.0.0.1:<own port>/__admin/webhooks/deliveries/<id>/redeliver` would make
//! every delivery cause another, forever. What is compared is addresses, found the way the
//! HTTP client finds them, never spellings:
//!
//! - when a target is set ([`OwnAddress::refuse_loop`]): an IP address written as one, and
//!   a host that starts with a digit and is made of what `inet_aton` reads (`127.1`,
//!   `2130706433`, `0x7f000001`, `0177.0.0.1`, `0`), resolved by the system's resolver
//!   exactly as the client will (no DNS query is made for those); `localhost` and
//!   `*.localhost` (RFC 6761);
//! - at every attempt, whatever the host: an IP address is checked again, and a name is
//!   resolved by the client itself through [`LoopGuard`], its resolver, which refuses to
//!   connect when any address it finds is the emulator's.
//!
//! An address is the emulator's when its port is the one the emulator listens on and the
//! address, IPv4-mapped IPv6 unwrapped, is a loopback or unspecified address or the exact
//! one it is bound to. Emulator's choice: other interface addresses of the machine that
//! reach a wildcard-bound emulator are not enumerated.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, OnceLock};

use actix_tls::connect::Resolve;
use awc::http::Uri;
use futures_util::future::LocalBoxFuture;

/// The address the emulator serves on, once it is bound.
#[derive(Debug, Default)]
pub struct OwnAddress(OnceLock<SocketAddr>);

impl OwnAddress {
    /// Records the bound address (the first call wins).
    pub fn set(&self, address: SocketAddr) {
        let _ = self.0.set(address);
    }

    /// Whether a connection to `address` would reach this emulator.
    pub fn is_own(&self, address: SocketAddr) -> bool {
        let Some(own) = self.0.get() else {
            return false;
        };
        let ip = address.ip().to_canonical();
        address.port() == own.port()
            && (ip.is_loopback() || ip.is_unspecified() || ip == own.ip().to_canonical())
    }

    /// Why `url` must be refused when it points at this emulator.
    pub fn refuse_loop(&self, url: &str) -> Result<(), String> {
        let Some(own) = self.0.get() else {
            return Ok(());
        };
        let Ok(uri) = url.parse::<Uri>() else {
            return Ok(());
        };
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let host = uri.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let local_name = host.eq_ignore_ascii_case("localhost")
            || host.to_ascii_lowercase().ends_with(".localhost");
        let loops = (local_name && port == own.port())
            || addresses_without_dns(host, port)
                .into_iter()
                .any(|address| self.is_own(address));
        if loops {
            return Err(loop_message(url, *own));
        }
        Ok(())
    }
}

fn loop_message(url: &str, own: SocketAddr) -> String {
    format!(
        "url {url:?} points at the emulator itself ({own}): its deliveries would loop back into it; use your receiver's address"
    )
}

/// The addresses `host` stands for when that takes no DNS query: an IP address as Rust
/// reads it, or a numeric host as the system resolver reads it (`inet_aton`'s forms).
/// A name is left to the HTTP client's resolver ([`LoopGuard`]).
fn addresses_without_dns(host: &str, port: u16) -> Vec<SocketAddr> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return vec![SocketAddr::new(ip, port)];
    }
    let numeric = host.starts_with(|c: char| c.is_ascii_digit())
        && host
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | 'x' | 'X'));
    if !numeric {
        return Vec::new();
    }
    (host, port)
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default()
}

/// The webhook client's resolver: the system's, as awc's default, but a name that
/// resolves to the emulator itself is not connected to.
pub struct LoopGuard {
    pub own: Arc<OwnAddress>,
}

impl Resolve for LoopGuard {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<SocketAddr>, Box<dyn std::error::Error>>> {
        Box::pin(async move {
            let target = format!("{host}:{port}");
            let addresses: Vec<SocketAddr> =
                actix_rt::task::spawn_blocking(move || target.to_socket_addrs())
                    .await
                    .map_err(|error| error.to_string())??
                    .collect();
            if let (Some(own), true) = (
                self.own.0.get(),
                addresses.iter().any(|address| self.own.is_own(*address)),
            ) {
                return Err(format!(
                    "{host} resolves to the emulator itself ({own}): not connecting, the delivery would loop back into it"
                )
                .into());
            }
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_reach_the_emulators_own_port_are_loops_whatever_their_spelling() {
        let own = OwnAddress::default();
        own.set("127.0.0.1:8080".parse().unwrap());
        for url in [
            "http://127.0.0.1:8080/__admin/webhooks/deliveries/x/redeliver",
            "http://localhost:8080/hook",
            "http://LocalHost:8080/hook",
            "http://api.localhost:8080/hook",
            "http://[::1]:8080/hook",
            "http://0.0.0.0:8080/",
            "http://127.0.0.2:8080/",
            "http://127.1:8080/",
            "http://2130706433:8080/",
            "http://0x7f000001:8080/",
            "http://0177.0.0.1:8080/",
            "http://[::ffff:127.0.0.1]:8080/",
            "http://0:8080/",
        ] {
            let error = own.refuse_loop(url).unwrap_err();
            assert!(error.contains("loop"), "{url}: {error}");
        }
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://127.1:9000/hook",
            "http://example.test:8080/hook",
            "http://10.0.0.5:8080/hook",
            "http://[::ffff:10.0.0.5]:8080/hook",
        ] {
            assert!(own.refuse_loop(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn an_emulator_bound_to_one_address_also_owns_it_by_that_address() {
        let own = OwnAddress::default();
        own.set("10.1.2.3:8080".parse().unwrap());
        assert!(own.is_own("10.1.2.3:8080".parse().unwrap()));
        assert!(own.is_own("[::ffff:10.1.2.3]:8080".parse().unwrap()));
        assert!(own.is_own("127.0.0.1:8080".parse().unwrap()));
        assert!(!own.is_own("10.1.2.4:8080".parse().unwrap()));
    }

    #[actix_rt::test]
    async fn the_clients_resolver_refuses_a_name_that_resolves_to_the_emulator() {
        let own = Arc::new(OwnAddress::default());
        own.set("127.0.0.1:8080".parse().unwrap());
        let guard = LoopGuard { own };
        let error = guard.lookup("localhost", 8080).await.unwrap_err();
        assert!(error.to_string().contains("loop"), "{error}");
        assert!(!guard.lookup("localhost", 9000).await.unwrap().is_empty());
    }
}
