//! Mid-session authentication, `POST /chats/{id}/end_user`, as the platform's page
//! "Mid-Session authentication by API" documents it: the chat is re-pointed at a verified
//! end user (upserted by `identifier`) with 202 `{"message": "accepted"}`; a missing or
//! empty identifier is 400 `param is missing or the value is empty: identifier`, an ended
//! chat 400 `Chat is already ended`, and the same request repeated within the duplicate
//! interval 400 `Duplicate request: Please wait for the interval to expire`. The page does
//! not give the interval or say what a duplicate is: the emulator treats the same chat and
//! identifier within `--mid-session-duplicate-interval` (5 s) of an accepted request as one.

use std::time::{Duration, Instant};

use actix_web::{web, HttpResponse};
use dashmap::DashMap;

use super::auth::AuthenticatedTenant;
use super::end_users::UpsertBody;
use super::error::ApiError;
use crate::startup::AppState;

pub const MISSING_IDENTIFIER: &str = "param is missing or the value is empty: identifier";
pub const DUPLICATE_REQUEST: &str = "Duplicate request: Please wait for the interval to expire";

/// The last accepted authentication of each chat, to refuse duplicates.
#[derive(Debug)]
pub struct DuplicateGuard {
    interval: Duration,
    accepted: DashMap<u64, (String, Instant)>,
}

impl DuplicateGuard {
    /// `interval` zero: nothing is a duplicate.
    pub fn new(interval: Duration) -> DuplicateGuard {
        DuplicateGuard {
            interval,
            accepted: DashMap::new(),
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    fn is_duplicate(&self, chat_id: u64, identifier: &str) -> bool {
        self.accepted.get(&chat_id).is_some_and(|entry| {
            let (previous, at) = entry.value();
            previous == identifier && at.elapsed() < self.interval
        })
    }

    fn accepted(&self, chat_id: u64, identifier: String) {
        if !self.interval.is_zero() {
            self.accepted.insert(chat_id, (identifier, Instant::now()));
        }
    }
}

/// `POST /chats/{id}/end_user`: 202 `{"message": "accepted"}`.
pub async fn authenticate_in_chat(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<AppState>,
    chat_id: web::Path<u64>,
    body: web::Json<UpsertBody>,
) -> Result<HttpResponse, ApiError> {
    let missing = || ApiError::BadRequest(MISSING_IDENTIFIER.to_owned());
    let fields = body.into_inner().into_fields_or(missing)?;
    if fields.identifier.trim().is_empty() {
        return Err(missing());
    }
    let chat_id = chat_id.into_inner();
    let guard = &state.mid_session;
    if guard.is_duplicate(chat_id, &fields.identifier) {
        return Err(ApiError::BadRequest(DUPLICATE_REQUEST.to_owned()));
    }
    let identifier = fields.identifier.clone();
    state
        .store
        .authenticate_end_user(&tenant, chat_id, fields)?;
    guard.accepted(chat_id, identifier);
    Ok(HttpResponse::Accepted().json(serde_json::json!({"message": "accepted"})))
}
