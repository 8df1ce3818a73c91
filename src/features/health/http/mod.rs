//! Health, reset, the limits report and the OpenAPI document on the control plane.

pub mod health;
pub mod limits;

use crate::http::route_table::RouteTable;

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    limits::routes(health::routes(table))
}

/// `GET /__admin/limits`' answer (a description of what [`limits::list`] writes).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Limits {
    limits: Vec<Limit>,
}

/// One limit, the flag (and environment twin) that sets it, its value and its use.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Limit {
    name: String,
    flag: String,
    env: String,
    #[schema(required = true)]
    limit: Option<u64>,
    used: Option<u64>,
    when_reached: String,
}
