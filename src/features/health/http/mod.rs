//! Health, reset, the limits report and the OpenAPI document on the control plane.

pub mod health;
pub mod limits_report;

use crate::http::route_table::RouteTable;

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    limits_report::routes(health::routes(table))
}
