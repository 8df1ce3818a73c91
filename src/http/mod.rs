//! The HTTP toolkit every feature's routes use: the platform's error envelope ([`error`]),
//! the access log line without secrets ([`access_log`]),
//! the recording route table ([`route_table`]), Basic-auth credentials ([`basic_auth`]), the
//! control plane's token ([`admin_token`]), long-polls ([`waiting`]), the body read timeout
//! ([`body_timeout`]), the envelope for the HTTP parser's own rejections ([`front_door`]) and
//! the OpenAPI document ([`openapi`]). It knows no feature: `crate::startup` mounts each
//! feature's routes.

pub mod access_log;
pub mod admin_token;
pub mod basic_auth;
pub mod body_timeout;
pub mod error;
pub mod front_door;
pub mod openapi;
pub mod route_table;
pub mod waiting;

/// The OpenAPI document `GET /__admin/openapi.json` serves, built once at start-up from
/// every feature's operations and kept as the JSON text it is served as.
#[derive(Debug, Clone)]
pub struct OpenApiDocument(pub bytes::Bytes);

/// HTTP settings every worker can reach (app data next to the state).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// When set, every control-plane call needs `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
    /// The largest accepted request body.
    pub max_body_bytes: usize,
}
