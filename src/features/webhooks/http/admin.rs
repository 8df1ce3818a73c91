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
use crate::features::webhooks::catalog::{EventType, EVENT_CATALOG};
use crate::features::webhooks::delivery_journal::{DeliveryFilter, DeliveryList, DeliveryStatus};
use crate::features::webhooks::faults::FaultInjection;
use crate::features::webhooks::WebhookError;
use crate::features::webhooks::WebhookSettings;
use crate::features::webhooks::{WebhookConfig, WebhookTarget};
use crate::http::error::{limit_reached, ApiError};
use crate::http::route_table::{delete, get, post, put, RouteTable};
use crate::http::waiting::{respond_with_list, ListWait, Listed};

/// The webhook targets, faults, catalog and delivery journal on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .at(
            "/tenants/{tenant}/webhook",
            [put(set_target), get(get_target), delete(remove_target)],
        )
        .at("/tenants/{tenant}/webhook/rotate", [post(rotate)])
        .at(
            "/tenants/{tenant}/webhook/faults",
            [put(set_faults), get(get_faults), delete(clear_faults)],
        )
        .at("/webhooks/stats", [get(stats)])
        .at("/webhooks/events", [get(catalog)])
        .at("/webhooks/deliveries", [get(deliveries)])
        .at("/webhooks/deliveries/{id}", [get(delivery)])
        .at("/webhooks/deliveries/{id}/redeliver", [post(redeliver)])
}

/// `?reveal_secrets=true` answers a target's secrets in clear.
#[derive(Debug, Deserialize)]
pub struct RevealQuery {
    reveal_secrets: Option<bool>,
}

impl RevealQuery {
    fn revealed(&self) -> bool {
        self.reveal_secrets.unwrap_or(false)
    }
}

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

pub async fn remove_target(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.remove_webhook_target(&tenant)?;
    Ok(HttpResponse::NoContent().finish())
}

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

pub async fn catalog() -> HttpResponse {
    HttpResponse::Ok().json(EVENT_CATALOG)
}

#[derive(Debug, Deserialize)]
pub struct DeliveryQuery {
    tenant: Option<String>,
    chat_id: Option<ChatId>,
    event_type: Option<String>,
    status: Option<String>,
    min_count: Option<usize>,
    wait: Option<String>,
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

pub async fn deliveries(
    state: web::Data<WebhookSettings>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let list_wait = ListWait::from_query(query.wait.as_deref(), query.min_count)?;
    let filter = query.into_filter()?;
    respond_with_list(state.live_events(), list_wait, || {
        let deliveries = state.deliveries(&filter);
        Ok(Listed {
            count: deliveries.len(),
            body: DeliveryList {
                count: deliveries.len(),
                counters: state.delivery_counters(&filter),
                deliveries,
            },
        })
    })
    .await
}

fn parse_id(id: &str) -> Result<DeliveryId, ApiError> {
    DeliveryId::parse(id)
        .ok_or_else(|| ApiError::NotFound(format!("No delivery has the id {id:?}")))
}

pub async fn delivery(
    state: web::Data<WebhookSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let delivery = state.delivery(id)?;
    Ok(HttpResponse::Ok().json(&delivery))
}

pub async fn redeliver(
    state: web::Data<WebhookSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let delivery = state.redeliver(parse_id(&id)?)?;
    Ok(HttpResponse::Accepted().json(&delivery))
}

/// Counters over the journal, with the same filters as the list.
pub async fn stats(
    state: web::Data<WebhookSettings>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.into_inner().into_filter()?;
    Ok(HttpResponse::Ok().json(state.delivery_counters(&filter)))
}

pub async fn set_faults(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
    faults: web::Json<FaultInjection>,
) -> Result<HttpResponse, ApiError> {
    let faults = faults.into_inner();
    state.set_webhook_faults(&tenant, faults.clone())?;
    Ok(HttpResponse::Ok().json(json!({"tenant": tenant.as_str(), "faults": faults})))
}

pub async fn get_faults(
    state: web::Data<WebhookSettings>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let faults = state.webhook_faults(&tenant)?;
    Ok(HttpResponse::Ok().json(json!({"tenant": tenant.as_str(), "faults": faults})))
}

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
