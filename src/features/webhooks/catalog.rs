//! The one table of webhook events: each event's name, whether the platform documents it
//! (by name, or only that such an event exists, and on which public page) or the emulator
//! alone defines it, and how its `body` is built from a chat. Every webhook the emulator
//! sends is made here, so names and payload shapes cannot drift apart. An event whose
//! existence a page documents is sent by default, under the emulator's name where the page
//! gives none; an event no page mentions is opt-in (see [`super::event_selection`]).
//! `docs/fidelity.md` keeps the same table, checked by a test.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::core::domain::{Chat, ChatId, Happening};
use crate::core::wire::apps::{Agent, EndUserRef};
use crate::core::wire::escalations::{Escalation, EscalationDeflected};
use crate::features::webhooks::content_shape::MessageContentShape;
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
    /// True when a public page of the platform names the event (its name is the platform's).
    pub documented: bool,
    /// The title of the platform's public page that documents the event, by name or only
    /// that such an event exists (`None`: no page mentions it; the emulator defines it).
    #[schema(required = true)]
    pub source: Option<&'static str>,
    /// Sent to tenants that choose no selection (`--webhook-events documented`, the
    /// default): exactly the events a page documents (`source` is set).
    pub sent_by_default: bool,
    pub description: &'static str,
}

const EMULATOR_DEFINED: Option<&str> = None;
/// The page that says events are sent when "a chat is transferred or escalated", without
/// naming them.
const WEBHOOKS_PAGE: Option<&str> = Some("Webhooks for the chat API platform");

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
        sent_by_default: true,
        description: "A chat was created by POST /chats.",
    },
    EventSpec {
        event_type: EventType::MessageReceived,
        name: "message_received",
        documented: true,
        source: Some("Use virtual task assistants with the chat API platform"),
        sent_by_default: true,
        description: "Any message the end user can see: their own (to a task virtual agent: a server_message), the human agent's, and a task virtual agent's (as server_message).",
    },
    EventSpec {
        event_type: EventType::AgentJoined,
        name: "agent_joined",
        documented: false,
        source: WEBHOOKS_PAGE,
        sent_by_default: true,
        description: "A human agent took the chat (queued -> assigned): the end of an escalation from the queue-selection virtual agent or of a wait in the queue, and also a chat's first pick-up. Sent by default: the Webhooks page documents events for a chat \"transferred or escalated\" without naming them.",
    },
    EventSpec {
        event_type: EventType::VirtualAgentJoined,
        name: "virtual_agent_joined",
        documented: false,
        source: WEBHOOKS_PAGE,
        sent_by_default: true,
        description: "The human agent transferred the chat to a task virtual agent. Sent by default: the Webhooks page documents events for a chat \"transferred or escalated\" without naming them.",
    },
    EventSpec {
        event_type: EventType::VirtualAgentLeft,
        name: "virtual_agent_left",
        documented: false,
        source: WEBHOOKS_PAGE,
        sent_by_default: true,
        description: "The task virtual agent handed the chat back to the human agent (a transfer back), with its outcome and the names (never values) of what it captured. Sent by default, like virtual_agent_joined.",
    },
    EventSpec {
        event_type: EventType::ChatEnded,
        name: "chat_ended",
        documented: false,
        source: EMULATOR_DEFINED,
        sent_by_default: false,
        description: "The chat finished (ended by the end user through PATCH /chats/:id, or by the agent).",
    },
    EventSpec {
        event_type: EventType::ChatDismissed,
        name: "chat_dismissed",
        documented: false,
        source: EMULATOR_DEFINED,
        sent_by_default: false,
        description: "The chat was dismissed (status dismissed or va_dismissed): the agent was removed; it waits for the end user.",
    },
    EventSpec {
        event_type: EventType::ChatResumed,
        name: "chat_resumed",
        documented: false,
        source: EMULATOR_DEFINED,
        sent_by_default: false,
        description: "A dismissed chat was reactivated, by an end-user message or PATCH /chats/:id/resume; an agent joins again.",
    },
    EventSpec {
        event_type: EventType::EscalationDeflected,
        name: "escalation_deflected",
        documented: false,
        source: Some("Chat platform API Guide"),
        sent_by_default: true,
        description: "An escalation to a human-agent queue was deflected (reason over_capacity or after_hours): body.escalation carries its id, deflection_reason and deflection_options. Sent by default: the Chat platform API Guide says the consumer receives a webhook indicating the reason for deflection and the options, without naming it.",
    },
];

impl EventType {
    pub fn name(self) -> &'static str {
        spec(self).name
    }

    /// Whether a public page of the platform names this event.
    pub fn is_documented(self) -> bool {
        spec(self).documented
    }

    /// Whether tenants that choose no selection receive it: a page documents that the
    /// event exists (by name or not).
    pub fn is_sent_by_default(self) -> bool {
        spec(self).sent_by_default
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
/// A text `message_received` carries its text in `shape` (the tenant's choice).
pub fn event_for(
    happening: &Happening,
    chat: &Chat,
    now: DateTime<Utc>,
    shape: MessageContentShape,
) -> Option<Event> {
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
                // The chat as it was created (after the queue-selection virtual agent's
                // first step, if it took the chat), before any agent joins: `queued` or
                // `va_assigned`. The POST /chats answer may already say `assigned` when the
                // join delay is zero; the `agent_joined` that follows tells that change.
                chat: events::CreatedChat {
                    id: chat.id,
                    status: chat.status(),
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
            &events::MessageReceived::of(chat.message(*message_id)?, shape),
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

    #[test]
    fn an_event_is_sent_by_default_exactly_when_a_page_documents_it() {
        for spec in CATALOG {
            assert_eq!(spec.sent_by_default, spec.source.is_some(), "{}", spec.name);
            assert!(!spec.documented || spec.source.is_some(), "{}", spec.name);
        }
        let opt_in: Vec<&str> = CATALOG
            .iter()
            .filter(|spec| !spec.sent_by_default)
            .map(|spec| spec.name)
            .collect();
        assert_eq!(opt_in, ["chat_ended", "chat_dismissed", "chat_resumed"]);
    }
}
