//! Route assembly: the Apps API, the storage endpoint and the control plane mounted on one actix `App`, with the
//! extractor error handlers that keep every rejection in the platform's envelope, and
//! [`all_endpoints`], every operation the server registers (which the OpenAPI test checks
//! the document against).

use actix_web::web;

use crate::features::media::storage_endpoint as storage;
use crate::http::error;
use crate::http::route_table::Endpoint;
use crate::http::{apps_api as api, control_plane as admin};

/// Mounts both surfaces; anything else is a 404 in the envelope.
pub fn configure(max_body_bytes: usize) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |config: &mut web::ServiceConfig| {
        config
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body_bytes)
                    .error_handler(error::json_error),
            )
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .configure(api::configure)
            .configure(storage::configure)
            .configure(admin::configure)
            .default_service(web::to(error::route_not_found));
    }
}

/// Every operation the server registers: Apps API, storage endpoint and control plane.
pub fn all_endpoints() -> Vec<Endpoint> {
    let mut endpoints = api::routes().endpoints().to_vec();
    endpoints.extend_from_slice(storage::routes().endpoints());
    endpoints.extend_from_slice(admin::routes().endpoints());
    endpoints.sort();
    endpoints
}
