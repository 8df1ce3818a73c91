//! A tenant's whole state as a snapshot document: export it, or load one in its place.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use crate::core::state::AppState;
use crate::features::snapshots::format::Snapshot;
use crate::http::error::ApiError;

pub async fn export(state: web::Data<AppState>, tenant: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(state.export_tenant(&tenant))
}

/// Replaces the tenant's state; answers the id mapping. A refused load changes nothing.
pub async fn load(
    state: web::Data<AppState>,
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
