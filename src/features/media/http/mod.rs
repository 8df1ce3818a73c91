//! The media feature's HTTP face: the Apps API's upload forms, registration, listing and
//! downloads; the control plane's attachments and stored media; and the S3-style storage
//! endpoint the upload forms point at (multipart bodies read with `actix-multipart`).

pub mod admin;
pub mod apps;
pub mod multipart;
pub mod storage;

use crate::http::route_table::RouteTable;

/// Its Apps API routes.
pub fn apps_api(table: RouteTable) -> RouteTable {
    apps::routes(table)
}

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    admin::routes(table)
}
