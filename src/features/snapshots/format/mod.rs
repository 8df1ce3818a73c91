//! The snapshot format: one tenant's whole state as a versioned JSON document (end users,
//! chats with their full routing state, an active task virtual agent's session, messages,
//! and the tenant's webhook target), so a test can start from a known state or share a
//! reproduction. This module owns the document's shape, its validation against the
//! running script (every problem named by its place, e.g. `chats[0].routing.session.key`)
//! and the pure conversion between documents and domain chats; the state assigns ids and
//! swaps a tenant's state in (`crate::core::state::AppState::load_tenant`).

mod load;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::domain::chat::VirtualAgentParticipant;
use crate::core::domain::custom_data::CustomData;
use crate::core::domain::escalation::Escalation;
use crate::core::domain::pre_chat::PreChatMessage;
use crate::core::domain::vta::VtaSession;
use crate::core::domain::EndedBy;
use crate::core::domain::{Chat, ChatId, EndUser, EndUserId, HumanAgent, Message, RoutingState};
use crate::features::webhooks::WebhookTarget;

pub use load::IdMap;

/// The format tag this version writes and reads.
pub const FORMAT: &str = "ccai-emulator-snapshot/1";

/// A tenant's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Snapshot {
    /// Always [`FORMAT`].
    #[schema(schema_with = format_schema)]
    pub format: String,
    /// The tenant it was exported from (informational; loading names its own tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported_at: Option<DateTime<Utc>>,
    /// The tenant's own webhook target; `null` means it uses the default.
    #[serde(default)]
    pub webhook: Option<WebhookTarget>,
    #[serde(default)]
    pub end_users: Vec<EndUser>,
    #[serde(default)]
    pub chats: Vec<ChatSnapshot>,
}

/// One chat: everything [`Chat`] keeps, with the end user and an active VTA by reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SnapshotChat)]
pub struct ChatSnapshot {
    pub id: ChatId,
    /// An `id` of the snapshot's `end_users`.
    pub end_user_id: EndUserId,
    #[serde(default = "default_lang")]
    pub lang: String,
    #[serde(default)]
    pub menu: Option<MenuRef>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub context: Option<Value>,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dismissed_at: Option<DateTime<Utc>>,
    /// A task virtual agent had the chat when it was dismissed (`va_dismissed`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dismissed_from_virtual_agent: bool,
    /// How many messages the chat had when it was last reactivated after a dismissal.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reactivated_after_message: u64,
    pub routing: RoutingSnapshot,
    #[serde(default)]
    pub all_agents: Vec<HumanAgent>,
    #[serde(default)]
    pub all_virtual_agents: Vec<VirtualAgentParticipant>,
    #[serde(default)]
    pub messages: Vec<Message>,
    /// The queue the chat was routed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalations: Vec<Escalation>,
    /// The pre-chat transcript given on `POST /chats`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pre_chat: Vec<PreChatMessage>,
    /// Custom data and reserved data properties, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_data: CustomData,
}

/// The menu a chat was opened in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuRef {
    pub id: u64,
    pub name: String,
}

/// A chat's routing state; an active VTA is named by its session's `key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RoutingSnapshot {
    Queued,
    Assigned {
        agent: HumanAgent,
    },
    TaskVirtualAgent {
        agent: HumanAgent,
        session: VtaSession,
    },
    /// The queue-selection virtual agent holds the chat.
    VirtualAgent {
        virtual_agent: VirtualAgentParticipant,
        #[serde(default)]
        unmatched_answers: u32,
    },
    Finished {
        by: EndedBy,
    },
}

fn format_schema() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&[FORMAT])
}

fn default_lang() -> String {
    "en".to_owned()
}

/// Why a snapshot cannot be loaded: the place in the document and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
    pub place: String,
    pub problem: String,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.problem)
    }
}

impl std::error::Error for SnapshotError {}

pub(crate) fn error(place: impl Into<String>, problem: impl Into<String>) -> SnapshotError {
    SnapshotError {
        place: place.into(),
        problem: problem.into(),
    }
}

impl Snapshot {
    /// Exports a tenant's state.
    pub fn export(
        tenant: &str,
        webhook: Option<WebhookTarget>,
        end_users: Vec<EndUser>,
        chats: &[Chat],
        now: DateTime<Utc>,
    ) -> Snapshot {
        Snapshot {
            format: FORMAT.to_owned(),
            tenant: Some(tenant.to_owned()),
            exported_at: Some(now),
            webhook,
            end_users,
            chats: chats.iter().map(ChatSnapshot::of).collect(),
        }
    }

    /// Reads a document, checking the format tag first and then each part in turn, so the
    /// error names the part at fault (`chats[2]: missing field \`routing\``).
    pub fn parse(document: Value) -> Result<Snapshot, SnapshotError> {
        let Value::Object(mut fields) = document else {
            return Err(error("document", "a snapshot is a JSON object"));
        };
        match fields.get("format") {
            Some(Value::String(format)) if format == FORMAT => {}
            Some(other) => {
                return Err(error(
                    "format",
                    format!(
                        "{other} is not a known snapshot format (this emulator reads {FORMAT:?})"
                    ),
                ))
            }
            None => return Err(error("format", format!("is missing (expected {FORMAT:?})"))),
        }
        const KNOWN: [&str; 6] = [
            "format",
            "tenant",
            "exported_at",
            "webhook",
            "end_users",
            "chats",
        ];
        if let Some(unknown) = fields.keys().find(|key| !KNOWN.contains(&key.as_str())) {
            return Err(error(
                unknown.clone(),
                format!("is not a snapshot field (known: {})", KNOWN.join(", ")),
            ));
        }
        let mut take = |name: &str| fields.remove(name).unwrap_or(Value::Null);
        let tenant = part::<Option<String>>("tenant", take("tenant"))?;
        let exported_at = part::<Option<DateTime<Utc>>>("exported_at", take("exported_at"))?;
        let webhook = part::<Option<WebhookTarget>>("webhook", take("webhook"))?;
        let end_users = list("end_users", take("end_users"))?;
        let chats = list("chats", take("chats"))?;
        Ok(Snapshot {
            format: FORMAT.to_owned(),
            tenant,
            exported_at,
            webhook,
            end_users,
            chats,
        })
    }
}

fn part<T: DeserializeOwned>(place: &str, value: Value) -> Result<T, SnapshotError> {
    serde_json::from_value(value).map_err(|problem| error(place, problem.to_string()))
}

/// A list whose items are read one by one, so an error names the item.
fn list<T: DeserializeOwned>(place: &str, value: Value) -> Result<Vec<T>, SnapshotError> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(index, item)| part(&format!("{place}[{index}]"), item))
            .collect(),
        other => Err(error(place, format!("must be a list, not {other}"))),
    }
}

impl ChatSnapshot {
    fn of(chat: &Chat) -> ChatSnapshot {
        ChatSnapshot {
            messages: chat.messages.clone(),
            ..ChatSnapshot::header_of(chat)
        }
    }

    /// Everything but the messages (left empty).
    pub fn header_of(chat: &Chat) -> ChatSnapshot {
        ChatSnapshot {
            id: chat.id,
            end_user_id: chat.end_user.id,
            lang: chat.lang.clone(),
            menu: chat.menu.as_ref().map(|(id, name)| MenuRef {
                id: *id,
                name: name.clone(),
            }),
            context: chat.context.clone(),
            created_at: chat.created_at,
            ended_at: chat.ended_at,
            dismissed_at: chat.dismissed_at,
            dismissed_from_virtual_agent: chat.dismissed_from_virtual_agent,
            reactivated_after_message: chat.reactivated_after_message,
            routing: match &chat.routing {
                RoutingState::Queued => RoutingSnapshot::Queued,
                RoutingState::Assigned { agent } => RoutingSnapshot::Assigned {
                    agent: agent.clone(),
                },
                RoutingState::TaskVirtualAgent { agent, session, .. } => {
                    RoutingSnapshot::TaskVirtualAgent {
                        agent: agent.clone(),
                        session: session.clone(),
                    }
                }
                RoutingState::VirtualAgent {
                    virtual_agent,
                    unmatched_answers,
                } => RoutingSnapshot::VirtualAgent {
                    virtual_agent: virtual_agent.clone(),
                    unmatched_answers: *unmatched_answers,
                },
                RoutingState::Finished { by } => RoutingSnapshot::Finished { by: *by },
            },
            all_agents: chat.agents.clone(),
            all_virtual_agents: chat.virtual_agents.clone(),
            messages: Vec::new(),
            queue: chat.queue.clone(),
            escalations: chat.escalations.clone(),
            pre_chat: chat.pre_chat.clone(),
            custom_data: chat.custom_data.clone(),
        }
    }
}

/// Counts, for a load's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = SnapshotLoaded)]
pub struct LoadReport {
    pub tenant: String,
    pub end_users: usize,
    pub chats: usize,
    /// Every id of the document (as a string key) and the id it has now.
    pub id_map: IdMap,
}

impl IdMap {
    pub fn chat(&self, old: impl Into<ChatId>) -> Option<ChatId> {
        self.chats.get(&old.into()).copied()
    }

    pub fn end_user(&self, old: impl Into<EndUserId>) -> Option<EndUserId> {
        self.end_users.get(&old.into()).copied()
    }
}

/// Old id → new id (`BTreeMap` keeps the id map's JSON in a stable order).
pub type IdTable<Id> = BTreeMap<Id, Id>;

fn is_zero(value: &u64) -> bool {
    *value == 0
}
