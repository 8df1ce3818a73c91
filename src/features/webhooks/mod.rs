//! Webhooks to each tenant's registered URL: the event [`catalog`], the
//! [`signing`] scheme, the per-tenant targets (with a process-wide default, `targets`) and
//! injected [`faults`], the [`delivery_journal`], the retry [`policy`], the
//! [`dispatcher`] and [`poster`] that order, send and retry, which events a tenant receives
//! ([`event_selection`]), the shape of a text message's content ([`content_shape`]),
//! when `chat_created` goes out ([`creation_order`]) and the wait
//! for unfinished deliveries at shutdown (`drain`). [`Webhooks`] is the one entry point
//! the rest of the emulator uses (through `crate::core::state`).

pub mod catalog;
pub mod content_shape;
pub mod creation_order;
pub mod delivery_journal;
mod delivery_payload;
mod drain;
mod durable;
pub mod event_selection;
pub mod faults;
pub mod http;
mod observer;
pub mod retry;
mod settings;
pub mod signing;
mod targets;
mod tenant_choices;
mod wait_report;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::core::domain::{ChatId, DeliveryId};
use crate::core::live_events::{LiveEventBus, LiveEventKind};
use crate::core::state::durability::{Durability, Outbox};
use catalog::{Event, EventType};
pub use content_shape::MessageContentShape;
pub use creation_order::ChatCreatedOrder;
pub use delivery_journal::DeliveryFilter;
use delivery_journal::{
    Delivery, DeliveryCaps, DeliveryCounters, DeliveryJournal, DeliveryStatus, Payload,
};
pub use drain::DrainReport;
use faults::FaultInjection;
use http::dispatcher::{Dispatcher, Job};
use retry::RetryPolicy;
pub use settings::{
    TargetSource, TenantChatCreatedOrder, TenantEventSelection, TenantMessageContentShape,
    TenantWebhook, WebhookSettings,
};
pub use signing::sign;
use targets::WebhookTargets;
pub use targets::{WebhookConfig, WebhookError, WebhookOptions, WebhookTarget};

/// What the webhook subsystem is started with.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// The process-wide target of tenants that set none (`--webhook-url`).
    pub default_target: Option<WebhookTarget>,
    pub retry: RetryPolicy,
    /// Deliveries the journal keeps (`--delivery-journal-cap`).
    pub journal_capacity: usize,
    /// What each finished delivery keeps.
    pub caps: DeliveryCaps,
    /// Where deliveries may differ from the platform (defaults follow it).
    pub options: WebhookOptions,
}

/// The webhook subsystem.
pub struct Webhooks {
    webhook_targets: Arc<WebhookTargets>,
    journal: Arc<DeliveryJournal>,
    dispatcher: Dispatcher,
    events: Arc<LiveEventBus>,
    attempt_timeout: Duration,
}

impl Webhooks {
    /// Starts the dispatcher's thread. Pending deliveries are written to `durability`
    /// (with `--state-dir`) from now on.
    pub fn start(
        settings: DeliverySettings,
        events: Arc<LiveEventBus>,
        durability: Option<Arc<dyn Durability>>,
    ) -> Webhooks {
        let webhook_targets = Arc::new(WebhookTargets {
            default: settings.default_target,
            caps: Some(settings.caps),
            options: settings.options,
            durability,
            ..WebhookTargets::default()
        });
        let attempt_timeout = settings.retry.timeout;
        let dispatcher = Dispatcher::start(
            Arc::clone(&webhook_targets),
            settings.retry,
            Arc::clone(&events),
        );
        Webhooks {
            webhook_targets,
            journal: Arc::new(DeliveryJournal::with_capacity(settings.journal_capacity)),
            dispatcher,
            events,
            attempt_timeout,
        }
    }

    /// Records where the emulator listens: webhook targets pointing there are refused (a
    /// loop), the default one included.
    pub fn set_own_address(&self, address: std::net::SocketAddr) -> Result<(), WebhookError> {
        self.webhook_targets.own_address.set(address);
        match self.default_target() {
            Some(target) => self.refuse_loop(target),
            None => Ok(()),
        }
    }

    /// Refuses a target that points at the emulator itself (its deliveries would loop).
    pub fn refuse_loop(&self, target: &WebhookTarget) -> Result<(), WebhookError> {
        self.webhook_targets
            .own_address
            .refuse_loop(&target.url)
            .map_err(WebhookError::InvalidTarget)
    }

    /// How long one attempt may take (`--webhook-timeout`).
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    pub fn set_target(&self, tenant: &str, target: WebhookTarget) -> Result<(), WebhookError> {
        target.validate()?;
        self.refuse_loop(&target)?;
        self.webhook_targets
            .targets
            .insert(tenant.to_owned(), target);
        Ok(())
    }

    /// The tenant's own target (not the default).
    pub fn target(&self, tenant: &str) -> Option<WebhookTarget> {
        self.webhook_targets
            .targets
            .get(tenant)
            .map(|target| target.clone())
    }

    pub fn default_target(&self) -> Option<&WebhookTarget> {
        self.webhook_targets.default.as_ref()
    }

    pub fn remove_target(&self, tenant: &str) -> Option<WebhookTarget> {
        self.webhook_targets
            .targets
            .remove(tenant)
            .map(|(_, target)| target)
    }

    /// The secondary secret becomes the primary one (and there is no secondary any more).
    pub fn rotate(&self, tenant: &str) -> Result<WebhookTarget, WebhookError> {
        let mut target = self
            .webhook_targets
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
        self.webhook_targets
            .faults
            .insert(tenant.to_owned(), faults);
        Ok(())
    }

    pub fn faults(&self, tenant: &str) -> Option<FaultInjection> {
        self.webhook_targets.faults(tenant)
    }

    pub fn clear_faults(&self, tenant: &str) -> Result<(), WebhookError> {
        self.webhook_targets
            .faults
            .remove(tenant)
            .map(|_| ())
            .ok_or(WebhookError::NoFaults)
    }

    /// True when the tenant's webhooks go somewhere (its own target or the default).
    pub fn has_target(&self, tenant: &str) -> bool {
        self.webhook_targets.default.is_some() || self.webhook_targets.targets.contains_key(tenant)
    }

    /// Journals an event that had nowhere to go as `skipped` (or `suppressed`, when the
    /// tenant's event selection leaves it out); nothing is queued.
    pub fn skip(&self, tenant: &str, chat_id: ChatId, event_type: EventType, payload: Payload) {
        let selected = self.event_selection(tenant).0.includes(event_type);
        let delivery = self.journal.record(Delivery {
            id: DeliveryId::new(),
            tenant: tenant.to_owned(),
            chat_id,
            event_type,
            created_at: Utc::now(),
            status: if selected {
                DeliveryStatus::Skipped
            } else {
                DeliveryStatus::Suppressed
            },
            attempts: Vec::new(),
            payload_bytes: match &payload {
                Payload::Bytes(bytes) => bytes.len(),
                // Known when it is built (`Delivery::resolved`).
                Payload::Deferred { .. } => 0,
            },
            payload,
            payload_truncated: false,
            attempts_dropped: 0,
            cancelled: false,
        });
        // Finished now: a stored payload keeps within the cap.
        delivery
            .lock()
            .expect("delivery lock")
            .keep_within(self.caps());
        self.events
            .publish_with(LiveEventKind::Delivery, tenant, Some(chat_id), || {
                delivery.lock().expect("delivery lock").summary()
            });
    }

    /// Journals `event` and, unless the tenant's event selection leaves it out (then it
    /// is journaled as `suppressed`), puts it in `outbox`: it is written with the change
    /// that caused it and queued behind the chat's earlier events once that change is
    /// submitted; it is sent once that change is committed. Never blocks.
    pub fn publish(&self, tenant: &str, event: Event, outbox: &mut Outbox) {
        let selected = self.event_selection(tenant).0.includes(event.event_type);
        let delivery = self.journal.record(Delivery {
            id: DeliveryId::new(),
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
            payload_bytes: event.payload.len(),
            payload: Payload::Bytes(event.payload.into()),
            payload_truncated: false,
            attempts_dropped: 0,
            cancelled: false,
        });
        if !selected {
            // Suppressed: finished now, so its payload keeps within the cap.
            delivery
                .lock()
                .expect("delivery lock")
                .keep_within(self.caps());
        }
        self.events
            .publish_with(LiveEventKind::Delivery, tenant, Some(event.chat_id), || {
                delivery.lock().expect("delivery lock").summary()
            });
        if !selected {
            return;
        }
        if self.persists() {
            if let Some(pending) = delivery.lock().expect("delivery lock").pending_row() {
                outbox.deliveries.push(pending);
            }
        }
        let dispatcher = self.dispatcher.clone();
        let tenant = tenant.to_owned();
        outbox.after_submit(move |ticket| {
            dispatcher.enqueue(Job {
                tenant,
                chat_id: event.chat_id,
                delivery,
                written: ticket.clone(),
            })
        });
    }

    /// The matching deliveries as shown (deferred payloads built, outside every lock).
    pub fn deliveries(&self, filter: &DeliveryFilter) -> Vec<Delivery> {
        self.journal
            .list(filter)
            .into_iter()
            .map(Delivery::resolved)
            .collect()
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
        self.webhook_targets.caps()
    }

    pub fn delivery(&self, id: DeliveryId) -> Option<Delivery> {
        let delivery = self
            .journal
            .get(id)
            .map(|handle| handle.lock().expect("delivery lock").clone())?;
        Some(delivery.resolved())
    }

    /// Sends a delivery again (same id, fresh signature), behind its chat's queued events.
    pub fn redeliver(&self, id: DeliveryId) -> Result<Delivery, WebhookError> {
        let handle = self
            .journal
            .get(id)
            .ok_or(WebhookError::UnknownDelivery(id))?;
        // A deferred body is built now (outside the delivery's lock: building locks the chat).
        let (payload, trimmed) = {
            let delivery = handle.lock().expect("delivery lock");
            let trimmed = delivery.payload_truncated.then_some(delivery.payload_bytes);
            (delivery.payload.clone(), trimmed)
        };
        if let Some(bytes) = trimmed {
            return Err(WebhookError::PayloadTrimmed {
                id,
                bytes,
                kept: self.webhook_targets.caps().payload_bytes,
            });
        }
        let bytes = payload.bytes().ok_or(WebhookError::BodyGone(id))?;
        let (tenant, chat_id, snapshot) = {
            let mut delivery = handle.lock().expect("delivery lock");
            delivery.payload_bytes = bytes.len();
            delivery.payload = Payload::Bytes(bytes);
            delivery.status = DeliveryStatus::Pending;
            (delivery.tenant.clone(), delivery.chat_id, delivery.clone())
        };
        let written = self.persist_pending(&snapshot);
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
            written,
        });
        Ok(snapshot)
    }

    /// Forgets one tenant's (or every tenant's) targets, faults, event selection,
    /// `chat_created` order and deliveries.
    pub fn forget(&self, tenant: Option<&str>) {
        match tenant {
            Some(tenant) => {
                self.webhook_targets.targets.remove(tenant);
                self.webhook_targets.faults.remove(tenant);
                self.webhook_targets.event_selections.remove(tenant);
                self.webhook_targets.chat_created_orders.remove(tenant);
                self.webhook_targets.message_content_shapes.remove(tenant);
            }
            None => {
                self.webhook_targets.targets.clear();
                self.webhook_targets.faults.clear();
                self.webhook_targets.event_selections.clear();
                self.webhook_targets.chat_created_orders.clear();
                self.webhook_targets.message_content_shapes.clear();
            }
        }
        self.journal.forget(tenant);
    }
}
