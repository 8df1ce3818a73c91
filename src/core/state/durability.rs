//! The one path by which state reaches `--state-dir`: every use case that changes something
//! describes its changes as [`Change`]s and hands them, with the id counters, to the
//! [`Durability`] the state was built with, in one transaction, before it answers. Without
//! `--state-dir` there is none and recording costs nothing. The persistence feature
//! implements it (SQLite); this module knows no table and no file.

use serde_json::{Map, Value};

use super::id_counters::NextIds;
use crate::core::domain::{Chat, ChatId, EndUser};

/// A webhook delivery that is queued and not yet finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDelivery {
    /// The delivery id (a UUID, hyphenated).
    pub id: String,
    pub tenant: String,
    pub chat_id: u64,
    /// The event's wire name (`message_received`, ...).
    pub event_type: String,
    /// RFC 3339.
    pub created_at: String,
    /// The signed body, as sent.
    pub payload: Vec<u8>,
}

/// One change to what is kept.
#[derive(Debug)]
pub enum Change<'a> {
    /// A tenant now exists.
    TenantAdmitted {
        tenant: &'a str,
    },
    /// The tenant's settings document as it is now (see `super::hooks::TenantParts`).
    TenantSettings {
        tenant: &'a str,
        settings: &'a Map<String, Value>,
    },
    EndUser {
        tenant: &'a str,
        user: &'a EndUser,
    },
    /// A chat as it is now: its header, and its messages not yet written.
    Chat {
        tenant: &'a str,
        chat: &'a Chat,
    },
    /// Chats evicted, with their messages.
    ChatsEvicted {
        ids: &'a [ChatId],
    },
    /// One tenant (or every tenant) forgotten: a reset, or a snapshot load replacing it.
    TenantsForgotten {
        tenant: Option<&'a str>,
    },
    /// A fixture document uploaded at run time (`contact_center` or `vta/{key}`).
    FixtureUpload {
        key: &'a str,
        document: &'a Value,
    },
    /// A stored file: its record and, when they are new, its bytes.
    Media {
        key: &'a str,
        tenant: &'a str,
        chat_id: u64,
        record: Value,
        bytes: Option<&'a [u8]>,
    },
    MediaRemoved {
        key: &'a str,
    },
    /// A webhook delivery queued (it is sent again after a restart until it finishes).
    DeliveryQueued(&'a PendingDelivery),
    /// A delivery finished: delivered, failed, skipped or cancelled.
    DeliveryFinished {
        id: &'a str,
    },
}

/// Why changes could not be written (the message says what happened).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurabilityError(pub String);

/// Where changes are kept across restarts.
pub trait Durability: Send + Sync {
    /// Writes `changes` (and the counters, when given) in one transaction; nothing is
    /// written if any of them fails.
    fn record(
        &self,
        changes: &[Change<'_>],
        next_ids: Option<NextIds>,
    ) -> Result<(), DurabilityError>;
}
