//! The fixtures at run time: read or replace the agent script (`contact_center.json`,
//! validated exactly like the file) and the load/reload status of the fixture folder.
//! Chats already running keep the task virtual agent they were handed.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use crate::http::error::ApiError;
use crate::script_loader::describe;
use crate::state::AppState;

pub async fn get(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(describe::contact_center(&state.script()))
}

/// Replaces the agent, menus, join delay and agent script; VTAs and data tables stay.
pub async fn put(
    state: web::Data<AppState>,
    document: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let script = state
        .replace_contact_center(document.into_inner())
        .map_err(|error| {
            ApiError::BadRequest(format!(
                "Invalid contact center: {}: {}",
                error.place, error.problem
            ))
        })?;
    Ok(HttpResponse::Ok().json(describe::contact_center(&script)))
}

pub async fn fixture_status(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.fixture_status())
}
