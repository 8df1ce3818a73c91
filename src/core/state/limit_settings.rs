//! The bounds on stored chats as data: [`StateLimits`] (the settings and their defaults),
//! [`ChatStats`] (what `/__admin/health` reports) and the queue of finished chats that
//! `super::limits` evicts from.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::core::domain::ChatId;

/// Finished chats kept by default, process-wide.
pub const DEFAULT_RETAIN_FINISHED_CHATS: usize = 1_000;
/// Chats one tenant may hold by default.
pub const DEFAULT_MAX_CHATS_PER_TENANT: usize = 10_000;
/// Messages one chat may hold by default.
pub const DEFAULT_MAX_MESSAGES_PER_CHAT: usize = 10_000;
/// End users one tenant may hold by default.
pub const DEFAULT_MAX_END_USERS_PER_TENANT: usize = 100_000;

/// The limits, from `--retain-finished-chats`, `--retain-finished-chats-for`,
/// `--max-chats-per-tenant`, `--max-messages-per-chat` and `--max-end-users-per-tenant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateLimits {
    pub retain_finished_chats: usize,
    /// Finished chats older than this (since they finished) are evicted too.
    pub retain_finished_for: Option<Duration>,
    pub max_chats_per_tenant: usize,
    pub max_messages_per_chat: usize,
    pub max_end_users_per_tenant: usize,
}

impl Default for StateLimits {
    fn default() -> StateLimits {
        StateLimits {
            retain_finished_chats: DEFAULT_RETAIN_FINISHED_CHATS,
            retain_finished_for: None,
            max_chats_per_tenant: DEFAULT_MAX_CHATS_PER_TENANT,
            max_messages_per_chat: DEFAULT_MAX_MESSAGES_PER_CHAT,
            max_end_users_per_tenant: DEFAULT_MAX_END_USERS_PER_TENANT,
        }
    }
}

/// What `/__admin/health` reports about chats and their limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatStats {
    /// Chats held, all tenants, open and finished.
    pub stored: usize,
    /// Finished chats retained.
    pub finished_retained: usize,
    /// Finished chats evicted (with their messages) since start.
    pub evicted: u64,
    pub retain_finished_chats: usize,
    pub retain_finished_for_seconds: Option<u64>,
    pub max_chats_per_tenant: usize,
    pub max_messages_per_chat: usize,
    pub max_end_users_per_tenant: usize,
}

/// One finished chat, in the order chats finished.
#[derive(Debug)]
pub(super) struct Finished {
    pub(super) at: Instant,
    pub(super) tenant: String,
    pub(super) chat_id: ChatId,
}

/// The finished chats, oldest first, and how many were evicted.
#[derive(Debug, Default)]
pub(super) struct FinishedChats {
    pub(super) in_order: VecDeque<Finished>,
    pub(super) evicted: u64,
}
