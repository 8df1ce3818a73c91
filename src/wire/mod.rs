//! The emulator's wire shapes, shared by the handlers, the webhook catalog, the in-process
//! client and the OpenAPI document (each struct named like its schema; a test checks they
//! agree): what the Apps API answers ([`apps`]), what the control plane answers about
//! chats ([`admin`]), the webhook events ([`events`]), and where the two HTTP surfaces live.

pub mod admin;
pub mod apps;
pub mod events;

/// The base path of the emulated Apps API.
pub const APPS_API_BASE: &str = "/apps/api/v1";

/// The control plane's reserved prefix.
pub const ADMIN_PREFIX: &str = "/__admin";
