//! The operations and schemas of queues, escalations and deflections: the two
//! Apps API routes and the three control-plane routes, with their objects. Kept apart so
//! the feature reads in one place.

use serde_json::{json, Map, Value};

use super::builder::{array_of, op, schema, Operation};

pub fn operations() -> Vec<Operation> {
    let apps = |method: &'static str, rest: &str, summary: &str| {
        let mut operation = op(
            method,
            &format!("{}{rest}", crate::core::wire::APPS_API_BASE),
            "Apps API",
            summary,
        )
        .rejects(&[401]);
        operation.body["security"] = json!([{"tenantBasic": []}]);
        operation
    };
    let admin = |method: &'static str, rest: &str, summary: &str| {
        let mut operation = op(
            method,
            &format!("{}{rest}", crate::core::wire::ADMIN_PREFIX),
            "admin",
            summary,
        )
        .rejects(&[401]);
        operation.body["security"] = json!([{}, {"adminToken": []}]);
        operation
    };
    vec![
        apps("POST", "/chats/{chat_id}/escalations",
             "Ask the virtual agent to escalate the chat to a human-agent queue")
            .body(schema("EscalationInput"))
            .answers(200, "The escalation (escalating, or deflecting with its options)", Some(schema("Escalation")))
            .rejects(&[400, 404, 413, 415]),
        apps("PATCH", "/chats/{chat_id}/escalations/{escalation_id}",
             "Answer a deflected escalation: keep waiting (human_agent) or continue with the virtual agent")
            .body(schema("DeflectionChoice"))
            .answers(200, "The escalation", Some(schema("Escalation")))
            .rejects(&[400, 404, 415]),
        admin("GET", "/tenants/{tenant}/queues", "The tenant's queues with their availability")
            .answers(200, "Queues", Some(schema("QueueList"))),
        admin("PUT", "/tenants/{tenant}/queues/{queue_id}",
              "Set a queue's availability for this tenant (null: the fixture's)")
            .body(json!({"type": "object", "properties": {"availability": {
                "type": "string", "nullable": true,
                "enum": ["available", "over_capacity", "after_hours"]}}}))
            .answers(200, "The queue", Some(schema("Queue")))
            .rejects(&[400, 415]),
        admin("GET", "/escalations", "Every escalation (filters tenant, chat_id, status)")
            .query("tenant", "string", "only this tenant")
            .query("chat_id", "integer", "only this chat")
            .query("status", "string", "escalating, escalated, canceled, deflecting or deflected")
            .query("min_count", "integer", "long-poll: answer once this many match")
            .query("wait", "string", "long-poll: wait up to this long (e.g. 5s, at most 60s)")
            .answers(200, "Escalations", Some(schema("EscalationList")))
            .answers(408, "The wait ended first; what was seen so far", Some(schema("EscalationList")))
            .rejects(&[400]),
    ]
}

pub fn schemas() -> Map<String, Value> {
    let string = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let time = json!({"type": "string", "format": "date-time"});
    let channels = json!({"type": "string",
        "enum": ["email", "human_agent", "external_link", "virtual_agent"]});
    let availability =
        json!({"type": "string", "enum": ["available", "over_capacity", "after_hours"]});
    let escalation_properties = json!({
        "id": int, "chat_id": int,
        "status": {"type": "string", "enum": ["escalating", "escalated", "canceled", "deflecting", "deflected"]},
        "reason": {"type": "string", "enum": ["by_end_user_ask", "by_end_user_message", "by_virtual_agent"]},
        "queue": {"type": "object", "required": ["id", "name"], "properties": {"id": string, "name": string}},
        "deflection_reason": {"type": "string", "nullable": true, "enum": ["over_capacity", "after_hours"]},
        "deflection_options": array_of(channels.clone()),
        "deflection_channel": {"allOf": [channels.clone()], "nullable": true},
        "external_link_url": {"type": "string", "nullable": true},
        "created_at": time, "updated_at": time});
    let mut tenant_escalation = escalation_properties.clone();
    tenant_escalation["tenant"] = string.clone();
    [
        ("Escalation", json!({"type": "object",
            "required": ["id", "chat_id", "status", "reason", "queue"],
            "properties": escalation_properties})),
        ("TenantEscalation", json!({"type": "object",
            "required": ["tenant", "id", "chat_id", "status", "reason", "queue"],
            "properties": tenant_escalation})),
        ("EscalationList", json!({"type": "object", "required": ["count", "escalations"], "properties": {
            "count": int, "escalations": array_of(schema("TenantEscalation"))}})),
        ("EscalationDeflected", json!({"type": "object", "required": ["escalation"],
            "properties": {"escalation": schema("Escalation")}})),
        ("EscalationInput", json!({"type": "object", "properties": {
            "queue_id": {"type": "string", "description": "default: queue_selection.default_queue"},
            "escalation": {"type": "object", "description": "the same fields, nested"}}})),
        ("DeflectionChoice", json!({"type": "object", "properties": {
            "deflection_channel": {"type": "string", "enum": ["human_agent", "virtual_agent"],
                "description": "email and external_link end the chat: PATCH /chats/{chat_id} with status finished"},
            "escalation": {"type": "object", "description": "the same fields, nested"}}})),
        ("Queue", json!({"type": "object", "required": ["id", "name", "availability"], "properties": {
            "id": string, "name": string,
            "availability": availability.clone(),
            "default_availability": availability,
            "deflection_options": array_of(channels),
            "external_link_url": {"type": "string", "nullable": true},
            "waiting_chats": array_of(int.clone())}})),
        ("QueueList", json!({"type": "object", "required": ["tenant", "queues"], "properties": {
            "tenant": string, "queues": array_of(schema("Queue"))}})),
        ("PreChatMessage", json!({"type": "object", "required": ["sender", "timestamp", "content"], "properties": {
            "sender": {"type": "string", "enum": ["end_user", "agent"]},
            "timestamp": {"type": "string", "example": "2021-03-15 12:00:00Z"},
            "content": array_of(schema("PreChatContent"))}})),
        ("PreChatContent", json!({"type": "object", "required": ["type"], "properties": {
            "type": {"type": "string", "enum": ["text", "media"]}, "text": string,
            "media": {"type": "object", "properties": {
                "type": {"type": "string", "enum": ["image", "video"]}, "url": string}}}})),
        ("PreChatEntry", json!({"type": "object", "required": ["pre_chat", "sender", "at", "content"], "properties": {
            "pre_chat": {"type": "boolean", "enum": [true]},
            "sender": {"type": "string", "enum": ["end_user", "agent"]},
            "at": time,
            "content": array_of(schema("PreChatContent"))}})),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}
