//! The webhook events, one struct per body: the envelope [`WebhookEvent`]
//! (`{event_type, timestamp, chat_id, body}`) and the body of each event type. The
//! webhook catalog builds them from a chat and serialises them straight to the bytes that
//! are signed and sent.

use serde::Serialize;

use crate::core::domain::chat::VirtualAgentParticipant;
use crate::core::domain::vta::Outcome;
use crate::core::domain::{ChatId, EndedBy, Message, MessageBody, MessageId, Sender, Visibility};
use crate::core::wire::apps::{Agent, EndUserRef};
use crate::features::webhooks::content_shape::MessageContentShape;

/// The envelope of every webhook (`WebhookEvent`).
#[derive(Debug, Clone, Serialize)]
pub struct WebhookEvent<'a, B> {
    pub event_type: &'a str,
    pub timestamp: String,
    pub chat_id: ChatId,
    pub body: B,
}

/// `chat_created`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChatCreated {
    pub chat: CreatedChat,
    pub end_user: EndUserRef,
}

/// The chat of `chat_created`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedChat {
    pub id: ChatId,
    #[schema(value_type = String)]
    pub status: &'static str,
    pub lang: String,
}

/// `agent_joined`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentJoined {
    pub agent: Agent,
}

/// A task virtual agent as the events name it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventVirtualAgent {
    pub id: u64,
    pub key: String,
    pub name: String,
    #[serde(rename = "type")]
    #[schema(schema_with = task_virtual_agent_kind)]
    pub kind: &'static str,
    /// `connected` or `disconnected`.
    #[schema(schema_with = crate::core::wire::text_values::participant_status)]
    pub status: &'static str,
}

fn task_virtual_agent_kind() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&["task_virtual_agent"])
}

impl EventVirtualAgent {
    pub fn of(participant: &VirtualAgentParticipant, status: &'static str) -> EventVirtualAgent {
        EventVirtualAgent {
            id: participant.id,
            key: participant.key.clone(),
            name: participant.name.clone(),
            kind: "task_virtual_agent",
            status,
        }
    }
}

/// `virtual_agent_joined`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VirtualAgentJoined {
    pub virtual_agent: EventVirtualAgent,
}

/// `virtual_agent_left`: the outcome and the names of the captured values.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VirtualAgentLeft {
    pub virtual_agent: EventVirtualAgent,
    pub outcome: Outcome,
    pub captured: Vec<String>,
}

/// `chat_ended`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChatEnded {
    #[schema(schema_with = finished)]
    pub status: &'static str,
    pub ended_by: EndedBy,
}

/// `chat_dismissed` and `chat_resumed`: the chat's new status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusChanged {
    #[schema(schema_with = crate::core::wire::text_values::chat_status)]
    pub status: &'static str,
}

/// `message_received`. A task virtual agent's text travels in `server_message`, exactly
/// as the platform documents it (page "Use virtual task assistants with the chat API
/// platform"); so does the end user's message to an active task virtual agent, which the
/// platform designates a `server_message` hidden from the human agent. Everything else
/// travels in `message.content`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageReceived<'a> {
    pub sender: EventSender,
    pub message: EventMessage<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub server_message: Option<ServerMessage<'a>>,
}

/// Who wrote a `message_received`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventSender {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub id: Option<u64>,
    #[serde(rename = "type")]
    #[schema(schema_with = sender_kinds)]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    #[schema(nullable = false)]
    pub status: Option<&'static str>,
}

/// The message of a `message_received`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventMessage<'a> {
    #[serde(rename = "type")]
    #[schema(schema_with = message_kinds)]
    pub kind: &'static str,
    pub message_id: MessageId,
    pub visibility: Visibility,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub content: Option<MessageContent<'a>>,
}

/// `body.message.content`: a text message's text as a plain string (the tenant's
/// `message_content_shape` `string`), or an object (`object`, and always for photos,
/// videos and attachments).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = EventMessageContent)]
pub enum MessageContent<'a> {
    Text(&'a str),
    Object(Content<'a>),
}

/// A message's content: text, a photo or video by media id, or a file the agent attached
/// (by media id, with its type, name and size).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = EventContent)]
pub struct Content<'a> {
    #[serde(rename = "type")]
    #[schema(schema_with = content_kinds)]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub media_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub content_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub filename: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub size: Option<u64>,
}

impl<'a> Content<'a> {
    fn of(body: &'a MessageBody) -> Content<'a> {
        let media = |kind, media_id: u64| Content {
            kind,
            content: None,
            media_id: Some(media_id),
            content_type: None,
            filename: None,
            size: None,
        };
        match body {
            MessageBody::Text { text } | MessageBody::Notice { text } => Content {
                kind: "text",
                content: Some(text),
                media_id: None,
                content_type: None,
                filename: None,
                size: None,
            },
            MessageBody::Photo { media_id } => media("photo", *media_id),
            MessageBody::Video { media_id } => media("video", *media_id),
            MessageBody::Attachment {
                media_id,
                content_type,
                filename,
                size,
            } => Content {
                content_type: Some(content_type),
                filename: Some(filename),
                size: Some(*size),
                ..media("attachment", *media_id)
            },
        }
    }
}

/// A task virtual agent's words, or the end user's words to an active task virtual agent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServerMessage<'a> {
    pub content: Content<'a>,
}

impl<'a> MessageReceived<'a> {
    /// The body for `message`, a text's `message.content` in `shape`.
    pub fn of(message: &'a Message, shape: MessageContentShape) -> MessageReceived<'a> {
        let connected = |id: u64, kind| EventSender {
            id: Some(id),
            kind,
            status: Some("connected"),
        };
        let sender = match &message.sender {
            Sender::EndUser { id } => EventSender {
                id: Some(id.get()),
                kind: "end_user",
                status: None,
            },
            Sender::Agent { id, .. } => connected(*id, "agent"),
            Sender::TaskVirtualAgent { id, .. } => connected(*id, "task_virtual_agent"),
            Sender::VirtualAgent { id, .. } => connected(*id, "virtual_agent"),
            Sender::System => EventSender {
                id: None,
                kind: "system",
                status: None,
            },
        };
        let content = Content::of(&message.body);
        let server_message = matches!(message.sender, Sender::TaskVirtualAgent { .. })
            || message.visibility == Visibility::TaskVirtualAgent;
        if server_message {
            return MessageReceived {
                sender,
                message: EventMessage {
                    kind: "server_message",
                    message_id: message.id,
                    visibility: message.visibility,
                    content: None,
                },
                server_message: Some(ServerMessage { content }),
            };
        }
        let kind = content.kind;
        let content = match (shape, content.content) {
            (MessageContentShape::String, Some(text)) if kind == "text" => {
                MessageContent::Text(text)
            }
            _ => MessageContent::Object(content),
        };
        MessageReceived {
            sender,
            message: EventMessage {
                kind,
                message_id: message.id,
                visibility: message.visibility,
                content: Some(content),
            },
            server_message: None,
        }
    }
}

fn finished() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&["finished"])
}

fn sender_kinds() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&[
        "end_user",
        "agent",
        "task_virtual_agent",
        "virtual_agent",
        "system",
    ])
}

fn message_kinds() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&["text", "photo", "video", "server_message"])
}

fn content_kinds() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&["text", "photo", "video", "attachment"])
}

// A description for the OpenAPI document of `WebhookEvent`'s `body`.
/// One of the event bodies.
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum EventBody {
    ChatCreated(ChatCreated),
    MessageReceived(MessageReceived<'static>),
    AgentJoined(AgentJoined),
    VirtualAgentJoined(VirtualAgentJoined),
    VirtualAgentLeft(VirtualAgentLeft),
    ChatEnded(ChatEnded),
    StatusChanged(StatusChanged),
    EscalationDeflected(crate::core::wire::escalations::EscalationDeflected),
}

// A description for the OpenAPI document of `WebhookEvent` with any body.
/// A webhook as sent.
#[derive(utoipa::ToSchema)]
#[schema(as = WebhookEvent)]
#[allow(dead_code)]
pub struct AnyWebhookEvent {
    pub event_type: String,
    pub timestamp: String,
    pub chat_id: ChatId,
    #[schema(inline)]
    pub body: EventBody,
}
