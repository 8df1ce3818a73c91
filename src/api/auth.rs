//! HTTP Basic auth for the Apps API (SPEC B1): the username is the tenant's subdomain, the
//! password its API token. In `open` mode any non-empty pair is accepted and the tenant is
//! created on first use, so parallel tests isolate themselves by choosing a subdomain; in
//! `strict` mode only the configured pairs are. Tokens are compared in constant time
//! (`subtle`). Authenticating never creates a tenant: a tenant unknown so far is served as
//! an empty, unregistered one, and only a use case that stores something (the end-user
//! upsert) registers it, within `--max-tenants`; open mode also refuses subdomains longer
//! than `--max-subdomain-length` (63, as one DNS label).

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::error::ApiError;
use crate::limits::limit_reached;
use crate::startup::AppState;
use crate::store::Tenant;

/// Who may use the Apps API.
#[derive(Debug, Clone)]
pub enum AuthPolicy {
    Open,
    /// Subdomain to token.
    Strict(HashMap<String, String>),
}

impl AuthPolicy {
    fn admits(&self, subdomain: &str, token: &str) -> bool {
        match self {
            AuthPolicy::Open => !subdomain.is_empty() && !token.is_empty(),
            AuthPolicy::Strict(tokens) => tokens
                .get(subdomain)
                .is_some_and(|expected| constant_time_eq(expected, token)),
        }
    }
}

/// Compares two secrets without leaking where they differ through timing.
pub fn constant_time_eq(expected: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// The tenant a request is authenticated as. For a subdomain not seen before it is an
/// empty tenant that is not registered: reads find nothing, and a use case that stores
/// something registers it first with [`crate::store::Store::admit_tenant`].
pub struct AuthenticatedTenant(pub Arc<Tenant>);

impl FromRequest for AuthenticatedTenant {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(request))
    }
}

fn authenticate(request: &HttpRequest) -> Result<AuthenticatedTenant, ApiError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered");
    let (subdomain, token) = credentials(request.headers())?;
    let longest = state.limits.max_subdomain_length;
    if matches!(state.auth, AuthPolicy::Open) && subdomain.chars().count() > longest {
        return Err(limit_reached(
            StatusCode::BAD_REQUEST,
            &format!(
                "The subdomain (Basic auth username) is {} characters long; at most {longest} are accepted (one DNS label)",
                subdomain.chars().count()
            ),
            "--max-subdomain-length",
        ));
    }
    if !state.auth.admits(&subdomain, &token) {
        return Err(ApiError::Unauthorized(
            "Invalid subdomain or API token".to_owned(),
        ));
    }
    let tenant = state
        .store
        .existing_tenant(&subdomain)
        .unwrap_or_else(|| Arc::new(Tenant::new(&subdomain)));
    Ok(AuthenticatedTenant(tenant))
}

/// The tenant a request names in its Basic credentials, whether or not they are valid:
/// the request journal and the rate limit key on it.
pub fn basic_username(headers: &HeaderMap) -> Option<String> {
    credentials(headers).ok().map(|(subdomain, _)| subdomain)
}

fn credentials(headers: &HeaderMap) -> Result<(String, String), ApiError> {
    let missing = || {
        ApiError::Unauthorized(
            "Missing or malformed Authorization header (HTTP Basic auth expected)".to_owned(),
        )
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(missing());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| missing())?;
    let decoded = String::from_utf8(decoded).map_err(|_| missing())?;
    let (subdomain, token) = decoded.split_once(':').ok_or_else(missing)?;
    if subdomain.is_empty() || token.is_empty() {
        return Err(missing());
    }
    Ok((subdomain.to_owned(), token.to_owned()))
}
