//! Queues, escalations and the "after hours" switch on the control plane: read a tenant's queues with
//! their availability and waiting chats, set a queue's availability for one tenant at run
//! time (as a test does to simulate "over capacity"; a queue that becomes available gives
//! its waiting chats to the agent), change a queue's wait-time figures for one tenant
//! (what `GET /wait_times` answers), and list escalations (long-pollable like every list).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::super::Escalations;
use crate::core::domain::escalation::EscalationStatus;
use crate::core::domain::queues::Availability;
use crate::core::domain::queues::Availability as AvailabilityValue;
use crate::core::state::AppState;
use crate::core::wire::escalations::{EscalationList, QueueList, TenantQueue};
use crate::features::escalations::wire::WaitFiguresChange;
use crate::features::escalations::TenantAfterHours;
use crate::http::error::ApiError;
use crate::http::openapi::{Error400, Error404};
use crate::http::route_table::RouteTable;
use crate::http::waiting::{nothing_to_explain, respond_with_list, ListWait, Listed};

/// Queues, escalations and the after-hours switch on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(set_after_hours, __path_set_after_hours)
        .route(get_after_hours, __path_get_after_hours)
        .route(clear_after_hours, __path_clear_after_hours)
        .route(list, __path_list)
        .route(set_availability, __path_set_availability)
        .route(set_wait_time, __path_set_wait_time)
        .route(clear_wait_time, __path_clear_wait_time)
        .route(escalations, __path_escalations)
}

/// `GET /__admin/tenants/{tenant}/queues`.
#[utoipa::path(get, path = "/tenants/{tenant}/queues",
    summary = "The tenant's queues with their availability",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "Queues", body = QueueList)))]
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityBody {
    /// `available`, `over_capacity`, `after_hours`, or null for the script's default.
    #[schema(value_type = Option<AvailabilityValue>)]
    availability: Option<String>,
}

#[utoipa::path(put, path = "/tenants/{tenant}/queues/{queue_id}",
    summary = "Set a queue's availability for this tenant (null: the fixture's)",
    params(("tenant" = String, Path), ("queue_id" = String, Path)),
    request_body = inline(AvailabilityBody),
    responses(
        (status = 200, description = "The queue", body = TenantQueue),
        (status = 400, response = Error400),
    ))]
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

/// `PUT /__admin/tenants/{tenant}/queues/{queue_id}/wait_time`: changes the figures
/// `GET /wait_times` answers for this tenant (the fields given; the others stay).
#[utoipa::path(put, path = "/tenants/{tenant}/queues/{queue_id}/wait_time",
    summary = "Set a queue's wait-time figures for this tenant (the fields given)",
    params(("tenant" = String, Path), ("queue_id" = String, Path)),
    request_body = WaitFiguresChange,
    responses(
        (status = 200, description = "The queue", body = TenantQueue),
        (status = 400, response = Error400),
    ))]
pub async fn set_wait_time(
    state: web::Data<AppState>,
    escalations: web::Data<Escalations>,
    path: web::Path<(String, String)>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, queue_id) = path.into_inner();
    let change = WaitFiguresChange::from_json(&body).map_err(ApiError::BadRequest)?;
    if change.is_empty() {
        return Err(ApiError::BadRequest(
            "Nothing to change: give chat, voice_call (seconds), logged_in_agents, available_agents or breakthrough_agents".to_owned(),
        ));
    }
    let owner = state.tenant(&tenant);
    let entry = escalations
        .set_wait_figures(&owner, &queue_id, Some(change))?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(entry))
}

/// `DELETE /__admin/tenants/{tenant}/queues/{queue_id}/wait_time`: back to the fixture's.
#[utoipa::path(delete, path = "/tenants/{tenant}/queues/{queue_id}/wait_time",
    summary = "Back to the fixture's wait-time figures",
    params(("tenant" = String, Path), ("queue_id" = String, Path)),
    responses(
        (status = 204, description = "Cleared"),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
    ))]
pub async fn clear_wait_time(
    state: web::Data<AppState>,
    escalations: web::Data<Escalations>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (tenant, queue_id) = path.into_inner();
    let owner = state.tenant(&tenant);
    match escalations.set_wait_figures(&owner, &queue_id, None)? {
        Some(_) => Ok(HttpResponse::NoContent().finish()),
        None => Err(ApiError::NotFound(format!(
            "This tenant has no wait-time figures of its own for queue {queue_id:?}"
        ))),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EscalationQuery {
    /// only this tenant
    tenant: Option<String>,
    /// only this chat
    chat_id: Option<u64>,
    /// escalating, escalated, canceled, deflecting or deflected
    status: Option<String>,
    /// long-poll: answer once this many match
    min_count: Option<usize>,
    /// long-poll: wait up to this long (e.g. 5s, at most 60s)
    wait: Option<String>,
}

/// `GET /__admin/escalations` with filters `tenant`, `chat_id`, `status`.
#[utoipa::path(get, path = "/escalations",
    summary = "Every escalation (filters tenant, chat_id, status)",
    params(EscalationQuery),
    responses(
        (status = 200, description = "Escalations", body = EscalationList),
        (status = 400, response = Error400),
        (status = 408, description = "The wait ended first; what was seen so far", body = EscalationList),
        (status = 503, description = "The emulator began shutting down during the wait; what was seen so far", body = EscalationList),
    ))]
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
    respond_with_list(
        state.live_events(),
        list_wait,
        || {
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
        },
        nothing_to_explain,
    )
    .await
}

/// `GET /__admin/tenants/{tenant}/after_hours`: the tenant's "after hours" switch, which
/// `PATCH /chats/{id}/resume` obeys.
#[utoipa::path(get, path = "/tenants/{tenant}/after_hours",
    summary = "Whether the tenant is after hours",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The switch", body = TenantAfterHours)))]
pub async fn get_after_hours(
    state: web::Data<Escalations>,
    tenant: web::Path<String>,
) -> HttpResponse {
    HttpResponse::Ok().json(state.tenant_after_hours(&tenant))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AfterHoursBody {
    after_hours: bool,
    message: Option<String>,
}

#[utoipa::path(put, path = "/tenants/{tenant}/after_hours",
    summary = "Put the tenant after hours (resume answers its after-hours message) or back within hours",
    params(("tenant" = String, Path)),
    request_body = inline(AfterHoursBody),
    responses((status = 200, description = "The switch", body = TenantAfterHours)))]
pub async fn set_after_hours(
    state: web::Data<Escalations>,
    tenant: web::Path<String>,
    body: web::Json<AfterHoursBody>,
) -> HttpResponse {
    let body = body.into_inner();
    state.set_after_hours(&tenant, body.after_hours, body.message);
    HttpResponse::Ok().json(state.tenant_after_hours(&tenant))
}

#[utoipa::path(delete, path = "/tenants/{tenant}/after_hours", summary = "Back within hours",
    params(("tenant" = String, Path)),
    responses((status = 204, description = "Within hours")))]
pub async fn clear_after_hours(
    state: web::Data<Escalations>,
    tenant: web::Path<String>,
) -> HttpResponse {
    state.set_after_hours(&tenant, false, None);
    HttpResponse::NoContent().finish()
}
