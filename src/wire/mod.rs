//! The emulator's wire vocabulary shared by the server, the in-process client and the
//! OpenAPI document: where the two HTTP surfaces live.

/// The base path of the emulated Apps API.
pub const APPS_API_BASE: &str = "/apps/api/v1";

/// The control plane's reserved prefix.
pub const ADMIN_PREFIX: &str = "/__admin";
