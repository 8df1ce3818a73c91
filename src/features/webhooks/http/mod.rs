//! The webhooks feature's HTTP face: the outbound side (the [`dispatcher`] thread that owns
//! the HTTP client, the [`poster`] that sends and retries one delivery, and the
//! [`loopback`] guard against targets pointing back at the emulator) and the control
//! plane's targets, faults, choices and delivery journal.

pub mod admin;
pub mod choices;
pub mod dispatcher;
pub mod loopback;
pub mod poster;
mod target_url;

use crate::http::route_table::RouteTable;

/// Its control-plane routes.
pub fn control_plane(table: RouteTable) -> RouteTable {
    choices::routes(admin::routes(table))
}
