//! Health, reset, and the OpenAPI document.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::core::state::AppState;

pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.health())
}

#[derive(Debug, Deserialize)]
pub struct ResetQuery {
    tenant: Option<String>,
}

pub async fn reset(state: web::Data<AppState>, query: web::Query<ResetQuery>) -> HttpResponse {
    state.reset(query.tenant.as_deref());
    HttpResponse::Ok().json(json!({"reset": query.tenant.as_deref().unwrap_or("all")}))
}

/// The OpenAPI 3 document of the Apps API and the control plane.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::http::openapi::document())
}
