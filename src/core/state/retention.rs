//! Bounds on the chats the state keeps, so a long-running emulator's memory stays bounded:
//! finished chats are retained up to a count (and optionally an age) process-wide, then
//! evicted oldest first with their messages, and counted. (The caps on chats, messages and
//! end users are limits, checked by the state; each refusal names its flag.) [`Retention`] keeps the finished chats in the
//! order they finished and says which to evict; the state evicts them. See
//! `docs/performance.md` for what a setting costs.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::core::domain::ChatId;
use crate::core::limits::Limits;

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
    /// `--retain-finished-chats` and `--retain-finished-chats-for`.
    keep: usize,
    keep_for: Option<Duration>,
    finished: Mutex<FinishedChats>,
}

impl Retention {
    pub fn new(limits: &Limits) -> Retention {
        Retention {
            keep: limits.retain_finished_chats,
            keep_for: limits.retain_finished_for,
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
            let too_many = finished.in_order.len() > self.keep;
            let too_old = self
                .keep_for
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

    /// The expired chats, then the oldest finished chat of any tenant (taken out).
    pub fn oldest(&self) -> (Vec<Finished>, Option<Finished>) {
        let mut finished = self.finished.lock().expect("finished chats lock");
        let expired = self.over_limits(&mut finished);
        let oldest = finished.in_order.pop_front();
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
    pub fn stats(&self, stored: usize, limits: &Limits) -> ChatStats {
        let finished = self.finished.lock().expect("finished chats lock");
        ChatStats {
            stored,
            finished_retained: finished.in_order.len(),
            evicted: finished.evicted,
            retain_finished_chats: limits.retain_finished_chats,
            retain_finished_for_seconds: limits.retain_finished_for.map(|age| age.as_secs()),
            max_chats_per_tenant: limits.max_chats_per_tenant,
            max_messages_per_chat: limits.max_messages_per_chat,
            max_end_users_per_tenant: limits.max_end_users_per_tenant,
        }
    }
}
