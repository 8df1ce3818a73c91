//! The full record of a chat, its three views (SPEC B3), and what the simulated human
//! agent does when a test or a person drives it: say something, transfer to a task virtual
//! agent, end the chat.

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::error::ApiError;
use crate::domain::chat::View;
use crate::domain::routing::EndedBy;
use crate::domain::{Chat, RoutingState};
use crate::startup::AppState;
use crate::store::Tenant;

fn owner(state: &AppState, chat_id: u64) -> Result<Arc<Tenant>, ApiError> {
    state
        .store
        .owner_of(chat_id)
        .ok_or_else(ApiError::not_found)
}

/// The full internal record of a chat.
pub fn chat_record(chat: &Chat, tenant: &str) -> Value {
    let task = match &chat.routing {
        RoutingState::TaskVirtualAgent { session, .. } => json!({
            "key": session.key, "step": session.step, "attempts": session.attempts,
        }),
        _ => Value::Null,
    };
    json!({
        "id": chat.id,
        "tenant": tenant,
        "routing_state": chat.routing.name(),
        "agent": chat.routing.agent(),
        "task_virtual_agent": task,
        "end_user": chat.end_user,
        "lang": chat.lang,
        "menu": chat.menu.as_ref().map(|(id, name)| json!({"id": id, "name": name})),
        "context": chat.context,
        "created_at": chat.created_at,
        "ended_at": chat.ended_at,
        "all_agents": chat.agents,
        "all_virtual_agents": chat.virtual_agents,
        "messages": chat.messages,
    })
}

pub async fn record(
    state: web::Data<AppState>,
    chat_id: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let chat_id = chat_id.into_inner();
    let tenant = owner(&state, chat_id)?;
    let chat = state.store.chat(&tenant, chat_id)?;
    Ok(HttpResponse::Ok().json(chat_record(&chat, &tenant.name)))
}

#[derive(Debug, Deserialize)]
pub struct TranscriptQuery {
    view: Option<String>,
}

pub async fn transcript(
    state: web::Data<AppState>,
    chat_id: web::Path<u64>,
    query: web::Query<TranscriptQuery>,
) -> Result<HttpResponse, ApiError> {
    let view_name = query.view.as_deref().unwrap_or("all");
    let view = match view_name {
        "agent" => View::Agent,
        "end_user" => View::EndUser,
        "all" => View::All,
        other => {
            return Err(ApiError::BadRequest(format!(
                "view {other:?} is not one of agent, end_user, all"
            )))
        }
    };
    let chat_id = chat_id.into_inner();
    let tenant = owner(&state, chat_id)?;
    let chat = state.store.chat(&tenant, chat_id)?;
    let messages: Vec<_> = chat.transcript(view).collect();
    Ok(HttpResponse::Ok()
        .json(json!({"chat_id": chat.id, "view": view_name, "messages": messages})))
}

#[derive(Debug, Deserialize)]
pub struct SayBody {
    text: String,
}

pub async fn agent_says(
    state: web::Data<AppState>,
    chat_id: web::Path<u64>,
    body: web::Json<SayBody>,
) -> Result<HttpResponse, ApiError> {
    let text = body.into_inner().text;
    if text.trim().is_empty() {
        return Err(ApiError::BadRequest("text must not be empty".into()));
    }
    let chat_id = chat_id.into_inner();
    let tenant = owner(&state, chat_id)?;
    let chat = state.store.agent_says(&tenant, chat_id, text)?;
    Ok(HttpResponse::Ok().json(chat_record(&chat, &tenant.name)))
}

#[derive(Debug, Deserialize)]
pub struct TransferBody {
    task_virtual_agent: String,
}

pub async fn agent_transfers(
    state: web::Data<AppState>,
    chat_id: web::Path<u64>,
    body: web::Json<TransferBody>,
) -> Result<HttpResponse, ApiError> {
    let chat_id = chat_id.into_inner();
    let tenant = owner(&state, chat_id)?;
    let chat = state
        .store
        .transfer_to_vta(&tenant, chat_id, &body.task_virtual_agent)?;
    Ok(HttpResponse::Ok().json(chat_record(&chat, &tenant.name)))
}

pub async fn agent_ends(
    state: web::Data<AppState>,
    chat_id: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let chat_id = chat_id.into_inner();
    let tenant = owner(&state, chat_id)?;
    let chat = state.store.end_chat(&tenant, chat_id, EndedBy::Agent)?;
    Ok(HttpResponse::Ok().json(chat_record(&chat, &tenant.name)))
}
