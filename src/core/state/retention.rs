//! Bounds on the chats the state keeps, so a long-running emulator's memory stays bounded:
//! finished chats are retained up to a count (and optionally an age) process-wide, then
//! evicted oldest first with their messages, and counted; a tenant holds at most
//! `max_chats_per_tenant` chats, a chat at most `max_messages_per_chat` messages and a
//! tenant at most `max_end_users_per_tenant` end users, each refused with a clear error
//! naming its flag (never a silent loss). [`Retention`] keeps the finished chats in the
//! order they finished and says which to evict; the state evicts them. See
//! `docs/performance.md` for what a setting costs.

use std::collections::VecDeque;
use std::sync::Mutex;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone)]
pub struct Finished {
    at: Instant,
    pub tenant: String,
    pub chat_id: ChatId,
}

#[derive(Debug, Default)]
struct FinishedChats {
    in_order: VecDeque<Finished>,
    evicted: u64,
}

/// The finished chats, oldest first, and how many were evicted.
#[derive(Debug)]
pub struct Retention {
    pub limits: StateLimits,
    finished: Mutex<FinishedChats>,
}

impl Retention {
    pub fn new(limits: StateLimits) -> Retention {
        Retention {
            limits,
            finished: Mutex::default(),
        }
    }

    /// Notes that a chat finished; answers the finished chats now past the limits, which
    /// the caller evicts (calling [`Self::evicted`] for each one it removed).
    pub fn finished(&self, tenant: &str, chat_id: ChatId) -> Vec<Finished> {
        let mut finished = self.finished.lock().expect("finished chats lock");
        finished.in_order.push_back(Finished {
            at: Instant::now(),
            tenant: tenant.to_owned(),
            chat_id,
        });
        self.over_limits(&mut finished)
    }

    /// The finished chats past the retention count or age, oldest first, taken out.
    pub fn expired(&self) -> Vec<Finished> {
        let mut finished = self.finished.lock().expect("finished chats lock");
        self.over_limits(&mut finished)
    }

    fn over_limits(&self, finished: &mut FinishedChats) -> Vec<Finished> {
        let now = Instant::now();
        let mut out = Vec::new();
        while let Some(oldest) = finished.in_order.front() {
            let too_many = finished.in_order.len() > self.limits.retain_finished_chats;
            let too_old = self
                .limits
                .retain_finished_for
                .is_some_and(|age| now.duration_since(oldest.at) > age);
            if !too_many && !too_old {
                break;
            }
            out.extend(finished.in_order.pop_front());
        }
        out
    }

    /// The expired chats, then the oldest finished chat of `tenant` (taken out), to make
    /// room for one more of its chats.
    pub fn oldest_of(&self, tenant: &str) -> (Vec<Finished>, Option<Finished>) {
        let mut finished = self.finished.lock().expect("finished chats lock");
        let expired = self.over_limits(&mut finished);
        let oldest = finished
            .in_order
            .iter()
            .position(|chat| chat.tenant == tenant)
            .and_then(|at| finished.in_order.remove(at));
        (expired, oldest)
    }

    /// Counts `count` chats evicted.
    pub fn evicted(&self, count: u64) {
        self.finished.lock().expect("finished chats lock").evicted += count;
    }

    /// Forgets the finished-chat entries of one tenant (or all), when it is reset.
    pub fn forget(&self, tenant: Option<&str>) {
        let mut finished = self.finished.lock().expect("finished chats lock");
        match tenant {
            Some(name) => finished.in_order.retain(|chat| chat.tenant != name),
            None => finished.in_order.clear(),
        }
    }

    /// The statistics `/__admin/health` reports, with `stored` chats held.
    pub fn stats(&self, stored: usize) -> ChatStats {
        let finished = self.finished.lock().expect("finished chats lock");
        ChatStats {
            stored,
            finished_retained: finished.in_order.len(),
            evicted: finished.evicted,
            retain_finished_chats: self.limits.retain_finished_chats,
            retain_finished_for_seconds: self.limits.retain_finished_for.map(|age| age.as_secs()),
            max_chats_per_tenant: self.limits.max_chats_per_tenant,
            max_messages_per_chat: self.limits.max_messages_per_chat,
            max_end_users_per_tenant: self.limits.max_end_users_per_tenant,
        }
    }
}
