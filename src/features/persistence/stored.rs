//! What a restart reads back ([`StoredState`]): every row as JSON text, in the order the
//! state needs it (chats by id with their messages in order, deliveries in the order they
//! were queued).

use std::collections::HashMap;

use rusqlite::Connection;

use crate::core::state::durability::PendingDelivery;

/// One tenant's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTenant {
    pub name: String,
    /// Its settings document, if any were written.
    pub settings: Option<String>,
}

/// An end user's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEndUser {
    pub tenant: String,
    pub id: u64,
    pub doc: String,
}

/// A chat's header and its messages in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChat {
    pub tenant: String,
    pub id: u64,
    pub doc: String,
    pub messages: Vec<String>,
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMedia {
    pub key: String,
    pub tenant: String,
    pub chat_id: u64,
    pub record: String,
    pub bytes: Vec<u8>,
}

/// Everything in the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredState {
    /// Counter name to the next id it hands out.
    pub counters: HashMap<String, u64>,
    pub tenants: Vec<StoredTenant>,
    pub end_users: Vec<StoredEndUser>,
    pub chats: Vec<StoredChat>,
    /// Upload key (`contact_center`, `vta/{key}`) and document.
    pub fixture_uploads: Vec<(String, String)>,
    pub deliveries: Vec<PendingDelivery>,
    pub media: Vec<StoredMedia>,
}

impl StoredState {
    pub(super) fn read(connection: &Connection) -> rusqlite::Result<StoredState> {
        let mut stored = StoredState::default();
        let mut rows = connection.prepare("SELECT name, next FROM counters")?;
        for row in rows.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)?)))? {
            let (name, next) = row?;
            stored.counters.insert(name, next as u64);
        }
        let mut rows = connection.prepare("SELECT name, settings FROM tenants ORDER BY name")?;
        for row in rows.query_map([], |row| {
            Ok(StoredTenant {
                name: row.get(0)?,
                settings: row.get(1)?,
            })
        })? {
            stored.tenants.push(row?);
        }
        let mut rows =
            connection.prepare("SELECT tenant, id, doc FROM end_users ORDER BY tenant, id")?;
        for row in rows.query_map([], |row| {
            Ok(StoredEndUser {
                tenant: row.get(0)?,
                id: row.get::<_, i64>(1)? as u64,
                doc: row.get(2)?,
            })
        })? {
            stored.end_users.push(row?);
        }
        stored.chats = read_chats(connection)?;
        let mut rows = connection.prepare("SELECT key, doc FROM fixture_uploads ORDER BY key")?;
        for row in rows.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))? {
            stored.fixture_uploads.push(row?);
        }
        let mut rows = connection.prepare(
            "SELECT id, tenant, chat_id, event_type, created_at, payload FROM deliveries ORDER BY seq",
        )?;
        for row in rows.query_map([], |row| {
            Ok(PendingDelivery {
                id: row.get(0)?,
                tenant: row.get(1)?,
                chat_id: row.get::<_, i64>(2)? as u64,
                event_type: row.get(3)?,
                created_at: row.get(4)?,
                payload: row.get(5)?,
            })
        })? {
            stored.deliveries.push(row?);
        }
        let mut rows = connection
            .prepare("SELECT key, tenant, chat_id, record, bytes FROM media ORDER BY key")?;
        for row in rows.query_map([], |row| {
            Ok(StoredMedia {
                key: row.get(0)?,
                tenant: row.get(1)?,
                chat_id: row.get::<_, i64>(2)? as u64,
                record: row.get(3)?,
                bytes: row.get(4)?,
            })
        })? {
            stored.media.push(row?);
        }
        Ok(stored)
    }
}

/// Chats by id, each with its messages in order (one pass over each table).
fn read_chats(connection: &Connection) -> rusqlite::Result<Vec<StoredChat>> {
    let mut chats = Vec::new();
    let mut index = HashMap::new();
    let mut rows = connection.prepare("SELECT id, tenant, doc FROM chats ORDER BY id")?;
    for row in rows.query_map([], |row| {
        Ok(StoredChat {
            id: row.get::<_, i64>(0)? as u64,
            tenant: row.get(1)?,
            doc: row.get(2)?,
            messages: Vec::new(),
        })
    })? {
        let chat = row?;
        index.insert(chat.id, chats.len());
        chats.push(chat);
    }
    let mut rows =
        connection.prepare("SELECT chat_id, doc FROM messages ORDER BY chat_id, position")?;
    for row in rows.query_map([], |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?)))? {
        let (chat_id, doc) = row?;
        if let Some(&at) = index.get(&chat_id) {
            chats[at].messages.push(doc);
        }
    }
    Ok(chats)
}
