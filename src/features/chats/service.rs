//! [`Chats`]: the use cases of end users, chats and messages. Each runs one domain
//! transition on one chat through the core ([`AppState::transition`] and its kin), which
//! locks only that chat and carries out what the transition returns.
//!
//! Mid-session authentication follows the platform's page "Mid-Session authentication by
//! API": the chat is re-pointed at a verified end user (upserted by `identifier`); a
//! missing or empty identifier is `param is missing or the value is empty: identifier`,
//! and the same request repeated within the duplicate interval is `Duplicate request:
//! Please wait for the interval to expire` (both 400). The page gives neither the interval
//! nor what a duplicate is: the emulator treats the same chat and identifier within
//! `--mid-session-duplicate-interval` (5 s) of an accepted request as one.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::duplicate_guard::DuplicateGuard;
use crate::core::domain::custom_data::CustomData;
use crate::core::domain::pre_chat::PreChatMessage;
use crate::core::domain::queues::Availability;
use crate::core::domain::{
    Chat, ChatError, ChatId, ContactCenter, EndUser, EndUserId, EndedBy, MessageBody, MessageId,
    NewChat, Visibility,
};
use crate::core::limits::Limit;
use crate::core::live_events::LiveEventBus;
use crate::core::state::chat_memory::{custom_data_bytes, opening_cost, MESSAGE_BYTES};
use crate::core::state::durability::Change;
use crate::core::state::{
    AppState, EndUserFields, OwnedChat, StateError, Tenant, DEFAULT_AFTER_HOURS_MESSAGE,
};
use crate::features::media::MediaFiles;

pub const MISSING_IDENTIFIER: &str = "param is missing or the value is empty: identifier";
pub const DUPLICATE_REQUEST: &str = "Duplicate request: Please wait for the interval to expire";

/// The stored end-user message, as `POST /chats/{id}/message` answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostedMessage {
    pub chat_id: ChatId,
    pub message_id: MessageId,
    pub at: DateTime<Utc>,
    pub visibility: Visibility,
}

/// What a new chat asks for.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub end_user_id: EndUserId,
    pub lang: Option<String>,
    pub menu_id: Option<u64>,
    pub context: Option<Value>,
    /// The pre-chat transcript, already validated.
    pub transcript: Vec<PreChatMessage>,
    /// Custom data and reserved data properties, already validated.
    pub custom_data: CustomData,
}

/// One line of the console's tenant overview.
#[derive(Debug, Clone, Serialize)]
pub struct TenantOverview {
    pub name: String,
    pub chats: Vec<Value>,
}

/// The console's one-line summary of a chat.
fn summary(chat: &Chat) -> Value {
    json!({
        "id": chat.id,
        "routing_state": chat.routing.name(),
        "end_user": chat.end_user.identifier,
        "messages": chat.messages.len(),
        "created_at": chat.created_at,
    })
}

/// The chat use cases.
pub struct Chats {
    state: Arc<AppState>,
    media: Arc<MediaFiles>,
    /// Refuses a repeated mid-session authentication within the duplicate interval.
    mid_session: DuplicateGuard,
}

impl Chats {
    pub fn new(
        state: Arc<AppState>,
        media: Arc<MediaFiles>,
        mid_session_duplicate_interval: Duration,
    ) -> Chats {
        Chats {
            state,
            media,
            mid_session: DuplicateGuard::new(mid_session_duplicate_interval),
        }
    }

    /// The core these use cases run on.
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// The bus the chat queries' long-polls wait on.
    pub fn live_events(&self) -> &LiveEventBus {
        self.state.live_events()
    }

    /// A repeated mid-session authentication within this is a duplicate (zero: off).
    pub fn mid_session_duplicate_interval(&self) -> Duration {
        self.mid_session.interval()
    }

    /// Every tenant with a one-line summary of each of its chats, for the console.
    pub fn tenant_overview(&self) -> Vec<TenantOverview> {
        self.state
            .tenant_names()
            .into_iter()
            .filter_map(|name| self.state.existing_tenant(&name))
            .map(|tenant| TenantOverview {
                name: tenant.name.clone(),
                chats: tenant
                    .chat_ids()
                    .into_iter()
                    .filter_map(|id| self.state.with_chat(&tenant, id, summary).ok())
                    .collect(),
            })
            .collect()
    }

    pub fn upsert_end_user(
        &self,
        tenant: &Tenant,
        fields: EndUserFields,
    ) -> Result<EndUser, StateError> {
        if fields.identifier.trim().is_empty() {
            return Err(StateError::Invalid("identifier must not be empty".into()));
        }
        let most = self.state.limits().max_end_users_per_tenant;
        let user = tenant
            .upsert_end_user(
                fields,
                || self.state.ids().next_end_user(),
                tenant.now(),
                most,
            )
            .map_err(|held| {
                StateError::LimitReached(format!(
                    "Tenant {} holds {held} end users, the limit set by {}; existing end users can still be updated; POST /__admin/reset?tenant={} frees them",
                    tenant.name,
                    Limit::EndUsersPerTenant.names_flag(),
                    tenant.name
                ))
            })?;
        self.state.record(&[Change::EndUser {
            tenant: &tenant.name,
            user: &user,
        }])?;
        Ok(user)
    }

    /// Opens a chat for an existing end user.
    pub async fn create_chat(
        &self,
        tenant: &Arc<Tenant>,
        request: ChatRequest,
    ) -> Result<Chat, StateError> {
        let ChatRequest {
            lang,
            menu_id,
            context,
            transcript,
            end_user_id,
            custom_data,
        } = request;
        self.check_custom_data_room(custom_data.len())?;
        // What is stored must be within its bounds, and fit the chat budgets.
        if let Some(context) = &context {
            self.state.check_json_depth("The chat's context", context)?;
        }
        for (index, message) in transcript.iter().enumerate() {
            for text in message.texts() {
                self.state
                    .check_message_size(&format!("transcript[{index}]"), text)?;
            }
        }
        let end_user = tenant
            .end_user(end_user_id)
            .ok_or(StateError::EndUserNotFound)?;
        let opening = opening_cost(context.as_ref(), &transcript, &custom_data);
        self.state.make_room_for_content(&tenant.name, opening)?;
        self.state
            .open_chat(
                tenant,
                |script| match menu_id {
                    None => Ok(None),
                    Some(id) => Ok(Some((
                        id,
                        script.menus.get(&id).cloned().ok_or_else(|| {
                            StateError::Invalid(format!("menu_id {id} is not a known menu"))
                        })?,
                    ))),
                },
                |id, menu, script, now| {
                    let new = NewChat {
                        id,
                        end_user,
                        lang: lang.unwrap_or_else(|| "en".to_owned()),
                        menu,
                        context,
                    };

                    let (mut chat, mut effects) = Chat::open(new, script, now);
                    chat.pre_chat = transcript;
                    chat.custom_data = custom_data;
                    self.state.with_desk(tenant, |desk| {
                        chat.start_queue_selection(script, desk, now, &mut effects)
                    });
                    (chat, effects)
                },
            )
            .await
    }

    /// `POST /chats/{id}/custom_data`: adds custom data and reserved data properties to the
    /// chat (a key sent again replaces its entry); refused on an ended chat, and past
    /// `--max-custom-data-per-chat` keys. Answers the chat's whole custom data.
    pub async fn add_custom_data(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        data: CustomData,
    ) -> Result<CustomData, StateError> {
        // Charged as sent (a key sent again is charged again: an estimate that errs high).
        let bytes = custom_data_bytes(&data);
        self.state.make_room_for_content(&tenant.name, bytes)?;
        let answer = self
            .state
            .transition_answering(
                tenant,
                chat_id,
                |chat, _, _| {
                    if chat.is_finished() {
                        return Err(StateError::Chat(ChatError::Finished));
                    }
                    let new_keys = data
                        .keys()
                        .filter(|key| !chat.custom_data.contains_key(*key))
                        .count();
                    self.check_custom_data_room(chat.custom_data.len() + new_keys)?;
                    chat.custom_data.extend(data);
                    Ok(((), Vec::new()))
                },
                |chat, ()| chat.custom_data.clone(),
            )
            .await?;
        self.state.chat_memory().charge(chat_id, bytes);
        Ok(answer)
    }

    /// Refuses custom data that would leave a chat with `entries` keys, past the limit.
    fn check_custom_data_room(&self, entries: usize) -> Result<(), StateError> {
        let most = self.state.limits().max_custom_data_per_chat;
        if entries <= most {
            return Ok(());
        }
        Err(StateError::LimitReached(format!(
            "A chat holds at most {most} custom data entries, the limit set by {}; this one would hold {entries}",
            Limit::CustomDataPerChat.names_flag(),
        )))
    }

    /// `read` applied to a tenant's chat, under its lock (no copy of the messages).
    pub fn with_chat<R>(
        &self,
        tenant: &Tenant,
        chat_id: ChatId,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StateError> {
        self.state.with_chat(tenant, chat_id, read)
    }

    /// A copy of any tenant's chat, with its tenant, for the control plane.
    pub fn owned_chat(&self, chat_id: ChatId) -> Result<OwnedChat, StateError> {
        self.state.owned_chat(chat_id)
    }

    /// The end user sends a message; returns the chat and the new message's id.
    pub async fn post_message(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        from_user_id: EndUserId,
        body: MessageBody,
    ) -> Result<PostedMessage, StateError> {
        self.media.check_message_media(tenant, chat_id, &body)?;
        let state = &self.state;
        let text = match &body {
            MessageBody::Text { text } => text.as_str(),
            _ => "",
        };
        state.check_message_size("The message", text)?;
        state.make_room_for_content(&tenant.name, MESSAGE_BYTES + text.len() as u64)?;
        let posted = state
            .transition_answering(
                tenant,
                chat_id,
                |chat, script, now| {
                    if state
                        .message_limit_reached(chat.id, chat.messages.len())
                        .is_some()
                    {
                        return Ok::<_, StateError>((None, Vec::new()));
                    }
                    let sent = state.with_desk(tenant, |desk| {
                        chat.end_user_sends_routed(from_user_id, body, script, desk, now)
                    })?;
                    Ok((Some(sent.message_id), sent.effects))
                },
                // Only what the answer needs: copying the chat would cost O(messages) per post.
                |chat, message_id| {
                    let message_id = message_id?;
                    let message = chat
                        .message(message_id)
                        .expect("the posted message is stored");
                    Some(PostedMessage {
                        chat_id: chat.id,
                        message_id,
                        at: message.at,
                        visibility: message.visibility,
                    })
                },
            )
            .await?;
        posted.ok_or_else(|| {
            let stored = state
                .with_chat(tenant, chat_id, |chat| chat.messages.len())
                .unwrap_or_default();
            state
                .message_limit_reached(chat_id, stored)
                .unwrap_or(StateError::LimitReached(format!(
                    "Chat {chat_id} is at the limit set by {}",
                    Limit::MessagesPerChat.names_flag()
                )))
        })
    }

    /// `POST /chats/{id}/end_user`: re-points the chat at the verified end user, unless the
    /// identifier is empty or the same request was accepted within the interval.
    pub async fn authenticate_in_chat(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        fields: EndUserFields,
    ) -> Result<(), StateError> {
        if fields.identifier.trim().is_empty() {
            return Err(StateError::Invalid(MISSING_IDENTIFIER.to_owned()));
        }
        if self
            .mid_session
            .is_duplicate(chat_id, &fields.identifier, tenant.now())
        {
            return Err(StateError::Invalid(DUPLICATE_REQUEST.to_owned()));
        }
        let identifier = fields.identifier.clone();
        self.authenticate_end_user(tenant, chat_id, fields).await?;
        self.mid_session.accepted(chat_id, identifier, tenant.now());
        Ok(())
    }

    /// Re-points a chat at a verified end user (upserted by identifier).
    async fn authenticate_end_user(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        fields: EndUserFields,
    ) -> Result<(), StateError> {
        // Check the chat first, so a refused call creates no end user.
        if self.state.with_chat(tenant, chat_id, Chat::is_finished)? {
            return Err(ChatError::Finished.into());
        }
        let user = self.upsert_end_user(tenant, fields)?;
        self.state
            .transition_then(
                tenant,
                chat_id,
                |chat, _, now| chat.authenticate_end_user(user, now),
                |_| (),
            )
            .await
    }

    /// Resumes a dismissed chat (an agent joins again after the script's delay); answers
    /// with `read` of it (no copy of the messages).
    pub async fn resume_chat<R>(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StateError> {
        self.state
            .transition_then(
                tenant,
                chat_id,
                |chat, script, _| {
                    // Outside operating hours (the tenant's switch, or the chat's queue set
                    // `after_hours`) the platform answers its after-hours message and does not
                    // resume the chat (page "Resume a chat").
                    let resumable = chat.dismissed_status().is_some() && !chat.is_finished();
                    let message = self
                        .state
                        .after_hours()
                        .message_for(&tenant.name)
                        .or_else(|| queue_after_hours(tenant, chat, script));
                    if let Some(message) = message.filter(|_| resumable) {
                        return Err(ChatError::AfterHours(message));
                    }
                    chat.resume(script.join_delay)
                },
                read,
            )
            .await
    }

    /// The end user finishes the chat.
    pub async fn finish_chat(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
    ) -> Result<Chat, StateError> {
        self.state
            .transition(tenant, chat_id, |chat, _, now| {
                chat.end(EndedBy::EndUser, now)
            })
            .await
    }

    /// The simulated human agent says something.
    pub async fn agent_says(&self, chat_id: ChatId, text: String) -> Result<OwnedChat, StateError> {
        self.state.check_message_size("The message", &text)?;
        let tenant = self.state.owner_of(chat_id)?;
        self.state
            .make_room_for_content(&tenant.name, MESSAGE_BYTES + text.len() as u64)?;
        self.state
            .owned_transition(chat_id, |chat, _, now| {
                Ok(chat.agent_says(text, now)?.effects)
            })
            .await
    }

    /// The simulated human agent transfers to a task virtual agent.
    pub async fn transfer_to_task_virtual_agent(
        &self,
        chat_id: ChatId,
        key: &str,
    ) -> Result<OwnedChat, StateError> {
        self.state
            .owned_transition(chat_id, |chat, script, now| {
                chat.transfer_to_vta(key, script, now)
            })
            .await
    }

    /// The simulated human agent ends the chat.
    pub async fn agent_finishes_chat(&self, chat_id: ChatId) -> Result<OwnedChat, StateError> {
        self.state
            .owned_transition(chat_id, |chat, _, now| chat.end(EndedBy::Agent, now))
            .await
    }

    /// Dismisses the chat by hand: the agent is removed, the history kept (page "Dismiss
    /// Inactive Chats"); refused (409) while the page's eligibility rule does not hold,
    /// unless `force`.
    pub async fn dismiss_chat(
        &self,
        chat_id: ChatId,
        force: bool,
    ) -> Result<OwnedChat, StateError> {
        self.state
            .owned_transition(chat_id, |chat, _, now| chat.dismiss_by_hand(force, now))
            .await
    }
}

/// The after-hours message when the chat's queue is `after_hours` for the tenant (the
/// default message: the platform's wording is each tenant's own configuration).
fn queue_after_hours(tenant: &Tenant, chat: &Chat, script: &ContactCenter) -> Option<String> {
    let queue = script.queue(chat.queue.as_deref()?)?;
    (tenant.availability(queue) == Availability::AfterHours)
        .then(|| DEFAULT_AFTER_HOURS_MESSAGE.to_owned())
}
