//! The emulator's wire shapes, shared by the handlers, the webhook catalog, the in-process
//! client and the OpenAPI document (each struct named like its schema; a test checks they
//! agree): what the Apps API answers ([`apps`]), what the control plane answers about
//! chats ([`admin`]), queues and escalations ([`escalations`]), the webhook events
//! ([`events`]), media ([`media`]), and where the HTTP surfaces live.

pub mod apps;
pub mod escalations;

/// The base path of the emulated Apps API.
pub const APPS_API_BASE: &str = "/apps/api/v1";

/// The control plane's reserved prefix.
pub const ADMIN_PREFIX: &str = "/__admin";

/// The emulator's S3-style storage endpoint (pre-signed uploads, download links).
pub const STORAGE_PREFIX: &str = "/__storage";
