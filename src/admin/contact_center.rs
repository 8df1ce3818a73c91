//! The fixtures at run time: read or replace the agent script (`contact_center.json`,
//! validated exactly like the file) and the load/reload status of the fixture folder,
//! which can be long-polled (`wait=` with `min_reloads=` / `last_error=`).
//! Chats already running keep the task virtual agent they were handed.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::waiting::{parse_wait, respond_when, Check};

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

/// What a long-poll on the fixture status waits for; every given condition must hold.
#[derive(Debug, Deserialize)]
pub struct FixtureCondition {
    wait: Option<String>,
    /// At least this many successful reloads.
    min_reloads: Option<u64>,
    /// `present`: the last reload failed; `absent`: it did not.
    last_error: Option<String>,
}

/// The load and reload status; with `wait=`, once `min_reloads` / `last_error` hold.
pub async fn fixture_status(
    state: web::Data<AppState>,
    condition: web::Query<FixtureCondition>,
) -> Result<HttpResponse, ApiError> {
    let condition = condition.into_inner();
    if condition.wait.is_none() && condition.min_reloads.is_none() && condition.last_error.is_none()
    {
        return Ok(HttpResponse::Ok().json(state.fixture_status()));
    }
    let wants_error = match condition.last_error.as_deref() {
        None => None,
        Some("present") => Some(true),
        Some("absent") => Some(false),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "last_error {other:?} is not one of present, absent"
            )))
        }
    };
    let wait = parse_wait(condition.wait.as_deref())?;
    let mut described = Vec::new();
    if let Some(min) = condition.min_reloads {
        described.push(format!("min_reloads={min}"));
    }
    if let Some(value) = &condition.last_error {
        described.push(format!("last_error={value}"));
    }
    respond_when(&state, wait, &described.join(", "), || {
        let status = state.fixture_status();
        let holds = condition
            .min_reloads
            .is_none_or(|min| status.reloads >= min)
            && wants_error.is_none_or(|wanted| status.last_error.is_some() == wanted);
        Ok(if holds {
            Check::Met(status)
        } else {
            Check::NotYet(status)
        })
    })
    .await
}
