//! Route assembly: every feature's routes mounted on one actix `App` (the Apps API, the
//! storage endpoint and the control plane), with the extractor error handlers that keep
//! every rejection in the platform's envelope, and [`all_endpoints`], every operation the
//! server registers (which the OpenAPI test checks the document against).

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::core::wire::{ADMIN_PREFIX, APPS_API_BASE};
use crate::features::media::http::storage;
use crate::features::requests::http::capture::record_requests;
use crate::features::requests::http::rate_limit::enforce_rate_limit;
use crate::features::{
    chats, clock, console, escalations, fixtures, health, media, requests, snapshots, webhooks,
};
use crate::http::admin_token::require_admin_token;
use crate::http::error;
use crate::http::openapi::{self, Surface};
use crate::http::route_table::{Endpoint, RouteTable};

/// The Apps API's routes, from every feature that has some.
pub fn apps_api() -> RouteTable {
    [
        chats::http::apps_api,
        escalations::http::apps_api,
        media::http::apps_api,
    ]
    .into_iter()
    .fold(
        RouteTable::new(APPS_API_BASE, Surface::APPS_API),
        |table, routes| routes(table),
    )
}

/// The control plane's routes, from every feature that has some.
pub fn control_plane() -> RouteTable {
    [
        health::http::control_plane,
        console::http::control_plane,
        requests::http::control_plane,
        webhooks::http::control_plane,
        snapshots::http::control_plane,
        chats::http::control_plane,
        media::http::control_plane,
        fixtures::http::control_plane,
        escalations::http::control_plane,
        clock::http::control_plane,
    ]
    .into_iter()
    .fold(
        RouteTable::new(ADMIN_PREFIX, Surface::CONTROL_PLANE),
        |table, routes| routes(table),
    )
}

/// Mounts every surface; anything else is a 404 in the envelope.
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
            .service(
                apps_api()
                    .into_scope()
                    // The last wrap is the outermost: the journal also sees rate-limited requests.
                    .wrap(from_fn(enforce_rate_limit))
                    .wrap(from_fn(record_requests)),
            )
            .service(storage::routes().into_scope())
            .configure(console::http::site_root)
            .service(
                control_plane()
                    .into_scope()
                    .wrap(from_fn(require_admin_token)),
            )
            .default_service(web::to(error::route_not_found));
    }
}

/// The OpenAPI document as JSON text: the operations every route table registered, with
/// the schemas they name.
pub fn openapi_document() -> String {
    let tables = [apps_api(), storage::routes(), control_plane()];
    let surfaces: Vec<_> = tables.iter().map(RouteTable::surface).collect();
    let mut described = openapi::Described::default();
    for table in &tables {
        described.extend(table.described());
    }
    serde_json::to_string(&openapi::document(described, &surfaces))
        .expect("the OpenAPI document serialises")
}

/// Every operation the server registers: Apps API, storage endpoint and control plane.
pub fn all_endpoints() -> Vec<Endpoint> {
    let mut endpoints = apps_api().endpoints().to_vec();
    endpoints.extend_from_slice(storage::routes().endpoints());
    endpoints.extend_from_slice(control_plane().endpoints());
    endpoints.sort();
    endpoints
}
