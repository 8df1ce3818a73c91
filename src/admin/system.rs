//! Health, reset, and the scripted task virtual agents (list, inspect, upload at run time).

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::error::ApiError;
use crate::domain::TaskVirtualAgent;
use crate::fixtures;
use crate::startup::AppState;

pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": state.started.elapsed().as_secs(),
        "tenants": state.store.tenant_names().len(),
        "request_journal": state.requests.stats(),
        "rate_limit_per_second": state.rate_limit.as_ref().map(|limit| limit.per_second()),
        "fidelity": state.store.webhooks.options_json(state.mid_session.interval()),
    }))
}

#[derive(Debug, Deserialize)]
pub struct ResetQuery {
    tenant: Option<String>,
}

pub async fn reset(state: web::Data<AppState>, query: web::Query<ResetQuery>) -> HttpResponse {
    state.store.reset(query.tenant.as_deref());
    state.requests.forget(query.tenant.as_deref());
    state.after_hours.forget(query.tenant.as_deref());
    HttpResponse::Ok().json(json!({"reset": query.tenant.as_deref().unwrap_or("all")}))
}

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

pub async fn list_task_virtual_agents(state: web::Data<AppState>) -> HttpResponse {
    let script = state.store.script();
    let list: Vec<Value> = script
        .task_virtual_agents
        .values()
        .map(|vta| describe(vta))
        .collect();
    HttpResponse::Ok().json(json!({ "task_virtual_agents": list }))
}

pub async fn get_task_virtual_agent(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let script = state.store.script();
    let vta = script.task_virtual_agent(&key).ok_or_else(|| {
        ApiError::NotFound(format!(
            "No task virtual agent has the key {:?}",
            key.as_str()
        ))
    })?;
    Ok(HttpResponse::Ok().json(describe(vta)))
}

/// Uploads or replaces one VTA; it is validated exactly like a fixture file.
pub async fn put_task_virtual_agent(
    state: web::Data<AppState>,
    key: web::Path<String>,
    document: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut script = (*state.store.script()).clone();
    let tables: BTreeSet<String> = script.data.keys().cloned().collect();
    let vta = fixtures::compile_task_virtual_agent(&key, document.into_inner(), &tables).map_err(
        |error| {
            ApiError::BadRequest(format!(
                "Invalid task virtual agent: {}: {}",
                error.place, error.problem
            ))
        },
    )?;
    let body = describe(&vta);
    let created = script
        .task_virtual_agents
        .insert(vta.key.clone(), Arc::new(vta))
        .is_none();
    state.store.replace_script(script);
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// The OpenAPI 3 document of the Apps API and the control plane.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}
