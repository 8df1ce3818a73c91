//! The clock's HTTP face: its control-plane routes.

pub mod admin;

use crate::http::route_table::RouteTable;

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    admin::routes(table)
}
