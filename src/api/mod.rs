//! The emulated Apps API under `/apps/api/v1` (SPEC A2): thin handlers that authenticate
//! the tenant, translate JSON to store calls and back, and answer every rejection in the
//! platform's envelope.

mod auth;
mod chats;
mod end_users;
pub mod error;
mod views;

use actix_web::middleware::from_fn;
use actix_web::{web, Resource};

pub use auth::{basic_username, AuthPolicy};
use error::{method_not_allowed, route_not_found};

/// The base path of the emulated API.
pub const BASE_PATH: &str = "/apps/api/v1";

/// A resource that answers a wrong method with 405 in the envelope.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// Registers the Apps API.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::scope(BASE_PATH)
            // The last wrap is the outermost: the journal also sees rate-limited requests.
            .wrap(from_fn(crate::rate_limit::enforce_rate_limit))
            .wrap(from_fn(crate::journal::capture::record_requests))
            .service(
                resource("/end_users")
                    .route(web::post().to(end_users::upsert))
                    .route(web::get().to(end_users::find)),
            )
            .service(resource("/chats").route(web::post().to(chats::create)))
            .service(
                resource("/chats/{chat_id}")
                    .route(web::get().to(chats::get))
                    .route(web::patch().to(chats::update)),
            )
            .service(
                resource("/chats/{chat_id}/message").route(web::post().to(chats::send_message)),
            )
            .default_service(web::to(route_not_found)),
    );
}
