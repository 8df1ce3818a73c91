//! The emulated Apps API under `/apps/api/v1` (SPEC A2): thin handlers that authenticate
//! the tenant, translate JSON to store calls and back, and answer every rejection in the
//! platform's envelope.

mod auth;
mod chats;
mod end_users;
pub mod error;
pub mod mid_session;
mod views;

use actix_web::middleware::from_fn;
use actix_web::web;

pub use auth::{basic_username, AuthPolicy};

use crate::routes::{get, patch, post, RouteTable};

/// The base path of the emulated API.
pub const BASE_PATH: &str = "/apps/api/v1";

/// The Apps API's routes.
pub fn routes() -> RouteTable {
    RouteTable::new(BASE_PATH)
        .at(
            "/end_users",
            [post(end_users::upsert), get(end_users::find)],
        )
        .at("/chats", [post(chats::create)])
        .at("/chats/{chat_id}", [get(chats::get), patch(chats::update)])
        .at("/chats/{chat_id}/message", [post(chats::send_message)])
        .at("/chats/{chat_id}/resume", [patch(chats::resume)])
        .at(
            "/chats/{chat_id}/end_user",
            [post(mid_session::authenticate_in_chat)],
        )
}

/// Registers the Apps API.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        routes()
            .into_scope()
            // The last wrap is the outermost: the journal also sees rate-limited requests.
            .wrap(from_fn(crate::rate_limit::enforce_rate_limit))
            .wrap(from_fn(crate::journal::capture::record_requests)),
    );
}
