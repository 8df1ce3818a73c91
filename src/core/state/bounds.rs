//! What the state keeps within bounds, and how: finished chats are evicted past the
//! retention limits (`super::retention`), and to make room for a new chat or for content
//! past the chat budgets (`super::chat_memory`), oldest first; a message text, a JSON value
//! to store and a chat's message count are checked against their limits before anything is
//! changed.

use serde_json::Value;

use super::chat_memory::ChatMemory;
use super::retention::Finished;
use super::{AppState, Change, StateError, Tenant};
use crate::core::domain::ChatId;
use crate::core::limits::Limit;

impl AppState {
    /// Notes that a chat finished, then evicts what is over the retention limits. Called
    /// under that chat's lock; takes no other chat's lock.
    pub(super) fn chat_finished(&self, tenant: &str, chat_id: ChatId) {
        let over = self.retention.finished(tenant, chat_id);
        self.evict(over);
    }

    /// Evicts finished chats past the retention count or age, oldest first.
    pub fn evict_expired_chats(&self) {
        let over = self.retention.expired();
        self.evict(over);
    }

    fn evict(&self, chats: Vec<Finished>) {
        let mut evicted = Vec::new();
        for chat in chats {
            if self.evict_chat(&chat.tenant, chat.chat_id) {
                evicted.push(chat.chat_id);
            }
        }
        if !evicted.is_empty() {
            self.retention.evicted(evicted.len() as u64);
            self.record_detached(&[Change::ChatsEvicted { ids: &evicted }]);
        }
    }

    /// Removes a chat (its messages and what the features keep for it) from its tenant;
    /// false if already gone.
    fn evict_chat(&self, tenant: &str, chat_id: ChatId) -> bool {
        let removed = self
            .existing_tenant(tenant)
            .and_then(|owner| owner.chats.remove(&chat_id))
            .is_some();
        if removed {
            self.chat_owners.remove(&chat_id);
            self.chat_memory.release(chat_id);
            for part in &self.hooks.parts {
                part.forget_chat(tenant, chat_id);
            }
        }
        removed
    }

    /// Makes room for one more chat of `tenant`: at its limit, its oldest finished chat is
    /// evicted; with none finished, the chat is refused.
    pub(super) fn make_room_for_chat(&self, tenant: &Tenant) -> Result<(), StateError> {
        let limit = self.limits.max_chats_per_tenant;
        self.evict_until(
            Some(&tenant.name),
            || tenant.chats.len() < limit,
            || {
                StateError::LimitReached(format!(
                    "Tenant {} holds {} open chats, the limit set by {}; finish some chats or raise the limit",
                    tenant.name,
                    tenant.chats.len(),
                    Limit::ChatsPerTenant.names_flag()
                ))
            },
        )
    }

    /// Makes room for `bytes` more of `tenant`'s chat content within the chat budgets:
    /// past one, the oldest finished chats (of the tenant, then of any tenant) are evicted;
    /// with none finished, the content is refused, naming the flag.
    pub fn make_room_for_content(&self, tenant: &str, bytes: u64) -> Result<(), StateError> {
        let memory = &self.chat_memory;
        let per_tenant = self.limits.chat_budget_per_tenant;
        self.evict_until(
            Some(tenant),
            || memory.tenant_bytes(tenant) + bytes <= per_tenant,
            || {
                self.over_chat_budget(
                    &format!("Tenant {tenant}'s chats take"),
                    memory.tenant_bytes(tenant),
                    per_tenant,
                    bytes,
                    Limit::ChatBudgetPerTenant,
                    &format!("POST /__admin/reset?tenant={tenant} frees them"),
                )
            },
        )?;
        let total = self.limits.chat_budget_total;
        self.evict_until(
            None,
            || memory.total_bytes() + bytes <= total,
            || {
                self.over_chat_budget(
                    "The chats of all tenants take",
                    memory.total_bytes(),
                    total,
                    bytes,
                    Limit::ChatBudgetTotal,
                    "POST /__admin/reset frees them",
                )
            },
        )
    }

    /// Evicts finished chats, oldest first (expired ones on the way), of `tenant` or of
    /// any tenant, until `fits`; with none left to evict and still no room, `refused`.
    fn evict_until(
        &self,
        tenant: Option<&str>,
        fits: impl Fn() -> bool,
        refused: impl FnOnce() -> StateError,
    ) -> Result<(), StateError> {
        while !fits() {
            let (expired, oldest) = match tenant {
                Some(tenant) => self.retention.oldest_of(tenant),
                None => self.retention.oldest(),
            };
            self.evict(expired);
            match oldest {
                Some(oldest) => self.evict(vec![oldest]),
                None if fits() => break,
                None => return Err(refused()),
            }
        }
        Ok(())
    }

    fn over_chat_budget(
        &self,
        who: &str,
        used: u64,
        budget: u64,
        bytes: u64,
        limit: Limit,
        freed_by: &str,
    ) -> StateError {
        StateError::LimitReached(format!(
            "{who} {used} bytes of the {budget} allowed and this needs {bytes} more, with no finished chat to evict; finish chats or {freed_by} (limit set by {}; raise it to allow more)",
            limit.names_flag()
        ))
    }

    /// Refuses a message text longer than `--max-message-bytes`.
    pub fn check_message_size(&self, what: &str, text: &str) -> Result<(), StateError> {
        let most = self.limits.max_message_bytes;
        if text.len() <= most {
            return Ok(());
        }
        Err(StateError::TooLarge(format!(
            "{what} has {} bytes; a message may have at most {most} (limit set by {}; emulator's choice: the platform publishes none)",
            text.len(),
            Limit::MessageBytes.names_flag()
        )))
    }

    /// Refuses a JSON value to be stored (`what`) nested deeper than `--max-json-depth`.
    pub fn check_json_depth(&self, what: &str, value: &Value) -> Result<(), StateError> {
        let most = self.limits.max_json_depth;
        let depth = crate::core::formats::json_depth(value);
        if depth <= most {
            return Ok(());
        }
        Err(StateError::Invalid(format!(
            "{what} is nested {depth} levels deep; at most {most} can be stored and snapshotted (limit set by {})",
            Limit::JsonDepth.names_flag()
        )))
    }

    /// What the chats take: the tenant that takes the most, and all (for `/__admin/limits`).
    pub fn chat_memory(&self) -> &ChatMemory {
        &self.chat_memory
    }

    /// The refusal for a message to a chat that holds `stored` messages, if at the limit.
    pub fn message_limit_reached(&self, chat_id: ChatId, stored: usize) -> Option<StateError> {
        (stored >= self.limits.max_messages_per_chat).then(|| {
            StateError::LimitReached(format!(
                "Chat {chat_id} holds {stored} messages, the limit set by {}; start a new chat or raise the limit",
                Limit::MessagesPerChat.names_flag()
            ))
        })
    }
}
