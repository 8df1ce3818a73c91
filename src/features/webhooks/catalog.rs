//! The one table of webhook events: each event's name, whether the platform documents it
//! (and on which public page) or the emulator defines it, and how its `body` is built from
//! a chat. Every webhook the emulator sends is made here, so names and payload shapes
//! cannot drift apart. Only documented events are sent by default (see
//! [`super::event_selection`]); `docs/fidelity.md` keeps the same table, checked by a test.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::core::domain::{Chat, ChatId, Happening};
use crate::core::wire::apps::{Agent, EndUserRef};
use crate::core::wire::escalations::{Escalation, EscalationDeflected};
use crate::features::webhooks::wire::{self as events, EventVirtualAgent};

/// Every event the emulator can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    ChatCreated,
    MessageReceived,
    AgentJoined,
    VirtualAgentJoined,
    VirtualAgentLeft,
    ChatEnded,
    ChatDismissed,
    ChatResumed,
    EscalationDeflected,
}

/// One row of the catalog.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct EventSpec {
    pub event_type: EventType,
    pub name: &'static str,
    /// True when the platform's public documentation describes the event.
    pub documented: bool,
    /// The title of the platform's public page that documents it (`None`: emulator-defined).
    #[schema(required = true)]
    pub source: Option<&'static str>,
    pub description: &'static str,
}

const EMULATOR_DEFINED: Option<&str> = None;

/// What `GET /__admin/webhooks/events` answers (`EventCatalog`): every row of [`CATALOG`].
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct EventCatalog {
    pub events: &'static [EventSpec],
}

/// The catalog as the control plane answers it.
pub const EVENT_CATALOG: EventCatalog = EventCatalog { events: CATALOG };

/// The catalog. The README's event table mirrors it.
pub const CATALOG: &[EventSpec] = &[
    EventSpec {
        event_type: EventType::ChatCreated,
        name: "chat_created",
        documented: true,
        source: Some("Chat platform API Guide"),
        description: "A chat was created by POST /chats.",
    },
    EventSpec {
        event_type: EventType::MessageReceived,
        name: "message_received",
        documented: true,
        source: Some("Use virtual task assistants with the chat API platform"),
        description: "Any message the end user can see: their own (to a task virtual agent: a server_message), the human agent's, and a task virtual agent's (as server_message).",
    },
    EventSpec {
        event_type: EventType::AgentJoined,
        name: "agent_joined",
        documented: false,
        source: EMULATOR_DEFINED,
        description: "The simulated human agent picked the chat up (queued -> assigned).",
    },
    EventSpec {
        event_type: EventType::VirtualAgentJoined,
        name: "virtual_agent_joined",
        documented: false,
        source: EMULATOR_DEFINED,
        description: "The human agent transferred the chat to a task virtual agent.",
    },
    EventSpec {
        event_type: EventType::VirtualAgentLeft,
        name: "virtual_agent_left",
        documented: false,
        source: EMULATOR_DEFINED,
        description: "The task virtual agent handed the chat back, with its outcome and the names (never values) of what it captured.",
    },
    EventSpec {
        event_type: EventType::ChatEnded,
        name: "chat_ended",
        documented: false,
        source: EMULATOR_DEFINED,
        description: "The chat finished (ended by the end user through PATCH /chats/:id, or by the agent).",
    },
    EventSpec {
        event_type: EventType::ChatDismissed,
        name: "chat_dismissed",
        documented: false,
        source: EMULATOR_DEFINED,
        description: "The chat was dismissed (status dismissed or va_dismissed): the agent was removed; it waits for the end user.",
    },
    EventSpec {
        event_type: EventType::ChatResumed,
        name: "chat_resumed",
        documented: false,
        source: EMULATOR_DEFINED,
        description: "A dismissed chat was reactivated, by an end-user message or PATCH /chats/:id/resume; an agent joins again.",
    },
    EventSpec {
        event_type: EventType::EscalationDeflected,
        name: "escalation_deflected",
        documented: false,
        source: EMULATOR_DEFINED,
        description: "An escalation to a human-agent queue was deflected (reason over_capacity or after_hours): body.escalation carries its id, deflection_reason and deflection_options.",
    },
];

impl EventType {
    pub fn name(self) -> &'static str {
        spec(self).name
    }

    /// Whether the platform's public documentation describes this event.
    pub fn is_documented(self) -> bool {
        spec(self).documented
    }

    pub fn from_name(name: &str) -> Option<EventType> {
        CATALOG
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.event_type)
    }
}

fn spec(event_type: EventType) -> &'static EventSpec {
    CATALOG
        .iter()
        .find(|spec| spec.event_type == event_type)
        .expect("every event type has a catalog row")
}

/// A webhook event ready to be delivered.
#[derive(Debug, Clone)]
pub struct Event {
    pub event_type: EventType,
    pub chat_id: ChatId,
    /// The exact bytes of the envelope `{event_type, timestamp, chat_id, body}`.
    pub payload: Vec<u8>,
}

/// The event for `happening` in `chat`, or `None` when it is not the consumer's business.
/// The body is one of the structs of [`crate::features::webhooks::wire`], serialised straight to the
/// bytes that are signed and sent.
pub fn event_for(happening: &Happening, chat: &Chat, now: DateTime<Utc>) -> Option<Event> {
    let event = |event_type: EventType, payload: Vec<u8>| Event {
        event_type,
        chat_id: chat.id,
        payload,
    };
    let envelope = |event_type: EventType, body: &dyn erased::Body| {
        event(event_type, body.envelope(event_type.name(), now, chat.id))
    };
    Some(match happening {
        Happening::ChatCreated => envelope(
            EventType::ChatCreated,
            &events::ChatCreated {
                chat: events::CreatedChat {
                    id: chat.id,
                    status: "queued",
                    lang: chat.lang.clone(),
                },
                end_user: EndUserRef {
                    id: chat.end_user.id,
                    identifier: chat.end_user.identifier.clone(),
                },
            },
        ),
        Happening::MessageAdded { message_id } => envelope(
            EventType::MessageReceived,
            &events::MessageReceived::of(chat.message(*message_id)?),
        ),
        Happening::AgentJoined { agent } => envelope(
            EventType::AgentJoined,
            &events::AgentJoined {
                agent: Agent::of(agent, "connected"),
            },
        ),
        Happening::VirtualAgentJoined { virtual_agent } => envelope(
            EventType::VirtualAgentJoined,
            &events::VirtualAgentJoined {
                virtual_agent: EventVirtualAgent::of(virtual_agent, "connected"),
            },
        ),
        Happening::VirtualAgentLeft {
            virtual_agent,
            handback,
        } => envelope(
            EventType::VirtualAgentLeft,
            &events::VirtualAgentLeft {
                virtual_agent: EventVirtualAgent::of(virtual_agent, "disconnected"),
                outcome: handback.outcome,
                captured: handback.captured.clone(),
            },
        ),
        Happening::ChatEnded { by } => envelope(
            EventType::ChatEnded,
            &events::ChatEnded {
                status: "finished",
                ended_by: *by,
            },
        ),
        Happening::ChatDismissed => envelope(
            EventType::ChatDismissed,
            &events::StatusChanged {
                status: chat.status(),
            },
        ),
        Happening::ChatResumed => envelope(
            EventType::ChatResumed,
            &events::StatusChanged {
                status: chat.status(),
            },
        ),
        Happening::EscalationDeflected { escalation_id } => envelope(
            EventType::EscalationDeflected,
            &EscalationDeflected {
                escalation: Escalation::of(chat.escalation(*escalation_id)?, chat.id),
            },
        ),
        Happening::EscalationUpdated { .. } => return None,
    })
}

/// Serialising any event body inside its envelope, behind one object-safe call.
mod erased {
    use chrono::{DateTime, Utc};
    use serde::Serialize;

    use crate::core::domain::ChatId;
    use crate::core::formats::timestamp;
    use crate::features::webhooks::wire::WebhookEvent;

    pub trait Body {
        fn envelope(&self, event_type: &str, now: DateTime<Utc>, chat_id: ChatId) -> Vec<u8>;
    }

    impl<B: Serialize> Body for B {
        fn envelope(&self, event_type: &str, now: DateTime<Utc>, chat_id: ChatId) -> Vec<u8> {
            serde_json::to_vec(&WebhookEvent {
                event_type,
                timestamp: timestamp(now),
                chat_id,
                body: self,
            })
            .expect("event bodies serialise")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_has_exactly_one_row_and_names_round_trip() {
        for spec in CATALOG {
            assert_eq!(EventType::from_name(spec.name), Some(spec.event_type));
            assert_eq!(
                CATALOG
                    .iter()
                    .filter(|other| other.name == spec.name)
                    .count(),
                1
            );
        }
        assert_eq!(CATALOG.iter().filter(|spec| spec.documented).count(), 2);
    }
}
