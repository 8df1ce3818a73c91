//! The rows of one transaction: each [`Op`] is one kind of row, already serialised (JSON
//! text) when it was submitted, so the writer thread only runs SQL. A chat's messages are
//! appended, never rewritten: a submission carries only the messages past the count
//! already submitted for its chat.

use rusqlite::{params, Transaction};

use crate::core::state::durability::PendingDelivery;

/// One row to write or delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Raises a counter to `next` (never lowers it).
    Counter {
        name: &'static str,
        next: u64,
    },
    /// Registers a tenant (keeping its settings if it exists).
    Tenant {
        name: String,
    },
    /// Replaces a tenant's settings (registering it).
    TenantSettings {
        name: String,
        doc: String,
    },
    EndUser {
        tenant: String,
        id: u64,
        doc: String,
    },
    /// A chat's header: everything but its messages.
    ChatHeader {
        tenant: String,
        id: u64,
        doc: String,
    },
    Message {
        chat_id: u64,
        position: u64,
        doc: String,
    },
    /// Deletes a chat, its messages and its media.
    DeleteChat {
        id: u64,
    },
    /// Deletes one tenant's rows (or every tenant's): settings, end users, chats,
    /// messages, pending deliveries and media. Fixture uploads and counters stay.
    DeleteTenant {
        name: Option<String>,
    },
    /// Keeps the latest upload under `key` (`contact_center`, or `vta/{key}`).
    FixtureUpload {
        key: String,
        doc: String,
    },
    /// A stored file; `bytes: None` when only its record changed (a registration).
    Media {
        key: String,
        tenant: String,
        chat_id: u64,
        record: String,
        bytes: Option<Vec<u8>>,
    },
    DeleteMedia {
        key: String,
    },
    /// A delivery is queued (again, for a redelivery: it moves to the end of the order).
    Delivery(PendingDelivery),
    /// A delivery finished (delivered, failed, skipped or cancelled).
    DeliveryFinished {
        id: String,
    },
}

impl Op {
    /// The JSON text this row holds, for fault points that look for a marker.
    pub fn text(&self) -> &str {
        match self {
            Op::ChatHeader { doc, .. } | Op::Message { doc, .. } => doc,
            _ => "",
        }
    }

    /// Writes the row in `transaction`.
    pub fn apply(&self, transaction: &Transaction<'_>) -> rusqlite::Result<()> {
        let run = |sql: &str, values: &[&dyn rusqlite::ToSql]| {
            transaction.prepare_cached(sql)?.execute(values).map(|_| ())
        };
        match self {
            Op::Counter { name, next } => run(
                "INSERT INTO counters (name, next) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET next = max(next, excluded.next)",
                params![name, *next as i64],
            ),
            Op::Tenant { name } => run(
                "INSERT OR IGNORE INTO tenants (name) VALUES (?1)",
                params![name],
            ),
            Op::TenantSettings { name, doc } => run(
                "INSERT INTO tenants (name, settings) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET settings = excluded.settings",
                params![name, doc],
            ),
            Op::EndUser { tenant, id, doc } => {
                run(
                    "INSERT OR IGNORE INTO tenants (name) VALUES (?1)",
                    params![tenant],
                )?;
                run(
                    "INSERT OR REPLACE INTO end_users (tenant, id, doc) VALUES (?1, ?2, ?3)",
                    params![tenant, *id as i64, doc],
                )
            }
            Op::ChatHeader { tenant, id, doc } => {
                run(
                    "INSERT OR IGNORE INTO tenants (name) VALUES (?1)",
                    params![tenant],
                )?;
                run(
                    "INSERT OR REPLACE INTO chats (id, tenant, doc) VALUES (?1, ?2, ?3)",
                    params![*id as i64, tenant, doc],
                )
            }
            Op::Message {
                chat_id,
                position,
                doc,
            } => run(
                "INSERT OR REPLACE INTO messages (chat_id, position, doc) VALUES (?1, ?2, ?3)",
                params![*chat_id as i64, *position as i64, doc],
            ),
            Op::DeleteChat { id } => delete_chat(transaction, *id as i64),
            Op::DeleteTenant { name } => {
                let chat_ids: Vec<i64> = {
                    let mut select = transaction
                        .prepare_cached("SELECT id FROM chats WHERE ?1 IS NULL OR tenant = ?1")?;
                    let ids = select.query_map(params![name], |row| row.get(0))?;
                    ids.collect::<rusqlite::Result<_>>()?
                };
                for id in chat_ids {
                    delete_chat(transaction, id)?;
                }
                for statement in [
                    "DELETE FROM tenants WHERE ?1 IS NULL OR name = ?1",
                    "DELETE FROM end_users WHERE ?1 IS NULL OR tenant = ?1",
                    "DELETE FROM deliveries WHERE ?1 IS NULL OR tenant = ?1",
                    "DELETE FROM media WHERE ?1 IS NULL OR tenant = ?1",
                ] {
                    run(statement, params![name])?;
                }
                Ok(())
            }
            Op::FixtureUpload { key, doc } => run(
                "INSERT OR REPLACE INTO fixture_uploads (key, doc) VALUES (?1, ?2)",
                params![key, doc],
            ),
            Op::Media {
                key,
                tenant,
                chat_id,
                record,
                bytes: Some(bytes),
            } => run(
                "INSERT OR REPLACE INTO media (key, tenant, chat_id, record, bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key, tenant, *chat_id as i64, record, bytes],
            ),
            Op::Media {
                key,
                record,
                bytes: None,
                ..
            } => run(
                "UPDATE media SET record = ?2 WHERE key = ?1",
                params![key, record],
            ),
            Op::DeleteMedia { key } => run("DELETE FROM media WHERE key = ?1", params![key]),
            Op::Delivery(delivery) => run(
                "INSERT OR REPLACE INTO deliveries (id, tenant, chat_id, event_type, created_at, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    delivery.id,
                    delivery.tenant,
                    delivery.chat_id as i64,
                    delivery.event_type,
                    delivery.created_at,
                    delivery.payload
                ],
            ),
            Op::DeliveryFinished { id } => {
                run("DELETE FROM deliveries WHERE id = ?1", params![id])
            }
        }
    }
}

fn delete_chat(transaction: &Transaction<'_>, id: i64) -> rusqlite::Result<()> {
    for statement in [
        "DELETE FROM chats WHERE id = ?1",
        "DELETE FROM messages WHERE chat_id = ?1",
        "DELETE FROM media WHERE chat_id = ?1",
    ] {
        transaction
            .prepare_cached(statement)?
            .execute(params![id])?;
    }
    Ok(())
}
