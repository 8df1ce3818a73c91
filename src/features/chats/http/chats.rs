//! The chat endpoints: `POST /chats` (with an optional pre-chat `transcript` and
//! `custom_data`), `GET /chats/{id}`, `PATCH /chats/{id}` (ending it, or answering a
//! deflected escalation with `escalation_id` and `deflection_channel`),
//! `POST /chats/{id}/message` and `POST /chats/{id}/custom_data` (custom data and reserved
//! data properties after the chat began, as the public Go client sends them). Field names
//! the platform leaves open are accepted both flat and nested under `chat`, and a
//! message's `content` both as an object and as a plain string, because both appear in the
//! platform's documentation.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::super::{ChatRequest, Chats};
use crate::core::domain::custom_data::{parse_custom_data, CustomData, CustomDataField};
use crate::core::domain::pre_chat::{parse_transcript, PreChatMessage};
use crate::core::domain::queues::DeflectionChannel;
use crate::core::domain::{ChatId, EndUserId, MessageBody};
use crate::core::formats::timestamp;
use crate::core::wire::apps::{self, MessageAccepted};
use crate::features::escalations as deflection;
use crate::features::escalations::Escalations;
use crate::features::webhooks::WebhookSettings;
use crate::http::basic_auth::AuthenticatedTenant;
use crate::http::error::ApiError;
use crate::http::openapi::{Error400, Error404, Error409};
use crate::http::route_table::RouteTable;

/// The chat routes of the Apps API.
pub fn routes(table: RouteTable) -> RouteTable {
    // The message route first: actix tries a scope's resources in order, and it is the
    // route a consumer calls most.
    table
        .route(send_message, __path_send_message)
        .route(create, __path_create)
        .route(get, __path_get)
        .route(update, __path_update)
        .route(resume, __path_resume)
        .route(add_custom_data, __path_add_custom_data)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = ChatInput)]
pub struct CreateBody {
    #[serde(flatten)]
    flat: ChatFields,
    /// The same fields, nested.
    chat: Option<ChatFields>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ChatInputFields)]
struct ChatFields {
    end_user_id: Option<EndUserId>,
    menu_id: Option<u64>,
    lang: Option<String>,
    /// `{"value": {...}}`: what the chat's consumer knows (the queue selection reads it).
    #[schema(value_type = Option<ContextInput>, nullable = false)]
    context: Option<Value>,
    /// The pre-chat transcript.
    #[schema(value_type = Option<Vec<PreChatMessage>>)]
    transcript: Option<Value>,
    /// Custom data and reserved data properties: `{"<key>": {"label", "value", "type"?}}`.
    #[schema(value_type = Option<BTreeMap<String, CustomDataField>>)]
    custom_data: Option<Value>,
}

// A description for the OpenAPI document: the handler reads the context as JSON.
/// A chat's context as the consumer gives it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ContextInput {
    #[schema(value_type = Object, required = false)]
    value: (),
}

#[utoipa::path(post, path = "/chats", summary = "Start a chat for an end user",
    request_body = CreateBody,
    responses(
        (status = 200, description = "The new chat (queued)", body = apps::Chat),
        (status = 404, response = Error404),
        (status = 409, description = "At --max-chats-per-tenant or a chat budget (--chat-budget-per-tenant, --chat-budget-total) with no finished chat to evict; the message names the flag",
            body = crate::http::openapi::ErrorEnvelope),
    ))]

pub async fn create(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<Chats>,
    webhooks: web::Data<WebhookSettings>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let fields = body.chat.unwrap_or(body.flat);
    let end_user_id = fields
        .end_user_id
        .ok_or_else(|| ApiError::BadRequest("end_user_id is required".to_owned()))?;
    let context = match fields.context {
        None | Some(Value::Null) => None,
        Some(Value::Object(mut context)) => {
            Some(context.remove("value").unwrap_or(Value::Object(context)))
        }
        Some(_) => {
            return Err(ApiError::BadRequest(
                "context must be an object like {\"value\": {...}}".to_owned(),
            ))
        }
    };
    let transcript = match &fields.transcript {
        None | Some(Value::Null) => Vec::new(),
        Some(transcript) => parse_transcript(transcript)
            .map_err(|problem| ApiError::BadRequest(format!("Invalid {problem}")))?,
    };
    let custom_data = match &fields.custom_data {
        None | Some(Value::Null) => Default::default(),
        Some(data) => parse_custom_data("custom_data", data)
            .map_err(|problem| ApiError::BadRequest(format!("Invalid {problem}")))?,
    };
    let chat = state
        .create_chat(
            &tenant,
            ChatRequest {
                end_user_id,
                lang: fields.lang,
                menu_id: fields.menu_id,
                context,
                transcript,
                custom_data,
            },
        )
        .await?;
    // The platform's chat_created may arrive before or after this answer; the tenant's
    // order decides which one a consumer gets here (see webhooks::creation_order).
    webhooks
        .chat_created_before_answer(&tenant.name, chat.id)
        .await;
    Ok(HttpResponse::Ok().json(apps::Chat::of(&chat)))
}

#[utoipa::path(get, path = "/chats/{chat_id}", summary = "The chat object",
    params(("chat_id" = ChatId, Path)),
    responses(
        (status = 200, description = "The chat", body = apps::Chat),
        (status = 404, response = Error404),
    ))]
pub async fn get(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
) -> Result<HttpResponse, ApiError> {
    let chat = state.with_chat(&tenant, chat_id.into_inner(), apps::Chat::of)?;
    Ok(HttpResponse::Ok().json(chat))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = ChatUpdate)]
pub struct UpdateBody {
    #[serde(flatten)]
    flat: UpdateFields,
    /// The same fields, nested.
    chat: Option<UpdateFields>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ChatUpdateFields)]
struct UpdateFields {
    /// Only `finished` can be set.
    #[schema(schema_with = finished)]
    status: Option<String>,
    finished_by_user_id: Option<EndUserId>,
    escalation_id: Option<u64>,
    #[schema(value_type = Option<DeflectionChannel>)]
    deflection_channel: Option<String>,
}

fn finished() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["finished"]))
        .build()
}

#[utoipa::path(patch, path = "/chats/{chat_id}", summary = "Update or end a chat",
    params(("chat_id" = ChatId, Path)),
    request_body = UpdateBody,
    responses(
        (status = 200, description = "The chat", body = apps::Chat),
        (status = 404, response = Error404),
    ))]

pub async fn update(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<Chats>,
    escalations: web::Data<Escalations>,
    chat_id: web::Path<ChatId>,
    body: web::Json<UpdateBody>,
) -> Result<HttpResponse, ApiError> {
    let chat_id = chat_id.into_inner();
    let body = body.into_inner();
    let fields = body.chat.unwrap_or(body.flat);
    let channel = fields
        .deflection_channel
        .as_deref()
        .map(deflection::parse_channel)
        .transpose()?;
    let end_user_id = state.with_chat(&tenant, chat_id, |chat| chat.end_user.id)?;
    if let Some(user_id) = fields.finished_by_user_id {
        if user_id != end_user_id {
            return Err(ApiError::BadRequest(format!(
                "finished_by_user_id {user_id} is not this chat's end user"
            )));
        }
    }
    let finishing = match fields.status.as_deref() {
        Some("finished") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "status {other:?} cannot be set; only \"finished\" can"
            )))
        }
        None => fields.finished_by_user_id.is_some(),
    };
    let choice = deflection::deflection_choice(
        state.state(),
        &tenant,
        chat_id,
        fields.escalation_id,
        channel,
    )?;
    let chat = match (finishing, choice) {
        (true, choice) => {
            escalations
                .end_chat_with_deflection(&tenant, chat_id, choice)
                .await?
        }
        (false, Some((escalation_id, channel))) => {
            escalations
                .choose_deflection(&tenant, chat_id, escalation_id, channel)
                .await?
                .0
        }
        (false, None) => return Err(ApiError::BadRequest(
            "Nothing to update: send status \"finished\", or escalation_id with deflection_channel"
                .to_owned(),
        )),
    };
    Ok(HttpResponse::Ok().json(apps::Chat::of(&chat)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = MessageInput)]
pub struct SendMessageBody {
    from_user_id: EndUserId,
    message: MessageDto,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = MessageInputBody)]
struct MessageDto {
    #[serde(rename = "type", default = "text_type")]
    #[schema(schema_with = message_types)]
    kind: String,
    content: ContentDto,
}

fn message_types() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["text", "photo", "video"]))
        .default(Some("text".into()))
        .build()
}

fn text_type() -> String {
    "text".to_owned()
}

/// `content` as the platform documents it in two versions.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = MessageInputContent)]
#[serde(untagged)]
enum ContentDto {
    Plain(String),
    Object {
        text: Option<String>,
        media_id: Option<u64>,
    },
}

impl MessageDto {
    fn into_body(self) -> Result<MessageBody, ApiError> {
        let (text, media_id) = match self.content {
            ContentDto::Plain(text) => (Some(text), None),
            ContentDto::Object { text, media_id } => (text, media_id),
        };
        let need_media = |kind: &str| {
            media_id.ok_or_else(|| {
                ApiError::BadRequest(format!("a {kind} message needs content.media_id"))
            })
        };
        match self.kind.as_str() {
            "text" => match text {
                Some(text) if !text.trim().is_empty() => Ok(MessageBody::Text { text }),
                _ => Err(ApiError::BadRequest(
                    "message.content text must not be empty".to_owned(),
                )),
            },
            "photo" => Ok(MessageBody::Photo {
                media_id: need_media("photo")?,
            }),
            "video" => Ok(MessageBody::Video {
                media_id: need_media("video")?,
            }),
            other => Err(ApiError::BadRequest(format!(
                "message.type {other:?} is not one of text, photo, video"
            ))),
        }
    }
}

#[utoipa::path(post, path = "/chats/{chat_id}/message", summary = "The end user sends a message",
    params(("chat_id" = ChatId, Path)),
    request_body = SendMessageBody,
    responses(
        (status = 200, description = "The stored message", body = MessageAccepted),
        (status = 404, response = Error404),
        (status = 409, description = "At --max-messages-per-chat or a chat budget (--chat-budget-per-tenant, --chat-budget-total) with no finished chat to evict; the message names the flag",
            body = crate::http::openapi::ErrorEnvelope),
    ))]
pub async fn send_message(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
    body: web::Json<SendMessageBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let message = body.message.into_body()?;
    let posted = state
        .post_message(&tenant, chat_id.into_inner(), body.from_user_id, message)
        .await?;
    Ok(HttpResponse::Ok().json(MessageAccepted {
        id: posted.message_id,
        chat_id: posted.chat_id,
        created_at: timestamp(posted.at),
        visibility: posted.visibility,
    }))
}

/// `PATCH /chats/{id}/resume` (page "Resume a chat"): a dismissed chat is queued for an
/// agent again, who joins with its history; any other chat is 400 "This chat is not in
/// dismissed state"; a dismissed chat of a tenant that is after hours is 400 with the
/// tenant's after-hours message. Neither refusal changes the chat.
#[utoipa::path(patch, path = "/chats/{chat_id}/resume",
    summary = "Resume a dismissed chat (400: not dismissed, or the tenant is after hours)",
    params(("chat_id" = ChatId, Path)),
    responses(
        (status = 200, description = "The chat", body = apps::Chat),
        (status = 404, response = Error404),
    ))]
pub async fn resume(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
) -> Result<HttpResponse, ApiError> {
    let chat = state
        .resume_chat(&tenant, chat_id.into_inner(), apps::Chat::of)
        .await?;
    Ok(HttpResponse::Ok().json(chat))
}

/// `POST /chats/{id}/custom_data`, as the public Go client sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CustomDataInput)]
pub struct CustomDataBody {
    /// Only `false` (unsigned data) is taken.
    #[serde(default)]
    signed: bool,
    /// `{"<key>": {"label", "value", "type"?}}`; the reserved data properties take booleans.
    #[schema(value_type = BTreeMap<String, CustomDataField>)]
    data: Value,
}

/// What `POST /chats/{id}/custom_data` answers: the chat's custom data after the call.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomDataAccepted {
    chat_id: ChatId,
    custom_data: CustomData,
}

/// Custom data and reserved data properties "even after a session has begun" (page "Send
/// reserved data properties"). The page does not show the Apps API call; this is the one
/// the public Go client makes (`{"signed": false, "data": {...}}`). A key sent again
/// replaces its entry.
#[utoipa::path(post, path = "/chats/{chat_id}/custom_data",
    summary = "Add custom data and reserved data properties to a chat",
    params(("chat_id" = ChatId, Path)),
    request_body = CustomDataBody,
    responses(
        (status = 200, description = "The chat's custom data", body = CustomDataAccepted),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
        (status = 409, response = Error409),
    ))]
pub async fn add_custom_data(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
    body: web::Json<CustomDataBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.signed {
        return Err(ApiError::BadRequest(
            "signed: true (custom data signed as a JWT) is not emulated; send signed: false with data as an object".to_owned(),
        ));
    }
    let data = parse_custom_data("data", &body.data)
        .map_err(|problem| ApiError::BadRequest(format!("Invalid {problem}")))?;
    if data.is_empty() {
        return Err(ApiError::BadRequest(
            "Invalid data: must hold at least one entry".to_owned(),
        ));
    }
    let chat_id = chat_id.into_inner();
    let custom_data = state.add_custom_data(&tenant, chat_id, data).await?;
    Ok(HttpResponse::Ok().json(CustomDataAccepted {
        chat_id,
        custom_data,
    }))
}

/// Property tests of the message body decoder: any JSON a client sends as a
/// message is decoded or refused with a 400, never a panic, and a non-blank text comes
/// back exactly as sent, whichever of the platform's two shapes carries it.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::{json, Map, Value};

    use super::*;

    const KEYS: &[&str] = &[
        "from_user_id",
        "message",
        "type",
        "content",
        "text",
        "media_id",
    ];

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            prop_oneof![
                Just("text".to_owned()),
                Just("photo".to_owned()),
                any::<String>()
            ]
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(
                    |pairs| Value::Object(
                        pairs
                            .into_iter()
                            .map(|(key, value)| (key.to_owned(), value))
                            .collect::<Map<String, Value>>()
                    )
                ),
            ]
        })
    }

    fn decode(value: Value) -> Option<Result<MessageBody, ApiError>> {
        let body: SendMessageBody = serde_json::from_value(value).ok()?;
        Some(body.message.into_body())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_json_is_decoded_or_refused_with_a_400(value in json_value()) {
            if let Some(Err(error)) = decode(value) {
                prop_assert!(matches!(error, ApiError::BadRequest(_)), "{error:?}");
            }
        }

        #[test]
        fn a_non_blank_text_comes_back_as_sent_in_either_shape(text in any::<String>(), nested in any::<bool>()) {
            prop_assume!(!text.trim().is_empty());
            let content = if nested { json!({"text": text}) } else { json!(text) };
            let decoded = decode(json!({"from_user_id": 1, "message": {"type": "text", "content": content}}));
            match decoded {
                Some(Ok(MessageBody::Text { text: decoded })) => prop_assert_eq!(decoded, text),
                other => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
