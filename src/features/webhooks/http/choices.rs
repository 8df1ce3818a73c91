//! Per-tenant choices where the emulator can differ from the platform: which webhook
//! events the tenant receives (`/tenants/{sub}/webhook/events`; by default only the
//! documented ones), when `chat_created` goes out relative to the `POST /chats` answer
//! (`/tenants/{sub}/chat_created_order`). `DELETE` goes back to the process default (the
//! flags).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::features::webhooks::creation_order::ChatCreatedOrder;
use crate::features::webhooks::event_selection::{EventSelection, EventSelectionDto};
use crate::features::webhooks::WebhookSettings;
use crate::http::error::ApiError;
use crate::http::route_table::{delete, get, put, RouteTable};

/// The tenant's event selection and `chat_created` order on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .at(
            "/tenants/{tenant}/webhook/events",
            [put(set_events), get(get_events), delete(clear_events)],
        )
        .at(
            "/tenants/{tenant}/chat_created_order",
            [put(set_order), get(get_order), delete(clear_order)],
        )
}

pub async fn get_events(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> HttpResponse {
    HttpResponse::Ok().json(state.tenant_event_selection(&tenant))
}

#[derive(Debug, Deserialize)]
pub struct EventsBody {
    events: EventSelectionDto,
}

pub async fn set_events(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
    body: web::Json<EventsBody>,
) -> Result<HttpResponse, ApiError> {
    let selection =
        EventSelection::try_from(body.into_inner().events).map_err(ApiError::BadRequest)?;
    state.set_event_selection(&tenant, selection);
    Ok(HttpResponse::Ok().json(state.tenant_event_selection(&tenant)))
}

pub async fn clear_events(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !state.clear_event_selection(&tenant) {
        return Err(ApiError::NotFound(
            "This tenant has no event selection of its own".into(),
        ));
    }
    Ok(HttpResponse::NoContent().finish())
}

pub async fn get_order(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> HttpResponse {
    HttpResponse::Ok().json(state.tenant_chat_created_order(&tenant))
}

#[derive(Debug, Deserialize)]
pub struct OrderBody {
    order: String,
}

pub async fn set_order(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
    body: web::Json<OrderBody>,
) -> Result<HttpResponse, ApiError> {
    let order: ChatCreatedOrder = serde_json::from_value(json!(body.order)).map_err(|_| {
        ApiError::BadRequest(format!(
            "order {:?} must be after_response, before_response or random",
            body.order
        ))
    })?;
    state.set_chat_created_order(&tenant, order);
    Ok(HttpResponse::Ok().json(state.tenant_chat_created_order(&tenant)))
}

pub async fn clear_order(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !state.clear_chat_created_order(&tenant) {
        return Err(ApiError::NotFound(
            "This tenant has no chat_created order of its own".into(),
        ));
    }
    Ok(HttpResponse::NoContent().finish())
}
