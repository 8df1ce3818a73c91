//! Health, reset, the limits report and the OpenAPI document on the control plane.

pub mod health;
pub mod limits;

use crate::http::route_table::RouteTable;

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    limits::routes(health::routes(table))
}
