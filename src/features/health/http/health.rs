//! Health, reset, and the OpenAPI document.

use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::super::{Health, Overview};
use crate::core::state::AppState;
use crate::http::route_table::RouteTable;
use crate::http::OpenApiDocument;

/// Health, reset and the OpenAPI document on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(health, __path_health)
        .route(reset, __path_reset)
        .route(openapi, __path_openapi)
}

#[utoipa::path(get, path = "/health", summary = "Ready check",
    responses((status = 200, description = "Serving", body = Health)))]
pub async fn health(overview: web::Data<Overview>) -> HttpResponse {
    HttpResponse::Ok().json(overview.health())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResetQuery {
    /// only this tenant
    tenant: Option<String>,
}

#[utoipa::path(post, path = "/reset", summary = "Forget all state, or one tenant's",
    params(ResetQuery),
    responses((status = 200, description = "Reset", body = Object)))]
pub async fn reset(state: web::Data<AppState>, query: web::Query<ResetQuery>) -> HttpResponse {
    state.reset(query.tenant.as_deref());
    HttpResponse::Ok().json(json!({"reset": query.tenant.as_deref().unwrap_or("all")}))
}

/// The OpenAPI 3 document of the Apps API and the control plane.
#[utoipa::path(get, path = "/openapi.json", summary = "This document",
    responses((status = 200, description = "OpenAPI 3", body = Object)))]
pub async fn openapi(document: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(document.0.clone())
}
