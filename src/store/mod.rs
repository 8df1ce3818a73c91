//! The state of every tenant and the use cases that change it, one method each. A method
//! locks the one chat it concerns, runs the domain transition, and carries out the
//! returned effects while still holding that lock: webhook events are journaled and queued
//! in the chat's order (never awaited), and timers are set for deferred transitions. No
//! method locks all chats, and none waits for the network.

mod snapshot;
mod tenant;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::Utc;
use dashmap::DashMap;
use serde_json::Value;

use crate::domain::routing::{EndedBy, NewChat};
use crate::domain::{
    Chat, ChatError, ContactCenter, Effect, EndUser, Happening, MessageBody, Trigger,
};
use crate::events::{EventBus, LiveEventKind};
use crate::webhooks::catalog;
use crate::webhooks::Webhooks;
pub use tenant::{EndUserFields, Tenant};

/// Why a use case was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("Not Found")]
    ChatNotFound,
    #[error("End user not found")]
    EndUserNotFound,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Chat(#[from] ChatError),
}

/// The stored end-user message, as `POST /chats/{id}/message` answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostedMessage {
    pub chat_id: u64,
    pub message_id: u64,
    pub at: chrono::DateTime<Utc>,
    pub visibility: crate::domain::Visibility,
}

/// What a new chat asks for.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub end_user_id: u64,
    pub lang: Option<String>,
    pub menu_id: Option<u64>,
    pub context: Option<Value>,
}

/// All tenants, the script they share, and the webhook subsystem.
pub struct Store {
    tenants: DashMap<String, Arc<Tenant>>,
    /// Which tenant owns each chat id (ids are unique across tenants).
    chat_owners: DashMap<u64, String>,
    next_chat_id: AtomicU64,
    next_end_user_id: AtomicU64,
    script: RwLock<Arc<ContactCenter>>,
    /// Serialises snapshot loads, so two loads never claim the same free id.
    loading: Mutex<()>,
    pub webhooks: Webhooks,
    pub events: Arc<EventBus>,
    /// Dismiss chats whose end user has left an agent's message unanswered this long (off
    /// when `None`).
    inactivity_timeout: Option<Duration>,
}

impl Store {
    pub fn new(script: ContactCenter, webhooks: Webhooks, events: Arc<EventBus>) -> Store {
        Store {
            inactivity_timeout: None,
            events,
            tenants: DashMap::new(),
            chat_owners: DashMap::new(),
            next_chat_id: AtomicU64::new(1),
            next_end_user_id: AtomicU64::new(1001),
            script: RwLock::new(Arc::new(script)),
            loading: Mutex::new(()),
            webhooks,
        }
    }

    /// Chats whose end user leaves an agent's message unanswered this long are dismissed,
    /// as on the platform (page "Dismiss Inactive Chats").
    pub fn with_inactivity_timeout(mut self, timeout: Option<Duration>) -> Store {
        self.inactivity_timeout = timeout.filter(|timeout| !timeout.is_zero());
        self
    }

    /// With an inactivity timeout, moves the chat's dismissal deadline to what its messages
    /// now say (or clears it) and sets a timer for a new one.
    fn refresh_dismissal_deadline(self: &Arc<Self>, tenant: &Arc<Tenant>, chat: &mut Chat) {
        let Some(threshold) = self.inactivity_timeout else {
            return;
        };
        let deadline = chat.dismissal_deadline(threshold);
        if deadline == chat.timeout_at {
            return;
        }
        chat.timeout_at = deadline;
        if let Some(deadline) = deadline {
            let after = (deadline - Utc::now()).to_std().unwrap_or_default();
            self.schedule(tenant, chat.id, after, Trigger::InactivityCheck);
        }
    }

    /// The current contact-center script.
    pub fn script(&self) -> Arc<ContactCenter> {
        Arc::clone(&self.script.read().expect("script lock"))
    }

    /// Replaces the script; chats already running keep the VTA they were handed.
    pub fn replace_script(&self, script: ContactCenter) {
        *self.script.write().expect("script lock") = Arc::new(script);
    }

    /// The tenant, created on first use.
    pub fn tenant(&self, name: &str) -> Arc<Tenant> {
        if let Some(tenant) = self.tenants.get(name) {
            return Arc::clone(tenant.value());
        }
        Arc::clone(
            self.tenants
                .entry(name.to_owned())
                .or_insert_with(|| Arc::new(Tenant::new(name)))
                .value(),
        )
    }

    pub fn existing_tenant(&self, name: &str) -> Option<Arc<Tenant>> {
        self.tenants
            .get(name)
            .map(|tenant| Arc::clone(tenant.value()))
    }

    pub fn tenant_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .tenants
            .iter()
            .map(|entry| entry.key().clone())
            .collect();
        names.sort();
        names
    }

    pub fn upsert_end_user(
        &self,
        tenant: &Tenant,
        fields: EndUserFields,
    ) -> Result<EndUser, StoreError> {
        if fields.identifier.trim().is_empty() {
            return Err(StoreError::Invalid("identifier must not be empty".into()));
        }
        Ok(tenant.upsert_end_user(
            fields,
            || self.next_end_user_id.fetch_add(1, Ordering::Relaxed),
            Utc::now(),
        ))
    }

    /// Opens a chat for an existing end user.
    pub fn create_chat(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        request: ChatRequest,
    ) -> Result<Chat, StoreError> {
        let end_user = tenant
            .end_user(request.end_user_id)
            .ok_or(StoreError::EndUserNotFound)?;
        let script = self.script();
        let menu = match request.menu_id {
            None => None,
            Some(id) => Some((
                id,
                script.menus.get(&id).cloned().ok_or_else(|| {
                    StoreError::Invalid(format!("menu_id {id} is not a known menu"))
                })?,
            )),
        };
        let id = self.next_chat_id.fetch_add(1, Ordering::Relaxed);
        let new = NewChat {
            id,
            end_user,
            lang: request.lang.unwrap_or_else(|| "en".to_owned()),
            menu,
            context: request.context,
        };
        let (chat, effects) = Chat::open(new, &script, Utc::now());
        let handle = Arc::new(Mutex::new(chat));
        let mut chat = handle.lock().expect("chat lock");
        self.chat_owners.insert(id, tenant.name.clone());
        tenant.chats.insert(id, Arc::clone(&handle));
        self.carry_out(tenant, &mut chat, effects, &script);
        Ok(chat.clone())
    }

    /// `read` applied to a tenant's chat, under its lock (no copy of the messages).
    pub fn with_chat<R>(
        &self,
        tenant: &Tenant,
        chat_id: u64,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StoreError> {
        let handle = tenant.chat(chat_id).ok_or(StoreError::ChatNotFound)?;
        let chat = handle.lock().expect("chat lock");
        Ok(read(&chat))
    }

    /// A copy of a tenant's chat.
    pub fn chat(&self, tenant: &Tenant, chat_id: u64) -> Result<Chat, StoreError> {
        let handle = tenant.chat(chat_id).ok_or(StoreError::ChatNotFound)?;
        let chat = handle.lock().expect("chat lock");
        Ok(chat.clone())
    }

    /// The tenant that owns a chat id, for the control plane.
    pub fn owner_of(&self, chat_id: u64) -> Option<Arc<Tenant>> {
        let name = self.chat_owners.get(&chat_id)?.clone();
        self.existing_tenant(&name)
    }

    /// The end user sends a message; returns the chat and the new message's id.
    pub fn post_message(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        from_user_id: u64,
        body: MessageBody,
    ) -> Result<PostedMessage, StoreError> {
        let message_id = std::cell::Cell::new(0);
        self.transition_then(
            tenant,
            chat_id,
            |chat, script| {
                // The end user's message is the first one the transition adds.
                message_id.set(chat.messages.len() as u64 + 1);
                chat.end_user_sends(from_user_id, body, script, Utc::now())
            },
            // Only what the answer needs: copying the chat would cost O(messages) per post.
            |chat| {
                let message_id = message_id.get();
                let message = chat
                    .message(message_id)
                    .expect("the posted message is stored");
                PostedMessage {
                    chat_id: chat.id,
                    message_id,
                    at: message.at,
                    visibility: message.visibility,
                }
            },
        )
    }

    pub fn agent_says(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        text: String,
    ) -> Result<Chat, StoreError> {
        self.transition(tenant, chat_id, |chat, _| chat.agent_says(text, Utc::now()))
    }

    pub fn transfer_to_vta(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        key: &str,
    ) -> Result<Chat, StoreError> {
        self.transition(tenant, chat_id, |chat, script| {
            chat.transfer_to_vta(key, script, Utc::now())
        })
    }

    /// Re-points a chat at a verified end user (upserted by identifier).
    pub fn authenticate_end_user(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        fields: EndUserFields,
    ) -> Result<(), StoreError> {
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

    pub fn dismiss_chat(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
    ) -> Result<Chat, StoreError> {
        self.transition(tenant, chat_id, |chat, _| chat.dismiss(Utc::now()))
    }

    /// Resumes a dismissed chat; answers with `read` of it (no copy of the messages).
    pub fn resume_chat<R>(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StoreError> {
        self.transition_then(
            tenant,
            chat_id,
            |chat, script| chat.resume(script.join_delay),
            read,
        )
    }

    pub fn end_chat(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        by: EndedBy,
    ) -> Result<Chat, StoreError> {
        self.transition(tenant, chat_id, |chat, _| chat.end(by, Utc::now()))
    }

    /// Forgets one tenant (or all): chats, end users, webhook targets and deliveries.
    /// Pending timers find their chat gone and do nothing.
    pub fn reset(&self, tenant: Option<&str>) {
        match tenant {
            Some(name) => {
                self.tenants.remove(name);
                self.chat_owners.retain(|_, owner| owner != name);
            }
            None => {
                self.tenants.clear();
                self.chat_owners.clear();
            }
        }
        self.webhooks.forget(tenant);
    }

    fn transition(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        change: impl FnOnce(&mut Chat, &ContactCenter) -> Result<Vec<Effect>, ChatError>,
    ) -> Result<Chat, StoreError> {
        self.transition_then(tenant, chat_id, change, Chat::clone)
    }

    /// A transition, then `read` on the changed chat, both under the chat's lock.
    fn transition_then<R>(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        change: impl FnOnce(&mut Chat, &ContactCenter) -> Result<Vec<Effect>, ChatError>,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StoreError> {
        let handle = tenant.chat(chat_id).ok_or(StoreError::ChatNotFound)?;
        let script = self.script();
        let mut chat = handle.lock().expect("chat lock");
        let effects = change(&mut chat, &script)?;
        self.carry_out(tenant, &mut chat, effects, &script);
        Ok(read(&chat))
    }

    /// Publishes happenings in order and sets timers. Zero-delay triggers fire at once,
    /// under the same lock, so their events keep their place in the chat's order.
    fn carry_out(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat: &mut Chat,
        effects: Vec<Effect>,
        script: &ContactCenter,
    ) {
        let mut pending = std::collections::VecDeque::from(effects);
        while let Some(effect) = pending.pop_front() {
            match effect {
                Effect::Publish(happening) => {
                    self.announce(&tenant.name, chat, &happening);
                    if let Some(event) = catalog::event_for(&happening, chat, Utc::now()) {
                        self.webhooks.publish(&tenant.name, event);
                    }
                }
                Effect::Schedule { after, trigger } if after.is_zero() => {
                    let more = chat.fire(trigger, script, Utc::now());
                    for (index, effect) in more.into_iter().enumerate() {
                        pending.insert(index, effect);
                    }
                }
                Effect::Schedule { after, trigger } => {
                    self.schedule(tenant, chat.id, after, trigger)
                }
            }
        }
        self.refresh_dismissal_deadline(tenant, chat);
    }

    /// Tells the live event bus. Agent-only messages are announced too: the bus is the
    /// control plane's, not the consumer's.
    fn announce(&self, tenant: &str, chat: &Chat, happening: &Happening) {
        match happening {
            Happening::MessageAdded { message_id } => {
                if let Some(message) = chat.message(*message_id) {
                    self.events.publish_with(LiveEventKind::Message, tenant, Some(chat.id), || {
                        serde_json::json!(message)
                    });
                }
            }
            _ => self.events.publish_with(LiveEventKind::Chat, tenant, Some(chat.id), || {
                serde_json::json!({"routing_state": chat.routing.name(), "happening": happening_name(happening)})
            }),
        }
    }

    fn schedule(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: u64,
        after: std::time::Duration,
        trigger: Trigger,
    ) {
        let store = Arc::clone(self);
        let tenant = Arc::clone(tenant);
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(after).await;
            // A reset tenant is a different Arc: the timer's chat is gone from the live one.
            let Some(live) = store.existing_tenant(&tenant.name) else {
                return;
            };
            if !Arc::ptr_eq(&live, &tenant) {
                return;
            }
            let _ = store.transition(&tenant, chat_id, |chat, script| {
                Ok(chat.fire(trigger, script, Utc::now()))
            });
        });
    }
}

fn happening_name(happening: &Happening) -> &'static str {
    match happening {
        Happening::ChatCreated => "chat_created",
        Happening::MessageAdded { .. } => "message_added",
        Happening::AgentJoined { .. } => "agent_joined",
        Happening::VirtualAgentJoined { .. } => "virtual_agent_joined",
        Happening::VirtualAgentLeft { .. } => "virtual_agent_left",
        Happening::ChatEnded { .. } => "chat_ended",
        Happening::ChatDismissed => "chat_dismissed",
        Happening::ChatResumed => "chat_resumed",
    }
}
