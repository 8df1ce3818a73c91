//! The rate-limit middleware on the Apps API scope: a request over its tenant's limit is
//! answered 429 with `Retry-After` in the envelope. Requests without credentials that
//! name a tenant pass through (they get 401 from the handler).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use super::super::Requests;
use crate::http::basic_auth::claimed_tenant;
use crate::http::error::ApiError;

pub async fn enforce_rate_limit(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Without a limit (the default) the credentials are not even read.
    let state = request
        .app_data::<web::Data<Requests>>()
        .filter(|state| state.rate_limit().is_some());
    if let (Some(state), Some(tenant)) = (state, claimed_tenant(request.request())) {
        if let Err(limited) = state.admit(&tenant) {
            return Err(ApiError::TooManyRequests {
                message: format!(
                    "Too many requests: the limit is {} requests per second per tenant",
                    limited.per_second
                ),
                retry_after_seconds: limited.retry_after_seconds,
            }
            .into());
        }
    }
    next.call(request).await
}
