//! What the Apps API answers, one struct per shape (each named like its OpenAPI schema):
//! the platform's chat object ([`Chat`]), its agents, the end user ([`EndUser`]) and a
//! stored message ([`MessageAccepted`]). The handlers serialise them straight to bytes;
//! the typed client reads them back; the webhook catalog reuses [`Agent`].

use serde::{Deserialize, Serialize};

use crate::core::domain::chat::VirtualAgentParticipant;
use crate::core::domain::{
    self, ChatId, EndUserId, HumanAgent, MessageId, RoutingState, Visibility,
};
use crate::core::formats::timestamp;

/// A participant's `status`: `connected` while it takes part, `disconnected` once it left
/// (dismissal, transfer back, end of chat). Emulator's choice: the platform documents
/// `connected` (page "Use virtual task assistants with the chat API platform") and uses
/// `disconnected` for participants that left in its session events (page "External session
/// events"), but does not enumerate the chat object's participant statuses.
pub const CONNECTED: &str = "connected";
/// See [`CONNECTED`].
pub const DISCONNECTED: &str = "disconnected";

/// A human agent as the platform shows it (`Agent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agent {
    pub id: u64,
    pub name: String,
    pub first_name: String,
    pub avatar_url: Option<String>,
    /// `connected` or `disconnected` ([`CONNECTED`], [`DISCONNECTED`]).
    #[schema(schema_with = super::text_values::participant_status)]
    pub status: String,
}

impl Agent {
    pub fn of(agent: &HumanAgent, status: &str) -> Agent {
        Agent {
            id: agent.id,
            name: agent.name.clone(),
            first_name: agent.first_name.clone(),
            avatar_url: agent.avatar_url.clone(),
            status: status.to_owned(),
        }
    }
}

/// A task virtual agent in the chat object (`VirtualAgent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VirtualAgent {
    pub id: u64,
    pub name: String,
    pub avatar_url: Option<String>,
    /// `connected` or `disconnected` ([`CONNECTED`], [`DISCONNECTED`]).
    #[schema(schema_with = super::text_values::participant_status)]
    pub status: String,
}

impl VirtualAgent {
    fn of(participant: &VirtualAgentParticipant, status: &str) -> VirtualAgent {
        VirtualAgent {
            id: participant.id,
            name: participant.name.clone(),
            avatar_url: participant.avatar_url.clone(),
            status: status.to_owned(),
        }
    }
}

/// A menu (queue) a chat was opened in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Menu {
    pub id: u64,
    pub name: String,
}

/// The end user a chat object or an event names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndUserRef {
    pub id: EndUserId,
    pub identifier: String,
}

/// The chat object (`Chat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Chat {
    pub id: ChatId,
    #[schema(schema_with = super::text_values::chat_status)]
    pub status: String,
    pub status_text: String,
    pub features: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub ends_at: Option<String>,
    pub timeout_at: Option<String>,
    pub agent: Option<Agent>,
    pub virtual_agent: Option<VirtualAgent>,
    pub all_agents: Vec<Agent>,
    pub all_virtual_agents: Vec<VirtualAgent>,
    pub lang: String,
    pub menus: Vec<Menu>,
    pub end_user: EndUserRef,
}

impl Chat {
    pub fn of(chat: &domain::Chat) -> Chat {
        let status = chat.status();
        let status_text = match (status, &chat.routing) {
            ("queued", _) => "Waiting for an agent",
            ("assigned", RoutingState::TaskVirtualAgent { .. }) => {
                "Connected to a task virtual agent"
            }
            ("assigned", _) => "Connected to an agent",
            ("va_assigned", _) => "Connected to a virtual agent",
            ("dismissed" | "va_dismissed", _) => "Dismissed: waiting for the end user",
            _ => "Chat ended",
        };
        let virtual_agent = match &chat.routing {
            RoutingState::TaskVirtualAgent { vta, .. } => chat
                .virtual_agents
                .iter()
                .find(|participant| participant.key == vta.key)
                .map(|participant| VirtualAgent::of(participant, CONNECTED)),
            RoutingState::VirtualAgent { virtual_agent, .. } => {
                Some(VirtualAgent::of(virtual_agent, CONNECTED))
            }
            _ => None,
        };
        let active_id = virtual_agent.as_ref().map(|active| active.id);
        let agent_status = |agent: &HumanAgent| match chat.routing.agent() {
            Some(current) if current.id == agent.id => CONNECTED,
            _ => DISCONNECTED,
        };
        Chat {
            id: chat.id,
            status: status.to_owned(),
            status_text: status_text.to_owned(),
            features: ["text", "photo", "video"].map(str::to_owned).to_vec(),
            created_at: timestamp(chat.created_at),
            ends_at: chat.ended_at.map(timestamp),
            timeout_at: chat.timeout_at.map(timestamp),
            agent: chat
                .routing
                .agent()
                .map(|agent| Agent::of(agent, CONNECTED)),
            virtual_agent,
            all_agents: chat
                .agents
                .iter()
                .map(|agent| Agent::of(agent, agent_status(agent)))
                .collect(),
            all_virtual_agents: chat
                .virtual_agents
                .iter()
                .map(|participant| {
                    let active = active_id == Some(participant.id);
                    VirtualAgent::of(participant, if active { CONNECTED } else { DISCONNECTED })
                })
                .collect(),
            lang: chat.lang.clone(),
            menus: chat
                .menu
                .iter()
                .map(|(id, name)| Menu {
                    id: *id,
                    name: name.clone(),
                })
                .collect(),
            end_user: EndUserRef {
                id: chat.end_user.id,
                identifier: chat.end_user.identifier.clone(),
            },
        }
    }
}

/// An end user as the Apps API shows it (`EndUser`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndUser {
    pub id: EndUserId,
    pub identifier: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl EndUser {
    pub fn of(user: &domain::EndUser) -> EndUser {
        EndUser {
            id: user.id,
            identifier: user.identifier.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            phone: user.phone.clone(),
            created_at: timestamp(user.created_at),
        }
    }
}

/// The answer to `POST /chats/{id}/message` (`MessageAccepted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageAccepted {
    pub id: MessageId,
    pub chat_id: ChatId,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub visibility: Visibility,
}
