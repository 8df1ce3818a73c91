//! The schemas of `components.schemas`: the objects the Apps API and the control plane
//! exchange. Objects stay open (`additionalProperties` is not restricted) because clients
//! must ignore unknown keys, as on the platform.

use serde_json::{json, Map, Value};

use super::builder::{array_of, schema};

fn object(required: &[&str], properties: Value) -> Value {
    let mut object = json!({"type": "object", "properties": properties});
    // OpenAPI 3.0 wants `required` absent rather than empty.
    if !required.is_empty() {
        object["required"] = json!(required);
    }
    object
}

fn nullable(kind: &str) -> Value {
    json!({"type": kind, "nullable": true})
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

/// A participant's status in the chat object (`crate::core::wire::apps::CONNECTED`).
fn participant_status() -> Value {
    json!({"type": "string", "enum": ["connected", "disconnected"]})
}

pub fn all() -> Map<String, Value> {
    let int = json!({"type": "integer"});
    let string = json!({"type": "string"});
    let entries = [
        ("Error", object(&["message"], json!({"message": string}))),
        (
            "Limits",
            object(
                &["limits"],
                json!({"limits": array_of(object(
                    &["name", "flag", "env", "limit", "when_reached"],
                    json!({"name": string, "flag": string, "env": string,
                           "limit": nullable("integer"), "used": nullable("integer"),
                           "when_reached": string})))}),
            ),
        ),
        (
            "EndUser",
            object(
                &["id", "identifier"],
                json!({
            "id": int, "identifier": string, "name": nullable("string"),
            "email": nullable("string"), "phone": nullable("string"), "created_at": time()}),
            ),
        ),
        (
            "EndUserInput",
            object(
                &["identifier"],
                json!({
            "identifier": string, "name": string, "email": string, "phone": string,
            "end_user": {"type": "object", "description": "the same fields, nested"}}),
            ),
        ),
        (
            "Agent",
            object(
                &["id", "name"],
                json!({
            "id": int, "name": string, "first_name": string,
            "avatar_url": nullable("string"), "status": participant_status()}),
            ),
        ),
        (
            "VirtualAgent",
            object(
                &["id", "name"],
                json!({
            "id": int, "name": string, "avatar_url": nullable("string"), "status": participant_status()}),
            ),
        ),
        (
            "Chat",
            object(
                &["id", "status"],
                json!({
            "id": int,
            "status": {"type": "string", "enum": ["queued", "assigned", "va_assigned", "finished", "dismissed", "va_dismissed"]},
            "status_text": string, "features": array_of(string.clone()),
            "created_at": time(), "ends_at": nullable("string"), "timeout_at": nullable("string"),
            "agent": {"allOf": [schema("Agent")], "nullable": true},
            "virtual_agent": {"allOf": [schema("VirtualAgent")], "nullable": true},
            "all_agents": array_of(schema("Agent")),
            "all_virtual_agents": array_of(schema("VirtualAgent")),
            "lang": string,
            "menus": array_of(object(&["id", "name"], json!({"id": int, "name": string}))),
            "end_user": object(&["id", "identifier"], json!({"id": int, "identifier": string}))}),
            ),
        ),
        (
            "ChatInput",
            object(
                &[],
                json!({
            "end_user_id": int, "menu_id": int, "lang": string,
            "context": object(&[], json!({"value": {"type": "object"}})),
            "transcript": array_of(schema("PreChatMessage")),
            "chat": {"type": "object", "description": "the same fields, nested"}}),
            ),
        ),
        (
            "ChatUpdate",
            object(
                &[],
                json!({
            "status": {"type": "string", "enum": ["finished"]}, "finished_by_user_id": int,
            "escalation_id": int,
            "deflection_channel": {"type": "string", "enum": ["email", "human_agent", "external_link", "virtual_agent"]},
            "chat": {"type": "object", "description": "the same fields, nested"}}),
            ),
        ),
        (
            "MessageInput",
            object(
                &["from_user_id", "message"],
                json!({
            "from_user_id": int,
            "message": object(&["type", "content"], json!({
                "type": {"type": "string", "enum": ["text", "photo", "video"]},
                "content": {"oneOf": [string,
                    object(&[], json!({"text": string, "media_id": int}))]}}))}),
            ),
        ),
        (
            "MessageAccepted",
            object(
                &["id", "chat_id"],
                json!({
            "id": int, "chat_id": int, "created_at": time(), "visibility": schema("Visibility")}),
            ),
        ),
        (
            "Visibility",
            json!({"type": "string", "enum": ["everyone", "task_virtual_agent", "agent"]}),
        ),
        (
            "Message",
            object(
                &["id", "at", "sender", "body", "visibility"],
                json!({
            "id": int, "at": time(),
            "sender": object(&["type"], json!({
                "type": {"type": "string", "enum": ["end_user", "agent", "task_virtual_agent", "system"]},
                "id": int, "name": string, "key": string})),
            "body": object(&["type"], json!({
                "type": {"type": "string", "enum": ["text", "photo", "video", "attachment", "notice"]},
                "text": string, "media_id": int,
                "content_type": string, "filename": string, "size": int})),
            "visibility": schema("Visibility")}),
            ),
        ),
        (
            "ChatRecord",
            object(
                &["id", "tenant", "routing_state", "messages"],
                json!({
            "id": int, "tenant": string,
            "routing_state": {"type": "string", "enum": ["queued", "assigned", "task_virtual_agent", "virtual_agent", "finished"]},
            "status": {"type": "string", "enum": ["queued", "assigned", "va_assigned", "finished", "dismissed", "va_dismissed"]},
            "dismissed_at": nullable("string"),
            "agent": {"allOf": [schema("Agent")], "nullable": true},
            "task_virtual_agent": {"type": "object", "nullable": true, "properties": {
                "key": string, "step": int, "attempts": int}},
            "end_user": schema("EndUser"), "lang": string,
            "menu": {"type": "object", "nullable": true, "properties": {"id": int, "name": string}},
            "context": {},
            "created_at": time(), "ended_at": nullable("string"),
            "all_agents": array_of(schema("Agent")),
            "all_virtual_agents": array_of(json!({"type": "object"})),
            "queue": nullable("string"),
            "escalations": array_of(schema("Escalation")),
            "pre_chat": array_of(schema("PreChatEntry")),
            "messages": array_of(schema("Message"))}),
            ),
        ),
        (
            "Transcript",
            object(
                &["chat_id", "view", "messages"],
                json!({
            "chat_id": int, "view": {"type": "string", "enum": ["agent", "end_user", "all"]},
            "pre_chat": array_of(schema("PreChatEntry")),
            "messages": array_of(schema("Message"))}),
            ),
        ),
        (
            "WebhookTarget",
            object(
                &["url", "primary_secret"],
                json!({
            "url": {"type": "string", "format": "uri"}, "primary_secret": string,
            "secondary_secret": string}),
            ),
        ),
        (
            "WebhookConfig",
            object(
                &["tenant", "source", "webhook"],
                json!({
            "tenant": string, "source": {"type": "string", "enum": ["tenant", "default"]},
            "webhook": schema("WebhookTarget"),
            "secrets_revealed": {"type": "boolean",
                "description": "false: the secrets read \"[redacted]\" (ask with ?reveal_secrets=true)"}}),
            ),
        ),
        (
            "WebhookEvent",
            object(
                &["event_type", "timestamp", "chat_id", "body"],
                json!({
            "event_type": string, "timestamp": string, "chat_id": int,
            "body": {"oneOf": super::event_schemas::NAMES.iter().map(|name| schema(name)).collect::<Vec<_>>()}}),
            ),
        ),
        (
            "DeliveryAttempt",
            object(
                &["at", "url"],
                json!({
            "at": time(), "url": string, "signature_timestamp": string,
            "status_code": nullable("integer"), "latency_ms": int,
            "error": nullable("string"), "response_body": nullable("string"),
            "retry_after_ms": int, "faults": array_of(string.clone())}),
            ),
        ),
        (
            "Delivery",
            object(
                &[
                    "id",
                    "tenant",
                    "chat_id",
                    "event_type",
                    "status",
                    "attempts",
                ],
                json!({
            "id": {"type": "string", "format": "uuid"}, "tenant": string, "chat_id": int,
            "event_type": string, "created_at": time(),
            "status": {"type": "string", "enum": ["pending", "retrying", "delivered", "failed", "skipped", "suppressed"]},
            "attempts": array_of(schema("DeliveryAttempt")),
            "payload": {"oneOf": [schema("WebhookEvent"), {"type": "string",
                "description": "a finished delivery's payload over --delivery-payload-cap: its first bytes, as text"}]},
            "payload_bytes": int, "payload_truncated": {"type": "boolean"},
            "attempts_dropped": int}),
            ),
        ),
        (
            "DeliveryCounters",
            object(
                &["deliveries", "attempts"],
                json!({
            "deliveries": int, "pending": int, "retrying": int, "delivered": int,
            "failed": int, "skipped": int, "suppressed": int, "attempts": int, "failed_attempts": int,
            "attempts_dropped": int, "payloads_trimmed": int, "evicted": int}),
            ),
        ),
        (
            "DeliveryList",
            object(
                &["count", "deliveries"],
                json!({
            "count": int, "counters": schema("DeliveryCounters"),
            "deliveries": array_of(schema("Delivery"))}),
            ),
        ),
        (
            "FaultInjection",
            object(
                &[],
                json!({
            "delay_ms": int, "delay_jitter_ms": int,
            "duplicate_probability": {"type": "number", "minimum": 0, "maximum": 1},
            "bad_signature": {"type": "boolean"}, "stale_timestamp_seconds": int,
            "primary_only": {"type": "boolean"}}),
            ),
        ),
        (
            "VtaSession",
            object(
                &["key", "step", "attempts"],
                json!({
            "key": string, "step": int, "attempts": int,
            "values": {"type": "object", "description": "captured values and lookup results"},
            "captured": array_of(object(&["name", "agent_view"], json!({
                "name": string, "agent_view": {"type": "string", "enum": ["hidden", "masked", "plain"]}})))}),
            ),
        ),
        (
            "SnapshotChat",
            object(
                &["id", "end_user_id", "created_at", "routing"],
                json!({
            "id": int, "end_user_id": int, "lang": string,
            "menu": {"type": "object", "nullable": true, "properties": {"id": int, "name": string}},
            "context": {}, "created_at": time(), "ended_at": nullable("string"),
            "routing": object(&["state"], json!({
                "state": {"type": "string", "enum": ["queued", "assigned", "task_virtual_agent", "finished"]},
                "agent": schema("Agent"), "session": schema("VtaSession"),
                "by": {"type": "string", "enum": ["end_user", "agent"]}})),
            "all_agents": array_of(schema("Agent")),
            "all_virtual_agents": array_of(json!({"type": "object"})),
            "queue": nullable("string"),
            "escalations": array_of(schema("Escalation")),
            "pre_chat": array_of(schema("PreChatEntry")),
            "messages": array_of(schema("Message"))}),
            ),
        ),
        (
            "Snapshot",
            object(
                &["format"],
                json!({
            "format": {"type": "string", "enum": [crate::features::snapshots::format::FORMAT]},
            "tenant": string, "exported_at": time(),
            "webhook": {"allOf": [schema("WebhookTarget")], "nullable": true},
            "end_users": array_of(schema("EndUser")),
            "chats": array_of(schema("SnapshotChat"))}),
            ),
        ),
        (
            "SnapshotLoaded",
            object(
                &["tenant", "end_users", "chats", "id_map"],
                json!({
            "tenant": string, "end_users": int, "chats": int,
            "id_map": object(&["chats", "end_users"], json!({
                "chats": {"type": "object", "additionalProperties": int,
                          "description": "old id (as a key) to new id"},
                "end_users": {"type": "object", "additionalProperties": int}}))}),
            ),
        ),
        (
            "ContactCenter",
            object(
                &["agent"],
                json!({
            "agent": object(&["id", "name"], json!({"id": int, "name": string,
                "first_name": nullable("string"), "avatar_url": nullable("string")})),
            "join_delay_ms": int,
            "menus": array_of(object(&["id", "name"], json!({"id": int, "name": string}))),
            "agent_script": object(&[], json!({
                "greeting": nullable("string"), "after_success": nullable("string"),
                "after_failure": nullable("string"),
                "rules": array_of(object(&["when"], json!({"when": string, "say": string,
                    "transfer_to": string, "end_chat": {"type": "boolean"}, "delay_ms": int})))})),
            "queues": array_of(json!({"type": "object", "description": "{id, name, availability, deflection_options, external_link_url}"})),
            "queue_selection": {"type": "object", "description": "{virtual_agent, ask, reask, max_attempts, rules: [{context?, message?, queue}], default_queue, texts}"}}),
            ),
        ),
        (
            "TaskVirtualAgent",
            object(
                &["id", "name", "steps", "on_success", "on_failure"],
                json!({
            "key": string, "id": int, "name": string, "avatar_url": nullable("string"),
            "description": nullable("string"), "greeting": nullable("string"),
            "steps": array_of(object(&["capture", "ask", "pattern"], json!({
                "capture": string, "ask": string, "pattern": string,
                "normalize": array_of(string.clone()), "check": nullable("string"),
                "reask": array_of(string.clone()), "max_attempts": int,
                "agent_view": string, "lookup": {"type": "object", "nullable": true},
                "confirm": nullable("string")}))),
            "on_success": string, "on_failure": string}),
            ),
        ),
        (
            "FixtureError",
            object(
                &["file", "place", "problem"],
                json!({
            "file": string, "place": string, "problem": string}),
            ),
        ),
        (
            "FixtureStatus",
            object(
                &["source", "watching", "loaded_at", "reloads", "last_error"],
                json!({
            "source": string, "watching": {"type": "boolean"}, "loaded_at": time(),
            "reloads": int,
            "last_error": {"allOf": [schema("FixtureError")], "nullable": true}}),
            ),
        ),
        (
            "EventSpec",
            object(
                &["event_type", "name", "documented", "source", "description"],
                json!({
            "event_type": string, "name": string,
            "documented": {"type": "boolean", "description": "whether the platform's public documentation describes the event"},
            "source": {"type": "string", "nullable": true, "description": "the title of the platform page that documents it (null: emulator-defined)"},
            "description": string}),
            ),
        ),
        (
            "EventCatalog",
            object(
                &["events"],
                json!({"events": array_of(schema("EventSpec"))}),
            ),
        ),
        (
            "TenantEventSelection",
            object(
                &["tenant", "source", "selection", "events"],
                json!({
            "tenant": string, "source": {"type": "string", "enum": ["tenant", "default"]},
            "selection": {"type": "string", "enum": ["documented", "all", "custom"]},
            "events": array_of(string.clone())}),
            ),
        ),
        (
            "TenantChatCreatedOrder",
            object(
                &["tenant", "source", "order"],
                json!({
            "tenant": string, "source": {"type": "string", "enum": ["tenant", "default"]},
            "order": {"type": "string", "enum": ["after_response", "before_response", "random"]}}),
            ),
        ),
        (
            "TenantAfterHours",
            object(
                &["tenant", "after_hours"],
                json!({"tenant": string, "after_hours": {"type": "boolean"}, "message": nullable("string")}),
            ),
        ),
        (
            "Health",
            object(
                &["status"],
                json!({
            "status": {"type": "string", "enum": ["ok"]}, "version": string,
            "uptime_seconds": int, "tenants": int,
            "request_journal": object(&[], json!({"stored": int, "cap": int, "body_cap": int,
                "entry_bytes": int, "evicted": int})),
            "rate_limit_per_second": nullable("integer"),
            "fidelity": object(&[], json!({
                "webhook_events": {"type": "string", "enum": ["documented", "all", "custom"]},
                "chat_created_order": {"type": "string", "enum": ["after_response", "before_response", "random"]},
                "webhook_delivery_id_header": {"type": "boolean"},
                "mid_session_duplicate_interval_ms": int})),
            "media": object(&[], json!({
                "budget_per_tenant_bytes": int, "budget_total_bytes": int,
                "upload_url_expiry_ms": int, "used_bytes": int, "files": int,
                "tenants": {"type": "object", "additionalProperties":
                    object(&[], json!({"bytes": int, "files": int}))}})),
            "chats": object(&[], json!({
                "stored": int, "finished_retained": int, "evicted": int,
                "retain_finished_chats": int, "retain_finished_for_seconds": nullable("integer"),
                "max_chats_per_tenant": int, "max_messages_per_chat": int,
                "max_end_users_per_tenant": int})),
            "persistence": {
                "type": "object", "nullable": true,
                "description": "--state-dir and how its writes went; null when the state is in memory only",
                "properties": {"state_dir": string, "file": string, "commits": int, "failed_writes": int}}}),
            ),
        ),
    ];
    entries
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .chain(super::event_schemas::all())
        .chain(super::media::schemas())
        .collect()
}
