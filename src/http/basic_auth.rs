//! Authentication of the Apps API. HTTP Basic, as the platform's "Apps API" page says: the
//! username is the tenant's subdomain, the password its API token. And
//! `Authorization: Bearer <token>`, which the samples of the page "Mid-Session
//! authentication by API" send (the page does not say what the token is; the emulator
//! takes it to be the same API token). A bearer token carries no subdomain, so the tenant
//! comes from elsewhere: in `strict` mode from the token itself (the one configured tenant
//! whose token it is; the Host's first label first, when that names a configured tenant),
//! in `open` mode from the Host header's first label (`acme.localhost:8080` is `acme`).
//! Without one the answer is a 401 saying how to name the tenant. The credentials are read
//! here; whether they are admitted is the state's [`crate::core::state::AuthPolicy`].
//! Authenticating never creates a tenant (the first end-user upsert does, within
//! `--max-tenants`); in open mode a subdomain longer than `--max-subdomain-length` (63,
//! one DNS label) is refused with 400.

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::error::{limit_reached, ApiError};
use crate::core::limits::Limit;
use crate::core::state::{AppState, BearerTenant, Tenant};

/// The tenant a request is authenticated as: for a subdomain not seen before, an empty
/// tenant that is not registered (reads find nothing; the end-user upsert registers it).
pub struct AuthenticatedTenant(pub Arc<Tenant>);

impl FromRequest for AuthenticatedTenant {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(request))
    }
}

/// What the `Authorization` header carries.
enum Credentials {
    Basic { subdomain: String, token: String },
    Bearer { token: String },
}

fn authenticate(request: &HttpRequest) -> Result<AuthenticatedTenant, ApiError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered");
    let known = request.extensions_mut().remove::<KnownCredentials>();
    let credentials = match known {
        Some(KnownCredentials(credentials)) => credentials,
        None => credentials(request.headers())?,
    };
    let (subdomain, token) = match credentials {
        Credentials::Basic { subdomain, token } => (subdomain, token),
        Credentials::Bearer { token } => (bearer_tenant(state, request, &token)?, token),
    };
    let longest = state.limits().max_subdomain_length;
    let length = subdomain.chars().count();
    if state.auth_is_open() && length > longest {
        return Err(limit_reached(
            StatusCode::BAD_REQUEST,
            &format!(
                "The subdomain (Basic auth username, or the Host's first label with a bearer token) is {length} characters long; at most {longest} are accepted (one DNS label)"
            ),
            Limit::SubdomainLength,
        ));
    }
    state
        .authenticate(&subdomain, &token)
        .map(AuthenticatedTenant)
        .ok_or_else(|| ApiError::Unauthorized("Invalid subdomain or API token".to_owned()))
}

/// The tenant a bearer token stands for, or the 401 that says how to name one.
fn bearer_tenant(state: &AppState, request: &HttpRequest, token: &str) -> Result<String, ApiError> {
    match state.bearer_tenant(token, host_subdomain(request).as_deref()) {
        BearerTenant::Tenant(name) => Ok(name),
        BearerTenant::Unknown => Err(ApiError::Unauthorized(
            "Invalid API token".to_owned(),
        )),
        BearerTenant::Shared => Err(ApiError::Unauthorized(
            "This API token belongs to several tenants: name the tenant with Basic auth (username = subdomain, password = token) or a Host header whose first label is the subdomain (e.g. acme.localhost)"
                .to_owned(),
        )),
        BearerTenant::NoSubdomain => Err(ApiError::Unauthorized(
            "A bearer token does not name its tenant in --auth open mode: send Basic auth (username = subdomain, password = token), or a Host header whose first label is the subdomain (e.g. acme.localhost:8080)"
                .to_owned(),
        )),
    }
}

/// The tenant a request names, whether or not its credentials are valid: the Basic
/// username, or the tenant a bearer token stands for. The request journal and the rate
/// limit key on it.
pub fn claimed_tenant(request: &HttpRequest) -> Option<String> {
    claimed_by(request, &credentials(request.headers()).ok()?)
}

/// [`claimed_tenant`] of a request, which also keeps the credentials it read with the
/// request, so that [`AuthenticatedTenant`] does not decode them again (the request journal
/// reads them first on every Apps API request).
pub fn claimed_tenant_kept(request: &ServiceRequest) -> Option<String> {
    let credentials = credentials(request.headers()).ok()?;
    let name = claimed_by(request.request(), &credentials);
    request
        .extensions_mut()
        .insert(KnownCredentials(credentials));
    name
}

/// Credentials already read from a request's `Authorization` header, kept with it.
struct KnownCredentials(Credentials);

fn claimed_by(request: &HttpRequest, credentials: &Credentials) -> Option<String> {
    match credentials {
        Credentials::Basic { subdomain, .. } => Some(subdomain.clone()),
        Credentials::Bearer { token } => {
            let state = request.app_data::<web::Data<AppState>>()?;
            match state.bearer_tenant(token, host_subdomain(request).as_deref()) {
                BearerTenant::Tenant(name) => Some(name),
                _ => None,
            }
        }
    }
}

/// The Host's first label when the host is a name of at least two labels (`acme` of
/// `acme.localhost:8080` or `acme.uc1.ccaiplatform.com`); `None` for an IP address or a
/// single label such as `localhost`.
fn host_subdomain(request: &HttpRequest) -> Option<String> {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| request.uri().host())?;
    subdomain_of_host(host)
}

fn subdomain_of_host(host: &str) -> Option<String> {
    if host.starts_with('[') {
        return None; // an IPv6 literal
    }
    let name = host.rsplit_once(':').map_or(host, |(name, _port)| name);
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return None;
    }
    let (first, rest) = name.split_once('.')?;
    let label = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    (label(first) && !rest.is_empty()).then(|| first.to_owned())
}

fn credentials(headers: &HeaderMap) -> Result<Credentials, ApiError> {
    let missing = || {
        ApiError::Unauthorized(
            "Missing or malformed Authorization header (HTTP Basic auth, or Bearer with the API token, expected)".to_owned(),
        )
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(missing)?;
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(encoded.trim()).map_err(|_| missing())?;
        let decoded = String::from_utf8(decoded).map_err(|_| missing())?;
        let (subdomain, token) = decoded.split_once(':').ok_or_else(missing)?;
        if subdomain.is_empty() || token.is_empty() {
            return Err(missing());
        }
        return Ok(Credentials::Basic {
            subdomain: subdomain.to_owned(),
            token: token.to_owned(),
        });
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        let token = encoded.trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(missing());
        }
        return Ok(Credentials::Bearer {
            token: token.to_owned(),
        });
    }
    Err(missing())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hosts_first_label_is_the_subdomain_of_a_name_not_of_an_address() {
        assert_eq!(
            subdomain_of_host("acme.localhost:8080").as_deref(),
            Some("acme")
        );
        assert_eq!(
            subdomain_of_host("acme.uc1.ccaiplatform.com").as_deref(),
            Some("acme")
        );
        assert_eq!(subdomain_of_host("localhost:8080"), None);
        assert_eq!(subdomain_of_host("127.0.0.1:8080"), None);
        assert_eq!(subdomain_of_host("[::1]:8080"), None);
        assert_eq!(subdomain_of_host(".localhost"), None);
    }
}
