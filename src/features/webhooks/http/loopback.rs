//! Refusing webhook targets that point back at the emulator itself:
//! a target such as `http://127.0.0.1:<own port>/__admin/webhooks/deliveries/<id>/redeliver`
//! would make every delivery cause another, forever. A URL is the emulator's own when its
//! port is the one the emulator listens on and its host is `localhost`, a loopback or
//! unspecified address, or the exact address it is bound to. Emulator's choice: other
//! names or interface addresses that happen to reach the same socket are not resolved
//! (the check must not wait for DNS), so they are not caught.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use awc::http::Uri;

/// The address the emulator serves on, once it is bound.
#[derive(Debug, Default)]
pub struct OwnAddress(OnceLock<SocketAddr>);

impl OwnAddress {
    /// Records the bound address (the first call wins).
    pub fn set(&self, address: SocketAddr) {
        let _ = self.0.set(address);
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
        if port == own.port() && is_this_host(host, own.ip()) {
            return Err(format!(
                "url {url:?} points at the emulator itself ({own}): its deliveries would loop back into it; use your receiver's address"
            ));
        }
        Ok(())
    }
}

fn is_this_host(host: &str, own: IpAddr) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip.is_unspecified() || ip == own,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_at_the_emulators_own_port_and_host_are_loops() {
        let own = OwnAddress::default();
        own.set("127.0.0.1:8080".parse().unwrap());
        for url in [
            "http://127.0.0.1:8080/__admin/webhooks/deliveries/x/redeliver",
            "http://localhost:8080/hook",
            "http://[::1]:8080/hook",
            "http://0.0.0.0:8080/",
            "http://127.0.0.2:8080/",
        ] {
            let error = own.refuse_loop(url).unwrap_err();
            assert!(error.contains("loop"), "{url}: {error}");
        }
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://example.test:8080/hook",
            "http://10.0.0.5:8080/hook",
        ] {
            assert!(own.refuse_loop(url).is_ok(), "{url}");
        }
    }
}
