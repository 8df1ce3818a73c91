//! Escalations on the Apps API: `POST /chats/{id}/escalations` asks the
//! queue-selection virtual agent to hand the chat to a human-agent queue, and
//! `PATCH /chats/{id}/escalations/{escalation_id}` answers a deflected escalation with
//! `deflection_channel` (`human_agent` = keep waiting, only for reason `over_capacity`;
//! `virtual_agent` = go on with the virtual agent). Email and external link end the chat,
//! so they go through `PATCH /chats/{id}` with `status: "finished"`; the checks shared
//! with that call live here. Bodies are accepted flat or nested under `escalation`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::super::Escalations;
use crate::core::domain::queues::DeflectionChannel;
use crate::core::domain::ChatId;
use crate::core::state::{AppState, Tenant};
use crate::core::wire::escalations::Escalation;
use crate::http::basic_auth::AuthenticatedTenant;
use crate::http::error::ApiError;
use crate::http::openapi::Error404;
use crate::http::route_table::RouteTable;

/// The escalation routes of the Apps API.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(create, __path_create)
        .route(update, __path_update)
}

/// Reads a `deflection_channel`.
pub fn parse_channel(name: &str) -> Result<DeflectionChannel, ApiError> {
    DeflectionChannel::parse(name).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "deflection_channel {name:?} is not one of {}",
            DeflectionChannel::NAMES.join(", ")
        ))
    })
}

/// Pairs `escalation_id` with `deflection_channel` (one without the other is a 400 that
/// says what is missing, and on a chat with no escalation, that it has none).
pub fn deflection_choice(
    state: &AppState,
    tenant: &Tenant,
    chat_id: ChatId,
    escalation_id: Option<u64>,
    channel: Option<DeflectionChannel>,
) -> Result<Option<(u64, DeflectionChannel)>, ApiError> {
    let pending = || {
        state.with_chat(tenant, chat_id, |chat| {
            (
                chat.escalations.is_empty(),
                chat.deflecting_escalation().map(|escalation| escalation.id),
            )
        })
    };
    match (escalation_id, channel) {
        (Some(id), Some(channel)) => Ok(Some((id, channel))),
        (None, None) => Ok(None),
        (Some(id), None) => Err(ApiError::BadRequest(format!(
            "escalation_id {id} needs a deflection_channel ({})",
            DeflectionChannel::NAMES.join(", ")
        ))),
        (None, Some(channel)) => {
            let (no_escalation, waiting) = pending()?;
            Err(ApiError::BadRequest(if no_escalation {
                format!("Chat {chat_id} has no escalation, so deflection_channel {channel} does not apply")
            } else {
                format!(
                    "deflection_channel {channel} needs the escalation_id it answers{}",
                    waiting.map_or(String::new(), |id| format!(
                        " (escalation {id} is waiting for a choice)"
                    ))
                )
            }))
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = EscalationInputFields)]
pub struct EscalateFields {
    /// Default: queue_selection.default_queue.
    queue_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = EscalationInput)]
pub struct EscalateBody {
    #[serde(flatten)]
    flat: EscalateFields,
    /// The same fields, nested.
    escalation: Option<EscalateFields>,
}

/// `POST /chats/{id}/escalations` with an optional `{"queue_id": "..."}` (default: the
/// queue selection's `default_queue`).
#[utoipa::path(post, path = "/chats/{chat_id}/escalations",
    summary = "Ask the virtual agent to escalate the chat to a human-agent queue",
    params(("chat_id" = ChatId, Path)),
    request_body = EscalateBody,
    responses(
        (status = 200, description = "The escalation (escalating, or deflecting with its options)", body = Escalation),
        (status = 404, response = Error404),
    ))]
pub async fn create(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    escalations: web::Data<Escalations>,
    chat_id: web::Path<ChatId>,
    request: HttpRequest,
    body: Result<web::Json<EscalateBody>, actix_web::Error>,
) -> Result<HttpResponse, actix_web::Error> {
    let chat_id = chat_id.into_inner();
    // The body is optional: none at all means the default queue; a body given must be
    // JSON (the usual 400, 413 and 415 otherwise).
    let headers = request.headers();
    let no_body = match headers.get(header::CONTENT_LENGTH) {
        Some(length) => length.to_str().ok() == Some("0"),
        None => !headers.contains_key(header::TRANSFER_ENCODING),
    };
    let fields = match body {
        Ok(body) => {
            let body = body.into_inner();
            body.escalation.unwrap_or(body.flat)
        }
        Err(_) if no_body => EscalateFields::default(),
        Err(error) => return Err(error),
    };
    let escalation = escalations
        .escalate(&tenant, chat_id, fields.queue_id.as_deref())
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(Escalation::of(&escalation, chat_id)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = DeflectionChoiceFields)]
pub struct ChooseFields {
    /// Email and external_link end the chat: PATCH /chats/{chat_id} with status finished.
    #[schema(schema_with = answerable_channels)]
    deflection_channel: Option<String>,
}

fn answerable_channels() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&["human_agent", "virtual_agent"])
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = DeflectionChoice)]
pub struct ChooseBody {
    #[serde(flatten)]
    flat: ChooseFields,
    /// The same fields, nested.
    escalation: Option<ChooseFields>,
}

/// `PATCH /chats/{id}/escalations/{escalation_id}` with `{"deflection_channel": ...}`.
#[utoipa::path(patch, path = "/chats/{chat_id}/escalations/{escalation_id}",
    summary = "Answer a deflected escalation: keep waiting (human_agent) or continue with the virtual agent",
    params(("chat_id" = ChatId, Path), ("escalation_id" = u64, Path)),
    request_body = ChooseBody,
    responses(
        (status = 200, description = "The escalation", body = Escalation),
        (status = 404, response = Error404),
    ))]
pub async fn update(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    escalations: web::Data<Escalations>,
    path: web::Path<(ChatId, u64)>,
    body: web::Json<ChooseBody>,
) -> Result<HttpResponse, ApiError> {
    let (chat_id, escalation_id) = path.into_inner();
    let body = body.into_inner();
    let fields = body.escalation.unwrap_or(body.flat);
    let name = fields.deflection_channel.ok_or_else(|| {
        ApiError::BadRequest(format!(
            "deflection_channel is required ({})",
            DeflectionChannel::NAMES.join(", ")
        ))
    })?;
    let channel = parse_channel(&name)?;
    let (_, escalation) = escalations
        .choose_deflection(&tenant, chat_id, escalation_id, channel)
        .await?;
    Ok(HttpResponse::Ok().json(Escalation::of(&escalation, chat_id)))
}
