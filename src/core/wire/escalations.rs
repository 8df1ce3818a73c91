//! The wire shapes of queues, escalations and the pre-chat transcript, each
//! named like its OpenAPI schema: the escalation object ([`Escalation`], answered by the
//! Apps API, carried by the `escalation_deflected` webhook and listed by the control
//! plane), a pre-chat entry ([`PreChatEntry`]), and the control plane's queue and lists.

use serde::{Deserialize, Serialize};

use crate::core::domain::escalation_record::{self, EscalationReason, EscalationStatus};
use crate::core::domain::pre_chat::{PreChatContent, PreChatMessage};
use crate::core::domain::queues::{Availability, DeflectionChannel, Queue};
use crate::core::domain::wait_times::WaitFigures;
use crate::core::domain::ChatId;
use crate::core::formats::timestamp;

/// The queue an escalation targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QueueRef {
    pub id: String,
    pub name: String,
}

/// An escalation (`Escalation`): the emulator's shape, with the platform's status and
/// reason values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Escalation {
    pub id: u64,
    pub chat_id: ChatId,
    pub status: EscalationStatus,
    pub reason: EscalationReason,
    pub queue: QueueRef,
    #[schema(schema_with = super::text_values::deflection_reason)]
    pub deflection_reason: Option<Availability>,
    pub deflection_options: Vec<DeflectionChannel>,
    pub deflection_channel: Option<DeflectionChannel>,
    pub external_link_url: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl Escalation {
    pub fn of(escalation: &escalation_record::Escalation, chat_id: ChatId) -> Escalation {
        Escalation {
            id: escalation.id,
            chat_id,
            status: escalation.status,
            reason: escalation.reason,
            queue: QueueRef {
                id: escalation.queue_id.clone(),
                name: escalation.queue_name.clone(),
            },
            deflection_reason: escalation.deflection_reason,
            deflection_options: escalation.deflection_options.clone(),
            deflection_channel: escalation.deflection_channel,
            external_link_url: escalation.external_link_url.clone(),
            created_at: timestamp(escalation.created_at),
            updated_at: timestamp(escalation.updated_at),
        }
    }

    /// Every escalation of a chat, in order.
    pub fn all_of(chat: &crate::core::domain::Chat) -> Vec<Escalation> {
        chat.escalations
            .iter()
            .map(|escalation| Escalation::of(escalation, chat.id))
            .collect()
    }
}

/// The `escalation_deflected` webhook's body (`EscalationDeflected`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EscalationDeflected {
    pub escalation: Escalation,
}

/// One entry of the pre-chat transcript as the views show it (`PreChatEntry`), marked
/// `pre_chat: true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreChatEntry {
    #[schema(schema_with = super::text_values::always_true)]
    pub pre_chat: bool,
    #[schema(schema_with = super::text_values::pre_chat_sender)]
    pub sender: String,
    #[schema(format = DateTime)]
    pub at: String,
    pub content: Vec<PreChatContent>,
}

impl PreChatEntry {
    pub fn all_of(entries: &[PreChatMessage]) -> Vec<PreChatEntry> {
        entries
            .iter()
            .map(|entry| PreChatEntry {
                pre_chat: true,
                sender: entry.sender.clone(),
                at: timestamp(entry.timestamp),
                content: entry.content.clone(),
            })
            .collect()
    }
}

/// A queue as one tenant sees it (`Queue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Queue)]
pub struct TenantQueue {
    pub id: String,
    pub name: String,
    pub availability: Availability,
    pub default_availability: Availability,
    pub deflection_options: Vec<DeflectionChannel>,
    pub external_link_url: Option<String>,
    pub waiting_chats: Vec<ChatId>,
    /// The menu `GET /wait_times` lists the queue as (`null`: none).
    pub menu_id: Option<u64>,
    /// The wait-time figures `GET /wait_times` answers for this tenant.
    pub wait_time: Option<WaitFigures>,
    /// The fixture's figures (what `DELETE .../wait_time` goes back to).
    pub default_wait_time: Option<WaitFigures>,
}

impl TenantQueue {
    pub fn of(
        queue: &Queue,
        availability: Availability,
        wait_time: Option<WaitFigures>,
        waiting_chats: Vec<ChatId>,
    ) -> TenantQueue {
        TenantQueue {
            id: queue.id.clone(),
            name: queue.name.clone(),
            availability,
            default_availability: queue.availability,
            deflection_options: queue.deflection_options.clone(),
            external_link_url: queue.external_link_url.clone(),
            waiting_chats,
            menu_id: queue.wait_time.as_ref().map(|menu| menu.menu_id),
            wait_time,
            default_wait_time: queue.wait_time.as_ref().map(|menu| menu.figures),
        }
    }
}

/// `GET /__admin/tenants/{tenant}/queues` (`QueueList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QueueList {
    pub tenant: String,
    pub queues: Vec<TenantQueue>,
}

/// An escalation with its tenant (`TenantEscalation`), for the control plane's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantEscalation {
    pub tenant: String,
    #[serde(flatten)]
    pub escalation: Escalation,
}

/// `GET /__admin/escalations` (`EscalationList`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EscalationList {
    pub count: usize,
    pub escalations: Vec<TenantEscalation>,
}
