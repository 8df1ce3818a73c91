//! Remembers the last accepted mid-session authentication of each chat, so the same
//! request repeated within the duplicate interval can be refused (see [`super::mid_session`]).

use std::time::{Duration, Instant};

use dashmap::DashMap;

use crate::domain::ChatId;

/// The last accepted authentication of each chat, to refuse duplicates.
#[derive(Debug)]
pub struct DuplicateGuard {
    interval: Duration,
    accepted: DashMap<ChatId, (String, Instant)>,
}

impl DuplicateGuard {
    /// `interval` zero: nothing is a duplicate.
    pub fn new(interval: Duration) -> DuplicateGuard {
        DuplicateGuard {
            interval,
            accepted: DashMap::new(),
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub(super) fn is_duplicate(&self, chat_id: ChatId, identifier: &str) -> bool {
        self.accepted.get(&chat_id).is_some_and(|entry| {
            let (previous, at) = entry.value();
            previous == identifier && at.elapsed() < self.interval
        })
    }

    pub(super) fn accepted(&self, chat_id: ChatId, identifier: String) {
        if !self.interval.is_zero() {
            self.accepted.insert(chat_id, (identifier, Instant::now()));
        }
    }
}
