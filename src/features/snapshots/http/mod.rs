//! Tenant snapshots on the control plane.

pub mod admin;

use crate::http::route_table::RouteTable;

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    admin::routes(table)
}
