//! Helpers for the queue, escalation and deflection tests: open a chat with a `context`,
//! read its escalations, choose deflections, set a queue's availability.

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use super::{unique_subdomain, Reply, TenantClient};

impl TenantClient<'_> {
    /// A new end user and a chat opened with `context.value = context`.
    pub async fn open_chat_with_context(&self, context: Value) -> (u64, u64) {
        let user = self.end_user(&unique_subdomain("user")).await;
        let reply = self
            .call(
                Method::POST,
                "/chats",
                Some(json!({"end_user_id": user, "context": {"value": context}})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        (reply.body["id"].as_u64().expect("chat id"), user)
    }

    /// The chat's escalations, from the full record.
    pub async fn escalations(&self, chat: u64) -> Vec<Value> {
        let record = self.app.admin_get(&format!("/chats/{chat}")).await;
        record["escalations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The chat's only (or last) escalation.
    pub async fn last_escalation(&self, chat: u64) -> Value {
        self.escalations(chat)
            .await
            .pop()
            .expect("the chat has an escalation")
    }

    pub async fn chat_object(&self, chat: u64) -> Value {
        let reply = self
            .call(Method::GET, &format!("/chats/{chat}"), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    /// `PATCH /chats/{chat}/escalations/{escalation}` with a deflection channel.
    pub async fn choose(&self, chat: u64, escalation: u64, channel: &str) -> Reply {
        self.call(
            Method::PATCH,
            &format!("/chats/{chat}/escalations/{escalation}"),
            Some(json!({"deflection_channel": channel})),
        )
        .await
    }

    /// `PATCH /chats/{chat}` as the platform documents it (fields nested under `chat`).
    pub async fn update_chat(&self, chat: u64, fields: Value) -> Reply {
        self.call(
            Method::PATCH,
            &format!("/chats/{chat}"),
            Some(json!({ "chat": fields })),
        )
        .await
    }

    /// Sets a queue's availability for this tenant on the control plane.
    pub async fn set_availability(&self, queue: &str, availability: &str) -> Value {
        let reply = self
            .app
            .admin(
                Method::PUT,
                &format!("/tenants/{}/queues/{queue}", self.subdomain),
                Some(json!({ "availability": availability })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    }

    /// Long-polls the chat record until `condition` (a query such as
    /// `routing_state=assigned`) holds; fails on a 408.
    pub async fn wait_for_record(&self, chat: u64, condition: &str) -> Value {
        self.app
            .admin_get(&format!("/chats/{chat}?{condition}&wait=10s"))
            .await
    }
}
