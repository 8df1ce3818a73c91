//! What both HTTP surfaces share: the platform's error envelope ([`error`]), the recording
//! route table ([`route_table`]), Basic-auth credentials ([`basic_auth`]), and the Apps
//! API's middleware: the rate limit ([`rate_limit`]) and the request journal's capture
//! ([`request_capture`]). The handlers live in `crate::http::apps_api` and `crate::http::control_plane`.

pub mod apps_api;
pub mod basic_auth;
pub mod body_timeout;
pub mod control_plane;
pub mod error;
pub mod front_door;
pub mod openapi;
pub mod route_table;
pub mod waiting;

/// HTTP settings every worker can reach (app data next to the state).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// When set, every control-plane call needs `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
    /// The largest accepted request body.
    pub max_body_bytes: usize,
}
