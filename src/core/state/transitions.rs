//! Chat transitions under the chat's lock. A feature's use case names the chat and the
//! domain transition to run; [`AppState::transition`] and its kin lock that one chat, run
//! it, carry out the effects it returns while still holding the lock (see
//! `super::carry_out`), submit the chat and the webhook deliveries it caused to the
//! durability path in one piece, read the answer, and release the lock; they then wait,
//! without blocking the thread, until that submission is committed (at once without
//! `--state-dir`), so nothing is answered before it is written. No method locks all chats,
//! and none waits for the network. Apps API callers pass the authenticated tenant;
//! control-plane callers name a chat id and its tenant is found.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::chat_memory;
use super::durability::{Change, CommitTicket, Outbox};
use super::not_written;
use super::tenant::Tenant;
use super::{AppState, StateError};
use crate::core::domain::escalation::QueueDesk;
use crate::core::domain::queues::{Availability, Queue};
use crate::core::domain::{Chat, ChatError, ChatId, ContactCenter, Effect};

/// A copy of a chat with the name of the tenant that owns it (the control plane's view).
#[derive(Debug, Clone)]
pub struct OwnedChat {
    pub tenant: String,
    pub chat: Chat,
}

impl AppState {
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
    pub fn owner_of(&self, chat_id: ChatId) -> Result<Arc<Tenant>, StateError> {
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

    /// Opens a chat for `tenant`: makes room under `--max-chats-per-tenant`, runs
    /// `prepare` on the script (a refusal takes no id), then `open` builds the chat and its
    /// first effects with a fresh id; the chat is held by the tenant and its effects carried
    /// out under its lock.
    pub async fn open_chat<P>(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        prepare: impl FnOnce(&ContactCenter) -> Result<P, StateError>,
        open: impl FnOnce(ChatId, P, &ContactCenter, DateTime<Utc>) -> (Chat, Vec<Effect>),
    ) -> Result<Chat, StateError> {
        self.make_room_for_chat(tenant)?;
        let script = self.script();
        let prepared = prepare(&script)?;
        let (chat, effects) = open(self.ids.next_chat(), prepared, &script, tenant.now());
        let id = chat.id;
        let handle = Arc::new(Mutex::new(chat));
        let (opened, ticket) = {
            let mut chat = handle.lock().expect("chat lock");
            self.chat_owners.insert(id, tenant.name.clone());
            tenant.chats.insert(id, Arc::clone(&handle));
            self.chat_memory
                .open(&tenant.name, id, chat_memory::chat_bytes(&chat));
            let before = chat.messages.len();
            let mut outbox = Outbox::default();
            self.carry_out(tenant, &handle, &mut chat, effects, &script, &mut outbox);
            self.charge_messages_since(&chat, before);
            let ticket = self.submit_chat(tenant, &chat, outbox)?;
            (chat.clone(), ticket)
        };
        self.committed(ticket).await?;
        Ok(opened)
    }

    /// A transition on any tenant's chat, found by id (the control plane's).
    pub async fn owned_transition(
        self: &Arc<Self>,
        chat_id: ChatId,
        change: impl FnOnce(&mut Chat, &ContactCenter, DateTime<Utc>) -> Result<Vec<Effect>, ChatError>,
    ) -> Result<OwnedChat, StateError> {
        let tenant = self.owner_of(chat_id)?;
        let chat = self.transition(&tenant, chat_id, change).await?;
        Ok(OwnedChat {
            tenant: tenant.name.clone(),
            chat,
        })
    }

    /// A transition; answers a copy of the changed chat.
    pub async fn transition(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        change: impl FnOnce(&mut Chat, &ContactCenter, DateTime<Utc>) -> Result<Vec<Effect>, ChatError>,
    ) -> Result<Chat, StateError> {
        self.transition_then(tenant, chat_id, change, Chat::clone)
            .await
    }

    /// A transition, then `read` on the changed chat, both under the chat's lock.
    pub async fn transition_then<R>(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        change: impl FnOnce(&mut Chat, &ContactCenter, DateTime<Utc>) -> Result<Vec<Effect>, ChatError>,
        read: impl FnOnce(&Chat) -> R,
    ) -> Result<R, StateError> {
        self.transition_answering(
            tenant,
            chat_id,
            |chat, script, now| Ok::<_, StateError>(((), change(chat, script, now)?)),
            |chat, ()| read(chat),
        )
        .await
    }

    /// A transition that also answers something (e.g. the id it created), then `read` on
    /// the changed chat with that answer, both under the chat's lock. `change` may refuse
    /// with any error the state's can be made from.
    pub async fn transition_answering<T, R, E>(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        change: impl FnOnce(&mut Chat, &ContactCenter, DateTime<Utc>) -> Result<(T, Vec<Effect>), E>,
        read: impl FnOnce(&Chat, T) -> R,
    ) -> Result<R, StateError>
    where
        StateError: From<E>,
    {
        let handle = tenant.chat(chat_id).ok_or(StateError::ChatNotFound)?;
        let script = self.script();
        let (answer, ticket) = {
            let mut chat = handle.lock().expect("chat lock");
            let before = chat.messages.len();
            let (answer, effects) = change(&mut chat, &script, tenant.now())?;
            let mut outbox = Outbox::default();
            self.carry_out(tenant, &handle, &mut chat, effects, &script, &mut outbox);
            self.charge_messages_since(&chat, before);
            let ticket = self.submit_chat(tenant, &chat, outbox)?;
            (read(&chat, answer), ticket)
        };
        self.committed(ticket).await?;
        Ok(answer)
    }

    /// Moves the tenant's clock forward by `by` and fires, in order of due time, every timer
    /// that falls due on the way, with the clock reading each one's due time as it fires
    /// (so what a timer does carries that time); then the clock reads `by` later than when
    /// it was called. Answers once every such timer has fired and been written.
    pub async fn advance_clock(self: &Arc<Self>, tenant: &Arc<Tenant>, by: Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or_default();
        let start = tenant.clock().offset_ns();
        let target = tenant.now() + by;
        loop {
            let due = {
                let mut timers = tenant.time.timers.lock().expect("timers lock");
                timers
                    .first_due(target)
                    .and_then(|key| Some((key.0, timers.take(key)?)))
            };
            let Some((at, (chat_id, trigger))) = due else {
                break;
            };
            tenant.clock().move_to(at);
            self.fire_timer(tenant, chat_id, trigger).await;
        }
        // Exactly `by` ahead of where it was (real time went on meanwhile).
        tenant
            .clock()
            .set_at_least(start.saturating_add(by.num_nanoseconds().unwrap_or(i64::MAX)));
        self.settings_changed(&tenant.name);
    }

    /// Sets the timers of a tenant's chats again (after a restore): carrying out no effects
    /// applies the inactivity rule. Nothing is written: the chats are as they were read.
    pub fn rearm_timers(self: &Arc<Self>, name: &str) {
        let Some(tenant) = self.existing_tenant(name) else {
            return;
        };
        let script = self.script();
        for id in tenant.chat_ids() {
            if let Some(handle) = tenant.chat(id) {
                let mut chat = handle.lock().expect("chat lock");
                // No effects: no happening, so nothing reaches the outbox.
                let mut outbox = Outbox::default();
                self.carry_out(
                    &tenant,
                    &handle,
                    &mut chat,
                    Vec::new(),
                    &script,
                    &mut outbox,
                );
                outbox.release(&CommitTicket::settled());
            }
        }
    }

    /// Submits a chat as it is now (called under its lock) with the deliveries its
    /// happenings queued, then releases the outbox with the submission's ticket (the
    /// deliveries are sent once it is committed). A chat evicted or whose tenant was reset
    /// meanwhile is not written.
    fn submit_chat(
        &self,
        tenant: &Arc<Tenant>,
        chat: &Chat,
        outbox: Outbox,
    ) -> Result<CommitTicket, StateError> {
        let kept = tenant.chats.contains_key(&chat.id)
            && self
                .existing_tenant(&tenant.name)
                .is_some_and(|live| Arc::ptr_eq(&live, tenant));
        let ticket = match &self.durability {
            Some(durability) if kept => {
                let mut changes = vec![Change::Chat {
                    tenant: &tenant.name,
                    chat,
                }];
                changes.extend(outbox.deliveries.iter().map(Change::DeliveryQueued));
                durability
                    .submit(&changes, Some(self.ids.peek()))
                    .map_err(not_written)?
            }
            _ => CommitTicket::settled(),
        };
        outbox.release(&ticket);
        Ok(ticket)
    }

    /// Charges the messages a transition added (from position `before` on) to the chat's
    /// memory (nothing for a chat given back meanwhile). Under the chat's lock.
    fn charge_messages_since(&self, chat: &Chat, before: usize) {
        let added = chat
            .messages
            .get(before..)
            .unwrap_or_default()
            .iter()
            .map(chat_memory::message_bytes)
            .sum();
        self.chat_memory.charge(chat.id, added);
    }

    /// Waits until a submission is committed.
    async fn committed(&self, ticket: CommitTicket) -> Result<(), StateError> {
        ticket.committed().await.map_err(not_written)
    }

    /// Runs `use_desk` with this tenant's queue availability and the escalation ids.
    pub fn with_desk<R>(&self, tenant: &Tenant, use_desk: impl FnOnce(&QueueDesk) -> R) -> R {
        let availability = |queue: &Queue| tenant.availability(queue);
        let next_escalation_id = || self.ids.next_escalation();
        use_desk(&QueueDesk {
            availability: &availability,
            next_escalation_id: &next_escalation_id,
        })
    }
}

/// Whether the chat's queue (if it has one) takes chats now.
pub(super) fn queue_is_open(tenant: &Tenant, chat: &Chat, script: &ContactCenter) -> bool {
    match chat.queue.as_deref().and_then(|id| script.queue(id)) {
        Some(queue) => tenant.availability(queue) == Availability::Available,
        None => true,
    }
}
