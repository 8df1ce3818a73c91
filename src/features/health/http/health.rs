//! Health, reset, and the OpenAPI document.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::super::Overview;
use crate::core::state::AppState;
use crate::http::route_table::{get, post, RouteTable};
use crate::http::OpenApiDocument;

/// Health, reset and the OpenAPI document on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .at("/health", [get(health)])
        .at("/reset", [post(reset)])
        .at("/openapi.json", [get(openapi)])
}

pub async fn health(overview: web::Data<Overview>) -> HttpResponse {
    HttpResponse::Ok().json(overview.health())
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
pub async fn openapi(document: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok().json(&document.0)
}
