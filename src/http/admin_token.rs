//! The control plane's optional bearer token (`--admin-token`): when it is set, every call
//! under `/__admin` needs `Authorization: Bearer <token>`, compared in constant time, except
//! the console page and its icon, which hold no data (the page asks for the token itself).

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

/// The middleware on the control plane's scope.
pub async fn require_admin_token(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let expected = request
        .app_data::<web::Data<HttpSettings>>()
        .and_then(|settings| settings.admin_token.clone());
    // The console page and its icon hold no data; the page asks for the token itself.
    let console_page = matches!(request.path(), CONSOLE_PAGE | CONSOLE_ICON);
    if let Some(expected) = expected.filter(|_| !console_page) {
        let given = request
            .headers()
            .get("Authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        if !given.is_some_and(|given| constant_time_eq(&expected, given)) {
            return Err(ApiError::Unauthorized(
                "The control plane needs Authorization: Bearer <admin token>".into(),
            )
            .into());
        }
    }
    next.call(request).await
}
