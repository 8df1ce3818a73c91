//! The chat use cases. Each locks the one chat it concerns, runs the domain transition, and
//! carries out the returned effects while still holding that lock (see `super::effects`).
//! No method locks all chats, and none waits for the network. Apps API methods take the
//! authenticated tenant; control-plane methods take a chat id and find its tenant.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::tenant::{EndUserFields, Tenant};
use super::{AppState, StateError};
use crate::core::domain::pre_chat::PreChatMessage;
use crate::core::domain::queues::Availability;
use crate::core::domain::{
    Chat, ChatError, ChatId, ContactCenter, Effect, EndUser, EndUserId, EndedBy, MessageBody,
    MessageId, NewChat, Visibility,
};

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
}

/// A copy of a chat with the name of the tenant that owns it (the control plane's view).
#[derive(Debug, Clone)]
pub struct OwnedChat {
    pub tenant: String,
    pub chat: Chat,
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

impl AppState {
    /// Every tenant with a one-line summary of each of its chats, for the console.
    pub fn tenant_overview(&self) -> Vec<TenantOverview> {
        self.tenant_names()
            .into_iter()
            .filter_map(|name| self.existing_tenant(&name))
            .map(|tenant| TenantOverview {
                name: tenant.name.clone(),
                chats: tenant
                    .chat_ids()
                    .into_iter()
                    .filter_map(|id| self.with_chat(&tenant, id, summary).ok())
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
        let most = self.state_limits.max_end_users_per_tenant;
        let user = tenant
            .upsert_end_user(
                fields,
                || EndUserId(self.next_end_user_id.fetch_add(1, Ordering::Relaxed)),
                Utc::now(),
                most,
            )
            .map_err(|held| {
                StateError::LimitReached(format!(
                    "Tenant {} holds {held} end users, the limit set by --max-end-users-per-tenant (CCAI_EMU_MAX_END_USERS_PER_TENANT); existing end users can still be updated; POST /__admin/reset?tenant={} frees them",
                    tenant.name, tenant.name
                ))
            })?;
        self.persist_end_user(&tenant.name, &user)?;
        Ok(user)
    }

    /// Opens a chat for an existing end user.
    pub fn create_chat(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        request: ChatRequest,
    ) -> Result<Chat, StateError> {
        let end_user = tenant
            .end_user(request.end_user_id)
            .ok_or(StateError::EndUserNotFound)?;
        self.make_room_for_chat(tenant)?;
        let script = self.script();
        let menu = match request.menu_id {
            None => None,
            Some(id) => Some((
                id,
                script.menus.get(&id).cloned().ok_or_else(|| {
                    StateError::Invalid(format!("menu_id {id} is not a known menu"))
                })?,
            )),
        };
        let id = ChatId(self.next_chat_id.fetch_add(1, Ordering::Relaxed));
        let new = NewChat {
            id,
            end_user,
            lang: request.lang.unwrap_or_else(|| "en".to_owned()),
            menu,
            context: request.context,
        };
        let now = Utc::now();
        let (mut chat, mut effects) = Chat::open(new, &script, now);
        chat.pre_chat = request.transcript;
        self.with_desk(tenant, |desk| {
            chat.start_queue_selection(&script, desk, now, &mut effects)
        });
        let handle = Arc::new(Mutex::new(chat));
        let mut chat = handle.lock().expect("chat lock");
        self.chat_owners.insert(id, tenant.name.clone());
        tenant.chats.insert(id, Arc::clone(&handle));
        self.carry_out(tenant, &handle, &mut chat, effects, &script);
        self.persist_chat(tenant, &chat)?;
        Ok(chat.clone())
    }

    /// `read` applied to a tenant's chat, under its lock (no copy of the messages).
    pub fn with_chat<R>(
        &self,
        tenant: &Tenant,
        chat_id: ChatId,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StateError> {
        let handle = tenant.chat(chat_id).ok_or(StateError::ChatNotFound)?;
        let chat = handle.lock().expect("chat lock");
        Ok(read(&chat))
    }

    /// The tenant that owns a chat id, for the control plane.
    pub(super) fn owner_of(&self, chat_id: ChatId) -> Result<Arc<Tenant>, StateError> {
        let name = self
            .chat_owners
            .get(&chat_id)
            .ok_or(StateError::ChatNotFound)?
            .clone();
        self.existing_tenant(&name).ok_or(StateError::ChatNotFound)
    }

    /// A copy of any tenant's chat, with its tenant, for the control plane.
    pub fn owned_chat(&self, chat_id: ChatId) -> Result<OwnedChat, StateError> {
        let tenant = self.owner_of(chat_id)?;
        let chat = self.with_chat(&tenant, chat_id, Chat::clone)?;
        Ok(OwnedChat {
            tenant: tenant.name.clone(),
            chat,
        })
    }

    /// The end user sends a message; returns the chat and the new message's id.
    pub fn post_message(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        from_user_id: EndUserId,
        body: MessageBody,
    ) -> Result<PostedMessage, StateError> {
        self.check_message_media(tenant, chat_id, &body)?;
        let posted = self.transition_answering(
            tenant,
            chat_id,
            |chat, script| {
                if self
                    .message_limit_reached(chat.id, chat.messages.len())
                    .is_some()
                {
                    return Ok((None, Vec::new()));
                }
                let sent = self.with_desk(tenant, |desk| {
                    chat.end_user_sends_routed(from_user_id, body, script, desk, Utc::now())
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
        )?;
        posted.ok_or_else(|| {
            let stored = self
                .with_chat(tenant, chat_id, |chat| chat.messages.len())
                .unwrap_or_default();
            self.message_limit_reached(chat_id, stored)
                .unwrap_or(StateError::LimitReached(format!(
                    "Chat {chat_id} is at the limit set by --max-messages-per-chat (CCAI_EMU_MAX_MESSAGES_PER_CHAT)"
                )))
        })
    }

    /// Re-points a chat at a verified end user (upserted by identifier).
    pub fn authenticate_end_user(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        fields: EndUserFields,
    ) -> Result<(), StateError> {
        // Check the chat first, so a refused call creates no end user.
        if self.with_chat(tenant, chat_id, Chat::is_finished)? {
            return Err(ChatError::Finished.into());
        }
        let user = self.upsert_end_user(tenant, fields)?;
        self.transition_then(
            tenant,
            chat_id,
            |chat, _| chat.authenticate_end_user(user, Utc::now()),
            |_| (),
        )
    }

    /// Resumes a dismissed chat (an agent joins again after the script's delay); answers
    /// with `read` of it (no copy of the messages).
    pub fn resume_chat<R>(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StateError> {
        self.transition_then(
            tenant,
            chat_id,
            |chat, script| {
                // Outside operating hours (the tenant's switch, or the chat's queue set
                // `after_hours`) the platform answers its after-hours message and does not
                // resume the chat (page "Resume a chat").
                let resumable = chat.dismissed_status().is_some() && !chat.is_finished();
                let message = self
                    .after_hours_message(&tenant.name)
                    .or_else(|| queue_after_hours(tenant, chat, script));
                if let Some(message) = message.filter(|_| resumable) {
                    return Err(ChatError::AfterHours(message));
                }
                chat.resume(script.join_delay)
            },
            read,
        )
    }

    /// The end user finishes the chat.
    pub fn finish_chat(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
    ) -> Result<Chat, StateError> {
        self.transition(tenant, chat_id, |chat, _| {
            chat.end(EndedBy::EndUser, Utc::now())
        })
    }

    /// The simulated human agent says something.
    pub fn agent_says(
        self: &Arc<Self>,
        chat_id: ChatId,
        text: String,
    ) -> Result<OwnedChat, StateError> {
        self.owned_transition(chat_id, |chat, _| {
            Ok(chat.agent_says(text, Utc::now())?.effects)
        })
    }

    /// The simulated human agent transfers to a task virtual agent.
    pub fn transfer_to_task_virtual_agent(
        self: &Arc<Self>,
        chat_id: ChatId,
        key: &str,
    ) -> Result<OwnedChat, StateError> {
        self.owned_transition(chat_id, |chat, script| {
            chat.transfer_to_vta(key, script, Utc::now())
        })
    }

    /// The simulated human agent ends the chat.
    pub fn agent_finishes_chat(self: &Arc<Self>, chat_id: ChatId) -> Result<OwnedChat, StateError> {
        self.owned_transition(chat_id, |chat, _| chat.end(EndedBy::Agent, Utc::now()))
    }

    /// Dismisses the chat: the agent is removed, the history kept (page "Dismiss Inactive Chats").
    pub fn dismiss_chat(self: &Arc<Self>, chat_id: ChatId) -> Result<OwnedChat, StateError> {
        self.owned_transition(chat_id, |chat, _| chat.dismiss(Utc::now()))
    }

    fn owned_transition(
        self: &Arc<Self>,
        chat_id: ChatId,
        change: impl FnOnce(&mut Chat, &ContactCenter) -> Result<Vec<Effect>, ChatError>,
    ) -> Result<OwnedChat, StateError> {
        let tenant = self.owner_of(chat_id)?;
        let chat = self.transition(&tenant, chat_id, change)?;
        Ok(OwnedChat {
            tenant: tenant.name.clone(),
            chat,
        })
    }

    pub(super) fn transition(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        change: impl FnOnce(&mut Chat, &ContactCenter) -> Result<Vec<Effect>, ChatError>,
    ) -> Result<Chat, StateError> {
        self.transition_then(tenant, chat_id, change, Chat::clone)
    }

    /// A transition, then `read` on the changed chat, both under the chat's lock.
    pub(super) fn transition_then<R>(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        change: impl FnOnce(&mut Chat, &ContactCenter) -> Result<Vec<Effect>, ChatError>,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StateError> {
        self.transition_answering(
            tenant,
            chat_id,
            |chat, script| Ok(((), change(chat, script)?)),
            |chat, ()| read(chat),
        )
    }

    /// A transition that also answers something (e.g. the id it created), then `read` on
    /// the changed chat with that answer, both under the chat's lock.
    pub(super) fn transition_answering<T, R>(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        change: impl FnOnce(&mut Chat, &ContactCenter) -> Result<(T, Vec<Effect>), ChatError>,
        read: impl FnOnce(&Chat, T) -> R,
    ) -> Result<R, StateError> {
        let handle = tenant.chat(chat_id).ok_or(StateError::ChatNotFound)?;
        let script = self.script();
        let mut chat = handle.lock().expect("chat lock");
        let (answer, effects) = change(&mut chat, &script)?;
        self.carry_out(tenant, &handle, &mut chat, effects, &script);
        self.persist_chat(tenant, &chat)?;
        Ok(read(&chat, answer))
    }
}

/// The after-hours message when the chat's queue is `after_hours` for the tenant (the
/// default message: the platform's wording is each tenant's own configuration).
fn queue_after_hours(tenant: &Tenant, chat: &Chat, script: &ContactCenter) -> Option<String> {
    let queue = script.queue(chat.queue.as_deref()?)?;
    (tenant.availability(queue) == Availability::AfterHours)
        .then(|| super::after_hours::DEFAULT_MESSAGE.to_owned())
}
