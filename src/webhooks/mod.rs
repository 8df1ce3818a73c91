//! Webhooks to each tenant's registered URL (SPEC A5, B2): the event [`catalog`], the
//! [`signing`] scheme, the per-tenant targets (with a process-wide default) and injected
//! [`faults`], the delivery [`journal`], the retry [`policy`], and the [`dispatcher`] and
//! [`sender`] that order, send and retry, which events a tenant receives
//! ([`event_selection`]) and when `chat_created` goes out ([`creation_order`]).
//! [`Webhooks`] is the one entry point the rest of the emulator uses.

pub mod catalog;
pub mod creation_order;
pub mod dispatcher;
pub mod event_selection;
pub mod faults;
pub mod journal;
pub mod policy;
pub mod sender;
pub mod signing;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use awc::http::Uri;
use chrono::Utc;
use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::{EventBus, LiveEventKind};
use catalog::Event;
use creation_order::ChatCreatedOrder;
use dispatcher::{Dispatcher, Job};
use event_selection::EventSelection;
use faults::FaultInjection;
use journal::{Delivery, DeliveryCounters, DeliveryFilter, DeliveryJournal, DeliveryStatus};
use policy::RetryPolicy;

/// Where a tenant's webhooks go and the secrets they are signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookTarget {
    pub url: String,
    pub primary_secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_secret: Option<String>,
}

/// Why a webhook target or delivery request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    InvalidTarget(String),
    #[error("No webhook is configured for this tenant")]
    NoTarget,
    #[error("There is no secondary secret to rotate to")]
    NoSecondarySecret,
    #[error("No delivery has the id {0}")]
    UnknownDelivery(Uuid),
    #[error("{0}")]
    InvalidFaults(String),
    #[error("No faults are configured for this tenant")]
    NoFaults,
}

impl WebhookTarget {
    /// Checks the URL is absolute HTTP(S) and the primary secret is not empty.
    pub fn validate(&self) -> Result<(), WebhookError> {
        let uri: Uri = self.url.parse().map_err(|_| {
            WebhookError::InvalidTarget(format!("url {:?} is not a valid URL", self.url))
        })?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(WebhookError::InvalidTarget(format!(
                "url {:?} must be an absolute http:// or https:// URL",
                self.url
            )));
        }
        if self.primary_secret.is_empty() {
            return Err(WebhookError::InvalidTarget(
                "primary_secret must not be empty".into(),
            ));
        }
        if self.secondary_secret.as_deref() == Some("") {
            return Err(WebhookError::InvalidTarget(
                "secondary_secret must not be empty when given".into(),
            ));
        }
        Ok(())
    }
}

/// Process-wide delivery options that differ from what the platform does only on request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOptions {
    /// Which events tenants receive unless they choose (`--webhook-events`).
    pub events: EventSelection,
    /// When `chat_created` goes out unless a tenant chooses (`--chat-created-order`).
    pub chat_created_order: ChatCreatedOrder,
    /// Send `X-Emulator-Delivery-Id` (the platform sends no such header).
    pub delivery_id_header: bool,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            events: EventSelection::Documented,
            chat_created_order: ChatCreatedOrder::AfterResponse,
            delivery_id_header: true,
        }
    }
}

/// Per-tenant targets, faults, event selections and `chat_created` orders, plus the
/// process-wide defaults.
#[derive(Debug, Default)]
pub struct Settings {
    targets: DashMap<String, WebhookTarget>,
    default: Option<WebhookTarget>,
    faults: DashMap<String, FaultInjection>,
    options: WebhookOptions,
    event_selections: DashMap<String, EventSelection>,
    chat_created_orders: DashMap<String, ChatCreatedOrder>,
}

impl Settings {
    /// The tenant's own target, or else the default.
    pub fn resolve(&self, tenant: &str) -> Option<WebhookTarget> {
        self.targets
            .get(tenant)
            .map(|target| target.clone())
            .or_else(|| self.default.clone())
    }

    pub fn faults(&self, tenant: &str) -> Option<FaultInjection> {
        self.faults.get(tenant).map(|faults| faults.clone())
    }

    pub fn delivery_id_header(&self) -> bool {
        self.options.delivery_id_header
    }
}

/// Deliveries still unfinished when a drain gave up, by tenant and chat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub undelivered: usize,
    /// (tenant, chat id) to the number of its unfinished deliveries.
    pub by_chat: BTreeMap<(String, u64), usize>,
}

impl std::fmt::Display for DrainReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} webhook deliveries undelivered", self.undelivered)?;
        let chats: Vec<String> = self
            .by_chat
            .iter()
            .map(|((tenant, chat_id), count)| format!("tenant {tenant} chat {chat_id}: {count}"))
            .collect();
        if !chats.is_empty() {
            write!(f, " ({})", chats.join("; "))?;
        }
        Ok(())
    }
}

/// The webhook subsystem.
pub struct Webhooks {
    settings: Arc<Settings>,
    journal: Arc<DeliveryJournal>,
    dispatcher: Dispatcher,
    events: Arc<EventBus>,
    attempt_timeout: Duration,
}

impl Webhooks {
    pub fn start(
        default: Option<WebhookTarget>,
        policy: RetryPolicy,
        journal_capacity: usize,
        events: Arc<EventBus>,
    ) -> Webhooks {
        Webhooks::start_with(
            default,
            policy,
            journal_capacity,
            events,
            WebhookOptions::default(),
        )
    }

    /// [`Webhooks::start`] with non-default [`WebhookOptions`].
    pub fn start_with(
        default: Option<WebhookTarget>,
        policy: RetryPolicy,
        journal_capacity: usize,
        events: Arc<EventBus>,
        options: WebhookOptions,
    ) -> Webhooks {
        let settings = Arc::new(Settings {
            default,
            options,
            ..Settings::default()
        });
        let attempt_timeout = policy.timeout;
        let dispatcher = Dispatcher::start(Arc::clone(&settings), policy, Arc::clone(&events));
        Webhooks {
            settings,
            journal: Arc::new(DeliveryJournal::with_capacity(journal_capacity)),
            dispatcher,
            events,
            attempt_timeout,
        }
    }

    pub fn set_target(&self, tenant: &str, target: WebhookTarget) -> Result<(), WebhookError> {
        target.validate()?;
        self.settings.targets.insert(tenant.to_owned(), target);
        Ok(())
    }

    /// The tenant's own target (not the default).
    pub fn target(&self, tenant: &str) -> Option<WebhookTarget> {
        self.settings
            .targets
            .get(tenant)
            .map(|target| target.clone())
    }

    pub fn default_target(&self) -> Option<&WebhookTarget> {
        self.settings.default.as_ref()
    }

    pub fn remove_target(&self, tenant: &str) -> Option<WebhookTarget> {
        self.settings
            .targets
            .remove(tenant)
            .map(|(_, target)| target)
    }

    /// The secondary secret becomes the primary one (and there is no secondary any more).
    pub fn rotate(&self, tenant: &str) -> Result<WebhookTarget, WebhookError> {
        let mut target = self
            .settings
            .targets
            .get_mut(tenant)
            .ok_or(WebhookError::NoTarget)?;
        let secondary = target
            .secondary_secret
            .take()
            .ok_or(WebhookError::NoSecondarySecret)?;
        target.primary_secret = secondary;
        Ok(target.clone())
    }

    pub fn set_faults(&self, tenant: &str, faults: FaultInjection) -> Result<(), WebhookError> {
        faults.validate().map_err(WebhookError::InvalidFaults)?;
        self.settings.faults.insert(tenant.to_owned(), faults);
        Ok(())
    }

    pub fn faults(&self, tenant: &str) -> Option<FaultInjection> {
        self.settings.faults(tenant)
    }

    pub fn clear_faults(&self, tenant: &str) -> Result<(), WebhookError> {
        self.settings
            .faults
            .remove(tenant)
            .map(|_| ())
            .ok_or(WebhookError::NoFaults)
    }

    /// The events the tenant receives, and whether that is its own choice (`tenant`) or
    /// the process default (`default`).
    pub fn event_selection(&self, tenant: &str) -> (EventSelection, &'static str) {
        match self.settings.event_selections.get(tenant) {
            Some(selection) => (selection.clone(), "tenant"),
            None => (self.settings.options.events.clone(), "default"),
        }
    }

    pub fn set_event_selection(&self, tenant: &str, selection: EventSelection) {
        self.settings
            .event_selections
            .insert(tenant.to_owned(), selection);
    }

    /// Back to the process default; false when the tenant had no choice of its own.
    pub fn clear_event_selection(&self, tenant: &str) -> bool {
        self.settings.event_selections.remove(tenant).is_some()
    }

    /// The tenant's `chat_created` order, and whether it is its own (`tenant`) or the
    /// process default (`default`).
    pub fn chat_created_order(&self, tenant: &str) -> (ChatCreatedOrder, &'static str) {
        match self.settings.chat_created_orders.get(tenant) {
            Some(order) => (*order, "tenant"),
            None => (self.settings.options.chat_created_order, "default"),
        }
    }

    pub fn set_chat_created_order(&self, tenant: &str, order: ChatCreatedOrder) {
        self.settings
            .chat_created_orders
            .insert(tenant.to_owned(), order);
    }

    /// Back to the process default; false when the tenant had no order of its own.
    pub fn clear_chat_created_order(&self, tenant: &str) -> bool {
        self.settings.chat_created_orders.remove(tenant).is_some()
    }

    /// The process-wide options as the control plane reports them, with the mid-session
    /// duplicate interval (kept by the API).
    pub fn options_json(&self, mid_session_duplicate_interval: Duration) -> serde_json::Value {
        let options = &self.settings.options;
        serde_json::json!({
            "webhook_events": options.events.name(),
            "chat_created_order": options.chat_created_order,
            "webhook_delivery_id_header": options.delivery_id_header,
            "mid_session_duplicate_interval_ms": mid_session_duplicate_interval.as_millis() as u64,
        })
    }

    /// How long one attempt may take (`--webhook-timeout`).
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// Journals `event` and queues it behind the chat's earlier events, unless the
    /// tenant's event selection leaves it out (then it is journaled as `suppressed`).
    /// Never blocks.
    pub fn publish(&self, tenant: &str, event: Event) {
        let selected = self.event_selection(tenant).0.includes(event.event_type);
        let delivery = self.journal.record(Delivery {
            id: Uuid::new_v4(),
            tenant: tenant.to_owned(),
            chat_id: event.chat_id,
            event_type: event.event_type,
            created_at: Utc::now(),
            status: if selected {
                DeliveryStatus::Pending
            } else {
                DeliveryStatus::Suppressed
            },
            attempts: Vec::new(),
            payload: event.payload.into(),
            cancelled: false,
        });
        self.events
            .publish_with(LiveEventKind::Delivery, tenant, Some(event.chat_id), || {
                delivery.lock().expect("delivery lock").summary()
            });
        if !selected {
            return;
        }
        self.dispatcher.enqueue(Job {
            tenant: tenant.to_owned(),
            chat_id: event.chat_id,
            delivery,
        });
    }

    pub fn deliveries(&self, filter: &DeliveryFilter) -> Vec<Delivery> {
        self.journal.list(filter)
    }

    pub fn counters(&self, filter: &DeliveryFilter) -> DeliveryCounters {
        self.journal.counters(filter)
    }

    pub fn delivery(&self, id: Uuid) -> Option<Delivery> {
        self.journal
            .get(id)
            .map(|handle| handle.lock().expect("delivery lock").clone())
    }

    /// Sends a delivery again (same id, fresh signature), behind its chat's queued events.
    pub fn redeliver(&self, id: Uuid) -> Result<Delivery, WebhookError> {
        let handle = self
            .journal
            .get(id)
            .ok_or(WebhookError::UnknownDelivery(id))?;
        let (tenant, chat_id, snapshot) = {
            let mut delivery = handle.lock().expect("delivery lock");
            delivery.status = DeliveryStatus::Pending;
            (delivery.tenant.clone(), delivery.chat_id, delivery.clone())
        };
        self.events.publish(
            LiveEventKind::Delivery,
            &tenant,
            Some(chat_id),
            snapshot.summary(),
        );
        self.dispatcher.enqueue(Job {
            tenant,
            chat_id,
            delivery: handle,
        });
        Ok(snapshot)
    }

    /// Forgets one tenant's (or every tenant's) targets, faults and deliveries.
    pub fn forget(&self, tenant: Option<&str>) {
        match tenant {
            Some(tenant) => {
                self.settings.targets.remove(tenant);
                self.settings.faults.remove(tenant);
                self.settings.event_selections.remove(tenant);
                self.settings.chat_created_orders.remove(tenant);
            }
            None => {
                self.settings.targets.clear();
                self.settings.faults.clear();
                self.settings.event_selections.clear();
                self.settings.chat_created_orders.clear();
            }
        }
        self.journal.forget(tenant);
    }

    /// Waits until no delivery is pending or retrying, or `grace` has passed; reports what
    /// is still undelivered. Retries go on meanwhile on their normal schedule.
    pub async fn drain(&self, grace: Duration) -> DrainReport {
        let mut changes = self.events.changes();
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let unfinished = self.unfinished();
            if unfinished.undelivered == 0 {
                return unfinished;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return self.unfinished();
            }
        }
    }

    fn unfinished(&self) -> DrainReport {
        let mut report = DrainReport::default();
        let all = DeliveryFilter::default();
        for delivery in self.journal.list(&all) {
            if matches!(
                delivery.status,
                DeliveryStatus::Pending | DeliveryStatus::Retrying
            ) {
                report.undelivered += 1;
                *report
                    .by_chat
                    .entry((delivery.tenant, delivery.chat_id))
                    .or_default() += 1;
            }
        }
        report
    }
}
