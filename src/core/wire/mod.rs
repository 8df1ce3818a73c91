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

/// OpenAPI schemas of the fields the wire keeps as text but that take a fixed set of
/// values, for `#[schema(schema_with = ...)]`.
pub mod text_values {
    use utoipa::openapi::schema::Type;
    use utoipa::openapi::{Object, ObjectBuilder};

    /// A string that is one of `values`.
    pub fn one_of(values: &[&str]) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied()))
            .build()
    }

    /// A participant's status ([`super::apps::CONNECTED`], [`super::apps::DISCONNECTED`]).
    pub fn participant_status() -> Object {
        one_of(&[super::apps::CONNECTED, super::apps::DISCONNECTED])
    }

    /// The Apps API's chat `status`.
    pub fn chat_status() -> Object {
        one_of(&[
            "queued",
            "assigned",
            "va_assigned",
            "finished",
            "dismissed",
            "va_dismissed",
        ])
    }

    /// The chat record's `routing_state`.
    pub fn routing_state() -> Object {
        one_of(&[
            "queued",
            "assigned",
            "task_virtual_agent",
            "virtual_agent",
            "finished",
        ])
    }

    /// Who wrote a pre-chat entry.
    pub fn pre_chat_sender() -> Object {
        one_of(&crate::core::domain::pre_chat::SENDERS)
    }

    /// Whose setting an answer shows: the tenant's own or the process default.
    pub fn source() -> Object {
        one_of(&["tenant", "default"])
    }

    /// Why a queue deflected an escalation, or null.
    pub fn deflection_reason() -> Object {
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::String,
                Type::Null,
            ]))
            .enum_values(Some([
                serde_json::json!("over_capacity"),
                serde_json::json!("after_hours"),
                serde_json::Value::Null,
            ]))
            .build()
    }

    /// A transcript's view.
    pub fn view() -> Object {
        one_of(&["agent", "end_user", "all"])
    }

    /// `true`, the only value of a pre-chat entry's `pre_chat`.
    pub fn always_true() -> Object {
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .enum_values(Some([true]))
            .build()
    }
}
