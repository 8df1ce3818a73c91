//! Remembers the last accepted mid-session authentication of each chat, so the same
//! request repeated within the duplicate interval can be refused (see [`super::mid_session`]).
//! Entries older than the interval can no longer refuse anything, so they are dropped as
//! the guard grows: it holds about as many entries as chats authenticated within the last
//! interval, however long the emulator runs and however many chats it has evicted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;

use crate::core::domain::ChatId;

/// Below this many entries the guard never sweeps.
const SWEEP_FLOOR: usize = 1024;

/// The last accepted authentication of each chat, to refuse duplicates.
#[derive(Debug)]
pub struct DuplicateGuard {
    interval: Duration,
    accepted: DashMap<ChatId, (String, Instant)>,
    /// The size at which the next sweep runs: twice what the last one kept (at least
    /// [`SWEEP_FLOOR`]), so sweeping costs O(1) per accepted authentication on average.
    sweep_at: AtomicUsize,
}

impl DuplicateGuard {
    /// `interval` zero: nothing is a duplicate.
    pub fn new(interval: Duration) -> DuplicateGuard {
        DuplicateGuard {
            interval,
            accepted: DashMap::new(),
            sweep_at: AtomicUsize::new(SWEEP_FLOOR),
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
        self.accepted_at(chat_id, identifier, Instant::now());
    }

    fn accepted_at(&self, chat_id: ChatId, identifier: String, now: Instant) {
        if self.interval.is_zero() {
            return;
        }
        self.accepted.insert(chat_id, (identifier, now));
        if self.accepted.len() >= self.sweep_at.load(Ordering::Relaxed) {
            self.sweep(now);
        }
    }

    /// Drops the entries that can no longer refuse anything at `now`.
    fn sweep(&self, now: Instant) {
        self.accepted
            .retain(|_, (_, at)| now.saturating_duration_since(*at) < self.interval);
        let kept = self.accepted.len();
        self.sweep_at
            .store((kept * 2).max(SWEEP_FLOOR), Ordering::Relaxed);
    }

    /// How many authentications the guard holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.accepted.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_within_the_interval_is_a_duplicate_and_another_identifier_is_not() {
        let guard = DuplicateGuard::new(Duration::from_secs(60));
        guard.accepted(ChatId(1), "alice".into());
        assert!(guard.is_duplicate(ChatId(1), "alice"));
        assert!(!guard.is_duplicate(ChatId(1), "bob"));
        assert!(!guard.is_duplicate(ChatId(2), "alice"));
    }

    #[test]
    fn a_zero_interval_remembers_nothing() {
        let guard = DuplicateGuard::new(Duration::ZERO);
        guard.accepted(ChatId(1), "alice".into());
        assert!(!guard.is_duplicate(ChatId(1), "alice"));
        assert_eq!(guard.len(), 0);
    }

    #[test]
    fn expired_entries_are_swept_as_the_guard_grows_and_live_ones_kept() {
        let hour = Duration::from_secs(3600);
        let guard = DuplicateGuard::new(hour);
        let start = Instant::now();
        for chat in 0..SWEEP_FLOOR as u64 - 1 {
            guard.accepted_at(ChatId(chat), "old".into(), start);
        }
        assert_eq!(guard.len(), SWEEP_FLOOR - 1, "no sweep below the floor");
        // Two hours later every entry so far is past the interval.
        guard.accepted_at(ChatId(u64::MAX), "new".into(), start + 2 * hour);
        assert_eq!(guard.len(), 1, "the sweep kept only the live entry");
        assert!(guard.is_duplicate(ChatId(u64::MAX), "new"));

        let busy = DuplicateGuard::new(hour);
        for chat in 0..3 * SWEEP_FLOOR as u64 {
            busy.accepted_at(ChatId(chat), "live".into(), start);
        }
        assert_eq!(
            busy.len(),
            3 * SWEEP_FLOOR,
            "entries within the interval are all kept"
        );
        assert!(busy.is_duplicate(ChatId(0), "live"));
    }
}
