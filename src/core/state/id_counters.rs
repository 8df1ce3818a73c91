//! The id counters every tenant draws from: chat, end-user, escalation and media ids are
//! unique across tenants and never handed out twice, not even across a restart with
//! `--state-dir` (the counters are written with every change and moved past every id a
//! restore or a snapshot load brings back).

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::core::domain::{ChatId, EndUserId};

/// The next id of each kind.
#[derive(Debug)]
pub struct IdCounters {
    chat: AtomicU64,
    end_user: AtomicU64,
    escalation: AtomicU64,
    media: AtomicU64,
}

/// The counters' values at one moment, as they are written to `--state-dir`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NextIds {
    pub chat: u64,
    pub end_user: u64,
    pub escalation: u64,
    pub media: u64,
}

impl Default for IdCounters {
    fn default() -> Self {
        IdCounters {
            chat: AtomicU64::new(1),
            end_user: AtomicU64::new(1001),
            escalation: AtomicU64::new(1),
            media: AtomicU64::new(1),
        }
    }
}

impl IdCounters {
    pub fn next_chat(&self) -> ChatId {
        ChatId(self.chat.fetch_add(1, Ordering::Relaxed))
    }

    pub fn next_end_user(&self) -> EndUserId {
        EndUserId(self.end_user.fetch_add(1, Ordering::Relaxed))
    }

    pub fn next_escalation(&self) -> u64 {
        self.escalation.fetch_add(1, Ordering::Relaxed)
    }

    pub fn next_media(&self) -> u64 {
        self.media.fetch_add(1, Ordering::Relaxed)
    }

    /// What each counter would hand out next.
    pub fn peek(&self) -> NextIds {
        NextIds {
            chat: self.chat.load(Ordering::Relaxed),
            end_user: self.end_user.load(Ordering::Relaxed),
            escalation: self.escalation.load(Ordering::Relaxed),
            media: self.media.load(Ordering::Relaxed),
        }
    }

    /// Moves every counter at least to `next` (never back).
    pub fn move_past(&self, next: NextIds) {
        self.chat.fetch_max(next.chat, Ordering::Relaxed);
        self.end_user.fetch_max(next.end_user, Ordering::Relaxed);
        self.escalation
            .fetch_max(next.escalation, Ordering::Relaxed);
        self.media.fetch_max(next.media, Ordering::Relaxed);
    }

    /// Makes sure none of `ids` is handed out again as a chat id.
    pub fn move_chats_past(&self, ids: impl Iterator<Item = u64>) {
        if let Some(highest) = ids.max() {
            self.chat
                .fetch_max(highest.saturating_add(1), Ordering::Relaxed);
        }
    }

    /// Makes sure none of `ids` is handed out again as an end-user id.
    pub fn move_end_users_past(&self, ids: impl Iterator<Item = u64>) {
        if let Some(highest) = ids.max() {
            self.end_user
                .fetch_max(highest.saturating_add(1), Ordering::Relaxed);
        }
    }

    /// Makes sure none of `ids` is handed out again as an escalation id.
    pub fn move_escalations_past(&self, ids: impl Iterator<Item = u64>) {
        if let Some(highest) = ids.max() {
            self.escalation
                .fetch_max(highest.saturating_add(1), Ordering::Relaxed);
        }
    }

    /// Makes sure `media_id` is not handed out again.
    pub fn move_media_past(&self, media_id: u64) {
        self.media
            .fetch_max(media_id.saturating_add(1), Ordering::Relaxed);
    }
}
