//! A chat as the emulator keeps it: the end user, the routing state, every participant
//! that took part, and the full message record with each message's visibility. The three
//! views (end user, human agent, full record) are filters over that one record,
//! so a view can never show something the record does not say it may.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::contact_center::HumanAgent;
use super::custom_data::CustomData;
use super::escalation_record::Escalation;
use super::ids::{ChatId, EndUserId, MessageId};
pub use super::participants::VirtualAgentParticipant;
use super::pre_chat::PreChatMessage;
use super::routing_state::RoutingState;

/// An end user of a tenant, upserted by `identifier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = EndUserRecord)]
pub struct EndUser {
    pub id: EndUserId,
    pub identifier: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Sender {
    EndUser {
        id: EndUserId,
    },
    Agent {
        id: u64,
        name: String,
    },
    TaskVirtualAgent {
        id: u64,
        key: String,
        name: String,
    },
    /// The queue-selection virtual agent.
    VirtualAgent {
        id: u64,
        name: String,
    },
    System,
}

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageBody {
    Text {
        text: String,
    },
    Photo {
        media_id: u64,
    },
    Video {
        media_id: u64,
    },
    /// A file the human agent attached (stored by the media store under `media_id`).
    Attachment {
        media_id: u64,
        content_type: String,
        filename: String,
        size: u64,
    },
    /// A note about the chat itself (agent joined, task finished), not typed by anyone.
    Notice {
        text: String,
    },
}

/// Who may see a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// The end user and the human agent.
    Everyone,
    /// The end user and the task virtual agent, never the human agent.
    TaskVirtualAgent,
    /// The human agent only (e.g. a task's outcome).
    Agent,
}

impl Visibility {
    pub fn seen_by_agent(self) -> bool {
        matches!(self, Visibility::Everyone | Visibility::Agent)
    }

    pub fn seen_by_end_user(self) -> bool {
        matches!(self, Visibility::Everyone | Visibility::TaskVirtualAgent)
    }
}

/// One entry of the chat record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    /// 1-based, in the order the chat received them.
    pub id: MessageId,
    pub at: DateTime<Utc>,
    pub sender: Sender,
    pub body: MessageBody,
    pub visibility: Visibility,
}

/// Whose view of a chat to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    EndUser,
    Agent,
    All,
}

impl View {
    pub fn shows(self, message: &Message) -> bool {
        match self {
            View::EndUser => message.visibility.seen_by_end_user(),
            View::Agent => message.visibility.seen_by_agent(),
            View::All => true,
        }
    }
}

/// A chat and everything that happened in it.
#[derive(Debug, Clone)]
pub struct Chat {
    pub id: ChatId,
    pub end_user: EndUser,
    pub lang: String,
    pub menu: Option<(u64, String)>,
    /// The `context.value` given at creation, for a queue-selection virtual agent.
    pub context: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// When the chat was dismissed (removed from the agent, waiting for the end user), if it is.
    pub dismissed_at: Option<DateTime<Utc>>,
    /// Whether a task virtual agent had the chat when it was dismissed (`va_dismissed`).
    pub dismissed_from_virtual_agent: bool,
    /// How many messages the chat had when it was last reactivated (0: never): the end user
    /// must write after that before the chat can be dismissed again.
    pub reactivated_after_message: u64,
    /// When the chat is dismissed for inactivity unless someone writes first (with an
    /// inactivity timeout configured and the chat eligible).
    pub timeout_at: Option<DateTime<Utc>>,
    pub routing: RoutingState,
    /// Every human agent that joined, in order.
    pub agents: Vec<HumanAgent>,
    /// Every task virtual agent that joined, in order (once each).
    pub virtual_agents: Vec<VirtualAgentParticipant>,
    pub messages: Vec<Message>,
    /// The queue the chat was routed to, if any.
    pub queue: Option<String>,
    /// Every hand-off to a queue, in order.
    pub escalations: Vec<Escalation>,
    /// The pre-chat transcript given on `POST /chats`, shown before the live messages.
    pub pre_chat: Vec<PreChatMessage>,
    /// Custom data and reserved data properties, by key (`POST /chats`' `custom_data`,
    /// `POST /chats/{id}/custom_data`).
    pub custom_data: CustomData,
}

impl Chat {
    /// The messages `view` may see, in order.
    pub fn transcript(&self, view: View) -> impl Iterator<Item = &Message> {
        self.messages
            .iter()
            .filter(move |message| view.shows(message))
    }

    pub fn message(&self, id: MessageId) -> Option<&Message> {
        let index = usize::try_from(id.get()).ok()?.checked_sub(1)?;
        self.messages.get(index)
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.routing, RoutingState::Finished { .. })
    }
}
