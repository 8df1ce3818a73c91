//! The recorder's HTTP face: the proxy of the Apps API ([`proxy`]), the webhook target the
//! tenant posts to ([`target`]), the replay of a cassette's requests ([`replayer`]), the
//! server that answers from cassettes ([`fixtures`]), the
//! server that answers from cassettes ([`fixtures`]) and the HTTPS client ([`client`]).

pub mod client;
pub mod fixtures;

pub mod proxy;
pub mod replayer;
pub mod target;

use actix_web::web;

/// The recorder's routes: the Apps API proxied, `GET /__record` (its status), and a
/// `POST` to any other path is a webhook.
pub fn recorder_routes(config: &mut web::ServiceConfig) {
    config
        .route("/apps/api/v1{tail:(/.*)?}", web::to(proxy::forward))
        .route("/__record", web::get().to(target::status))
        .default_service(web::to(target::webhook));
}
