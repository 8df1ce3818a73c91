//! The HTTP client the recorder talks to a tenant with: awc over rustls (the ring
//! provider), trusting Mozilla's root certificates, so `https://SUBDOMAIN.REGION.
//! ccaiplatform.com` works from a scratch image with no system certificate store, and the
//! system's certificates too (`SSL_CERT_FILE` / `SSL_CERT_DIR` name others), for a network
//! whose proxy inspects TLS with a company CA.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// A client for plain HTTP and HTTPS, with this timeout per request, following no redirect
/// (a proxy passes them on).
/// The TLS settings, made once (reading the system's certificates takes a while).
static TLS: LazyLock<Arc<rustls::ClientConfig>> = LazyLock::new(tls);

// ring rather than aws-lc-rs: it builds for every release target with a C compiler alone;
// post-quantum key exchange (the reason ring's provider is deprecated) does not matter
// for recording a test tenant.
#[allow(deprecated)]
fn tls() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // The system's store may be missing or partly unreadable: what loads is added.
    let native = rustls_native_certs::load_native_certs();
    let (added, _ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(added, "system root certificates trusted besides Mozilla's");
    let mut tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(tls)
}

/// A client for plain HTTP and HTTPS, with this timeout per request, following no redirect
/// (a proxy passes them on).
pub fn client(timeout: Duration) -> awc::Client {
    awc::Client::builder()
        .connector(
            awc::Connector::new()
                .rustls_0_23(Arc::clone(&TLS))
                .timeout(timeout.min(Duration::from_secs(30))),
        )
        .timeout(timeout)
        .disable_redirects()
        .no_default_headers()
        .finish()
}
