//! Health, reset, the limits report and the OpenAPI document.

pub mod limits_routes;
pub mod routes;
