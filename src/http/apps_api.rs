//! The emulated Apps API under `/apps/api/v1` (SPEC A2): thin handlers that authenticate
//! the tenant, translate JSON to state calls and back, and answer every rejection in the
//! platform's envelope.

use actix_web::middleware::from_fn;
use actix_web::web;

use crate::features::chats::{chat_routes as chats, end_user_routes as end_users};
use crate::features::escalations::apps_routes as escalations;
use crate::features::media::apps_routes as media;

use crate::core::wire::APPS_API_BASE;
use crate::features::requests::capture::record_requests;
use crate::features::requests::rate_limit::enforce_rate_limit;
use crate::http::route_table::{get, patch, post, RouteTable};

/// The Apps API's routes.
pub fn routes() -> RouteTable {
    RouteTable::new(APPS_API_BASE)
        .at(
            "/end_users",
            [post(end_users::upsert), get(end_users::find)],
        )
        .at("/chats", [post(chats::create)])
        .at("/chats/{chat_id}", [get(chats::get), patch(chats::update)])
        .at("/chats/{chat_id}/message", [post(chats::send_message)])
        .at("/chats/{chat_id}/resume", [patch(chats::resume)])
        .at("/chats/{chat_id}/escalations", [post(escalations::create)])
        .at(
            "/chats/{chat_id}/escalations/{escalation_id}",
            [patch(escalations::update)],
        )
        .at(
            "/chats/{chat_id}/end_user",
            [post(end_users::authenticate_in_chat)],
        )
        .at(
            "/chats/{chat_id}/photos/upload",
            [post(media::photo_upload_form)],
        )
        .at(
            "/chats/{chat_id}/videos/upload",
            [post(media::video_upload_form)],
        )
        .at(
            "/chats/{chat_id}/photos",
            [post(media::register_photos), get(media::list_photos)],
        )
        .at(
            "/chats/{chat_id}/videos",
            [post(media::register_video), get(media::list_videos)],
        )
        .at("/chats/{chat_id}/media/{media_id}", [get(media::download)])
}

/// Registers the Apps API.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        routes()
            .into_scope()
            // The last wrap is the outermost: the journal also sees rate-limited requests.
            .wrap(from_fn(enforce_rate_limit))
            .wrap(from_fn(record_requests)),
    );
}
