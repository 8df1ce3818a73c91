//! The full record of a chat, its three views, and what the simulated human
//! agent does when a test or a person drives it: say something, transfer to a task virtual
//! agent, end the chat. The record and the transcripts can be long-polled (`wait=` with
//! `routing_state=`, `status=`, `min_messages=`, `contains=`; see [`super::waiting`]).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::super::{wait_report, Chats};
use crate::core::domain::chat::{MessageBody, View};
use crate::core::domain::{Chat, ChatId};
use crate::core::state::OwnedChat;
use crate::features::chats::wire::{ChatRecord, Transcript};
use crate::http::error::ApiError;
use crate::http::openapi::{Error400, Error404, Error409};
use crate::http::route_table::RouteTable;
use crate::http::waiting::{parse_wait, respond_when, Check};

/// The chat record, its views and the simulated agent on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(record, __path_record)
        .route(transcript, __path_transcript)
        .route(agent_says, __path_agent_says)
        .route(agent_transfers, __path_agent_transfers)
        .route(agent_ends, __path_agent_ends)
        .route(dismiss, __path_dismiss)
}

/// What a long-poll on a chat waits for; every given condition must hold.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChatCondition {
    /// long-poll: answer once the record's routing_state is this (queued, assigned, task_virtual_agent, virtual_agent, finished)
    routing_state: Option<String>,
    /// long-poll: answer once the Apps API status is this (queued, assigned, va_assigned, dismissed, va_dismissed, finished)
    status: Option<String>,
    /// long-poll: answer once the view holds at least this many messages
    // Read as text so that a bad value is refused naming the parameter.
    #[param(value_type = Option<u64>)]
    min_messages: Option<String>,
    /// long-poll: answer once a message in the view contains this text
    contains: Option<String>,
    /// long-poll: wait up to this long (e.g. 5s, at most 60s)
    wait: Option<String>,
}

const ROUTING_STATES: [&str; 5] = [
    "queued",
    "assigned",
    "task_virtual_agent",
    "virtual_agent",
    "finished",
];
const STATUSES: [&str; 6] = [
    "queued",
    "assigned",
    "va_assigned",
    "dismissed",
    "va_dismissed",
    "finished",
];

impl ChatCondition {
    fn is_empty(&self) -> bool {
        self.wait.is_none()
            && self.routing_state.is_none()
            && self.status.is_none()
            && self.min_messages.is_none()
            && self.contains.is_none()
    }

    fn validate(&self) -> Result<(), ApiError> {
        let known = |value: &Option<String>, name: &str, allowed: &[&str]| match value {
            Some(value) if !allowed.contains(&value.as_str()) => Err(ApiError::BadRequest(
                format!("{name} {value:?} is not one of {}", allowed.join(", ")),
            )),
            _ => Ok(()),
        };
        known(&self.routing_state, "routing_state", &ROUTING_STATES)?;
        known(&self.status, "status", &STATUSES)?;
        self.min_messages().map(|_| ())
    }

    fn min_messages(&self) -> Result<Option<usize>, ApiError> {
        self.min_messages
            .as_deref()
            .map(|text| {
                text.parse().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "min_messages {text:?} is not a whole number of 0 or more"
                    ))
                })
            })
            .transpose()
    }

    fn holds(&self, chat: &Chat, view: View) -> bool {
        let routing_state = chat.routing.name();
        let status = chat.status();
        let says = |message: &&crate::core::domain::Message, needle: &str| match &message.body {
            MessageBody::Text { text } | MessageBody::Notice { text } => text.contains(needle),
            _ => false,
        };
        self.routing_state
            .as_ref()
            .is_none_or(|wanted| wanted == routing_state)
            && self.status.as_ref().is_none_or(|wanted| wanted == status)
            && self
                .min_messages()
                .ok()
                .flatten()
                .is_none_or(|min| chat.transcript(view).count() >= min)
            && self
                .contains
                .as_ref()
                .is_none_or(|needle| chat.transcript(view).any(|message| says(&message, needle)))
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(value) = &self.routing_state {
            parts.push(format!("routing_state={value}"));
        }
        if let Some(value) = &self.status {
            parts.push(format!("status={value}"));
        }
        if let Some(value) = &self.min_messages {
            parts.push(format!("min_messages={value}"));
        }
        if let Some(value) = &self.contains {
            parts.push(format!("contains={value:?}"));
        }
        if parts.is_empty() {
            "nothing".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Answers with `render(chat)` at once, or when `condition` holds (200) or times out (408).
async fn chat_when<T: Serialize>(
    state: &Chats,
    chat_id: ChatId,
    condition: &ChatCondition,
    view: View,
    render: impl Fn(&Chat, &str) -> T,
) -> Result<HttpResponse, ApiError> {
    let owned = state.owned_chat(chat_id)?;
    if condition.is_empty() {
        return Ok(HttpResponse::Ok().json(render(&owned.chat, &owned.tenant)));
    }
    condition.validate()?;
    let wait = parse_wait(condition.wait.as_deref())?;
    let check = || {
        let OwnedChat { tenant, chat } = state.owned_chat(chat_id)?;
        let body = render(&chat, &tenant);
        Ok(if condition.holds(&chat, view) {
            Check::Met(body)
        } else {
            Check::NotYet(body)
        })
    };
    let explain = || {
        let OwnedChat { chat, .. } = state.owned_chat(chat_id)?;
        let contains = condition.contains.as_deref();
        Ok(Some(wait_report::last_seen(&chat, view, contains)))
    };
    respond_when(
        state.live_events(),
        wait,
        &condition.describe(),
        check,
        explain,
    )
    .await
}

#[utoipa::path(get, path = "/chats/{chat_id}", summary = "The full record of a chat",
    params(("chat_id" = ChatId, Path), ChatCondition),
    responses(
        (status = 200, description = "The record", body = ChatRecord),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
        (status = 408, description = "The wait ended first; what was seen so far", body = ChatRecord),
        (status = 503, description = "The emulator began shutting down during the wait; what was seen so far", body = ChatRecord),
    ))]
pub async fn record(
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
    condition: web::Query<ChatCondition>,
) -> Result<HttpResponse, ApiError> {
    chat_when(
        &state,
        chat_id.into_inner(),
        &condition,
        View::All,
        ChatRecord::of,
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranscriptQuery {
    /// agent, end_user or all (default)
    view: Option<String>,
}

#[utoipa::path(get, path = "/chats/{chat_id}/transcript", summary = "The chat as one party sees it",
    params(("chat_id" = ChatId, Path), TranscriptQuery, ChatCondition),
    responses(
        (status = 200, description = "The transcript", body = Transcript),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
        (status = 408, description = "The wait ended first; what was seen so far", body = Transcript),
        (status = 503, description = "The emulator began shutting down during the wait; what was seen so far", body = Transcript),
    ))]
pub async fn transcript(
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
    query: web::Query<TranscriptQuery>,
    // The same query string, read a second time (serde's flatten breaks numbers in queries).
    condition: web::Query<ChatCondition>,
) -> Result<HttpResponse, ApiError> {
    let view_name = query.view.clone().unwrap_or_else(|| "all".to_owned());
    let view = match view_name.as_str() {
        "agent" => View::Agent,
        "end_user" => View::EndUser,
        "all" => View::All,
        other => {
            return Err(ApiError::BadRequest(format!(
                "view {other:?} is not one of agent, end_user, all"
            )))
        }
    };
    let render = |chat: &Chat, _: &str| Transcript::of(chat, view, &view_name);
    chat_when(&state, chat_id.into_inner(), &condition, view, render).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SayBody {
    text: String,
}

#[utoipa::path(post, path = "/chats/{chat_id}/agent/messages", summary = "The human agent says something",
    params(("chat_id" = ChatId, Path)),
    request_body = inline(SayBody),
    responses(
        (status = 200, description = "The record", body = ChatRecord),
        (status = 404, response = Error404),
        (status = 409, response = Error409),
    ))]
pub async fn agent_says(
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
    body: web::Json<SayBody>,
) -> Result<HttpResponse, ApiError> {
    let text = body.into_inner().text;
    if text.trim().is_empty() {
        return Err(ApiError::BadRequest("text must not be empty".into()));
    }
    let owned = state.agent_says(chat_id.into_inner(), text).await?;
    Ok(HttpResponse::Ok().json(ChatRecord::of(&owned.chat, &owned.tenant)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TransferBody {
    /// The key of the task virtual agent to hand the chat to.
    task_virtual_agent: String,
}

#[utoipa::path(post, path = "/chats/{chat_id}/agent/transfer", summary = "The human agent transfers to a VTA",
    params(("chat_id" = ChatId, Path)),
    request_body = inline(TransferBody),
    responses(
        (status = 200, description = "The record", body = ChatRecord),
        (status = 404, response = Error404),
        (status = 409, response = Error409),
    ))]
pub async fn agent_transfers(
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
    body: web::Json<TransferBody>,
) -> Result<HttpResponse, ApiError> {
    let owned = state
        .transfer_to_task_virtual_agent(chat_id.into_inner(), &body.task_virtual_agent)
        .await?;
    Ok(HttpResponse::Ok().json(ChatRecord::of(&owned.chat, &owned.tenant)))
}

/// `force=true` dismisses a chat the eligibility rule does not allow yet.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DismissQuery {
    /// dismiss even when the platform's eligibility rule does not allow it yet (for tests)
    force: Option<bool>,
}

/// Dismisses the chat (`dismissed` / `va_dismissed`): the agent is removed and the chat waits
/// for the end user, as the agent's "Dismiss chat" button does on the platform. Only once
/// both the end user and an agent have written (and, after a reactivation, the end user
/// again), as the page "Dismiss Inactive Chats" says; otherwise 409 naming the rule, unless
/// `?force=true`.
#[utoipa::path(post, path = "/chats/{chat_id}/dismiss",
    summary = "Dismiss the chat (409 until both sides have written, unless force=true)",
    params(("chat_id" = ChatId, Path), DismissQuery),
    responses(
        (status = 200, description = "The record", body = ChatRecord),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
        (status = 409, response = Error409),
    ))]
pub async fn dismiss(
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
    query: web::Query<DismissQuery>,
) -> Result<HttpResponse, ApiError> {
    let force = query.force.unwrap_or(false);
    let owned = state.dismiss_chat(chat_id.into_inner(), force).await?;
    Ok(HttpResponse::Ok().json(ChatRecord::of(&owned.chat, &owned.tenant)))
}

#[utoipa::path(post, path = "/chats/{chat_id}/agent/end", summary = "The human agent ends the chat",
    params(("chat_id" = ChatId, Path)),
    responses(
        (status = 200, description = "The record", body = ChatRecord),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
    ))]
pub async fn agent_ends(
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
) -> Result<HttpResponse, ApiError> {
    let owned = state.agent_finishes_chat(chat_id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ChatRecord::of(&owned.chat, &owned.tenant)))
}
