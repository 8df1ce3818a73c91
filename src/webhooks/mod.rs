//! Webhooks to each tenant's registered URL (SPEC A5, B2): the event [`catalog`], the
//! [`signing`] scheme, the per-tenant targets (with a process-wide default) and injected
//! [`faults`], the delivery [`journal`], the retry [`policy`], and the [`dispatcher`] and
//! [`sender`] that order, send and retry. [`Webhooks`] is the one entry point the rest of
//! the emulator uses.

pub mod catalog;
pub mod dispatcher;
pub mod faults;
pub mod journal;
pub mod loopback;
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
use dispatcher::{Dispatcher, Job};
use faults::FaultInjection;
use journal::{
    Delivery, DeliveryCaps, DeliveryCounters, DeliveryFilter, DeliveryJournal, DeliveryStatus,
};
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
    #[error("Delivery {id} cannot be sent again: its payload of {bytes} bytes was trimmed to {kept} bytes when it finished")]
    PayloadTrimmed { id: Uuid, bytes: usize, kept: usize },
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

/// Per-tenant targets and faults, plus the process-wide default target.
#[derive(Debug, Default)]
pub struct Settings {
    targets: DashMap<String, WebhookTarget>,
    default: Option<WebhookTarget>,
    faults: DashMap<String, FaultInjection>,
    /// The emulator's own address, to refuse targets that loop back into it.
    own_address: loopback::OwnAddress,
    /// What each delivery may keep.
    caps: Option<DeliveryCaps>,
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

    /// What each delivery may keep.
    pub fn caps(&self) -> DeliveryCaps {
        self.caps.unwrap_or(DeliveryCaps {
            payload_bytes: crate::limits::DEFAULT_DELIVERY_PAYLOAD_CAP,
            attempts: crate::limits::DEFAULT_DELIVERY_ATTEMPTS_CAP,
        })
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
}

impl Webhooks {
    pub fn start(
        default: Option<WebhookTarget>,
        policy: RetryPolicy,
        journal_capacity: usize,
        caps: DeliveryCaps,
        events: Arc<EventBus>,
    ) -> Webhooks {
        let settings = Arc::new(Settings {
            default,
            caps: Some(caps),
            ..Settings::default()
        });
        let dispatcher = Dispatcher::start(Arc::clone(&settings), policy, Arc::clone(&events));
        Webhooks {
            settings,
            journal: Arc::new(DeliveryJournal::with_capacity(journal_capacity)),
            dispatcher,
            events,
        }
    }

    /// Records where the emulator listens, so targets pointing at it are refused.
    pub fn set_own_address(&self, address: std::net::SocketAddr) {
        self.settings.own_address.set(address);
    }

    /// Refuses a target that points at the emulator itself (its deliveries would loop).
    pub fn refuse_loop(&self, target: &WebhookTarget) -> Result<(), WebhookError> {
        self.settings.own_address.refuse_loop(target)
    }

    pub fn set_target(&self, tenant: &str, target: WebhookTarget) -> Result<(), WebhookError> {
        target.validate()?;
        self.refuse_loop(&target)?;
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

    /// Journals `event` and queues it behind the chat's earlier events. Never blocks.
    pub fn publish(&self, tenant: &str, event: Event) {
        let delivery = self.journal.record(Delivery {
            id: Uuid::new_v4(),
            tenant: tenant.to_owned(),
            chat_id: event.chat_id,
            event_type: event.event_type,
            created_at: Utc::now(),
            status: DeliveryStatus::Pending,
            attempts: Vec::new(),
            payload_bytes: event.payload.len(),
            payload: event.payload.into(),
            payload_truncated: false,
            attempts_dropped: 0,
            cancelled: false,
        });
        self.events
            .publish_with(LiveEventKind::Delivery, tenant, Some(event.chat_id), || {
                delivery.lock().expect("delivery lock").summary()
            });
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

    /// Deliveries kept and the journal's cap.
    pub fn journal_size(&self) -> (usize, usize) {
        self.journal.size()
    }

    /// What each delivery may keep.
    pub fn caps(&self) -> DeliveryCaps {
        self.settings.caps()
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
            if delivery.payload_truncated {
                return Err(WebhookError::PayloadTrimmed {
                    id,
                    bytes: delivery.payload_bytes,
                    kept: delivery.payload.len(),
                });
            }
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
            }
            None => {
                self.settings.targets.clear();
                self.settings.faults.clear();
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
