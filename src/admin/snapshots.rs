//! A tenant's whole state as a snapshot document: export it, or load one in its place.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use crate::api::error::ApiError;
use crate::snapshot::Snapshot;
use crate::startup::AppState;

pub async fn export(state: web::Data<AppState>, tenant: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(state.store.export_tenant(&tenant))
}

/// Replaces the tenant's state; answers the id mapping. A refused load changes nothing.
pub async fn load(
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    document: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let invalid = |error: crate::snapshot::SnapshotError| {
        ApiError::BadRequest(format!("Invalid snapshot: {error}"))
    };
    let snapshot = Snapshot::parse(document.into_inner()).map_err(invalid)?;
    let report = state
        .store
        .load_tenant(&tenant, &snapshot)
        .map_err(invalid)?;
    Ok(HttpResponse::Ok().json(report))
}
