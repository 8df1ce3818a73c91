//! HTTP Basic auth for the Apps API: the username is the tenant's subdomain, the
//! password its API token. The credentials are read here; whether they are admitted is the
//! state's [`crate::core::state::AuthPolicy`]. Authenticating never creates a tenant (the
//! first end-user upsert does, within `--max-tenants`); in open mode a subdomain longer
//! than `--max-subdomain-length` (63, one DNS label) is refused with 400.

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
use crate::core::state::{AppState, Tenant};

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

fn authenticate(request: &HttpRequest) -> Result<AuthenticatedTenant, ApiError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered");
    let known = request.extensions_mut().remove::<KnownCredentials>();
    let (subdomain, token) = match known {
        Some(KnownCredentials { subdomain, token }) => (subdomain, token),
        None => credentials(request.headers())?,
    };
    let longest = state.limits().max_subdomain_length;
    let length = subdomain.chars().count();
    if state.auth_is_open() && length > longest {
        return Err(limit_reached(
            StatusCode::BAD_REQUEST,
            &format!(
                "The subdomain (Basic auth username) is {length} characters long; at most {longest} are accepted (one DNS label)"
            ),
            Limit::SubdomainLength,
        ));
    }
    state
        .authenticate(&subdomain, &token)
        .map(AuthenticatedTenant)
        .ok_or_else(|| ApiError::Unauthorized("Invalid subdomain or API token".to_owned()))
}

/// The tenant a request names in its Basic credentials, whether or not they are valid:
/// the request journal and the rate limit key on it.
pub fn basic_username(headers: &HeaderMap) -> Option<String> {
    credentials(headers).ok().map(|(subdomain, _)| subdomain)
}

/// Credentials already read from a request's `Authorization` header, kept with the request
/// so that [`AuthenticatedTenant`] does not decode them again.
struct KnownCredentials {
    subdomain: String,
    token: String,
}

/// [`basic_username`] of a request, which also keeps the credentials with it for the
/// extractor (the request journal reads them first on every Apps API request).
pub fn basic_username_kept(request: &ServiceRequest) -> Option<String> {
    let (subdomain, token) = credentials(request.headers()).ok()?;
    let name = subdomain.clone();
    request
        .extensions_mut()
        .insert(KnownCredentials { subdomain, token });
    Some(name)
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
