//! Mid-session authentication as the platform's page "Mid-Session authentication by API"
//! documents it: the chat is re-pointed at a verified end user (upserted by `identifier`);
//! a missing or empty identifier is `param is missing or the value is empty: identifier`,
//! and the same request repeated within the duplicate interval is `Duplicate request:
//! Please wait for the interval to expire` (both 400). The page gives neither the interval
//! nor what a duplicate is: the emulator treats the same chat and identifier within
//! `--mid-session-duplicate-interval` (5 s) of an accepted request as one.

use std::sync::Arc;

use super::tenant::{EndUserFields, Tenant};
use super::{AppState, StateError};
use crate::core::domain::ChatId;

pub const MISSING_IDENTIFIER: &str = "param is missing or the value is empty: identifier";
pub const DUPLICATE_REQUEST: &str = "Duplicate request: Please wait for the interval to expire";

impl AppState {
    /// `POST /chats/{id}/end_user`: re-points the chat at the verified end user, unless the
    /// identifier is empty or the same request was accepted within the interval.
    pub fn authenticate_in_chat(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        fields: EndUserFields,
    ) -> Result<(), StateError> {
        if fields.identifier.trim().is_empty() {
            return Err(StateError::Invalid(MISSING_IDENTIFIER.to_owned()));
        }
        if self.mid_session.is_duplicate(chat_id, &fields.identifier) {
            return Err(StateError::Invalid(DUPLICATE_REQUEST.to_owned()));
        }
        let identifier = fields.identifier.clone();
        self.authenticate_end_user(tenant, chat_id, fields)?;
        self.mid_session.accepted(chat_id, identifier);
        Ok(())
    }
}
