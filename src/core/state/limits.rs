//! Bounds on the chats the state keeps, so a long-running emulator's memory stays bounded:
//! finished chats are retained up to a count (and optionally an age) process-wide, then
//! evicted oldest first with their messages, and counted; a tenant holds at most
//! `max_chats_per_tenant` chats and a chat at most `max_messages_per_chat` messages, each
//! refused with a clear error naming its flag (never a silent loss). See
//! `docs/performance.md` for what a setting costs.

use std::sync::Arc;
use std::time::Instant;

use super::limit_settings::{ChatStats, Finished, FinishedChats};
use super::tenant::Tenant;
use super::{AppState, StateError};
use crate::core::domain::ChatId;

impl AppState {
    /// Notes that a chat finished, then evicts what is over the retention limits. Called
    /// under that chat's lock; takes no other chat's lock.
    pub(super) fn chat_finished(&self, tenant: &str, chat_id: ChatId) {
        let mut finished = self.finished.lock().expect("finished chats lock");
        finished.in_order.push_back(Finished {
            at: Instant::now(),
            tenant: tenant.to_owned(),
            chat_id,
        });
        self.evict_over_limits(&mut finished);
    }

    /// Evicts finished chats past the retention count or age, oldest first.
    pub fn evict_expired_chats(&self) {
        let mut finished = self.finished.lock().expect("finished chats lock");
        self.evict_over_limits(&mut finished);
    }

    fn evict_over_limits(&self, finished: &mut FinishedChats) {
        let now = Instant::now();
        while let Some(oldest) = finished.in_order.front() {
            let too_many = finished.in_order.len() > self.state_limits.retain_finished_chats;
            let too_old = self
                .state_limits
                .retain_finished_for
                .is_some_and(|age| now.duration_since(oldest.at) > age);
            if !too_many && !too_old {
                return;
            }
            let oldest = finished.in_order.pop_front().expect("there is a front");
            if self.evict_chat(&oldest.tenant, oldest.chat_id) {
                finished.evicted += 1;
            }
        }
    }

    /// Removes a chat (its messages and media) from its tenant; false if already gone.
    fn evict_chat(&self, tenant: &str, chat_id: ChatId) -> bool {
        let removed = self
            .existing_tenant(tenant)
            .and_then(|tenant| tenant.chats.remove(&chat_id))
            .is_some();
        if removed {
            self.chat_owners.remove(&chat_id);
            self.media.forget_chat(tenant, chat_id.0);
            self.persist_evicted(&[chat_id]);
        }
        removed
    }

    /// Makes room for one more chat of `tenant`: at its limit, its oldest finished chat is
    /// evicted; with none finished, the chat is refused.
    pub(super) fn make_room_for_chat(&self, tenant: &Tenant) -> Result<(), StateError> {
        let limit = self.state_limits.max_chats_per_tenant;
        if tenant.chats.len() < limit {
            return Ok(());
        }
        let mut finished = self.finished.lock().expect("finished chats lock");
        self.evict_over_limits(&mut finished);
        while tenant.chats.len() >= limit {
            let Some(at) = finished
                .in_order
                .iter()
                .position(|chat| chat.tenant == tenant.name)
            else {
                return Err(StateError::LimitReached(format!(
                    "Tenant {} holds {} open chats, the limit set by --max-chats-per-tenant (CCAI_EMU_MAX_CHATS_PER_TENANT); finish some chats or raise the limit",
                    tenant.name,
                    tenant.chats.len()
                )));
            };
            let oldest = finished.in_order.remove(at).expect("found above");
            if self.evict_chat(&oldest.tenant, oldest.chat_id) {
                finished.evicted += 1;
            }
        }
        Ok(())
    }

    /// The refusal for a message to a chat that holds `stored` messages, if at the limit.
    pub(super) fn message_limit_reached(
        &self,
        chat_id: ChatId,
        stored: usize,
    ) -> Option<StateError> {
        (stored >= self.state_limits.max_messages_per_chat).then(|| {
            StateError::LimitReached(format!(
                "Chat {chat_id} holds {stored} messages, the limit set by --max-messages-per-chat (CCAI_EMU_MAX_MESSAGES_PER_CHAT); start a new chat or raise the limit"
            ))
        })
    }

    /// Forgets the finished-chat entries of one tenant (or all), when it is reset.
    pub(super) fn forget_finished(&self, tenant: Option<&str>) {
        let mut finished = self.finished.lock().expect("finished chats lock");
        match tenant {
            Some(name) => finished.in_order.retain(|chat| chat.tenant != name),
            None => finished.in_order.clear(),
        }
    }

    pub fn chat_stats(&self) -> ChatStats {
        let stored = self
            .tenants
            .iter()
            .map(|tenant| tenant.value().chats.len())
            .sum();
        let finished = self.finished.lock().expect("finished chats lock");
        ChatStats {
            stored,
            finished_retained: finished.in_order.len(),
            evicted: finished.evicted,
            retain_finished_chats: self.state_limits.retain_finished_chats,
            retain_finished_for_seconds: self
                .state_limits
                .retain_finished_for
                .map(|age| age.as_secs()),
            max_chats_per_tenant: self.state_limits.max_chats_per_tenant,
            max_messages_per_chat: self.state_limits.max_messages_per_chat,
            max_end_users_per_tenant: self.state_limits.max_end_users_per_tenant,
        }
    }

    /// The most end users one tenant holds (for `/__admin/limits`).
    pub fn largest_end_user_count(&self) -> usize {
        self.tenants
            .iter()
            .map(|tenant| tenant.value().end_user_count())
            .max()
            .unwrap_or(0)
    }

    /// The most chats one tenant holds and the most messages one chat holds (for
    /// `/__admin/limits`). Chats are locked one at a time, after the maps are released.
    pub fn largest_chat_usage(&self) -> (usize, usize) {
        let mut most_chats = 0;
        let mut handles = Vec::new();
        for tenant in self.tenants.iter() {
            most_chats = most_chats.max(tenant.chats.len());
            handles.extend(tenant.chats.iter().map(|chat| Arc::clone(chat.value())));
        }
        let most_messages = handles
            .iter()
            .filter_map(|chat| chat.lock().ok().map(|chat| chat.messages.len()))
            .max()
            .unwrap_or(0);
        (most_chats, most_messages)
    }
}
