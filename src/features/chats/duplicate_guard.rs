//! Remembers the last accepted mid-session authentication of each chat, so the same
//! request repeated within the duplicate interval can be refused (see
//! `super::Chats::authenticate_in_chat`). The interval is measured on the tenant's clock
//! (a test that moves it past the interval may repeat the request); entries are swept by
//! real time.
//! Entries older than the interval can no longer refuse anything, so they are dropped as
//! the guard grows: it holds about as many entries as chats authenticated within the last
//! interval, however long the emulator runs and however many chats it has evicted.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use dashmap::DashMap;

use crate::core::domain::ChatId;

/// Below this many entries the guard never sweeps.
const SWEEP_FLOOR: usize = 1024;

/// The last accepted authentication of each chat, to refuse duplicates.
#[derive(Debug)]
pub struct DuplicateGuard {
    interval: Duration,
    /// Each chat's last accepted identifier, when (on its tenant's clock), and when in real
    /// time (for sweeping).
    accepted: DashMap<ChatId, (String, DateTime<Utc>, Instant)>,
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

    /// Whether `identifier` was accepted for the chat within the interval before `now` (the
    /// tenant's time).
    pub(super) fn is_duplicate(
        &self,
        chat_id: ChatId,
        identifier: &str,
        now: DateTime<Utc>,
    ) -> bool {
        self.accepted.get(&chat_id).is_some_and(|entry| {
            let (previous, at, _) = entry.value();
            previous == identifier && (now - *at).to_std().unwrap_or_default() < self.interval
        })
    }

    pub(super) fn accepted(&self, chat_id: ChatId, identifier: String, now: DateTime<Utc>) {
        self.accepted_at(chat_id, identifier, now, Instant::now());
    }

    fn accepted_at(&self, chat_id: ChatId, identifier: String, at: DateTime<Utc>, now: Instant) {
        if self.interval.is_zero() {
            return;
        }
        self.accepted.insert(chat_id, (identifier, at, now));
        if self.accepted.len() >= self.sweep_at.load(Ordering::Relaxed) {
            self.sweep(now);
        }
    }

    /// Drops the entries that can no longer refuse anything at `now`.
    fn sweep(&self, now: Instant) {
        self.accepted
            .retain(|_, (_, _, at)| now.saturating_duration_since(*at) < self.interval);
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
        guard.accepted(ChatId(1), "alice".into(), Utc::now());
        assert!(guard.is_duplicate(ChatId(1), "alice", Utc::now()));
        assert!(!guard.is_duplicate(ChatId(1), "bob", Utc::now()));
        assert!(!guard.is_duplicate(ChatId(2), "alice", Utc::now()));
    }

    #[test]
    fn a_zero_interval_remembers_nothing() {
        let guard = DuplicateGuard::new(Duration::ZERO);
        guard.accepted(ChatId(1), "alice".into(), Utc::now());
        assert!(!guard.is_duplicate(ChatId(1), "alice", Utc::now()));
        assert_eq!(guard.len(), 0);
    }

    #[test]
    fn expired_entries_are_swept_as_the_guard_grows_and_live_ones_kept() {
        let hour = Duration::from_secs(3600);
        let guard = DuplicateGuard::new(hour);
        let start = Instant::now();
        for chat in 0..SWEEP_FLOOR as u64 - 1 {
            guard.accepted_at(ChatId(chat), "old".into(), Utc::now(), start);
        }
        assert_eq!(guard.len(), SWEEP_FLOOR - 1, "no sweep below the floor");
        // Two hours later every entry so far is past the interval.
        guard.accepted_at(ChatId(u64::MAX), "new".into(), Utc::now(), start + 2 * hour);
        assert_eq!(guard.len(), 1, "the sweep kept only the live entry");
        assert!(guard.is_duplicate(ChatId(u64::MAX), "new", Utc::now()));

        let busy = DuplicateGuard::new(hour);
        for chat in 0..3 * SWEEP_FLOOR as u64 {
            busy.accepted_at(ChatId(chat), "live".into(), Utc::now(), start);
        }
        assert_eq!(
            busy.len(),
            3 * SWEEP_FLOOR,
            "entries within the interval are all kept"
        );
        assert!(busy.is_duplicate(ChatId(0), "live", Utc::now()));
    }

    #[test]
    fn the_interval_is_measured_on_the_tenant_s_clock() {
        let guard = DuplicateGuard::new(Duration::from_secs(5));
        let now = Utc::now();
        guard.accepted(ChatId(1), "alice".into(), now);
        assert!(guard.is_duplicate(ChatId(1), "alice", now + chrono::Duration::seconds(4)));
        assert!(!guard.is_duplicate(ChatId(1), "alice", now + chrono::Duration::seconds(6)));
    }
}
