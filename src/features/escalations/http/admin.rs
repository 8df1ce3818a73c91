//! Queues, escalations and the "after hours" switch on the control plane: read a tenant's queues with
//! their availability and waiting chats, set a queue's availability for one tenant at run
//! time (as a test does to simulate "over capacity"; a queue that becomes available gives
//! its waiting chats to the agent), and list escalations (long-pollable like every list).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::super::Escalations;
use crate::core::domain::escalation::EscalationStatus;
use crate::core::domain::queues::Availability;
use crate::core::state::AppState;
use crate::core::wire::escalations::{EscalationList, QueueList};
use crate::http::error::ApiError;
use crate::http::route_table::{delete, get, put, RouteTable};
use crate::http::waiting::{respond_with_list, ListWait, Listed};

/// Queues, escalations and the after-hours switch on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .at(
            "/tenants/{tenant}/after_hours",
            [
                put(set_after_hours),
                get(get_after_hours),
                delete(clear_after_hours),
            ],
        )
        .at("/tenants/{tenant}/queues", [get(list)])
        .at(
            "/tenants/{tenant}/queues/{queue_id}",
            [put(set_availability)],
        )
        .at("/escalations", [get(escalations)])
}

/// `GET /__admin/tenants/{tenant}/queues`.
pub async fn list(
    state: web::Data<AppState>,
    escalations: web::Data<Escalations>,
    tenant: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let owner = state.tenant(&tenant);
    Ok(HttpResponse::Ok().json(QueueList {
        tenant: tenant.into_inner(),
        queues: escalations.queues(&owner),
    }))
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
    escalations: web::Data<Escalations>,
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
    let entry = escalations
        .set_queue_availability(&owner, &queue_id, availability)
        .await?;
    Ok(HttpResponse::Ok().json(entry))
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
    state: web::Data<Escalations>,
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
    respond_with_list(state.live_events(), list_wait, || {
        let escalations: Vec<_> = state
            .escalations(query.tenant.as_deref())
            .into_iter()
            .filter(|entry| {
                query
                    .chat_id
                    .is_none_or(|id| id == entry.escalation.chat_id.get())
            })
            .filter(|entry| status.is_none_or(|status| status == entry.escalation.status))
            .collect();
        Ok(Listed {
            count: escalations.len(),
            body: EscalationList {
                count: escalations.len(),
                escalations,
            },
        })
    })
    .await
}

/// `GET /__admin/tenants/{tenant}/after_hours`: the tenant's "after hours" switch, which
/// `PATCH /chats/{id}/resume` obeys.
pub async fn get_after_hours(
    state: web::Data<Escalations>,
    tenant: web::Path<String>,
) -> HttpResponse {
    HttpResponse::Ok().json(state.tenant_after_hours(&tenant))
}

#[derive(Debug, Deserialize)]
pub struct AfterHoursBody {
    after_hours: bool,
    message: Option<String>,
}

pub async fn set_after_hours(
    state: web::Data<Escalations>,
    tenant: web::Path<String>,
    body: web::Json<AfterHoursBody>,
) -> HttpResponse {
    let body = body.into_inner();
    state.set_after_hours(&tenant, body.after_hours, body.message);
    HttpResponse::Ok().json(state.tenant_after_hours(&tenant))
}

pub async fn clear_after_hours(
    state: web::Data<Escalations>,
    tenant: web::Path<String>,
) -> HttpResponse {
    state.set_after_hours(&tenant, false, None);
    HttpResponse::NoContent().finish()
}
