//! Per-tenant webhook targets (set, read, remove, rotate secrets), the event catalog, and
//! the delivery journal with redelivery. The journal can be long-polled
//! (`min_count=` / `wait=`, see [`super::waiting`]).
//!
//! Secrets are answered as `"[redacted]"` unless the call asks with `?reveal_secrets=true`
//! (emulator's choice): a control plane reachable by others should not hand out
//! the secrets a receiver trusts, while a test that needs them can still read them back.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::core::domain::{ChatId, DeliveryId};
use crate::core::limits::Limit;
use crate::features::webhooks::catalog::EventCatalog;
use crate::features::webhooks::catalog::{EventType, EVENT_CATALOG};
use crate::features::webhooks::delivery_journal::{Delivery, DeliveryCounters};
use crate::features::webhooks::delivery_journal::{DeliveryFilter, DeliveryList, DeliveryStatus};
use crate::features::webhooks::faults::FaultInjection;
use crate::features::webhooks::WebhookError;
use crate::features::webhooks::WebhookSettings;
use crate::features::webhooks::{WebhookConfig, WebhookTarget};
use crate::http::error::{limit_reached, ApiError};
use crate::http::openapi::{Error400, Error404};
use crate::http::route_table::RouteTable;
use crate::http::waiting::{respond_with_list, ListWait, Listed};

/// The webhook targets, faults, catalog and delivery journal on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(set_target, __path_set_target)
        .route(get_target, __path_get_target)
        .route(remove_target, __path_remove_target)
        .route(rotate, __path_rotate)
        .route(set_faults, __path_set_faults)
        .route(get_faults, __path_get_faults)
        .route(clear_faults, __path_clear_faults)
        .route(stats, __path_stats)
        .route(catalog, __path_catalog)
        .route(deliveries, __path_deliveries)
        .route(delivery, __path_delivery)
        .route(redeliver, __path_redeliver)
}

// A description for the OpenAPI document: the handlers answer `{"tenant": ..., "faults":
// ...}` as a JSON map (keys sorted), which this struct would not reproduce byte for byte.
/// A tenant's injected faults.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct TenantFaults {
    tenant: String,
    faults: FaultInjection,
}

/// `?reveal_secrets=true` answers a target's secrets in clear.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// answer the secrets in clear (otherwise "[redacted]")
    reveal_secrets: Option<bool>,
}

impl RevealQuery {
    fn revealed(&self) -> bool {
        self.reveal_secrets.unwrap_or(false)
    }
}

#[utoipa::path(put, path = "/tenants/{tenant}/webhook", summary = "Set the tenant's webhook target",
    params(("tenant" = String, Path), RevealQuery),
    request_body = WebhookTarget,
    responses((status = 200, description = "The target", body = WebhookConfig)))]
pub async fn set_target(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
    target: web::Json<WebhookTarget>,
    reveal: web::Query<RevealQuery>,
) -> Result<HttpResponse, ApiError> {
    let target = target.into_inner();
    state.set_webhook_target(&tenant, target.clone())?;
    Ok(HttpResponse::Ok().json(WebhookConfig::answer(
        &tenant,
        "tenant",
        target,
        reveal.revealed(),
    )))
}

#[utoipa::path(get, path = "/tenants/{tenant}/webhook",
    summary = "The tenant's webhook target (or the default)",
    params(("tenant" = String, Path), RevealQuery),
    responses(
        (status = 200, description = "The target", body = WebhookConfig),
        (status = 404, response = Error404),
    ))]
pub async fn get_target(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
    reveal: web::Query<RevealQuery>,
) -> Result<HttpResponse, ApiError> {
    let webhook = state.webhook_target(&tenant)?;
    Ok(HttpResponse::Ok().json(WebhookConfig::answer(
        &tenant,
        webhook.source.name(),
        webhook.target,
        reveal.revealed(),
    )))
}

#[utoipa::path(delete, path = "/tenants/{tenant}/webhook", summary = "Remove the tenant's target",
    params(("tenant" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, response = Error404)))]
pub async fn remove_target(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.remove_webhook_target(&tenant)?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/tenants/{tenant}/webhook/rotate",
    summary = "The secondary secret becomes the primary",
    params(("tenant" = String, Path), RevealQuery),
    responses(
        (status = 200, description = "The target", body = WebhookConfig),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
    ))]
pub async fn rotate(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
    reveal: web::Query<RevealQuery>,
) -> Result<HttpResponse, ApiError> {
    let target = state.rotate_webhook_secret(&tenant)?;
    Ok(HttpResponse::Ok().json(WebhookConfig::answer(
        &tenant,
        "tenant",
        target,
        reveal.revealed(),
    )))
}

#[utoipa::path(get, path = "/webhooks/events", summary = "The webhook event catalog",
    responses((status = 200, description = "Events", body = EventCatalog)))]
pub async fn catalog() -> HttpResponse {
    HttpResponse::Ok().json(EVENT_CATALOG)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// only this tenant
    tenant: Option<String>,
    /// only this chat
    chat_id: Option<ChatId>,
    /// only this event type
    event_type: Option<String>,
    /// pending, retrying, delivered, failed, skipped or suppressed
    status: Option<String>,
    /// long-poll: answer once this many match
    min_count: Option<usize>,
    /// long-poll: wait up to this long (e.g. 5s, at most 60s)
    wait: Option<String>,
}

/// The filters of [`DeliveryQuery`] without the long-poll (for the counters).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct DeliveryFilterQuery {
    /// only this tenant
    tenant: Option<String>,
    /// only this chat
    chat_id: Option<ChatId>,
    /// only this event type
    event_type: Option<String>,
    /// pending, retrying, delivered, failed, skipped or suppressed
    status: Option<String>,
}

impl DeliveryQuery {
    fn into_filter(self) -> Result<DeliveryFilter, ApiError> {
        let event_type = self
            .event_type
            .map(|name| {
                EventType::from_name(&name)
                    .ok_or_else(|| ApiError::BadRequest(format!("Unknown event_type {name:?}")))
            })
            .transpose()?;
        let status = self
            .status
            .map(|name| {
                DeliveryStatus::from_name(&name).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "Unknown status {name:?} (pending, retrying, delivered, failed, skipped, suppressed)"
                    ))
                })
            })
            .transpose()?;
        Ok(DeliveryFilter {
            tenant: self.tenant,
            chat_id: self.chat_id,
            event_type,
            status,
        })
    }
}

#[utoipa::path(get, path = "/webhooks/deliveries", summary = "The delivery journal",
    params(DeliveryQuery),
    responses(
        (status = 200, description = "Deliveries", body = DeliveryList),
        (status = 400, response = Error400),
        (status = 408, description = "The wait ended first; what was seen so far", body = DeliveryList),
        (status = 503, description = "The emulator began shutting down during the wait; what was seen so far", body = DeliveryList),
    ))]
pub async fn deliveries(
    state: web::Data<WebhookSettings>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let list_wait = ListWait::from_query(query.wait.as_deref(), query.min_count)?;
    let filter = query.into_filter()?;
    respond_with_list(
        state.live_events(),
        list_wait,
        || {
            let deliveries = state.deliveries(&filter);
            Ok(Listed {
                count: deliveries.len(),
                body: DeliveryList {
                    count: deliveries.len(),
                    counters: state.delivery_counters(&filter),
                    deliveries,
                },
            })
        },
        || Ok(Some(state.explain_wait(&filter))),
    )
    .await
}

fn parse_id(id: &str) -> Result<DeliveryId, ApiError> {
    DeliveryId::parse(id)
        .ok_or_else(|| ApiError::NotFound(format!("No delivery has the id {id:?}")))
}

#[utoipa::path(get, path = "/webhooks/deliveries/{id}", summary = "One delivery with its attempts",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The delivery", body = Delivery),
        (status = 404, response = Error404),
    ))]
pub async fn delivery(
    state: web::Data<WebhookSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let delivery = state.delivery(id)?;
    Ok(HttpResponse::Ok().json(&delivery))
}

#[utoipa::path(post, path = "/webhooks/deliveries/{id}/redeliver", summary = "Send a delivery again",
    params(("id" = String, Path)),
    responses(
        (status = 202, description = "Queued again", body = Delivery),
        (status = 404, response = Error404),
    ))]
pub async fn redeliver(
    state: web::Data<WebhookSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let delivery = state.redeliver(parse_id(&id)?)?;
    Ok(HttpResponse::Accepted().json(&delivery))
}

/// Counters over the journal, with the same filters as the list.
#[utoipa::path(get, path = "/webhooks/stats", summary = "Delivery counters",
    params(DeliveryFilterQuery),
    responses(
        (status = 200, description = "Counters", body = DeliveryCounters),
        (status = 400, response = Error400),
    ))]
pub async fn stats(
    state: web::Data<WebhookSettings>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.into_inner().into_filter()?;
    Ok(HttpResponse::Ok().json(state.delivery_counters(&filter)))
}

#[utoipa::path(put, path = "/tenants/{tenant}/webhook/faults",
    summary = "Inject faults into the tenant's webhooks",
    params(("tenant" = String, Path)),
    request_body = FaultInjection,
    responses((status = 200, description = "The faults", body = TenantFaults)))]
pub async fn set_faults(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
    faults: web::Json<FaultInjection>,
) -> Result<HttpResponse, ApiError> {
    let faults = faults.into_inner();
    state.set_webhook_faults(&tenant, faults.clone())?;
    Ok(HttpResponse::Ok().json(json!({"tenant": tenant.as_str(), "faults": faults})))
}

#[utoipa::path(get, path = "/tenants/{tenant}/webhook/faults", summary = "The tenant's injected faults",
    params(("tenant" = String, Path)),
    responses(
        (status = 200, description = "The faults", body = TenantFaults),
        (status = 404, response = Error404),
    ))]
pub async fn get_faults(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let faults = state.webhook_faults(&tenant)?;
    Ok(HttpResponse::Ok().json(json!({"tenant": tenant.as_str(), "faults": faults})))
}

#[utoipa::path(delete, path = "/tenants/{tenant}/webhook/faults", summary = "Stop injecting faults",
    params(("tenant" = String, Path)),
    responses((status = 204, description = "Cleared"), (status = 404, response = Error404)))]
pub async fn clear_faults(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.clear_webhook_faults(&tenant)?;
    Ok(HttpResponse::NoContent().finish())
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> ApiError {
        match error {
            WebhookError::InvalidTarget(_)
            | WebhookError::InvalidFaults(_)
            | WebhookError::NoSecondarySecret => ApiError::BadRequest(error.to_string()),
            WebhookError::BodyGone(_) => ApiError::Conflict(error.to_string()),
            WebhookError::NoTarget | WebhookError::NoFaults | WebhookError::UnknownDelivery(_) => {
                ApiError::NotFound(error.to_string())
            }
            WebhookError::PayloadTrimmed { .. } => limit_reached(
                StatusCode::CONFLICT,
                &error.to_string(),
                Limit::DeliveryPayloadBytes,
            ),
        }
    }
}
