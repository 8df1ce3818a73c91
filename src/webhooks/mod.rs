//! Webhooks to each tenant's registered URL (SPEC A5, B2): the event [`catalog`], the
//! [`signing`] scheme, the per-tenant targets (with a process-wide default), the delivery
//! [`journal`] and the [`dispatcher`] that sends, orders and retries. [`Webhooks`] is the
//! one entry point the rest of the emulator uses.

pub mod catalog;
pub mod dispatcher;
pub mod journal;
pub mod signing;

use std::sync::Arc;

use awc::http::Uri;
use chrono::Utc;
use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::{EventBus, LiveEventKind};
use catalog::Event;
use dispatcher::{Dispatcher, Job, RetryPolicy};
use journal::{Delivery, DeliveryFilter, DeliveryJournal, DeliveryStatus};

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

/// Per-tenant targets plus the process-wide default.
#[derive(Debug, Default)]
pub struct Targets {
    by_tenant: DashMap<String, WebhookTarget>,
    default: Option<WebhookTarget>,
}

impl Targets {
    /// The tenant's own target, or else the default.
    pub fn resolve(&self, tenant: &str) -> Option<WebhookTarget> {
        self.by_tenant
            .get(tenant)
            .map(|target| target.clone())
            .or_else(|| self.default.clone())
    }
}

/// The webhook subsystem.
pub struct Webhooks {
    targets: Arc<Targets>,
    journal: Arc<DeliveryJournal>,
    dispatcher: Dispatcher,
    events: Arc<EventBus>,
}

impl Webhooks {
    pub fn start(
        default: Option<WebhookTarget>,
        policy: RetryPolicy,
        events: Arc<EventBus>,
    ) -> Webhooks {
        let targets = Arc::new(Targets {
            by_tenant: DashMap::new(),
            default,
        });
        let dispatcher = Dispatcher::start(Arc::clone(&targets), policy, Arc::clone(&events));
        Webhooks {
            targets,
            journal: Arc::default(),
            dispatcher,
            events,
        }
    }

    pub fn set_target(&self, tenant: &str, target: WebhookTarget) -> Result<(), WebhookError> {
        target.validate()?;
        self.targets.by_tenant.insert(tenant.to_owned(), target);
        Ok(())
    }

    /// The tenant's own target (not the default).
    pub fn target(&self, tenant: &str) -> Option<WebhookTarget> {
        self.targets
            .by_tenant
            .get(tenant)
            .map(|target| target.clone())
    }

    pub fn default_target(&self) -> Option<&WebhookTarget> {
        self.targets.default.as_ref()
    }

    pub fn remove_target(&self, tenant: &str) -> Option<WebhookTarget> {
        self.targets
            .by_tenant
            .remove(tenant)
            .map(|(_, target)| target)
    }

    /// The secondary secret becomes the primary one (and there is no secondary any more).
    pub fn rotate(&self, tenant: &str) -> Result<WebhookTarget, WebhookError> {
        let mut target = self
            .targets
            .by_tenant
            .get_mut(tenant)
            .ok_or(WebhookError::NoTarget)?;
        let secondary = target
            .secondary_secret
            .take()
            .ok_or(WebhookError::NoSecondarySecret)?;
        target.primary_secret = secondary;
        Ok(target.clone())
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
            payload: event.payload.into(),
            cancelled: false,
        });
        let summary = delivery.lock().expect("delivery lock").summary();
        self.events.publish(
            LiveEventKind::Delivery,
            tenant,
            Some(event.chat_id),
            summary,
        );
        self.dispatcher.enqueue(Job {
            tenant: tenant.to_owned(),
            chat_id: event.chat_id,
            delivery,
        });
    }

    pub fn deliveries(&self, filter: &DeliveryFilter) -> Vec<Delivery> {
        self.journal.list(filter)
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

    /// Forgets one tenant's (or every tenant's) targets and deliveries.
    pub fn forget(&self, tenant: Option<&str>) {
        match tenant {
            Some(tenant) => {
                self.targets.by_tenant.remove(tenant);
            }
            None => self.targets.by_tenant.clear(),
        }
        self.journal.forget(tenant);
    }
}
