//! The escalations feature's HTTP face: the Apps API's escalation and wait-time endpoints
//! and the control plane's queues (availability, wait-time figures), escalations and
//! after-hours switch.

pub mod admin;
pub mod apps;
pub mod wait_times;

use crate::http::route_table::RouteTable;

/// Its Apps API routes.
pub fn apps_api(table: RouteTable) -> RouteTable {
    wait_times::routes(apps::routes(table))
}

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    admin::routes(table)
}
