//! The scripted task virtual agents: list, inspect, upload or replace one at run time.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::domain::TaskVirtualAgent;
use crate::http::error::ApiError;
use crate::state::AppState;

fn describe(vta: &TaskVirtualAgent) -> Value {
    json!({
        "key": vta.key,
        "id": vta.id,
        "name": vta.name,
        "description": vta.description,
        "greeting": vta.greeting,
        "steps": vta.steps.iter().map(|step| json!({
            "capture": step.capture,
            "ask": step.ask,
            "pattern": step.pattern.as_str(),
            "max_attempts": step.max_attempts,
            "agent_view": step.agent_view,
            "lookup": step.lookup.as_ref().map(|lookup| json!({"table": lookup.table, "as": lookup.bind_as})),
        })).collect::<Vec<_>>(),
        "on_success": vta.on_success,
        "on_failure": vta.on_failure,
    })
}

pub async fn list(state: web::Data<AppState>) -> HttpResponse {
    let list: Vec<Value> = state
        .task_virtual_agents()
        .iter()
        .map(|vta| describe(vta))
        .collect();
    HttpResponse::Ok().json(json!({ "task_virtual_agents": list }))
}

pub async fn get(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let script = state.script();
    let vta = script.task_virtual_agent(&key).ok_or_else(|| {
        ApiError::NotFound(format!(
            "No task virtual agent has the key {:?}",
            key.as_str()
        ))
    })?;
    Ok(HttpResponse::Ok().json(describe(vta)))
}

/// Uploads or replaces one VTA; it is validated exactly like a fixture file.
pub async fn put(
    state: web::Data<AppState>,
    key: web::Path<String>,
    document: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let stored = state
        .upsert_task_virtual_agent(&key, document.into_inner())
        .map_err(|error| {
            ApiError::BadRequest(format!(
                "Invalid task virtual agent: {}: {}",
                error.place, error.problem
            ))
        })?;
    let body = describe(&stored.vta);
    Ok(if stored.created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}
