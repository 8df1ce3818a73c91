//! The schemas of the webhook bodies (`crate::features::webhooks::wire`), one per body struct and
//! named like it; `WebhookEvent.body` is one of them.

use serde_json::{json, Value};

use super::builder::schema;

/// The body schemas, by name.
pub const NAMES: [&str; 8] = [
    "ChatCreated",
    "MessageReceived",
    "AgentJoined",
    "VirtualAgentJoined",
    "VirtualAgentLeft",
    "ChatEnded",
    "StatusChanged",
    "EscalationDeflected",
];

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

pub fn all() -> Vec<(String, Value)> {
    let int = json!({"type": "integer"});
    let string = json!({"type": "string"});
    let content = object(
        &["type"],
        json!({"type": {"type": "string", "enum": ["text", "photo", "video", "attachment"]},
               "content": string, "media_id": int,
               "content_type": string, "filename": string, "size": int}),
    );
    let entries = [
        (
            "ChatCreated",
            object(
                &["chat", "end_user"],
                json!({
                "chat": object(&["id", "status"], json!({"id": int, "status": string, "lang": string})),
                "end_user": object(&["id", "identifier"], json!({"id": int, "identifier": string}))}),
            ),
        ),
        (
            "MessageReceived",
            object(
                &["sender", "message"],
                json!({
                "sender": object(&["type"], json!({
                    "id": int, "status": string,
                    "type": {"type": "string", "enum": ["end_user", "agent", "task_virtual_agent", "virtual_agent", "system"]}})),
                "message": object(&["type", "message_id", "visibility"], json!({
                    "type": {"type": "string", "enum": ["text", "photo", "video", "server_message"]},
                    "message_id": int, "visibility": schema("Visibility"), "content": content})),
                "server_message": object(&["content"], json!({"content": content}))}),
            ),
        ),
        (
            "AgentJoined",
            object(&["agent"], json!({"agent": schema("Agent")})),
        ),
        (
            "EventVirtualAgent",
            object(
                &["id", "key", "name", "type", "status"],
                json!({"id": int, "key": string, "name": string,
                       "type": {"type": "string", "enum": ["task_virtual_agent"]},
                       "status": {"type": "string", "enum": ["connected", "disconnected"]}}),
            ),
        ),
        (
            "VirtualAgentJoined",
            object(
                &["virtual_agent"],
                json!({"virtual_agent": schema("EventVirtualAgent")}),
            ),
        ),
        (
            "VirtualAgentLeft",
            object(
                &["virtual_agent", "outcome", "captured"],
                json!({"virtual_agent": schema("EventVirtualAgent"),
                       "outcome": {"type": "string", "enum": ["success", "failure"]},
                       "captured": {"type": "array", "items": string,
                                    "description": "names of the captured values, never the values"}}),
            ),
        ),
        (
            "ChatEnded",
            object(
                &["status", "ended_by"],
                json!({"status": {"type": "string", "enum": ["finished"]},
                       "ended_by": {"type": "string", "enum": ["end_user", "agent"]}}),
            ),
        ),
        (
            "StatusChanged",
            object(
                &["status"],
                json!({"status": {"type": "string", "enum": ["queued", "assigned", "va_assigned", "dismissed", "va_dismissed", "finished"]}}),
            ),
        ),
    ];
    entries
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}
