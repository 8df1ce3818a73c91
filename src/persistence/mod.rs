//! Opt-in persistence (`--state-dir`): an SQLite database (`state.sqlite3` in the folder,
//! readable with the `sqlite3` tool) that holds every tenant's state, the fixtures
//! uploaded at run time, pending webhook deliveries, stored media and the id counters.
//! This module knows tables and rows, not the domain: the state hands it serialisable
//! values and gets JSON text back ([`stored::StoredState`]), and decides what each row
//! means. Writes happen in one transaction per use case ([`StateStore::write`]), before
//! the request that caused them is answered; one connection serialises them.

mod schema;
pub mod stored;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub use stored::StoredState;
pub use writer::{PendingDelivery, Writer};

/// The database's file name inside the state folder.
pub const FILE_NAME: &str = "state.sqlite3";

/// Why the state folder could not be opened, read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("state directory {dir}: {problem}")]
pub struct PersistenceError {
    pub dir: String,
    pub problem: String,
}

struct Inner {
    connection: Connection,
    /// How many of each chat's messages are written (messages are only ever appended).
    written_messages: HashMap<u64, usize>,
}

/// The open database.
pub struct StateStore {
    dir: PathBuf,
    inner: Mutex<Inner>,
    commits: AtomicU64,
    failures: AtomicU64,
}

/// What `/__admin/health` reports about persistence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistenceStats {
    pub state_dir: String,
    pub file: String,
    pub commits: u64,
    pub failed_writes: u64,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("dir", &self.dir)
            .finish()
    }
}

impl StateStore {
    /// Opens (creating if needed) the folder and its database.
    pub fn open(dir: &Path) -> Result<StateStore, PersistenceError> {
        let failed = |problem: String| PersistenceError {
            dir: dir.display().to_string(),
            problem,
        };
        std::fs::create_dir_all(dir)
            .map_err(|error| failed(format!("cannot create it: {error}")))?;
        let file = dir.join(FILE_NAME);
        let connection = Connection::open(&file)
            .map_err(|error| failed(format!("cannot open {}: {error}", file.display())))?;
        schema::prepare(&connection)
            .map_err(|problem| failed(format!("{FILE_NAME}: {problem}")))?;
        Ok(StateStore {
            dir: dir.to_owned(),
            inner: Mutex::new(Inner {
                connection,
                written_messages: HashMap::new(),
            }),
            commits: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn error(&self, problem: impl ToString) -> PersistenceError {
        PersistenceError {
            dir: self.dir.display().to_string(),
            problem: problem.to_string(),
        }
    }

    /// Runs `changes` in one transaction and commits it; nothing is written if it fails.
    pub fn write(
        &self,
        changes: impl FnOnce(&mut Writer<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), PersistenceError> {
        let mut inner = self.inner.lock().expect("state store lock");
        let Inner {
            connection,
            written_messages,
        } = &mut *inner;
        let outcome = (|| {
            let transaction = connection.transaction()?;
            let mut writer = Writer::new(&transaction, written_messages);
            changes(&mut writer)?;
            let marks = writer.into_marks();
            transaction.commit()?;
            Ok(marks)
        })();
        match outcome {
            Ok(marks) => {
                for (chat_id, mark) in marks {
                    match mark {
                        Some(count) => written_messages.insert(chat_id, count),
                        None => written_messages.remove(&chat_id),
                    };
                }
                self.commits.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(error) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                let error: rusqlite::Error = error;
                tracing::error!(state_dir = %self.dir.display(), %error, "state not written");
                Err(self.error(error))
            }
        }
    }

    /// Everything stored, for a restart; remembers how many messages each chat has.
    pub fn load(&self) -> Result<StoredState, PersistenceError> {
        let mut inner = self.inner.lock().expect("state store lock");
        let stored = StoredState::read(&inner.connection).map_err(|error| self.error(error))?;
        inner.written_messages = stored
            .chats
            .iter()
            .map(|chat| (chat.id, chat.messages.len()))
            .collect();
        Ok(stored)
    }

    pub fn stats(&self) -> PersistenceStats {
        PersistenceStats {
            state_dir: self.dir.display().to_string(),
            file: self.dir.join(FILE_NAME).display().to_string(),
            commits: self.commits.load(Ordering::Relaxed),
            failed_writes: self.failures.load(Ordering::Relaxed),
        }
    }
}
