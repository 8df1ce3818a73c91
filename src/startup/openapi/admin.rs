//! The control plane's operations . A route added to
//! `crate::http::control_plane::routes` gets one line here.

use serde_json::json;

use super::builder::{array_of, op, schema, Operation};

const TAG: &str = "admin";

fn path(rest: &str) -> String {
    format!("{}{rest}", crate::core::wire::ADMIN_PREFIX)
}

fn get(rest: &str, summary: &str) -> Operation {
    op("GET", &path(rest), TAG, summary)
}

fn post(rest: &str, summary: &str) -> Operation {
    op("POST", &path(rest), TAG, summary)
}

fn put(rest: &str, summary: &str) -> Operation {
    op("PUT", &path(rest), TAG, summary)
}

/// Query parameters shared by several control-plane operations.
trait SharedParameters {
    /// The delivery journal's filters.
    fn delivery_filters(self) -> Self;
    /// `min_count` and `wait`, and the 408 a wait that runs out answers with `body`.
    fn long_polled(self, body: serde_json::Value) -> Self;
    /// A chat's long-poll conditions (`admin/chats.rs`): `wait` with `routing_state`,
    /// `status`, `min_messages` and `contains`, every given one to hold.
    fn chat_condition(self, body: serde_json::Value) -> Self;
}

impl SharedParameters for Operation {
    fn delivery_filters(self) -> Operation {
        self.query("tenant", "string", "only this tenant")
            .query("chat_id", "integer", "only this chat")
            .query("event_type", "string", "only this event type")
            .query(
                "status",
                "string",
                "pending, retrying, delivered, failed, skipped or suppressed",
            )
    }

    fn long_polled(self, body: serde_json::Value) -> Operation {
        self.query(
            "min_count",
            "integer",
            "long-poll: answer once this many match",
        )
        .long_poll_wait(body)
    }

    fn chat_condition(self, body: serde_json::Value) -> Operation {
        self.query(
            "routing_state",
            "string",
            "long-poll: answer once the record's routing_state is this (queued, assigned, task_virtual_agent, virtual_agent, finished)",
        )
        .query(
            "status",
            "string",
            "long-poll: answer once the Apps API status is this (queued, assigned, va_assigned, dismissed, va_dismissed, finished)",
        )
        .query(
            "min_messages",
            "integer",
            "long-poll: answer once the view holds at least this many messages",
        )
        .query(
            "contains",
            "string",
            "long-poll: answer once a message in the view contains this text",
        )
        .long_poll_wait(body)
    }
}

trait Waiting {
    /// `wait`, and the 408 and 503 a long-poll answers with `body` when it ends unmet.
    fn long_poll_wait(self, body: serde_json::Value) -> Self;
}

impl Waiting for Operation {
    fn long_poll_wait(self, body: serde_json::Value) -> Operation {
        self.query(
            "wait",
            "string",
            "long-poll: wait up to this long (e.g. 5s, at most 60s)",
        )
        .answers(
            408,
            "The wait ended first; what was seen so far",
            Some(body.clone()),
        )
        .answers(
            503,
            "The emulator began shutting down during the wait; what was seen so far",
            Some(body),
        )
    }
}

pub fn operations() -> Vec<Operation> {
    let object = json!({"type": "object"});
    let operations = vec![
        get("/health", "Ready check").answers(200, "Serving", Some(schema("Health"))),
        get("/limits", "Every limit, its flag, its value and how much of it is in use")
            .answers(200, "The limits", Some(schema("Limits"))),
        post("/reset", "Forget all state, or one tenant's")
            .query("tenant", "string", "only this tenant")
            .answers(200, "Reset", Some(object.clone())),
        get("/openapi.json", "This document").answers(200, "OpenAPI 3", Some(object.clone())),
        get("/console", "The web console (HTML)").answers(200, "The page", None),
        get("/console/favicon.svg", "The web console's icon (SVG; also at /favicon.ico)")
            .answers(200, "The icon", None),
        get("/tenants", "Every tenant with a summary of its chats")
            .answers(200, "Tenants", Some(object.clone())),
        get("/requests", "The request journal of the Apps API")
            .query("tenant", "string", "only this tenant")
            .query("method", "string", "only this HTTP method")
            .query("path", "string", "only this exact path")
            .query("path_prefix", "string", "only paths starting so")
            .query("status", "integer", "only this response status")
            .query("after", "integer", "only entries with a larger id")
            .answers(200, "Journaled requests", Some(object.clone()))
            .long_polled(object.clone())
            .rejects(&[400]),
        op("DELETE", &path("/requests"), TAG, "Empty the request journal (one tenant's, or all)")
            .query("tenant", "string", "only this tenant")
            .answers(200, "Emptied", Some(object.clone())),
        get("/events", "Live events as Server-Sent Events")
            .query("tenant", "string", "only this tenant")
            .query("kind", "string", "comma-separated: request, chat, message, delivery")
            .query("keepalive", "string", "keep-alive comment interval (default 15s)")
            .answers(200, "A text/event-stream of events", None)
            .rejects(&[400]),
        put("/tenants/{tenant}/webhook", "Set the tenant's webhook target")
            .query("reveal_secrets", "boolean", "answer the secrets in clear (otherwise \"[redacted]\")")
            .body(schema("WebhookTarget"))
            .answers(200, "The target", Some(schema("WebhookConfig")))
            .rejects(&[400, 415]),
        get("/tenants/{tenant}/webhook", "The tenant's webhook target (or the default)")
            .query("reveal_secrets", "boolean", "answer the secrets in clear (otherwise \"[redacted]\")")
            .answers(200, "The target", Some(schema("WebhookConfig")))
            .rejects(&[404]),
        op("DELETE", &path("/tenants/{tenant}/webhook"), TAG, "Remove the tenant's target")
            .answers(204, "Removed", None)
            .rejects(&[404]),
        post("/tenants/{tenant}/webhook/rotate", "The secondary secret becomes the primary")
            .query("reveal_secrets", "boolean", "answer the secrets in clear (otherwise \"[redacted]\")")
            .answers(200, "The target", Some(schema("WebhookConfig")))
            .rejects(&[400, 404]),
        put("/tenants/{tenant}/webhook/faults", "Inject faults into the tenant's webhooks")
            .body(schema("FaultInjection"))
            .answers(200, "The faults", Some(object.clone()))
            .rejects(&[400, 415]),
        get("/tenants/{tenant}/webhook/faults", "The tenant's injected faults")
            .answers(200, "The faults", Some(object.clone()))
            .rejects(&[404]),
        op("DELETE", &path("/tenants/{tenant}/webhook/faults"), TAG, "Stop injecting faults")
            .answers(204, "Cleared", None)
            .rejects(&[404]),
        put("/tenants/{tenant}/webhook/events", "Choose the event types the tenant's webhook receives")
            .body(json!({"type": "object", "required": ["events"], "properties": {"events": {
                "description": "\"documented\", \"all\" or a list of event names",
                "oneOf": [{"type": "string", "enum": ["documented", "all"]},
                          {"type": "array", "items": {"type": "string"}}]}}}))
            .answers(200, "The selection", Some(schema("TenantEventSelection")))
            .rejects(&[400, 415]),
        get("/tenants/{tenant}/webhook/events", "The event types the tenant's webhook receives")
            .answers(200, "The selection (source: tenant or default)", Some(schema("TenantEventSelection"))),
        op("DELETE", &path("/tenants/{tenant}/webhook/events"), TAG, "Back to the default event selection")
            .answers(204, "Cleared", None)
            .rejects(&[404]),
        put("/tenants/{tenant}/chat_created_order", "When chat_created goes out relative to the POST /chats answer")
            .body(json!({"type": "object", "required": ["order"], "properties": {"order": {
                "type": "string", "enum": ["after_response", "before_response", "random"]}}}))
            .answers(200, "The order", Some(schema("TenantChatCreatedOrder")))
            .rejects(&[400, 415]),
        get("/tenants/{tenant}/chat_created_order", "The tenant's chat_created order")
            .answers(200, "The order (source: tenant or default)", Some(schema("TenantChatCreatedOrder"))),
        op("DELETE", &path("/tenants/{tenant}/chat_created_order"), TAG, "Back to the default chat_created order")
            .answers(204, "Cleared", None)
            .rejects(&[404]),
        put("/tenants/{tenant}/after_hours", "Put the tenant after hours (resume answers its after-hours message) or back within hours")
            .body(json!({"type": "object", "required": ["after_hours"], "properties": {
                "after_hours": {"type": "boolean"}, "message": {"type": "string"}}}))
            .answers(200, "The switch", Some(schema("TenantAfterHours")))
            .rejects(&[400, 415]),
        get("/tenants/{tenant}/after_hours", "Whether the tenant is after hours")
            .answers(200, "The switch", Some(schema("TenantAfterHours"))),
        op("DELETE", &path("/tenants/{tenant}/after_hours"), TAG, "Back within hours")
            .answers(204, "Within hours", None),
        get("/webhooks/stats", "Delivery counters")
            .delivery_filters()
            .answers(200, "Counters", Some(schema("DeliveryCounters")))
            .rejects(&[400]),
        get("/tenants/{tenant}/snapshot", "Export the tenant's whole state")
            .answers(200, "The snapshot", Some(schema("Snapshot"))),
        put("/tenants/{tenant}/snapshot", "Replace the tenant's state with a snapshot")
            .body(schema("Snapshot"))
            .answers(200, "Loaded; old ids to new", Some(schema("SnapshotLoaded")))
            .rejects(&[400, 413, 415]),
        get("/webhooks/events", "The webhook event catalog")
            .answers(200, "Events", Some(schema("EventCatalog"))),
        get("/webhooks/deliveries", "The delivery journal")
            .delivery_filters()
            .answers(200, "Deliveries", Some(schema("DeliveryList")))
            .long_polled(schema("DeliveryList"))
            .rejects(&[400]),
        get("/webhooks/deliveries/{id}", "One delivery with its attempts")
            .answers(200, "The delivery", Some(schema("Delivery")))
            .rejects(&[404]),
        post("/webhooks/deliveries/{id}/redeliver", "Send a delivery again")
            .answers(202, "Queued again", Some(schema("Delivery")))
            .rejects(&[404]),
        get("/chats/{chat_id}", "The full record of a chat")
            .chat_condition(schema("ChatRecord"))
            .answers(200, "The record", Some(schema("ChatRecord")))
            .rejects(&[400, 404]),
        get("/chats/{chat_id}/transcript", "The chat as one party sees it")
            .query("view", "string", "agent, end_user or all (default)")
            .chat_condition(schema("Transcript"))
            .answers(200, "The transcript", Some(schema("Transcript")))
            .rejects(&[400, 404]),
        post("/chats/{chat_id}/agent/messages", "The human agent says something")
            .body(json!({"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}))
            .answers(200, "The record", Some(schema("ChatRecord")))
            .rejects(&[400, 404, 409]),
        post("/chats/{chat_id}/agent/transfer", "The human agent transfers to a VTA")
            .body(json!({"type": "object", "required": ["task_virtual_agent"],
                         "properties": {"task_virtual_agent": {"type": "string"}}}))
            .answers(200, "The record", Some(schema("ChatRecord")))
            .rejects(&[400, 404, 409]),
        post("/chats/{chat_id}/agent/end", "The human agent ends the chat")
            .answers(200, "The record", Some(schema("ChatRecord")))
            .rejects(&[400, 404]),
        post("/chats/{chat_id}/dismiss", "Dismiss the chat (as the platform does on inactivity)")
            .answers(200, "The record", Some(schema("ChatRecord")))
            .rejects(&[400, 404, 409]),
        get("/task_virtual_agents", "The scripted task virtual agents").answers(
            200,
            "VTAs",
            Some(json!({"type": "object", "properties": {
                "task_virtual_agents": array_of(schema("TaskVirtualAgent"))}})),
        ),
        get("/task_virtual_agents/{key}", "One task virtual agent")
            .answers(200, "The VTA", Some(schema("TaskVirtualAgent")))
            .rejects(&[404]),
        put("/task_virtual_agents/{key}", "Upload or replace a task virtual agent")
            .body(schema("TaskVirtualAgent"))
            .answers(200, "Replaced", Some(schema("TaskVirtualAgent")))
            .answers(201, "Created", Some(schema("TaskVirtualAgent")))
            .rejects(&[400, 415]),
        get("/contact_center", "The agent script (contact_center.json) in use")
            .answers(200, "The document", Some(schema("ContactCenter"))),
        put("/contact_center", "Replace the agent script")
            .body(schema("ContactCenter"))
            .answers(200, "The document now in use", Some(schema("ContactCenter")))
            .rejects(&[400, 415]),
        get("/fixtures", "Where fixtures come from and the last reload")
            .query(
                "min_reloads",
                "integer",
                "long-poll: answer once this many reloads succeeded",
            )
            .query(
                "last_error",
                "string",
                "long-poll: answer once the last reload failed (present) or not (absent)",
            )
            .query(
                "wait",
                "string",
                "long-poll: wait up to this long (e.g. 5s, at most 60s)",
            )
            .answers(200, "Status", Some(schema("FixtureStatus")))
            .answers(
                408,
                "The wait ended first; the status seen last",
                Some(schema("FixtureStatus")),
            )
            .rejects(&[400]),
    ];
    let operations = operations
        .into_iter()
        .chain(super::media::admin_operations(path, TAG));
    operations
        .into_iter()
        .map(|operation| {
            let mut operation = operation.rejects(&[401]);
            operation.body["security"] = json!([{}, {"adminToken": []}]);
            operation
        })
        .collect()
}
