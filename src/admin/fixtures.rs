//! The fixtures at run time: read or replace the agent script (`contact_center.json`,
//! validated exactly like the file) and the load/reload status of the fixture folder.
//! Chats already running keep the task virtual agent they were handed.

use std::collections::BTreeSet;

use actix_web::{web, HttpResponse};
use serde_json::Value;

use crate::api::error::ApiError;
use crate::fixtures::{self, describe};
use crate::startup::AppState;

pub async fn get_contact_center(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(describe::contact_center(&state.store.script()))
}

/// Replaces the agent, menus, join delay, agent script, queues and queue selection; VTAs
/// and data tables stay.
pub async fn put_contact_center(
    state: web::Data<AppState>,
    document: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let mut script = (*state.store.script()).clone();
    let known: BTreeSet<String> = script.task_virtual_agents.keys().cloned().collect();
    let compiled =
        fixtures::compile_contact_center(document.into_inner(), &known).map_err(|error| {
            ApiError::BadRequest(format!(
                "Invalid contact center: {}: {}",
                error.place, error.problem
            ))
        })?;
    script.agent = compiled.agent;
    script.join_delay = state.agent_join_delay.unwrap_or(compiled.join_delay);
    script.menus = compiled.menus;
    script.agent_script = compiled.agent_script;
    script.queues = compiled.queues;
    script.queue_selection = compiled.queue_selection;
    let body = describe::contact_center(&script);
    state.store.replace_script(script);
    Ok(HttpResponse::Ok().json(body))
}

pub async fn status(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.fixtures.report())
}
