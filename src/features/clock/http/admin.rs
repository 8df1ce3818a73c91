//! `/__admin/tenants/{tenant}/clock`: read a tenant's clock (`GET`), move it forward
//! (`POST {"advance": "11m"}`: every timer that falls due on the way fires, in order, before
//! the answer, so a test can read their effects at once or wait for them with the
//! long-polls it already uses), and set it back to real time (`DELETE`). Another tenant's
//! clock never moves with it.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use chrono::SecondsFormat;

use super::super::{ClockAdvance, TenantClockAnswer};
use crate::core::formats::parse_duration;
use crate::core::state::{AppState, Tenant};
use crate::http::error::ApiError;
use crate::http::openapi::Error400;
use crate::http::route_table::RouteTable;

/// The clock's control-plane routes.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(get_clock, __path_get_clock)
        .route(advance_clock, __path_advance_clock)
        .route(reset_clock, __path_reset_clock)
}

fn answer(tenant: &Tenant) -> TenantClockAnswer {
    let offset_ms = tenant.clock().offset_ms();
    TenantClockAnswer {
        tenant: tenant.name.clone(),
        now: tenant.now().to_rfc3339_opts(SecondsFormat::Millis, true),
        offset_ms,
        real_time: offset_ms == 0,
        pending_timers: tenant.pending_timers(),
    }
}

#[utoipa::path(get, path = "/tenants/{tenant}/clock",
    summary = "The tenant's clock: its time now and how far ahead of real time it is",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The clock", body = TenantClockAnswer)))]
pub async fn get_clock(state: web::Data<AppState>, tenant: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(answer(&state.tenant(&tenant)))
}

#[utoipa::path(post, path = "/tenants/{tenant}/clock",
    summary = "Move the tenant's clock forward; the timers that fall due fire at once, in order",
    params(("tenant" = String, Path)),
    request_body = inline(ClockAdvance),
    responses(
        (status = 200, description = "The clock, once every timer due on the way has fired", body = TenantClockAnswer),
        (status = 400, response = Error400),
    ))]
pub async fn advance_clock(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    body: web::Json<ClockAdvance>,
) -> Result<HttpResponse, ApiError> {
    let by = parse_duration(&body.advance)
        .map_err(|problem| ApiError::BadRequest(format!("advance: {problem}")))?;
    if by.is_zero() {
        return Err(ApiError::BadRequest(
            "advance must be more than 0 (the clock only moves forward; DELETE sets it back to real time)"
                .into(),
        ));
    }
    let state = state.into_inner();
    let tenant = state.tenant(&tenant);
    state.advance_clock(&tenant, by).await;
    Ok(HttpResponse::Ok().json(answer(&tenant)))
}

#[utoipa::path(delete, path = "/tenants/{tenant}/clock",
    summary = "Set the tenant's clock back to real time",
    params(("tenant" = String, Path)),
    responses((status = 204, description = "The clock reads real time again")))]
pub async fn reset_clock(state: web::Data<AppState>, tenant: web::Path<String>) -> HttpResponse {
    let tenant: Arc<Tenant> = state.tenant(&tenant);
    tenant.clock().set_offset_ms(0);
    state.settings_changed(&tenant.name);
    HttpResponse::NoContent().finish()
}
