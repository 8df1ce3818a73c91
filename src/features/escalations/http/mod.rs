//! The escalations feature's HTTP face: the Apps API's escalation endpoints and the control
//! plane's queues, escalations and after-hours switch.

pub mod admin;
pub mod apps;

use crate::http::route_table::RouteTable;

/// Its Apps API routes.
pub fn apps_api(table: RouteTable) -> RouteTable {
    apps::routes(table)
}

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    admin::routes(table)
}
