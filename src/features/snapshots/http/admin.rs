//! A tenant's whole state as a snapshot document: export it, or load one in its place.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::super::Snapshots;
use crate::features::snapshots::format::Snapshot;
use crate::http::error::ApiError;
use crate::http::route_table::{get, put, RouteTable};

/// Tenant snapshots on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table.at("/tenants/{tenant}/snapshot", [get(export), put(load)])
}

pub async fn export(state: web::Data<Snapshots>, tenant: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(state.export_tenant(&tenant))
}

/// Replaces the tenant's state; answers the id mapping. A refused load changes nothing.
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
