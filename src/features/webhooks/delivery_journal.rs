//! The delivery journal: every webhook delivery with its status and every attempt made for
//! it, kept so tests and people can see exactly what was sent, when, and what the receiver
//! answered, and so an exhausted delivery can be sent again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::catalog::EventType;
pub use super::delivery_payload::Payload;
use crate::core::domain::{ChatId, DeliveryId};
use crate::core::state::durability::PendingDelivery;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Queued, not yet attempted (or waiting behind an earlier event of its chat).
    Pending,
    /// An attempt failed; another is scheduled.
    Retrying,
    Delivered,
    /// Every scheduled attempt failed. It can be redelivered.
    Failed,
    /// No webhook URL was configured for the tenant when it was due.
    Skipped,
    /// Not sent: the tenant's event selection leaves this event type out (by default the
    /// emulator-defined events). Journaled so it stays visible; it can be redelivered.
    Suppressed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 6] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Retrying,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
        DeliveryStatus::Skipped,
        DeliveryStatus::Suppressed,
    ];

    /// The wire name (`pending`, `retrying`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Retrying => "retrying",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Skipped => "skipped",
            DeliveryStatus::Suppressed => "suppressed",
        }
    }

    pub fn from_name(name: &str) -> Option<DeliveryStatus> {
        Self::ALL.into_iter().find(|status| status.name() == name)
    }
}

/// One HTTP attempt at a delivery.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryAttempt {
    pub at: DateTime<Utc>,
    pub url: String,
    /// The `X-Signature-Timestamp` this attempt was signed with.
    pub signature_timestamp: String,
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    pub error: Option<String>,
    /// The receiver's response body, truncated.
    pub response_body: Option<String>,
    /// The receiver's `Retry-After`, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retry_after_ms: Option<u64>,
    /// Faults injected into this attempt (see `faults.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<String>,
}

impl DeliveryAttempt {
    /// A 2xx answer received whole, within the timeout.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
            && self
                .status_code
                .is_some_and(|code| (200..300).contains(&code))
    }
}

/// One event on its way to a tenant's webhook (as the control plane shows it, the payload
/// aside: the client reads it back with this type too).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: DeliveryId,
    pub tenant: String,
    pub chat_id: ChatId,
    pub event_type: EventType,
    pub created_at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub attempts: Vec<DeliveryAttempt>,
    /// The exact bytes sent, kept for redelivery, shown as the JSON they are; once the
    /// delivery is finished, a payload over `--delivery-payload-cap` is replaced by its
    /// first bytes as one JSON string.
    #[serde(
        serialize_with = "payload_as_json",
        deserialize_with = "payload_ignored",
        default
    )]
    #[schema(value_type = DeliveryPayload, inline)]
    pub payload: Payload,
    /// The payload's full length.
    pub payload_bytes: usize,
    /// The kept payload is only its first `--delivery-payload-cap` bytes.
    pub payload_truncated: bool,
    /// Oldest attempts dropped to keep at most `--delivery-attempts-cap`.
    pub attempts_dropped: u64,
    /// Set when the tenant is reset: the dispatcher drops it.
    #[serde(skip)]
    pub cancelled: bool,
}

/// What one delivery may keep (`--delivery-payload-cap`, `--delivery-attempts-cap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryCaps {
    pub payload_bytes: usize,
    pub attempts: usize,
}

impl Delivery {
    /// The row a queued delivery is written as (`None`: a deferred body, never queued).
    pub fn pending_row(&self) -> Option<PendingDelivery> {
        let Payload::Bytes(bytes) = &self.payload else {
            return None;
        };
        Some(PendingDelivery {
            id: self.id.to_string(),
            tenant: self.tenant.clone(),
            chat_id: self.chat_id.get(),
            event_type: self.event_type.name().to_owned(),
            created_at: self.created_at.to_rfc3339(),
            payload: bytes.to_vec(),
        })
    }

    /// Not pending nor retrying.
    pub fn is_finished(&self) -> bool {
        !matches!(
            self.status,
            DeliveryStatus::Pending | DeliveryStatus::Retrying
        )
    }

    /// Drops the oldest attempts past the cap and, once finished, trims the payload.
    /// An unfinished delivery keeps its whole payload: it still has to be sent.
    pub fn keep_within(&mut self, caps: DeliveryCaps) {
        let attempts = caps.attempts.max(1);
        if self.attempts.len() > attempts {
            let excess = self.attempts.len() - attempts;
            self.attempts.drain(..excess);
            self.attempts_dropped += excess as u64;
        }
        let over_cap = self
            .payload
            .stored()
            .filter(|bytes| bytes.len() > caps.payload_bytes);
        if let Some(bytes) = over_cap.filter(|_| self.is_finished() && !self.payload_truncated) {
            let kept = String::from_utf8_lossy(&bytes[..caps.payload_bytes]);
            let as_json_string = serde_json::to_vec(&kept).expect("a string serialises");
            self.payload = Payload::Bytes(Arc::from(as_json_string));
            self.payload_truncated = true;
        }
    }

    /// The delivery as it is shown: a deferred payload built now (with its length). Locks
    /// the chat: call it on a copy, outside the journal's and the chat's locks.
    pub fn resolved(mut self) -> Delivery {
        if let Payload::Deferred { .. } = self.payload {
            if let Some(bytes) = self.payload.bytes() {
                self.payload_bytes = bytes.len();
                self.payload = Payload::Bytes(bytes);
            }
        }
        self
    }

    /// A short form for the live event stream.
    pub fn summary(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "event_type": self.event_type,
            "status": self.status,
            "attempts": self.attempts.len(),
            "last_status_code": self.attempts.last().and_then(|attempt| attempt.status_code),
        })
    }
}

fn payload_as_json<S: serde::Serializer>(
    payload: &Payload,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    payload
        .bytes()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .unwrap_or(Value::Null)
        .serialize(serializer)
}

/// A payload read back from JSON is not kept (a delivery read back has no bytes).
fn payload_ignored<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Payload, D::Error> {
    serde::de::IgnoredAny::deserialize(deserializer)?;
    Ok(Payload::default())
}

// A description for the OpenAPI document of what `payload_as_json` writes.
/// A delivery's payload: the event, or a finished delivery's payload over
/// `--delivery-payload-cap` as its first bytes, as text.
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)] // never built: it only describes the JSON
enum DeliveryPayload {
    Event(super::wire::AnyWebhookEvent),
    /// a finished delivery's payload over --delivery-payload-cap: its first bytes, as text
    Truncated(String),
}

/// `GET /__admin/webhooks/deliveries`' answer (`DeliveryList`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryList {
    pub count: usize,
    pub counters: DeliveryCounters,
    pub deliveries: Vec<Delivery>,
}

/// A filter over the journal; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub tenant: Option<String>,
    pub chat_id: Option<ChatId>,
    pub event_type: Option<EventType>,
    pub status: Option<DeliveryStatus>,
}

impl DeliveryFilter {
    fn matches(&self, delivery: &Delivery) -> bool {
        self.tenant
            .as_ref()
            .is_none_or(|tenant| *tenant == delivery.tenant)
            && self
                .chat_id
                .is_none_or(|chat_id| chat_id == delivery.chat_id)
            && self
                .event_type
                .is_none_or(|event_type| event_type == delivery.event_type)
            && self.status.is_none_or(|status| status == delivery.status)
    }
}

/// Totals over (part of) the journal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryCounters {
    pub deliveries: usize,
    pub pending: usize,
    pub retrying: usize,
    pub delivered: usize,
    pub failed: usize,
    pub skipped: usize,
    pub suppressed: usize,
    pub attempts: usize,
    pub failed_attempts: usize,
    /// Attempts dropped from deliveries that reached `--delivery-attempts-cap`.
    pub attempts_dropped: u64,
    /// Finished deliveries whose payload was trimmed to `--delivery-payload-cap`.
    pub payloads_trimmed: usize,
    /// Finished deliveries evicted from the whole journal to respect its capacity.
    pub evicted: u64,
}

impl DeliveryCounters {
    pub(super) fn add(&mut self, delivery: &Delivery) {
        self.deliveries += 1;
        match delivery.status {
            DeliveryStatus::Pending => self.pending += 1,
            DeliveryStatus::Retrying => self.retrying += 1,
            DeliveryStatus::Delivered => self.delivered += 1,
            DeliveryStatus::Failed => self.failed += 1,
            DeliveryStatus::Skipped => self.skipped += 1,
            DeliveryStatus::Suppressed => self.suppressed += 1,
        }
        self.attempts += delivery.attempts.len();
        self.attempts_dropped += delivery.attempts_dropped;
        self.payloads_trimmed += usize::from(delivery.payload_truncated);
        self.failed_attempts += delivery
            .attempts
            .iter()
            .filter(|attempt| !attempt.succeeded())
            .count();
    }

    /// Deliveries still on their way (pending or retrying).
    pub fn unfinished(&self) -> usize {
        self.pending + self.retrying
    }
}

/// A shared handle to one journal entry.
pub type DeliveryHandle = Arc<Mutex<Delivery>>;

/// All deliveries, in the order they were created, up to a capacity: past it the oldest
/// finished deliveries are evicted (and counted); unfinished ones are never evicted.
#[derive(Debug)]
pub struct DeliveryJournal {
    in_order: RwLock<Vec<DeliveryHandle>>,
    by_id: DashMap<DeliveryId, DeliveryHandle>,
    capacity: usize,
    evicted: AtomicU64,
}

impl DeliveryJournal {
    pub fn with_capacity(capacity: usize) -> DeliveryJournal {
        DeliveryJournal {
            in_order: RwLock::default(),
            by_id: DashMap::new(),
            capacity: capacity.max(1),
            evicted: AtomicU64::new(0),
        }
    }

    pub fn record(&self, delivery: Delivery) -> DeliveryHandle {
        let id = delivery.id;
        let handle = Arc::new(Mutex::new(delivery));
        let mut in_order = self.in_order.write().expect("journal lock");
        in_order.push(Arc::clone(&handle));
        self.by_id.insert(id, Arc::clone(&handle));
        // Evict in batches of a tenth of the capacity, so the cost is amortised.
        if in_order.len() > self.capacity + self.capacity / 10 {
            self.evict_oldest_finished(&mut in_order);
        }
        handle
    }

    fn evict_oldest_finished(&self, in_order: &mut Vec<DeliveryHandle>) {
        let target = in_order.len().saturating_sub(self.capacity);
        let mut excess = target;
        in_order.retain(|handle| {
            if excess == 0 {
                return true;
            }
            let delivery = handle.lock().expect("delivery lock");
            let finished = !matches!(
                delivery.status,
                DeliveryStatus::Pending | DeliveryStatus::Retrying
            );
            if finished {
                excess -= 1;
                self.by_id.remove(&delivery.id);
            }
            !finished
        });
        self.evicted
            .fetch_add((target - excess) as u64, Ordering::Relaxed);
    }

    /// The deliveries kept, and the cap (eviction is batched: up to 110% of it are kept).
    pub fn size(&self) -> (usize, usize) {
        (
            self.in_order.read().expect("journal lock").len(),
            self.capacity,
        )
    }

    /// Finished deliveries evicted so far to keep the journal within its capacity.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    pub fn get(&self, id: DeliveryId) -> Option<DeliveryHandle> {
        self.by_id.get(&id).map(|entry| Arc::clone(entry.value()))
    }

    /// Snapshots of the deliveries that match `filter`, oldest first.
    pub fn list(&self, filter: &DeliveryFilter) -> Vec<Delivery> {
        self.in_order
            .read()
            .expect("journal lock")
            .iter()
            .filter_map(|handle| {
                let delivery = handle.lock().expect("delivery lock");
                filter.matches(&delivery).then(|| delivery.clone())
            })
            .collect()
    }

    /// Counters over the deliveries that match `filter`.
    pub fn counters(&self, filter: &DeliveryFilter) -> DeliveryCounters {
        let mut counters = DeliveryCounters {
            evicted: self.evicted(),
            ..DeliveryCounters::default()
        };
        for handle in self.in_order.read().expect("journal lock").iter() {
            let delivery = handle.lock().expect("delivery lock");
            if filter.matches(&delivery) {
                counters.add(&delivery);
            }
        }
        counters
    }

    /// Forgets a tenant's deliveries (all tenants' with `None`) and cancels pending ones.
    pub fn forget(&self, tenant: Option<&str>) {
        let mut in_order = self.in_order.write().expect("journal lock");
        in_order.retain(|handle| {
            let mut delivery = handle.lock().expect("delivery lock");
            let forget = tenant.is_none_or(|tenant| tenant == delivery.tenant);
            if forget {
                delivery.cancelled = true;
                self.by_id.remove(&delivery.id);
            }
            !forget
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(status: DeliveryStatus) -> Delivery {
        Delivery {
            id: DeliveryId::new(),
            tenant: "t".into(),
            chat_id: ChatId(1),
            event_type: EventType::MessageReceived,
            created_at: Utc::now(),
            status,
            attempts: Vec::new(),
            payload: Payload::Bytes(Arc::from(&b"{}"[..])),
            payload_bytes: 2,
            payload_truncated: false,
            attempts_dropped: 0,
            cancelled: false,
        }
    }

    #[test]
    fn past_its_capacity_the_journal_evicts_the_oldest_finished_deliveries_and_counts_them() {
        let journal = DeliveryJournal::with_capacity(10);
        let stuck = journal.record(delivery(DeliveryStatus::Retrying));
        for _ in 0..30 {
            journal.record(delivery(DeliveryStatus::Delivered));
        }
        let all = journal.list(&DeliveryFilter::default());
        assert!(all.len() <= 11, "{}", all.len());
        assert_eq!(journal.evicted() as usize + all.len(), 31);
        let stuck_id = stuck.lock().unwrap().id;
        assert!(
            journal.get(stuck_id).is_some(),
            "unfinished deliveries are kept"
        );
        assert_eq!(
            journal.counters(&DeliveryFilter::default()).evicted,
            journal.evicted()
        );
    }
}
