//! The escalation record: one hand-off of a chat to a human-agent queue, with
//! the platform's status and reason values (page "Virtual agent reason codes") and the
//! deflection offered and chosen. Only data: the transitions live in
//! [`super::escalation`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::queues::{Availability, DeflectionChannel};

/// Where an escalation stands (the platform's escalation `status` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscalationStatus {
    /// Handed to the queue; no agent has taken it yet.
    Escalating,
    /// A human agent took the chat.
    Escalated,
    /// The chat ended before anyone took it.
    Canceled,
    /// The queue could not take it; the end user has not chosen an option yet.
    Deflecting,
    /// The end user chose an option (`deflection_channel`).
    Deflected,
}

impl EscalationStatus {
    pub const NAMES: [&'static str; 5] = [
        "escalating",
        "escalated",
        "canceled",
        "deflecting",
        "deflected",
    ];

    pub fn name(self) -> &'static str {
        match self {
            EscalationStatus::Escalating => "escalating",
            EscalationStatus::Escalated => "escalated",
            EscalationStatus::Canceled => "canceled",
            EscalationStatus::Deflecting => "deflecting",
            EscalationStatus::Deflected => "deflected",
        }
    }
}

/// Why the escalation happened (the platform's escalation `reason` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// The consumer asked (`POST /chats/{id}/escalations`).
    ByEndUserAsk,
    /// The end user's answer to the queue-selection question chose the queue.
    ByEndUserMessage,
    /// The virtual agent routed by the chat's context (or gave up asking).
    ByVirtualAgent,
}

/// One hand-off of a chat to a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = EscalationRecord)]
pub struct Escalation {
    pub id: u64,
    pub queue_id: String,
    pub queue_name: String,
    pub status: EscalationStatus,
    pub reason: EscalationReason,
    /// `over_capacity` or `after_hours` when the queue deflected it.
    pub deflection_reason: Option<Availability>,
    /// What the end user may choose (empty unless deflected).
    pub deflection_options: Vec<DeflectionChannel>,
    /// What the end user chose.
    pub deflection_channel: Option<DeflectionChannel>,
    pub external_link_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
