//! The one table of webhook events: each event's name, whether the platform documents it
//! or the emulator defines it, and how its `body` is built from a chat. Every webhook the
//! emulator sends is made here, so names and payload shapes cannot drift apart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::chat::VirtualAgentParticipant;
use crate::domain::{Chat, Happening, Message, MessageBody, Sender, Visibility};
use crate::formats::timestamp;

/// Every event the emulator can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
}

/// One row of the catalog.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EventSpec {
    pub event_type: EventType,
    pub name: &'static str,
    /// True when the platform's public documentation describes the event.
    pub documented: bool,
    pub description: &'static str,
}

/// The catalog. The README's event table mirrors it.
pub const CATALOG: &[EventSpec] = &[
    EventSpec {
        event_type: EventType::ChatCreated,
        name: "chat_created",
        documented: true,
        description: "A chat was created by POST /chats.",
    },
    EventSpec {
        event_type: EventType::MessageReceived,
        name: "message_received",
        documented: true,
        description: "Any message the end user can see: their own, the human agent's, and a task virtual agent's (as server_message).",
    },
    EventSpec {
        event_type: EventType::AgentJoined,
        name: "agent_joined",
        documented: false,
        description: "The simulated human agent picked the chat up (queued -> assigned).",
    },
    EventSpec {
        event_type: EventType::VirtualAgentJoined,
        name: "virtual_agent_joined",
        documented: false,
        description: "The human agent transferred the chat to a task virtual agent.",
    },
    EventSpec {
        event_type: EventType::VirtualAgentLeft,
        name: "virtual_agent_left",
        documented: false,
        description: "The task virtual agent handed the chat back, with its outcome and the names (never values) of what it captured.",
    },
    EventSpec {
        event_type: EventType::ChatEnded,
        name: "chat_ended",
        documented: false,
        description: "The chat finished (ended by the end user through PATCH /chats/:id, or by the agent).",
    },
    EventSpec {
        event_type: EventType::ChatDismissed,
        name: "chat_dismissed",
        documented: false,
        description: "The chat was set aside (status dismissed or va_dismissed) until the end user resumes it.",
    },
    EventSpec {
        event_type: EventType::ChatResumed,
        name: "chat_resumed",
        documented: false,
        description: "A dismissed chat was resumed with PATCH /chats/:id/resume.",
    },
];

impl EventType {
    pub fn name(self) -> &'static str {
        spec(self).name
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
    pub chat_id: u64,
    /// The exact bytes of the envelope `{event_type, timestamp, chat_id, body}`.
    pub payload: Vec<u8>,
}

/// The event for `happening` in `chat`, or `None` when it is not the consumer's business.
pub fn event_for(happening: &Happening, chat: &Chat, now: DateTime<Utc>) -> Option<Event> {
    let (event_type, body) = match happening {
        Happening::ChatCreated => (
            EventType::ChatCreated,
            json!({"chat": {"id": chat.id, "status": "queued", "lang": chat.lang},
                   "end_user": {"id": chat.end_user.id, "identifier": chat.end_user.identifier}}),
        ),
        Happening::MessageAdded { message_id } => (
            EventType::MessageReceived,
            message_body(chat.message(*message_id)?),
        ),
        Happening::AgentJoined { agent } => (
            EventType::AgentJoined,
            json!({"agent": {"id": agent.id, "name": agent.name, "first_name": agent.first_name,
                             "avatar_url": agent.avatar_url, "status": "connected"}}),
        ),
        Happening::VirtualAgentJoined { virtual_agent } => (
            EventType::VirtualAgentJoined,
            json!({"virtual_agent": virtual_agent_json(virtual_agent, "connected")}),
        ),
        Happening::VirtualAgentLeft {
            virtual_agent,
            handback,
        } => (
            EventType::VirtualAgentLeft,
            json!({"virtual_agent": virtual_agent_json(virtual_agent, "disconnected"),
                   "outcome": handback.outcome,
                   "captured": handback.captured}),
        ),
        Happening::ChatEnded { by } => (
            EventType::ChatEnded,
            json!({"status": "finished", "ended_by": by}),
        ),
        Happening::ChatDismissed => (EventType::ChatDismissed, json!({"status": chat.status()})),
        Happening::ChatResumed => (EventType::ChatResumed, json!({"status": chat.status()})),
    };
    let envelope = json!({
        "event_type": event_type.name(),
        "timestamp": timestamp(now),
        "chat_id": chat.id,
        "body": body,
    });
    Some(Event {
        event_type,
        chat_id: chat.id,
        payload: serde_json::to_vec(&envelope).expect("JSON values always serialise"),
    })
}

fn virtual_agent_json(virtual_agent: &VirtualAgentParticipant, status: &str) -> Value {
    json!({"id": virtual_agent.id, "key": virtual_agent.key, "name": virtual_agent.name,
           "type": "task_virtual_agent", "status": status})
}

/// `message_received`'s body. A task virtual agent's text travels in `server_message`,
/// exactly as the platform documents it (SPEC A4).
fn message_body(message: &Message) -> Value {
    let visibility = match message.visibility {
        Visibility::Everyone => "everyone",
        Visibility::TaskVirtualAgent => "task_virtual_agent",
        Visibility::Agent => "agent",
    };
    let sender = match &message.sender {
        Sender::EndUser { id } => json!({"id": id, "type": "end_user"}),
        Sender::Agent { id, .. } => json!({"id": id, "type": "agent", "status": "connected"}),
        Sender::TaskVirtualAgent { id, .. } => {
            json!({"id": id, "type": "task_virtual_agent", "status": "connected"})
        }
        Sender::System => json!({"type": "system"}),
    };
    if let (Sender::TaskVirtualAgent { .. }, MessageBody::Text { text }) =
        (&message.sender, &message.body)
    {
        return json!({
            "sender": sender,
            "message": {"type": "server_message", "message_id": message.id, "visibility": visibility},
            "server_message": {"content": {"type": "text", "content": text}},
        });
    }
    let content = match &message.body {
        MessageBody::Text { text } | MessageBody::Notice { text } => {
            json!({"type": "text", "content": text})
        }
        MessageBody::Photo { media_id } => json!({"type": "photo", "media_id": media_id}),
        MessageBody::Video { media_id } => json!({"type": "video", "media_id": media_id}),
    };
    let message_type = content["type"].clone();
    json!({
        "sender": sender,
        "message": {"type": message_type, "message_id": message.id, "visibility": visibility, "content": content},
    })
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
