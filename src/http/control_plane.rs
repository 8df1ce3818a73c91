//! The control plane under `/__admin` (SPEC B4): health, reset, per-tenant webhook
//! configuration, the delivery journal, the chat record and its three views, the human
//! agent's actions, tenant snapshots, the fixtures (scripted task virtual agents, the agent
//! script, reload status), queues and escalations, the request journal, live events (SSE) and the OpenAPI
//! document. Lists and chat queries can be long-polled ([`waiting`]). It is never part of
//! the emulated API (nor rate limited); when an admin token is configured every call needs
//! `Authorization: Bearer <token>`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::web;

use crate::features::chats::admin_routes as chats;
use crate::features::console::{live, page as console};
use crate::features::escalations::admin_routes as queues;
use crate::features::fixtures::{
    contact_center_routes as contact_center, vta_routes as task_virtual_agents,
};
use crate::features::health::{limits_routes as limits, routes as health};
use crate::features::media::admin_routes as media;
use crate::features::requests::admin_routes as requests;
use crate::features::snapshots::admin_routes as snapshots;
use crate::features::webhooks::{admin_routes as webhooks, choice_routes as fidelity};

use crate::core::state::constant_time_eq;
use crate::core::wire::ADMIN_PREFIX;
use crate::http::error::ApiError;
use crate::http::route_table::{delete, get, post, put, RouteTable};
use crate::http::HttpSettings;

/// The control plane's routes. A route added here must also be described in
/// `crate::http::openapi` (the `openapi` test fails until it is).
pub fn routes() -> RouteTable {
    RouteTable::new(ADMIN_PREFIX)
        .at("/health", [get(health::health)])
        .at("/console", [get(console::page)])
        .at("/console/favicon.svg", [get(console::icon)])
        .at("/tenants", [get(console::tenants)])
        .at("/reset", [post(health::reset)])
        .at("/openapi.json", [get(health::openapi)])
        .at("/requests", [get(requests::list), delete(requests::reset)])
        .at("/events", [get(live::stream_events)])
        .at(
            "/tenants/{tenant}/webhook",
            [
                put(webhooks::set_target),
                get(webhooks::get_target),
                delete(webhooks::remove_target),
            ],
        )
        .at("/tenants/{tenant}/webhook/rotate", [post(webhooks::rotate)])
        .at(
            "/tenants/{tenant}/webhook/faults",
            [
                put(webhooks::set_faults),
                get(webhooks::get_faults),
                delete(webhooks::clear_faults),
            ],
        )
        .at(
            "/tenants/{tenant}/webhook/events",
            [
                put(fidelity::set_events),
                get(fidelity::get_events),
                delete(fidelity::clear_events),
            ],
        )
        .at(
            "/tenants/{tenant}/chat_created_order",
            [
                put(fidelity::set_order),
                get(fidelity::get_order),
                delete(fidelity::clear_order),
            ],
        )
        .at(
            "/tenants/{tenant}/after_hours",
            [
                put(fidelity::set_after_hours),
                get(fidelity::get_after_hours),
                delete(fidelity::clear_after_hours),
            ],
        )
        .at("/webhooks/stats", [get(webhooks::stats)])
        .at(
            "/tenants/{tenant}/snapshot",
            [get(snapshots::export), put(snapshots::load)],
        )
        .at("/webhooks/events", [get(webhooks::catalog)])
        .at("/webhooks/deliveries", [get(webhooks::deliveries)])
        .at("/webhooks/deliveries/{id}", [get(webhooks::delivery)])
        .at(
            "/webhooks/deliveries/{id}/redeliver",
            [post(webhooks::redeliver)],
        )
        .at("/chats/{chat_id}", [get(chats::record)])
        .at("/chats/{chat_id}/transcript", [get(chats::transcript)])
        .at("/chats/{chat_id}/agent/messages", [post(chats::agent_says)])
        .at(
            "/chats/{chat_id}/agent/transfer",
            [post(chats::agent_transfers)],
        )
        .at("/chats/{chat_id}/agent/end", [post(chats::agent_ends)])
        .at("/chats/{chat_id}/dismiss", [post(chats::dismiss)])
        .at(
            "/chats/{chat_id}/agent/attachments",
            [post(media::agent_attaches)],
        )
        .at("/media", [get(media::usage)])
        .at("/media/{media_id}", [get(media::file)])
        .at("/task_virtual_agents", [get(task_virtual_agents::list)])
        .at(
            "/task_virtual_agents/{key}",
            [get(task_virtual_agents::get), put(task_virtual_agents::put)],
        )
        .at(
            "/contact_center",
            [get(contact_center::get), put(contact_center::put)],
        )
        .at("/fixtures", [get(contact_center::fixture_status)])
        .at("/limits", [get(limits::list)])
        .at("/tenants/{tenant}/queues", [get(queues::list)])
        .at(
            "/tenants/{tenant}/queues/{queue_id}",
            [put(queues::set_availability)],
        )
        .at("/escalations", [get(queues::escalations)])
}

/// Registers the control plane.
pub fn configure(config: &mut web::ServiceConfig) {
    config.route("/", web::get().to(console::root));
    config.route("/favicon.ico", web::get().to(console::icon));
    config.service(routes().into_scope().wrap(from_fn(require_admin_token)));
}

async fn require_admin_token(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let expected = request
        .app_data::<web::Data<HttpSettings>>()
        .and_then(|settings| settings.admin_token.clone());
    // The console page and its icon hold no data; the page asks for the token itself.
    let console_page = matches!(request.path(), "/__admin/console" | console::ICON_PATH);
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
