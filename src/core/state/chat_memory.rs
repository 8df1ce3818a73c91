//! What the stored chats cost in memory, counted in bytes per tenant and in all, within
//! `--chat-budget-per-tenant` and `--chat-budget-total`. A chat is charged when it opens
//! (a fixed cost for the chat itself, its context, its pre-chat transcript and its custom
//! data), for custom data added later, and for each message it receives (a fixed cost and
//! the message's bytes); what it was charged is given back when it is evicted or its
//! tenant reset or replaced. The counts are an
//! estimate of the heap the chat holds, close enough to bound memory, not an exact
//! measure; the fixed costs were measured on the release build (`docs/robustness.md`).

use std::sync::atomic::{AtomicI64, Ordering};

use dashmap::DashMap;
use serde_json::Value;

use crate::core::domain::custom_data::CustomData;
use crate::core::domain::pre_chat::PreChatMessage;
use crate::core::domain::{Chat, ChatId, Message, MessageBody};

/// What a chat costs besides its messages, context and transcript: the chat, its routing
/// state, participants, its entries in the state's maps and its first webhook deliveries'
/// bookkeeping (about 3.5 KiB, measured with 10,000 empty chats).
pub const CHAT_BYTES: u64 = 3_584;
/// What a message costs besides its text: the message, its sender, and its place in the
/// chat's list.
pub const MESSAGE_BYTES: u64 = 256;

/// A message's estimated cost.
pub fn message_bytes(message: &Message) -> u64 {
    let text = match &message.body {
        MessageBody::Text { text } | MessageBody::Notice { text } => text.len(),
        MessageBody::Attachment {
            content_type,
            filename,
            ..
        } => content_type.len() + filename.len(),
        MessageBody::Photo { .. } | MessageBody::Video { .. } => 0,
    };
    MESSAGE_BYTES + text as u64
}

/// A chat's estimated cost without its messages: see [`opening_cost`].
pub fn opening_bytes(chat: &Chat) -> u64 {
    opening_cost(chat.context.as_ref(), &chat.pre_chat, &chat.custom_data)
}

/// What opening a chat costs: the fixed cost, the context (twice its JSON text: a parsed
/// value takes more than its text), the pre-chat transcript and the custom data it is
/// opened with (its JSON text).
pub fn opening_cost(
    context: Option<&Value>,
    transcript: &[PreChatMessage],
    custom_data: &CustomData,
) -> u64 {
    let context = context.map_or(0, |context| 2 * context.to_string().len() as u64);
    let transcript: u64 = transcript
        .iter()
        .map(|message| {
            MESSAGE_BYTES + serde_json::to_string(message).map_or(0, |text| text.len() as u64)
        })
        .sum();
    CHAT_BYTES + context + transcript + custom_data_bytes(custom_data)
}

/// What custom data costs: its JSON text.
pub fn custom_data_bytes(data: &CustomData) -> u64 {
    if data.is_empty() {
        return 0;
    }
    serde_json::to_string(data).map_or(0, |text| text.len() as u64)
}

/// A chat's whole estimated cost.
pub fn chat_bytes(chat: &Chat) -> u64 {
    opening_bytes(chat) + chat.messages.iter().map(message_bytes).sum::<u64>()
}

/// The charges: per chat (with its tenant), per tenant, in all. Signed, since a charge and
/// its refund may cross (a transition and an eviction of the same chat); they always net.
#[derive(Debug, Default)]
pub struct ChatMemory {
    charged: DashMap<ChatId, (String, u64)>,
    tenants: DashMap<String, i64>,
    total: AtomicI64,
}

impl ChatMemory {
    /// Starts charging a chat `bytes` (it opened, or was installed).
    pub fn open(&self, tenant: &str, chat_id: ChatId, bytes: u64) {
        if let Some((_, previous)) = self.charged.insert(chat_id, (tenant.to_owned(), bytes)) {
            self.add(tenant, -(previous as i64));
        }
        self.add(tenant, bytes as i64);
    }

    /// Charges a chat still held `bytes` more; nothing for a chat already given back.
    pub fn charge(&self, chat_id: ChatId, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let tenant = match self.charged.get_mut(&chat_id) {
            Some(mut entry) => {
                entry.1 += bytes;
                entry.0.clone()
            }
            None => return,
        };
        self.add(&tenant, bytes as i64);
    }

    /// Gives back what a chat was charged (evicted).
    pub fn release(&self, chat_id: ChatId) {
        if let Some((_, (tenant, bytes))) = self.charged.remove(&chat_id) {
            self.add(&tenant, -(bytes as i64));
        }
    }

    /// Gives back what every chat of one tenant (or of all) was charged.
    pub fn release_tenant(&self, tenant: Option<&str>) {
        let mut released = Vec::new();
        self.charged.retain(|_, (owner, bytes)| {
            let keep = tenant.is_some_and(|tenant| tenant != owner);
            if !keep {
                released.push((owner.clone(), *bytes));
            }
            keep
        });
        for (owner, bytes) in released {
            self.add(&owner, -(bytes as i64));
        }
    }

    fn add(&self, tenant: &str, bytes: i64) {
        self.total.fetch_add(bytes, Ordering::Relaxed);
        let mut entry = self.tenants.entry(tenant.to_owned()).or_insert(0);
        *entry += bytes;
        let empty = *entry == 0;
        drop(entry);
        if empty {
            self.tenants.remove_if(tenant, |_, bytes| *bytes == 0);
        }
    }

    /// What one tenant's chats take.
    pub fn tenant_bytes(&self, tenant: &str) -> u64 {
        self.tenants
            .get(tenant)
            .map_or(0, |bytes| (*bytes).max(0) as u64)
    }

    /// What the chats of the tenant that takes the most take.
    pub fn largest_tenant_bytes(&self) -> u64 {
        self.tenants
            .iter()
            .map(|entry| (*entry.value()).max(0) as u64)
            .max()
            .unwrap_or(0)
    }

    /// What all chats take.
    pub fn total_bytes(&self) -> u64 {
        self.total.load(Ordering::Relaxed).max(0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_net_to_zero_once_every_chat_is_given_back() {
        let memory = ChatMemory::default();
        memory.open("acme", ChatId(1), 100);
        memory.open("acme", ChatId(2), 50);
        memory.open("beta", ChatId(3), 10);
        memory.charge(ChatId(1), 25);
        assert_eq!(memory.tenant_bytes("acme"), 175);
        assert_eq!(memory.total_bytes(), 185);
        assert_eq!(memory.largest_tenant_bytes(), 175);
        memory.release(ChatId(1));
        // A chat given back is not charged again.
        memory.charge(ChatId(1), 1_000);
        assert_eq!(memory.tenant_bytes("acme"), 50);
        memory.release_tenant(Some("acme"));
        assert_eq!(memory.tenant_bytes("acme"), 0);
        assert_eq!(memory.total_bytes(), 10);
        memory.release_tenant(None);
        assert_eq!(memory.total_bytes(), 0);
    }
}
