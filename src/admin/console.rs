//! The web console for people: one self-contained page (no build step, embedded in the
//! binary) served at `/__admin/console`, plus the tenant overview it starts from. The page
//! only uses the control plane's public JSON endpoints and its live event stream.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::state::AppState;

const PAGE: &str = include_str!("../../assets/console/index.html");

pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

/// `/` is not part of the emulated API: people who open it land on the console.
pub async fn root() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/__admin/console"))
        .finish()
}

/// Every tenant with a one-line summary of each of its chats.
pub async fn tenants(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "tenants": state.tenant_overview() }))
}
