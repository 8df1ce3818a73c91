//! Pending deliveries in the opt-in database (`--state-dir`): a delivery is written when it
//! is queued (before the request that caused it is answered) and deleted when it finishes
//! (delivered, failed, skipped or cancelled); after a restart the ones still written are
//! journaled again as `pending` and queued in their original order, keeping their ids.
//! Retry counts start again from the first attempt.

use chrono::{DateTime, Utc};

use super::catalog::EventType;
use super::delivery_journal::{Delivery, DeliveryHandle, DeliveryStatus, Payload};
use super::http::dispatcher::Job;
use super::targets::WebhookTargets;
use super::Webhooks;
use crate::core::domain::{ChatId, DeliveryId};
use crate::core::live_events::LiveEventKind;
use crate::core::state::durability::{Change, CommitLog, CommitTicket, PendingDelivery};

impl Webhooks {
    /// Whether deliveries are written (`--state-dir`).
    pub(super) fn persists(&self) -> bool {
        self.webhook_targets.durability.is_some()
    }

    /// Submits a queued delivery on its own (a redelivery); answers the ticket its send
    /// waits for (a failure is logged and counted by the store, and the send cancelled).
    pub(super) fn persist_pending(&self, delivery: &Delivery) -> CommitTicket {
        let Some(durability) = &self.webhook_targets.durability else {
            return CommitTicket::settled();
        };
        let Some(pending) = delivery.pending_row() else {
            return CommitTicket::settled();
        };
        durability
            .submit(&[Change::DeliveryQueued(&pending)], None)
            .unwrap_or_else(|error| failed_ticket(error.to_string()))
    }

    /// Journals and queues the deliveries a restart found pending, in order; answers how
    /// many.
    pub fn resume(&self, pending: &[PendingDelivery]) -> Result<usize, String> {
        for row in pending {
            let problem = |what: &str| format!("pending delivery {}: {what}", row.id);
            let id = DeliveryId::parse(&row.id).ok_or_else(|| problem("not a UUID"))?;
            let event_type =
                EventType::from_name(&row.event_type).ok_or_else(|| problem("unknown event"))?;
            let created_at = DateTime::parse_from_rfc3339(&row.created_at)
                .map_err(|error| problem(&error.to_string()))?
                .with_timezone(&Utc);
            let delivery = self.journal.record(Delivery {
                id,
                tenant: row.tenant.clone(),
                chat_id: ChatId(row.chat_id),
                event_type,
                created_at,
                status: DeliveryStatus::Pending,
                attempts: Vec::new(),
                payload_bytes: row.payload.len(),
                payload: Payload::Bytes(row.payload.as_slice().into()),
                payload_truncated: false,
                attempts_dropped: 0,
                cancelled: false,
            });
            self.events.publish_with(
                LiveEventKind::Delivery,
                &row.tenant,
                Some(ChatId(row.chat_id)),
                || delivery.lock().expect("delivery lock").summary(),
            );
            // Already in the store: nothing to wait for.
            self.dispatcher.enqueue(Job {
                tenant: row.tenant.clone(),
                chat_id: ChatId(row.chat_id),
                delivery,
                written: CommitTicket::settled(),
            });
        }
        Ok(pending.len())
    }
}

impl WebhookTargets {
    /// Deletes a finished delivery's row (nothing to do without `--state-dir`).
    pub(super) fn persist_finished(&self, delivery: &DeliveryHandle) {
        if let Some(durability) = &self.durability {
            let id = delivery.lock().expect("delivery lock").id.to_string();
            // Written with the next group of changes; nobody waits for it.
            let _ = durability.submit(&[Change::DeliveryFinished { id: &id }], None);
        }
    }
}

/// A ticket that failed before it was submitted.
fn failed_ticket(problem: String) -> CommitTicket {
    let log = std::sync::Arc::new(CommitLog::default());
    log.settle(1, [(1, problem)]);
    CommitTicket::new(1, log)
}
