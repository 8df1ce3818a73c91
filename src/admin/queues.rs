//! Queues and escalations on the control plane (issue 9): read a tenant's queues with
//! their availability and waiting chats, set a queue's availability for one tenant at run
//! time (as a test does to simulate "over capacity"; a queue that becomes available gives
//! its waiting chats to the agent), and list escalations (long-pollable like every list).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::waiting::{respond_with_list, ListWait};
use crate::domain::escalation::EscalationStatus;
use crate::domain::queues::Availability;
use crate::http::error::ApiError;
use crate::state::escalations::TenantQueue;
use crate::state::AppState;
use crate::webhooks::catalog::escalation_json;

fn queue_json(entry: &TenantQueue) -> Value {
    let queue = &entry.queue;
    json!({
        "id": queue.id,
        "name": queue.name,
        "availability": entry.availability.name(),
        "default_availability": queue.availability.name(),
        "deflection_options": queue.deflection_options,
        "external_link_url": queue.external_link_url,
        "waiting_chats": entry.waiting_chats,
    })
}

/// `GET /__admin/tenants/{tenant}/queues`.
pub async fn list(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let owner = state.tenant(&tenant);
    let queues: Vec<Value> = state.queues(&owner).iter().map(queue_json).collect();
    Ok(HttpResponse::Ok().json(json!({"tenant": tenant.as_str(), "queues": queues})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityBody {
    /// `available`, `over_capacity`, `after_hours`, or null for the script's default.
    availability: Option<String>,
}

/// `PUT /__admin/tenants/{tenant}/queues/{queue_id}` with `{"availability": "..."}`.
pub async fn set_availability(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<AvailabilityBody>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, queue_id) = path.into_inner();
    let availability = match body.into_inner().availability {
        None => None,
        Some(name) => Some(Availability::parse(&name).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "availability {name:?} is not one of {} (or null for the default)",
                Availability::NAMES.join(", ")
            ))
        })?),
    };
    let owner = state.tenant(&tenant);
    let entry = state.set_queue_availability(&owner, &queue_id, availability)?;
    Ok(HttpResponse::Ok().json(queue_json(&entry)))
}

#[derive(Debug, Deserialize)]
pub struct EscalationQuery {
    tenant: Option<String>,
    chat_id: Option<u64>,
    status: Option<String>,
    min_count: Option<usize>,
    wait: Option<String>,
}

/// `GET /__admin/escalations` with filters `tenant`, `chat_id`, `status`.
pub async fn escalations(
    state: web::Data<AppState>,
    query: web::Query<EscalationQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let status = match query.status.as_deref() {
        None => None,
        Some(name) => Some(EscalationStatus::parse(name).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "status {name:?} is not one of {}",
                EscalationStatus::NAMES.join(", ")
            ))
        })?),
    };
    let list_wait = ListWait::from_query(query.wait.as_deref(), query.min_count)?;
    respond_with_list(&state, list_wait, || {
        let escalations: Vec<Value> = state
            .escalations(query.tenant.as_deref())
            .into_iter()
            .filter(|entry| query.chat_id.is_none_or(|id| id == entry.chat_id))
            .filter(|entry| status.is_none_or(|status| status == entry.escalation.status))
            .map(|entry| {
                let mut body = escalation_json(&entry.escalation, entry.chat_id);
                body["tenant"] = json!(entry.tenant);
                body
            })
            .collect();
        Ok(json!({"count": escalations.len(), "escalations": escalations}))
    })
    .await
}
