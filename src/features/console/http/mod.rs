//! The console's HTTP face: the page, its icon, the tenant overview and the live event
//! stream (Server-Sent Events).

pub mod live;
pub mod page;

use actix_web::web;

use crate::http::route_table::RouteTable;

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    live::routes(page::routes(table))
}

/// The site root, which leads to the console, and the browser's icon request.
pub fn site_root(config: &mut web::ServiceConfig) {
    config.route("/", web::get().to(page::root));
    config.route("/favicon.ico", web::get().to(page::icon));
}
