//! The control plane's optional bearer token (`--admin-token`): when it is set, every call
//! under `/__admin` needs `Authorization: Bearer <token>`, compared in constant time, except
//! the console page and its icon, which hold no data (the page asks for the token itself).
//! The scheme's name is matched whatever its case, and one or more spaces may follow it
//! (RFC 7235: `credentials = auth-scheme 1*SP token68`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::core::state::constant_time_eq;
use crate::http::error::ApiError;
use crate::http::HttpSettings;

/// The console page, open without the token.
pub const CONSOLE_PAGE: &str = "/__admin/console";

/// The console's icon, open without the token.
pub const CONSOLE_ICON: &str = "/__admin/console/favicon.svg";

/// The control-plane paths open without the token.
pub const OPEN_PATHS: [&str; 2] = [CONSOLE_PAGE, CONSOLE_ICON];

/// Whether `path` is open without the token.
pub fn is_open(path: &str) -> bool {
    OPEN_PATHS.contains(&path)
}

/// The token of an `Authorization: Bearer <token>` header value (scheme in any case).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The middleware on the control plane's scope.
pub async fn require_admin_token(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let expected = request
        .app_data::<web::Data<HttpSettings>>()
        .and_then(|settings| settings.admin_token.clone());
    // The console page and its icon hold no data; the page asks for the token itself.
    let open = is_open(request.path());
    if let Some(expected) = expected.filter(|_| !open) {
        let given = request
            .headers()
            .get("Authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token);
        if !given.is_some_and(|given| constant_time_eq(&expected, given)) {
            return Err(ApiError::Unauthorized(
                "The control plane needs Authorization: Bearer <admin token>".into(),
            )
            .into());
        }
    }
    next.call(request).await
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_scheme_is_matched_in_any_case_with_one_or_more_spaces() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER   abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
