//! Per-tenant choices where the emulator can differ from the platform: which webhook
//! events the tenant receives (`/tenants/{sub}/webhook/events`; by default only the
//! documented ones), when `chat_created` goes out relative to the `POST /chats` answer
//! (`/tenants/{sub}/chat_created_order`), how a text `message_received` carries its text
//! (`/tenants/{sub}/message_content_shape`). `DELETE` goes back to the process default
//! (the flags).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::features::webhooks::creation_order::ChatCreatedOrder;
use crate::features::webhooks::event_selection::{EventSelection, EventSelectionDto};
use crate::features::webhooks::WebhookSettings;
use crate::features::webhooks::{
    MessageContentShape, TenantChatCreatedOrder, TenantEventSelection, TenantMessageContentShape,
};
use crate::http::error::ApiError;
use crate::http::openapi::Error404;
use crate::http::route_table::RouteTable;

/// The tenant's event selection and `chat_created` order on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(set_events, __path_set_events)
        .route(get_events, __path_get_events)
        .route(clear_events, __path_clear_events)
        .route(set_order, __path_set_order)
        .route(get_order, __path_get_order)
        .route(clear_order, __path_clear_order)
        .route(set_shape, __path_set_shape)
        .route(get_shape, __path_get_shape)
        .route(clear_shape, __path_clear_shape)
}

#[utoipa::path(get, path = "/tenants/{tenant}/webhook/events",
    summary = "The event types the tenant's webhook receives",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The selection (source: tenant or default)", body = TenantEventSelection)))]
pub async fn get_events(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> HttpResponse {
    HttpResponse::Ok().json(state.tenant_event_selection(&tenant))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EventsBody {
    /// "documented", "all" or a list of event names
    #[schema(schema_with = selection_schema)]
    events: EventSelectionDto,
}

fn selection_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::ObjectBuilder;
    let names = ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String));
    Schema::OneOf(
        OneOfBuilder::new()
            .item(crate::core::wire::text_values::one_of(&[
                "documented",
                "all",
            ]))
            .item(names)
            .description(Some("\"documented\", \"all\" or a list of event names"))
            .build(),
    )
}

#[utoipa::path(put, path = "/tenants/{tenant}/webhook/events",
    summary = "Choose the event types the tenant's webhook receives",
    params(("tenant" = String, Path)),
    request_body = inline(EventsBody),
    responses((status = 200, description = "The selection", body = TenantEventSelection)))]
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

#[utoipa::path(delete, path = "/tenants/{tenant}/webhook/events",
    summary = "Back to the default event selection",
    params(("tenant" = String, Path)),
    responses((status = 204, description = "Cleared"), (status = 404, response = Error404)))]
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

#[utoipa::path(get, path = "/tenants/{tenant}/chat_created_order",
    summary = "The tenant's chat_created order",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The order (source: tenant or default)", body = TenantChatCreatedOrder)))]
pub async fn get_order(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> HttpResponse {
    HttpResponse::Ok().json(state.tenant_chat_created_order(&tenant))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OrderBody {
    #[schema(value_type = ChatCreatedOrder)]
    order: String,
}

#[utoipa::path(put, path = "/tenants/{tenant}/chat_created_order",
    summary = "When chat_created goes out relative to the POST /chats answer",
    params(("tenant" = String, Path)),
    request_body = inline(OrderBody),
    responses((status = 200, description = "The order", body = TenantChatCreatedOrder)))]
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

#[utoipa::path(delete, path = "/tenants/{tenant}/chat_created_order",
    summary = "Back to the default chat_created order",
    params(("tenant" = String, Path)),
    responses((status = 204, description = "Cleared"), (status = 404, response = Error404)))]
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

#[utoipa::path(get, path = "/tenants/{tenant}/message_content_shape",
    summary = "How the tenant's text message_received carries its text",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The shape (source: tenant or default)", body = TenantMessageContentShape)))]
pub async fn get_shape(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> HttpResponse {
    HttpResponse::Ok().json(state.tenant_message_content_shape(&tenant))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ShapeBody {
    #[schema(value_type = MessageContentShape)]
    shape: String,
}

#[utoipa::path(put, path = "/tenants/{tenant}/message_content_shape",
    summary = "Choose whether a text message_received carries body.message.content as a string or an object",
    params(("tenant" = String, Path)),
    request_body = inline(ShapeBody),
    responses((status = 200, description = "The shape", body = TenantMessageContentShape)))]
pub async fn set_shape(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
    body: web::Json<ShapeBody>,
) -> Result<HttpResponse, ApiError> {
    let shape = MessageContentShape::parse(&body.shape).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "shape {:?} must be {}",
            body.shape,
            MessageContentShape::NAMES.join(" or ")
        ))
    })?;
    state.set_message_content_shape(&tenant, shape);
    Ok(HttpResponse::Ok().json(state.tenant_message_content_shape(&tenant)))
}

#[utoipa::path(delete, path = "/tenants/{tenant}/message_content_shape",
    summary = "Back to the default message content shape",
    params(("tenant" = String, Path)),
    responses((status = 204, description = "Cleared"), (status = 404, response = Error404)))]
pub async fn clear_shape(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !state.clear_message_content_shape(&tenant) {
        return Err(ApiError::NotFound(
            "This tenant has no message content shape of its own".into(),
        ));
    }
    Ok(HttpResponse::NoContent().finish())
}
