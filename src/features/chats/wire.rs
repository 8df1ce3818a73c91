//! What the control plane answers about chats and webhook targets, one struct per shape
//! (each named like its OpenAPI schema): the full record of a chat ([`ChatRecord`]) and a
//! party's view of it ([`Transcript`]); a tenant's webhook target is
//! `crate::features::webhooks::WebhookConfig`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::domain::chat::{MessageBody, View, VirtualAgentParticipant};
use crate::core::domain::custom_data::{user_profile_flags, CustomData, UserProfileFlag};
use crate::core::domain::{self, ChatId, EndUser, HumanAgent, Message, RoutingState};
use crate::core::wire::apps::Menu;
use crate::core::wire::escalations::{Escalation, PreChatEntry};

/// Where an active task virtual agent stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaskState {
    pub key: String,
    pub step: usize,
    pub attempts: u32,
}

/// The full internal record of a chat (`ChatRecord`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChatRecord {
    pub id: ChatId,
    pub tenant: String,
    /// `queued`, `assigned`, `task_virtual_agent`, `virtual_agent` or `finished`.
    #[schema(schema_with = crate::core::wire::text_values::routing_state)]
    pub routing_state: String,
    /// The Apps API's `status`.
    #[schema(schema_with = crate::core::wire::text_values::chat_status)]
    pub status: String,
    pub dismissed_at: Option<DateTime<Utc>>,
    pub agent: Option<HumanAgent>,
    pub task_virtual_agent: Option<TaskState>,
    pub end_user: EndUser,
    pub lang: String,
    pub menu: Option<Menu>,
    /// What the chat's consumer gave as `context.value`.
    #[schema(value_type = Option<Object>)]
    pub context: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub all_agents: Vec<HumanAgent>,
    pub all_virtual_agents: Vec<VirtualAgentParticipant>,
    /// The queue the chat was routed to.
    pub queue: Option<String>,
    pub escalations: Vec<Escalation>,
    /// The pre-chat transcript, before the live messages.
    pub pre_chat: Vec<PreChatEntry>,
    /// Every custom data entry and reserved data property, by key.
    #[serde(default)]
    pub custom_data: CustomData,
    /// The user profile flags the reserved data properties raise.
    #[serde(default)]
    pub user_profile_flags: Vec<UserProfileFlag>,
    pub messages: Vec<Message>,
}

impl ChatRecord {
    pub fn of(chat: &domain::Chat, tenant: &str) -> ChatRecord {
        let task_virtual_agent = match &chat.routing {
            RoutingState::TaskVirtualAgent { session, .. } => Some(TaskState {
                key: session.key.clone(),
                step: session.step,
                attempts: session.attempts,
            }),
            _ => None,
        };
        ChatRecord {
            id: chat.id,
            tenant: tenant.to_owned(),
            routing_state: chat.routing.name().to_owned(),
            status: chat.status().to_owned(),
            dismissed_at: chat.dismissed_at,
            agent: chat.routing.agent().cloned(),
            task_virtual_agent,
            end_user: chat.end_user.clone(),
            lang: chat.lang.clone(),
            menu: chat.menu.as_ref().map(|(id, name)| Menu {
                id: *id,
                name: name.clone(),
            }),
            context: chat.context.clone(),
            created_at: chat.created_at,
            ended_at: chat.ended_at,
            all_agents: chat.agents.clone(),
            all_virtual_agents: chat.virtual_agents.clone(),
            queue: chat.queue.clone(),
            escalations: Escalation::all_of(chat),
            pre_chat: PreChatEntry::all_of(&chat.pre_chat),
            custom_data: chat.custom_data.clone(),
            user_profile_flags: user_profile_flags(&chat.custom_data),
            messages: chat.messages.clone(),
        }
    }
}

/// A chat as one party sees it (`Transcript`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transcript {
    pub chat_id: ChatId,
    /// `agent`, `end_user` or `all`.
    #[schema(schema_with = crate::core::wire::text_values::view)]
    pub view: String,
    /// The pre-chat transcript (agent and full views; the end user's view leaves it out).
    pub pre_chat: Vec<PreChatEntry>,
    /// The custom data the view may see: the agent's leaves out `invisible_to_agent`
    /// entries (never a reserved property); the end user's has none.
    #[serde(default)]
    pub custom_data: CustomData,
    /// The user profile flags the reserved data properties raise (agent and full views).
    #[serde(default)]
    pub user_profile_flags: Vec<UserProfileFlag>,
    pub messages: Vec<Message>,
}

impl Transcript {
    pub fn of(chat: &domain::Chat, view: View, view_name: &str) -> Transcript {
        Transcript {
            chat_id: chat.id,
            view: view_name.to_owned(),
            pre_chat: match view {
                View::EndUser => Vec::new(),
                View::Agent | View::All => PreChatEntry::all_of(&chat.pre_chat),
            },
            custom_data: chat
                .custom_data
                .iter()
                .filter(|(key, field)| match view {
                    View::EndUser => false,
                    View::Agent => field.seen_by_agent(key),
                    View::All => true,
                })
                .map(|(key, field)| (key.clone(), field.clone()))
                .collect(),
            user_profile_flags: match view {
                View::EndUser => Vec::new(),
                View::Agent | View::All => user_profile_flags(&chat.custom_data),
            },
            messages: chat.transcript(view).cloned().collect(),
        }
    }

    /// The texts of the text and notice messages, in order.
    pub fn texts(&self) -> Vec<&str> {
        self.messages
            .iter()
            .filter_map(|message| match &message.body {
                MessageBody::Text { text } | MessageBody::Notice { text } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}
