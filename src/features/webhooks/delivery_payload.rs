//! What a journaled delivery sends: the exact bytes, or, for a `message_received` skipped
//! because its tenant has no webhook target, nothing stored at all: the body is built from
//! the chat's stored message only when someone reads or redelivers it.

use std::sync::{Arc, Mutex, Weak};

use chrono::{DateTime, Utc};

use super::catalog;
use super::content_shape::MessageContentShape;
use crate::core::domain::{Chat, Happening, MessageId};

/// What a delivery sends.
#[derive(Debug, Clone)]
pub enum Payload {
    /// The exact bytes.
    Bytes(Arc<[u8]>),
    /// A `message_received` that was skipped (no target): its bytes are built only when
    /// someone reads them, from the chat's stored message (messages never change once
    /// stored), with the timestamp it had. Gone once the chat is evicted.
    Deferred {
        chat: Weak<Mutex<Chat>>,
        message_id: MessageId,
        at: DateTime<Utc>,
        /// The tenant's content shape when the message was added.
        shape: MessageContentShape,
    },
}

impl Default for Payload {
    /// No bytes (what a delivery read back from JSON has).
    fn default() -> Payload {
        Payload::Bytes(Arc::from(&[][..]))
    }
}

impl Payload {
    /// The bytes, built now if they were deferred; `None` if its chat was evicted. Locks
    /// the chat: never call it under a chat's lock.
    pub fn bytes(&self) -> Option<Arc<[u8]>> {
        match self {
            Payload::Bytes(bytes) => Some(Arc::clone(bytes)),
            Payload::Deferred {
                chat,
                message_id,
                at,
                shape,
            } => {
                let chat = chat.upgrade()?;
                let chat = chat.lock().ok()?;
                let happening = Happening::MessageAdded {
                    message_id: *message_id,
                };
                catalog::event_for(&happening, &chat, *at, *shape).map(|event| event.payload.into())
            }
        }
    }

    /// The bytes kept in memory (a deferred payload keeps none of its own).
    pub(super) fn stored(&self) -> Option<&Arc<[u8]>> {
        match self {
            Payload::Bytes(bytes) => Some(bytes),
            Payload::Deferred { .. } => None,
        }
    }
}
