//! Each tenant's clock and its timers. A tenant's clock is the real clock plus an offset a
//! test can move forward (`POST /__admin/tenants/{sub}/clock`), so a scenario that takes
//! minutes on the platform (an inactivity dismissal, an upload form's expiry, a duplicate
//! interval) takes no time at all, without shrinking a setting; every rule of the tenant
//! reads this clock, and moving one tenant's clock changes nothing for another. Long-poll
//! deadlines, the rate limit, webhook retries and the retention of finished chats stay in
//! real time.
//!
//! Timers (an agent joining after its delay, a delayed agent rule, an inactivity check) are
//! kept per tenant by when they fall due on its clock; one waits in real time for its due
//! time, and wakes early when the clock moves. When the clock moves, the state fires every
//! timer that fell due, in order of due time, with the clock set to each one's due time in
//! turn (see `AppState::advance_clock`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::core::domain::{ChatId, Trigger};

/// A tenant's clock: real time plus an offset.
#[derive(Debug)]
pub struct TenantClock {
    /// Nanoseconds ahead of real time (exact, so a clock moved to a time reads at least it).
    offset_ns: watch::Sender<i64>,
}

impl Default for TenantClock {
    fn default() -> Self {
        TenantClock {
            offset_ns: watch::channel(0).0,
        }
    }
}

impl TenantClock {
    /// The tenant's time now.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::nanoseconds(*self.offset_ns.borrow())
    }

    /// How far ahead of real time it is, in milliseconds.
    pub fn offset_ms(&self) -> i64 {
        *self.offset_ns.borrow() / 1_000_000
    }

    /// Sets how far ahead of real time it is, in milliseconds.
    pub fn set_offset_ms(&self, offset_ms: i64) {
        self.offset_ns
            .send_replace(offset_ms.saturating_mul(1_000_000));
    }

    /// Moves it so that it reads `at` now (never backwards).
    pub fn move_to(&self, at: DateTime<Utc>) {
        let Some(offset) = (at - Utc::now()).num_nanoseconds() else {
            return;
        };
        self.offset_ns.send_if_modified(|current| {
            let moved = offset > *current;
            if moved {
                *current = offset;
            }
            moved
        });
    }

    /// Its offset in nanoseconds, to move it by an exact amount later
    /// ([`Self::set_at_least`]).
    pub fn offset_ns(&self) -> i64 {
        *self.offset_ns.borrow()
    }

    /// Sets the offset to `offset_ns` unless it is ahead already.
    pub fn set_at_least(&self, offset_ns: i64) {
        self.offset_ns.send_if_modified(|current| {
            let moved = offset_ns > *current;
            if moved {
                *current = offset_ns;
            }
            moved
        });
    }

    /// A receiver that is told whenever the clock moves.
    pub fn changes(&self) -> watch::Receiver<i64> {
        self.offset_ns.subscribe()
    }
}

/// A timer's place in its tenant's order: its due time, then the order it was set in.
pub type TimerKey = (DateTime<Utc>, u64);

/// The timers of one tenant.
#[derive(Debug, Default)]
pub struct Timers {
    next: u64,
    pending: BTreeMap<TimerKey, (ChatId, Trigger)>,
    /// Each chat's one inactivity check: a later deadline replaces the earlier one.
    inactivity: HashMap<ChatId, TimerKey>,
}

impl Timers {
    /// Sets a timer due at `due`; answers its key.
    pub fn add(&mut self, due: DateTime<Utc>, chat_id: ChatId, trigger: Trigger) -> TimerKey {
        self.next += 1;
        let key = (due, self.next);
        if trigger == Trigger::InactivityCheck {
            if let Some(earlier) = self.inactivity.insert(chat_id, key) {
                self.pending.remove(&earlier);
            }
        }
        self.pending.insert(key, (chat_id, trigger));
        key
    }

    /// Takes a timer out to fire it (`None`: fired or replaced already).
    pub fn take(&mut self, key: TimerKey) -> Option<(ChatId, Trigger)> {
        let (chat_id, trigger) = self.pending.remove(&key)?;
        if trigger == Trigger::InactivityCheck && self.inactivity.get(&chat_id) == Some(&key) {
            self.inactivity.remove(&chat_id);
        }
        Some((chat_id, trigger))
    }

    pub fn holds(&self, key: TimerKey) -> bool {
        self.pending.contains_key(&key)
    }

    /// The earliest timer due at or before `until`.
    pub fn first_due(&self, until: DateTime<Utc>) -> Option<TimerKey> {
        self.pending
            .keys()
            .next()
            .copied()
            .filter(|(due, _)| *due <= until)
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// How long until `due` on a clock that reads `now` (zero when it is due).
pub fn until(due: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (due - now).to_std().unwrap_or_default()
}

/// A tenant's clock and timers together.
#[derive(Debug, Default)]
pub struct TenantTime {
    pub clock: TenantClock,
    pub timers: Mutex<Timers>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_inactivity_check_replaces_the_earlier_one_and_timers_fall_due_in_order() {
        let mut timers = Timers::default();
        let now = Utc::now();
        let chat = ChatId(1);
        let join = timers.add(
            now + chrono::Duration::seconds(5),
            chat,
            Trigger::AgentJoins,
        );
        let first = timers.add(
            now + chrono::Duration::minutes(10),
            chat,
            Trigger::InactivityCheck,
        );
        let second = timers.add(
            now + chrono::Duration::minutes(12),
            chat,
            Trigger::InactivityCheck,
        );
        assert_eq!(timers.len(), 2, "the later check replaced the earlier one");
        assert!(!timers.holds(first));
        assert_eq!(timers.first_due(now), None);
        assert_eq!(
            timers.first_due(now + chrono::Duration::hours(1)),
            Some(join)
        );
        assert_eq!(timers.take(join), Some((chat, Trigger::AgentJoins)));
        assert_eq!(
            timers.first_due(now + chrono::Duration::hours(1)),
            Some(second)
        );
        assert_eq!(timers.take(second), Some((chat, Trigger::InactivityCheck)));
        assert!(timers.is_empty());
    }

    #[test]
    fn a_clock_moves_forward_only_when_moved_to_a_later_time() {
        let clock = TenantClock::default();
        let later = Utc::now() + chrono::Duration::minutes(11);
        clock.move_to(later);
        assert!(clock.now() >= later);
        assert!(clock.offset_ms() >= 10 * 60 * 1000);
        clock.move_to(Utc::now());
        assert!(clock.now() >= later, "it never goes back by moving");
        clock.set_offset_ms(0);
        assert!(clock.now() < later);
    }
}
