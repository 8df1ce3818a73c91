//! The chats feature's HTTP face: the Apps API's end-user and chat endpoints, and the
//! control plane's chat record, views and simulated human agent.

pub mod admin;
pub mod chats;
pub mod end_users;

use crate::http::route_table::RouteTable;

/// Its Apps API routes.
pub fn apps_api(table: RouteTable) -> RouteTable {
    end_users::routes(chats::routes(table))
}

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    admin::routes(table)
}
