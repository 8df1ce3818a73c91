//! The web console for people: one self-contained page (no build step, embedded in the
//! binary) served at `/__admin/console` with its icon, plus the tenant overview it starts
//! from. The page uses the control plane's public JSON endpoints and its live event stream,
//! and the Apps API itself when a person speaks as a chat's end user.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::features::chats::Chats;
use crate::http::route_table::RouteTable;

/// The console page, its icon and its tenant overview on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(page, __path_page)
        .route(icon, __path_icon)
        .route(tenants, __path_tenants)
}

const PAGE: &str = include_str!("../../../../assets/console/index.html");
const ICON: &str = include_str!("../../../../assets/console/favicon.svg");

/// The console's icon path; like the page, it is open even with an admin token.
pub const ICON_PATH: &str = crate::http::admin_token::CONSOLE_ICON;

#[utoipa::path(get, path = "/console", summary = "The web console (HTML)",
    responses((status = 200, description = "The page")))]
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

/// The console's icon (SVG), also answered at `/favicon.ico`, where browsers look for one.
#[utoipa::path(get, path = "/console/favicon.svg",
    summary = "The web console's icon (SVG; also at /favicon.ico)",
    responses((status = 200, description = "The icon")))]
pub async fn icon() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header((header::CACHE_CONTROL, "max-age=86400"))
        .body(ICON)
}

/// `/` is not part of the emulated API: people who open it land on the console.
pub async fn root() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/__admin/console"))
        .finish()
}

/// Every tenant with a one-line summary of each of its chats.
#[utoipa::path(get, path = "/tenants", summary = "Every tenant with a summary of its chats",
    responses((status = 200, description = "Tenants", body = Object)))]
pub async fn tenants(state: web::Data<Chats>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "tenants": state.tenant_overview() }))
}
