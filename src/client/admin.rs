//! [`AdminClient`]: the control plane, one method per endpoint.

use crate::core::wire::escalations::{EscalationList, TenantQueue};
use awc::http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{encode, ClientError, Http};
use crate::core::domain::ChatId;
use crate::features::chats::wire::{ChatRecord, Transcript};
use crate::features::health::Health;
use crate::features::snapshots::format::{LoadReport, Snapshot};
use crate::features::webhooks::content_shape::MessageContentShape;
use crate::features::webhooks::delivery_journal::{Delivery, DeliveryFilter, DeliveryList};
use crate::features::webhooks::{WebhookConfig, WebhookTarget};

/// A client of `/__admin`.
#[derive(Clone)]
pub struct AdminClient {
    http: Http,
}

/// Whose view of a chat to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptView {
    Agent,
    EndUser,
    All,
}

impl TranscriptView {
    fn name(self) -> &'static str {
        match self {
            TranscriptView::Agent => "agent",
            TranscriptView::EndUser => "end_user",
            TranscriptView::All => "all",
        }
    }
}

#[derive(Deserialize)]
struct Deliveries {
    deliveries: Vec<Value>,
}

/// The delivery journal's query string for `filter` (empty when it matches everything).
fn delivery_query(filter: &DeliveryFilter) -> String {
    let mut pairs = Vec::new();
    if let Some(tenant) = &filter.tenant {
        pairs.push(format!("tenant={}", encode(tenant)));
    }
    if let Some(chat_id) = filter.chat_id {
        pairs.push(format!("chat_id={chat_id}"));
    }
    if let Some(event_type) = filter.event_type {
        pairs.push(format!("event_type={}", event_type.name()));
    }
    if let Some(status) = filter.status {
        pairs.push(format!("status={}", status.name()));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// `path`, narrowed to one tenant when `tenant` is given (`?tenant=`).
fn for_tenant(path: &str, tenant: Option<&str>) -> String {
    match tenant {
        Some(tenant) => format!("{path}?tenant={}", encode(tenant)),
        None => path.to_owned(),
    }
}

impl AdminClient {
    /// A client of the emulator at `base_url` (`http://host:port`), with the admin token
    /// if the emulator requires one.
    pub fn new(base_url: &str, admin_token: Option<&str>) -> AdminClient {
        AdminClient {
            http: Http::new(base_url, admin_token.map(|token| format!("Bearer {token}"))),
        }
    }

    pub(super) async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, ClientError> {
        self.http
            .call(Method::GET, &format!("/__admin{path}"), None)
            .await
    }

    pub(super) async fn send<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, ClientError> {
        self.http
            .call(method, &format!("/__admin{path}"), body)
            .await
    }

    pub async fn health(&self) -> Result<Health, ClientError> {
        self.get("/health").await
    }

    /// Forgets all state, or one tenant's.
    pub async fn reset(&self, tenant: Option<&str>) -> Result<(), ClientError> {
        self.send::<Value>(Method::POST, &for_tenant("/reset", tenant), None)
            .await
            .map(drop)
    }

    pub async fn set_webhook(
        &self,
        tenant: &str,
        target: &WebhookTarget,
    ) -> Result<WebhookConfig, ClientError> {
        let path = format!("/tenants/{}/webhook?reveal_secrets=true", encode(tenant));
        self.send(Method::PUT, &path, Some(json!(target))).await
    }

    /// The tenant's target, secrets in clear (`?reveal_secrets=true`).
    pub async fn webhook(&self, tenant: &str) -> Result<WebhookConfig, ClientError> {
        self.get(&format!(
            "/tenants/{}/webhook?reveal_secrets=true",
            encode(tenant)
        ))
        .await
    }

    pub async fn remove_webhook(&self, tenant: &str) -> Result<(), ClientError> {
        let path = format!("/tenants/{}/webhook", encode(tenant));
        self.send::<Value>(Method::DELETE, &path, None)
            .await
            .map(drop)
    }

    /// The secondary secret becomes the primary.
    pub async fn rotate_webhook(&self, tenant: &str) -> Result<WebhookConfig, ClientError> {
        let path = format!(
            "/tenants/{}/webhook/rotate?reveal_secrets=true",
            encode(tenant)
        );
        self.send(Method::POST, &path, None).await
    }

    pub async fn chat(&self, chat_id: impl Into<ChatId>) -> Result<ChatRecord, ClientError> {
        let chat_id: ChatId = chat_id.into();
        self.get(&format!("/chats/{chat_id}")).await
    }

    pub async fn transcript(
        &self,
        chat_id: impl Into<ChatId>,
        view: TranscriptView,
    ) -> Result<Transcript, ClientError> {
        let chat_id: ChatId = chat_id.into();
        self.get(&format!("/chats/{chat_id}/transcript?view={}", view.name()))
            .await
    }

    /// The human agent says `text`.
    pub async fn say(
        &self,
        chat_id: impl Into<ChatId>,
        text: &str,
    ) -> Result<ChatRecord, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let path = format!("/chats/{chat_id}/agent/messages");
        self.send(Method::POST, &path, Some(json!({"text": text})))
            .await
    }

    /// The human agent transfers to the task virtual agent `key`.
    pub async fn transfer(
        &self,
        chat_id: impl Into<ChatId>,
        key: &str,
    ) -> Result<ChatRecord, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let path = format!("/chats/{chat_id}/agent/transfer");
        self.send(
            Method::POST,
            &path,
            Some(json!({"task_virtual_agent": key})),
        )
        .await
    }

    /// The human agent ends the chat.
    pub async fn end(&self, chat_id: impl Into<ChatId>) -> Result<ChatRecord, ClientError> {
        let chat_id: ChatId = chat_id.into();
        self.send(Method::POST, &format!("/chats/{chat_id}/agent/end"), None)
            .await
    }

    /// Deliveries of one tenant (all tenants with `None`), each with its attempts.
    pub async fn deliveries(&self, tenant: Option<&str>) -> Result<Vec<Value>, ClientError> {
        let path = for_tenant("/webhooks/deliveries", tenant);
        Ok(self.get::<Deliveries>(&path).await?.deliveries)
    }

    /// The journaled deliveries `filter` matches, typed (attempts included).
    pub async fn deliveries_matching(
        &self,
        filter: &DeliveryFilter,
    ) -> Result<Vec<Delivery>, ClientError> {
        let path = format!("/webhooks/deliveries{}", delivery_query(filter));
        Ok(self.get::<DeliveryList>(&path).await?.deliveries)
    }

    /// Deliveries of one chat.
    pub async fn chat_deliveries(
        &self,
        chat_id: impl Into<ChatId>,
    ) -> Result<Vec<Value>, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let path = format!("/webhooks/deliveries?chat_id={chat_id}");
        Ok(self.get::<Deliveries>(&path).await?.deliveries)
    }

    /// Sends a delivery again (same id, fresh signature).
    pub async fn redeliver(&self, delivery_id: &str) -> Result<Value, ClientError> {
        let path = format!("/webhooks/deliveries/{}/redeliver", encode(delivery_id));
        self.send(Method::POST, &path, None).await
    }

    /// The tenant's whole state.
    pub async fn export_snapshot(&self, tenant: &str) -> Result<Snapshot, ClientError> {
        self.get(&format!("/tenants/{}/snapshot", encode(tenant)))
            .await
    }

    /// Replaces the tenant's state; the report maps the snapshot's ids to the new ones.
    pub async fn import_snapshot(
        &self,
        tenant: &str,
        snapshot: &Snapshot,
    ) -> Result<LoadReport, ClientError> {
        let path = format!("/tenants/{}/snapshot", encode(tenant));
        self.send(Method::PUT, &path, Some(json!(snapshot))).await
    }

    /// Uploads or replaces a task virtual agent (the fixture file's document).
    pub async fn put_task_virtual_agent(
        &self,
        key: &str,
        document: Value,
    ) -> Result<Value, ClientError> {
        let path = format!("/task_virtual_agents/{}", encode(key));
        self.send(Method::PUT, &path, Some(document)).await
    }

    /// The agent script in use, as a `contact_center.json` document.
    pub async fn contact_center(&self) -> Result<Value, ClientError> {
        self.get("/contact_center").await
    }

    /// Replaces the agent script.
    pub async fn put_contact_center(&self, document: Value) -> Result<Value, ClientError> {
        self.send(Method::PUT, "/contact_center", Some(document))
            .await
    }

    /// Where fixtures came from, reloads, and the last reload error.
    pub async fn fixtures(&self) -> Result<Value, ClientError> {
        self.get("/fixtures").await
    }

    /// Sets a queue's availability for one tenant (`None`: back to the fixture's).
    pub async fn set_queue_availability(
        &self,
        tenant: &str,
        queue_id: &str,
        availability: Option<&str>,
    ) -> Result<TenantQueue, ClientError> {
        let path = format!("/tenants/{}/queues/{}", encode(tenant), encode(queue_id));
        let body = serde_json::json!({ "availability": availability });
        self.send(Method::PUT, &path, Some(body)).await
    }

    /// The escalations of one tenant (or all), oldest first.
    pub async fn escalations(&self, tenant: Option<&str>) -> Result<EscalationList, ClientError> {
        self.get(&for_tenant("/escalations", tenant)).await
    }

    /// The chat record once every `condition` holds (`("routing_state", "assigned")`,
    /// `("status", ...)`, `("min_messages", "3")`, `("contains", text)`), waiting up to
    /// `wait` (at most 60 s). A wait that runs out is a [`ClientError::Status`] 408.
    pub async fn chat_when(
        &self,
        chat_id: impl Into<ChatId>,
        conditions: &[(&str, &str)],
        wait: std::time::Duration,
    ) -> Result<ChatRecord, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let mut pairs = vec![format!("wait={}ms", wait.as_millis())];
        pairs.extend(
            conditions
                .iter()
                .map(|(name, value)| format!("{}={}", encode(name), encode(value))),
        );
        self.get(&format!("/chats/{chat_id}?{}", pairs.join("&")))
            .await
    }

    /// Dismisses the chat (the agent's button): a 409 [`ClientError::Status`] until both
    /// the end user and an agent have written.
    pub async fn dismiss(&self, chat_id: impl Into<ChatId>) -> Result<ChatRecord, ClientError> {
        let chat_id: ChatId = chat_id.into();
        self.send(Method::POST, &format!("/chats/{chat_id}/dismiss"), None)
            .await
    }

    /// Dismisses the chat even when the platform's eligibility rule does not allow it yet
    /// (`?force=true`).
    pub async fn dismiss_forced(
        &self,
        chat_id: impl Into<ChatId>,
    ) -> Result<ChatRecord, ClientError> {
        let chat_id: ChatId = chat_id.into();
        self.send(
            Method::POST,
            &format!("/chats/{chat_id}/dismiss?force=true"),
            None,
        )
        .await
    }

    /// Chooses how the tenant's text `message_received` carries its text: a plain string or
    /// an object.
    pub async fn set_message_content_shape(
        &self,
        tenant: &str,
        shape: MessageContentShape,
    ) -> Result<Value, ClientError> {
        let path = format!("/tenants/{}/message_content_shape", encode(tenant));
        self.send(Method::PUT, &path, Some(json!({ "shape": shape })))
            .await
    }

    /// The tenant's message content shape goes back to `--message-content-shape`.
    pub async fn clear_message_content_shape(&self, tenant: &str) -> Result<(), ClientError> {
        let path = format!("/tenants/{}/message_content_shape", encode(tenant));
        self.send::<Value>(Method::DELETE, &path, None).await?;
        Ok(())
    }

    /// The tenant's message content shape (`{tenant, source, shape}`).
    pub async fn message_content_shape(&self, tenant: &str) -> Result<Value, ClientError> {
        self.get(&format!(
            "/tenants/{}/message_content_shape",
            encode(tenant)
        ))
        .await
    }

    /// Changes a queue's wait-time figures for one tenant (`{"chat": 300, ...}`: the fields
    /// given); answers the queue.
    pub async fn set_wait_time(
        &self,
        tenant: &str,
        queue_id: &str,
        figures: Value,
    ) -> Result<TenantQueue, ClientError> {
        let path = format!(
            "/tenants/{}/queues/{}/wait_time",
            encode(tenant),
            encode(queue_id)
        );
        self.send(Method::PUT, &path, Some(figures)).await
    }

    /// Puts the fixture's wait-time figures of a queue back for one tenant.
    pub async fn clear_wait_time(&self, tenant: &str, queue_id: &str) -> Result<(), ClientError> {
        let path = format!(
            "/tenants/{}/queues/{}/wait_time",
            encode(tenant),
            encode(queue_id)
        );
        self.send::<Value>(Method::DELETE, &path, None)
            .await
            .map(drop)
    }

    /// Every limit: its flag, its value and how much of it is in use.
    pub async fn limits(&self) -> Result<Value, ClientError> {
        self.get("/limits").await
    }

    /// Every tenant with a summary of its chats.
    pub async fn tenants(&self) -> Result<Value, ClientError> {
        self.get("/tenants").await
    }

    /// The request journal of the Apps API (one tenant's, or all).
    pub async fn requests(&self, tenant: Option<&str>) -> Result<Value, ClientError> {
        self.get(&for_tenant("/requests", tenant)).await
    }

    /// One journaled delivery with its attempts.
    pub async fn delivery(&self, delivery_id: &str) -> Result<Delivery, ClientError> {
        self.get(&format!("/webhooks/deliveries/{}", encode(delivery_id)))
            .await
    }

    /// The delivery counters.
    pub async fn webhook_stats(&self) -> Result<Value, ClientError> {
        self.get("/webhooks/stats").await
    }

    /// Injects faults into the tenant's webhooks (a `FaultInjection` document).
    pub async fn set_webhook_faults(
        &self,
        tenant: &str,
        faults: Value,
    ) -> Result<Value, ClientError> {
        let path = format!("/tenants/{}/webhook/faults", encode(tenant));
        self.send(Method::PUT, &path, Some(faults)).await
    }

    /// The tenant's injected faults.
    pub async fn webhook_faults(&self, tenant: &str) -> Result<Value, ClientError> {
        self.get(&format!("/tenants/{}/webhook/faults", encode(tenant)))
            .await
    }

    /// Chooses the event types the tenant's webhook receives.
    pub async fn set_webhook_events(
        &self,
        tenant: &str,
        events: &[&str],
    ) -> Result<Value, ClientError> {
        let path = format!("/tenants/{}/webhook/events", encode(tenant));
        self.send(Method::PUT, &path, Some(json!({ "events": events })))
            .await
    }

    /// The event types the tenant's webhook receives.
    pub async fn webhook_events(&self, tenant: &str) -> Result<Value, ClientError> {
        self.get(&format!("/tenants/{}/webhook/events", encode(tenant)))
            .await
    }

    /// When `chat_created` goes out relative to the `POST /chats` answer
    /// (`after_response`, `before_response` or `random`).
    pub async fn set_chat_created_order(
        &self,
        tenant: &str,
        order: &str,
    ) -> Result<Value, ClientError> {
        let path = format!("/tenants/{}/chat_created_order", encode(tenant));
        self.send(Method::PUT, &path, Some(json!({ "order": order })))
            .await
    }

    /// The tenant's `chat_created` order.
    pub async fn chat_created_order(&self, tenant: &str) -> Result<Value, ClientError> {
        self.get(&format!("/tenants/{}/chat_created_order", encode(tenant)))
            .await
    }

    /// Puts the tenant after hours, or back within hours.
    pub async fn set_after_hours(
        &self,
        tenant: &str,
        after_hours: bool,
    ) -> Result<Value, ClientError> {
        let path = format!("/tenants/{}/after_hours", encode(tenant));
        self.send(
            Method::PUT,
            &path,
            Some(json!({ "after_hours": after_hours })),
        )
        .await
    }

    /// Whether the tenant is after hours.
    pub async fn after_hours(&self, tenant: &str) -> Result<Value, ClientError> {
        self.get(&format!("/tenants/{}/after_hours", encode(tenant)))
            .await
    }

    /// The scripted task virtual agents.
    pub async fn task_virtual_agents(&self) -> Result<Value, ClientError> {
        self.get("/task_virtual_agents").await
    }

    /// One task virtual agent, as its fixture document.
    pub async fn task_virtual_agent(&self, key: &str) -> Result<Value, ClientError> {
        self.get(&format!("/task_virtual_agents/{}", encode(key)))
            .await
    }
}
