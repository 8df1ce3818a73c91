//! Per-tenant webhook targets (set, read, remove, rotate secrets), the event catalog, and
//! the delivery journal with redelivery. The journal can be long-polled
//! (`min_count=` / `wait=`, see [`super::waiting`]).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::waiting::{respond_with_list, ListWait};
use crate::api::error::ApiError;
use crate::startup::AppState;
use crate::webhooks::catalog::{EventType, CATALOG};
use crate::webhooks::faults::FaultInjection;
use crate::webhooks::journal::{DeliveryFilter, DeliveryStatus};
use crate::webhooks::{WebhookError, WebhookTarget};

pub async fn set_target(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    target: web::Json<WebhookTarget>,
) -> Result<HttpResponse, ApiError> {
    let target = target.into_inner();
    state.store.webhooks.set_target(&tenant, target.clone())?;
    Ok(HttpResponse::Ok()
        .json(json!({"tenant": tenant.as_str(), "source": "tenant", "webhook": target})))
}

pub async fn get_target(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let webhooks = &state.store.webhooks;
    let (source, target) = match webhooks.target(&tenant) {
        Some(target) => ("tenant", target),
        None => (
            "default",
            webhooks
                .default_target()
                .cloned()
                .ok_or(WebhookError::NoTarget)?,
        ),
    };
    Ok(HttpResponse::Ok()
        .json(json!({"tenant": tenant.as_str(), "source": source, "webhook": target})))
}

pub async fn remove_target(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state
        .store
        .webhooks
        .remove_target(&tenant)
        .ok_or(WebhookError::NoTarget)?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn rotate(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let target = state.store.webhooks.rotate(&tenant)?;
    Ok(HttpResponse::Ok()
        .json(json!({"tenant": tenant.as_str(), "source": "tenant", "webhook": target})))
}

pub async fn catalog() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "events": CATALOG }))
}

#[derive(Debug, Deserialize)]
pub struct DeliveryQuery {
    tenant: Option<String>,
    chat_id: Option<u64>,
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
    state: web::Data<AppState>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let list_wait = ListWait::from_query(query.wait.as_deref(), query.min_count)?;
    let filter = query.into_filter()?;
    let webhooks = &state.store.webhooks;
    respond_with_list(&state.store.events, list_wait, || {
        let list: Vec<_> = webhooks
            .deliveries(&filter)
            .iter()
            .map(|delivery| delivery.to_json())
            .collect();
        Ok(json!({
            "count": list.len(),
            "counters": webhooks.counters(&filter),
            "deliveries": list,
        }))
    })
    .await
}

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound(format!("No delivery has the id {id:?}")))
}

pub async fn delivery(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let delivery = state
        .store
        .webhooks
        .delivery(id)
        .ok_or(WebhookError::UnknownDelivery(id))?;
    Ok(HttpResponse::Ok().json(delivery.to_json()))
}

pub async fn redeliver(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let delivery = state.store.webhooks.redeliver(parse_id(&id)?)?;
    Ok(HttpResponse::Accepted().json(delivery.to_json()))
}

/// Counters over the journal, with the same filters as the list.
pub async fn stats(
    state: web::Data<AppState>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.into_inner().into_filter()?;
    Ok(HttpResponse::Ok().json(state.store.webhooks.counters(&filter)))
}

pub async fn set_faults(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    faults: web::Json<FaultInjection>,
) -> Result<HttpResponse, ApiError> {
    let faults = faults.into_inner();
    state.store.webhooks.set_faults(&tenant, faults.clone())?;
    Ok(HttpResponse::Ok().json(json!({"tenant": tenant.as_str(), "faults": faults})))
}

pub async fn get_faults(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let faults = state
        .store
        .webhooks
        .faults(&tenant)
        .ok_or(WebhookError::NoFaults)?;
    Ok(HttpResponse::Ok().json(json!({"tenant": tenant.as_str(), "faults": faults})))
}

pub async fn clear_faults(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.store.webhooks.clear_faults(&tenant)?;
    Ok(HttpResponse::NoContent().finish())
}
