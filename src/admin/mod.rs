//! The control plane under `/__admin` (SPEC B4): health, reset, per-tenant webhook
//! configuration, the delivery journal, the chat record and its three views, the human
//! agent's actions, the scripted task virtual agents, the request journal, and live events
//! (SSE). Lists and chat queries can be long-polled ([`waiting`]). It is never part of the
//! emulated API (nor rate limited); when an admin token is configured every call needs
//! `Authorization: Bearer <token>`.

mod chats;
pub mod live;
mod requests;
mod system;
pub mod waiting;
mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, Resource};

use crate::api::error::{method_not_allowed, route_not_found, ApiError};
use crate::startup::AppState;

/// The reserved prefix.
pub const PREFIX: &str = "/__admin";

fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// Registers the control plane.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::scope(PREFIX)
            .wrap(from_fn(require_admin_token))
            .service(resource("/health").route(web::get().to(system::health)))
            .service(resource("/reset").route(web::post().to(system::reset)))
            .service(
                resource("/requests")
                    .route(web::get().to(requests::list))
                    .route(web::delete().to(requests::reset)),
            )
            .service(resource("/events").route(web::get().to(live::stream_events)))
            .service(
                resource("/tenants/{tenant}/webhook")
                    .route(web::put().to(webhooks::set_target))
                    .route(web::get().to(webhooks::get_target))
                    .route(web::delete().to(webhooks::remove_target)),
            )
            .service(
                resource("/tenants/{tenant}/webhook/rotate")
                    .route(web::post().to(webhooks::rotate)),
            )
            .service(
                resource("/tenants/{tenant}/webhook/faults")
                    .route(web::put().to(webhooks::set_faults))
                    .route(web::get().to(webhooks::get_faults))
                    .route(web::delete().to(webhooks::clear_faults)),
            )
            .service(resource("/webhooks/stats").route(web::get().to(webhooks::stats)))
            .service(resource("/webhooks/events").route(web::get().to(webhooks::catalog)))
            .service(resource("/webhooks/deliveries").route(web::get().to(webhooks::deliveries)))
            .service(resource("/webhooks/deliveries/{id}").route(web::get().to(webhooks::delivery)))
            .service(
                resource("/webhooks/deliveries/{id}/redeliver")
                    .route(web::post().to(webhooks::redeliver)),
            )
            .service(resource("/chats/{chat_id}").route(web::get().to(chats::record)))
            .service(
                resource("/chats/{chat_id}/transcript").route(web::get().to(chats::transcript)),
            )
            .service(
                resource("/chats/{chat_id}/agent/messages")
                    .route(web::post().to(chats::agent_says)),
            )
            .service(
                resource("/chats/{chat_id}/agent/transfer")
                    .route(web::post().to(chats::agent_transfers)),
            )
            .service(
                resource("/chats/{chat_id}/agent/end").route(web::post().to(chats::agent_ends)),
            )
            .service(
                resource("/task_virtual_agents")
                    .route(web::get().to(system::list_task_virtual_agents)),
            )
            .service(
                resource("/task_virtual_agents/{key}")
                    .route(web::get().to(system::get_task_virtual_agent))
                    .route(web::put().to(system::put_task_virtual_agent)),
            )
            .default_service(web::to(route_not_found)),
    );
}

async fn require_admin_token(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let expected = request
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.admin_token.clone());
    if let Some(expected) = expected {
        let given = request
            .headers()
            .get("Authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        if given != Some(expected.as_str()) {
            return Err(ApiError::Unauthorized(
                "The control plane needs Authorization: Bearer <admin token>".into(),
            )
            .into());
        }
    }
    next.call(request).await
}
