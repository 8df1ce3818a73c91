//! The writes of one transaction ([`Writer`]): each method is one kind of row. Values
//! arrive as anything serialisable and are stored as JSON text; a chat's messages are
//! appended, never rewritten (only those past the count already written are inserted).

use std::collections::HashMap;

use rusqlite::{params, Transaction};
use serde::Serialize;

use crate::core::state::durability::PendingDelivery;

/// The changes of one transaction.
pub struct Writer<'a> {
    transaction: &'a Transaction<'a>,
    written: &'a Written,
    /// New message counts (`None`: the chat is gone), applied once the commit succeeds.
    marks: HashMap<u64, Option<usize>>,
    /// Counter values written by this transaction, remembered once it commits.
    counters: HashMap<String, u64>,
}

/// What the database is known to hold, so unchanged rows are not written again.
#[derive(Debug, Default)]
pub(super) struct Written {
    /// How many of each chat's messages are written (messages are only ever appended).
    pub(super) messages: HashMap<u64, usize>,
    /// Each counter's value in the database.
    pub(super) counters: HashMap<String, u64>,
}

impl Written {
    /// Takes in what a committed transaction wrote.
    pub(super) fn committed(&mut self, writer: Changes) {
        for (chat_id, mark) in writer.marks {
            match mark {
                Some(count) => self.messages.insert(chat_id, count),
                None => self.messages.remove(&chat_id),
            };
        }
        self.counters.extend(writer.counters);
    }
}

/// What one transaction changed in [`Written`].
pub(super) struct Changes {
    marks: HashMap<u64, Option<usize>>,
    counters: HashMap<String, u64>,
}

fn json(value: &impl Serialize) -> rusqlite::Result<String> {
    serde_json::to_string(value)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
}

impl<'a> Writer<'a> {
    pub(super) fn new(transaction: &'a Transaction<'a>, written: &'a Written) -> Writer<'a> {
        Writer {
            transaction,
            written,
            marks: HashMap::new(),
            counters: HashMap::new(),
        }
    }

    pub(super) fn into_changes(self) -> Changes {
        Changes {
            marks: self.marks,
            counters: self.counters,
        }
    }

    /// Raises a counter to `next` (never lowers it); a value already written is skipped.
    pub fn counter(&mut self, name: &str, next: u64) -> rusqlite::Result<()> {
        let known = self
            .counters
            .get(name)
            .or_else(|| self.written.counters.get(name));
        if known.is_some_and(|&known| known >= next) {
            return Ok(());
        }
        self.counters.insert(name.to_owned(), next);
        self.transaction
            .prepare_cached(
                "INSERT INTO counters (name, next) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET next = max(next, excluded.next)",
            )?
            .execute(params![name, next as i64])?;
        Ok(())
    }

    /// Registers a tenant (keeping its settings if it exists).
    pub fn tenant(&mut self, name: &str) -> rusqlite::Result<()> {
        self.transaction
            .prepare_cached("INSERT OR IGNORE INTO tenants (name) VALUES (?1)")?
            .execute(params![name])?;
        Ok(())
    }

    /// Replaces a tenant's settings (registering it).
    pub fn tenant_settings(
        &mut self,
        name: &str,
        settings: &impl Serialize,
    ) -> rusqlite::Result<()> {
        self.transaction
            .prepare_cached(
                "INSERT INTO tenants (name, settings) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET settings = excluded.settings",
            )?
            .execute(params![name, json(settings)?])?;
        Ok(())
    }

    pub fn end_user(
        &mut self,
        tenant: &str,
        id: u64,
        user: &impl Serialize,
    ) -> rusqlite::Result<()> {
        self.tenant(tenant)?;
        self.transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO end_users (tenant, id, doc) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![tenant, id as i64, json(user)?])?;
        Ok(())
    }

    /// Writes a chat: its header (everything but the messages) and the messages not yet
    /// written.
    pub fn chat<M: Serialize>(
        &mut self,
        tenant: &str,
        id: u64,
        header: &impl Serialize,
        messages: &[M],
    ) -> rusqlite::Result<()> {
        self.tenant(tenant)?;
        self.transaction
            .prepare_cached("INSERT OR REPLACE INTO chats (id, tenant, doc) VALUES (?1, ?2, ?3)")?
            .execute(params![id as i64, tenant, json(header)?])?;
        let written = match self.marks.get(&id) {
            Some(mark) => mark.unwrap_or(0),
            None => self.written.messages.get(&id).copied().unwrap_or(0),
        };
        if messages.len() > written {
            let mut insert = self.transaction.prepare_cached(
                "INSERT OR REPLACE INTO messages (chat_id, position, doc) VALUES (?1, ?2, ?3)",
            )?;
            for (position, message) in messages.iter().enumerate().skip(written) {
                insert.execute(params![id as i64, position as i64, json(message)?])?;
            }
            self.marks.insert(id, Some(messages.len()));
        }
        Ok(())
    }

    /// Deletes a chat, its messages and its media.
    pub fn delete_chat(&mut self, id: u64) -> rusqlite::Result<()> {
        for statement in [
            "DELETE FROM chats WHERE id = ?1",
            "DELETE FROM messages WHERE chat_id = ?1",
            "DELETE FROM media WHERE chat_id = ?1",
        ] {
            self.transaction
                .prepare_cached(statement)?
                .execute(params![id as i64])?;
        }
        self.marks.insert(id, None);
        Ok(())
    }

    /// Deletes one tenant's rows (or every tenant's): its settings, end users, chats,
    /// messages, pending deliveries and media. Run-time fixture uploads and the id
    /// counters stay.
    pub fn delete_tenant(&mut self, tenant: Option<&str>) -> rusqlite::Result<()> {
        let chat_ids: Vec<i64> = {
            let mut select = self
                .transaction
                .prepare_cached("SELECT id FROM chats WHERE ?1 IS NULL OR tenant = ?1")?;
            let ids = select.query_map(params![tenant], |row| row.get(0))?;
            ids.collect::<rusqlite::Result<_>>()?
        };
        for id in chat_ids {
            self.delete_chat(id as u64)?;
        }
        for statement in [
            "DELETE FROM tenants WHERE ?1 IS NULL OR name = ?1",
            "DELETE FROM end_users WHERE ?1 IS NULL OR tenant = ?1",
            "DELETE FROM deliveries WHERE ?1 IS NULL OR tenant = ?1",
            "DELETE FROM media WHERE ?1 IS NULL OR tenant = ?1",
        ] {
            self.transaction
                .prepare_cached(statement)?
                .execute(params![tenant])?;
        }
        Ok(())
    }

    /// Keeps the latest upload under `key` (`contact_center`, or `vta/{key}`).
    pub fn fixture_upload(&mut self, key: &str, document: &impl Serialize) -> rusqlite::Result<()> {
        self.transaction
            .prepare_cached("INSERT OR REPLACE INTO fixture_uploads (key, doc) VALUES (?1, ?2)")?
            .execute(params![key, json(document)?])?;
        Ok(())
    }

    /// A delivery is queued (again, for a redelivery: it moves to the end of the order).
    pub fn delivery(&mut self, delivery: &PendingDelivery) -> rusqlite::Result<()> {
        self.transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO deliveries (id, tenant, chat_id, event_type, created_at, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                delivery.id,
                delivery.tenant,
                delivery.chat_id as i64,
                delivery.event_type,
                delivery.created_at,
                delivery.payload
            ])?;
        Ok(())
    }

    /// A delivery finished (delivered, failed, skipped or cancelled).
    pub fn delivery_finished(&mut self, id: &str) -> rusqlite::Result<()> {
        self.transaction
            .prepare_cached("DELETE FROM deliveries WHERE id = ?1")?
            .execute(params![id])?;
        Ok(())
    }

    /// A stored file (an upload, registered or not, or an attachment), by object key.
    pub fn media(
        &mut self,
        key: &str,
        tenant: &str,
        chat_id: u64,
        record: &impl Serialize,
        bytes: Option<&[u8]>,
    ) -> rusqlite::Result<()> {
        match bytes {
            Some(bytes) => self
                .transaction
                .prepare_cached(
                    "INSERT OR REPLACE INTO media (key, tenant, chat_id, record, bytes)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![key, tenant, chat_id as i64, json(record)?, bytes])?,
            // The bytes are already stored: only the record changes (a registration).
            None => self
                .transaction
                .prepare_cached("UPDATE media SET record = ?2 WHERE key = ?1")?
                .execute(params![key, json(record)?])?,
        };
        Ok(())
    }

    pub fn delete_media(&mut self, key: &str) -> rusqlite::Result<()> {
        self.transaction
            .prepare_cached("DELETE FROM media WHERE key = ?1")?
            .execute(params![key])?;
        Ok(())
    }
}
