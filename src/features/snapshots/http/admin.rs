//! A tenant's whole state as a snapshot document: export it, or load one in its place.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::super::Snapshots;
use crate::features::snapshots::format::{LoadReport, Snapshot};
use crate::http::error::ApiError;
use crate::http::route_table::RouteTable;

/// Tenant snapshots on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table.route(export, __path_export).route(load, __path_load)
}

#[utoipa::path(get, path = "/tenants/{tenant}/snapshot", summary = "Export the tenant's whole state",
    params(("tenant" = String, Path)),
    responses((status = 200, description = "The snapshot", body = Snapshot)))]
pub async fn export(state: web::Data<Snapshots>, tenant: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(state.export_tenant(&tenant))
}

/// Replaces the tenant's state; answers the id mapping. A refused load changes nothing.
#[utoipa::path(put, path = "/tenants/{tenant}/snapshot",
    summary = "Replace the tenant's state with a snapshot",
    params(("tenant" = String, Path)),
    request_body = Snapshot,
    responses((status = 200, description = "Loaded; old ids to new", body = LoadReport)))]
pub async fn load(
    state: web::Data<Snapshots>,
    tenant: web::Path<String>,
    document: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let invalid = |error: crate::features::snapshots::format::SnapshotError| {
        ApiError::BadRequest(format!("Invalid snapshot: {error}"))
    };
    let snapshot = Snapshot::parse(document.into_inner()).map_err(invalid)?;
    let report = state
        .load_tenant_within_limits(&tenant, &snapshot)
        .map_err(invalid)?;
    Ok(HttpResponse::Ok().json(report))
}
