//! The request journal's HTTP face: the Apps API's middleware that journals every request
//! and enforces the rate limit, and the journal on the control plane.

pub mod admin;
pub mod capture;
pub mod rate_limit;

use crate::http::route_table::RouteTable;

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    admin::routes(table)
}
