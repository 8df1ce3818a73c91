//! Opt-in persistence (`--state-dir`): an SQLite database (`state.sqlite3` in the folder,
//! readable with the `sqlite3` tool) that holds every tenant's state, the fixtures
//! uploaded at run time, pending webhook deliveries, stored media and the id counters.
//! This module knows tables and rows, not the domain: the state hands it serialisable
//! values and gets JSON text back ([`stored::StoredState`]), and decides what each row
//! means. Writes happen in one transaction per use case ([`StateStore::write`]), before
//! the request that caused them is answered; one connection serialises them.

mod restore;
mod schema;
pub mod stored;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub use restore::{restore, RestoreInto, RestoreReport};
pub use stored::StoredState;
pub use writer::Writer;
use writer::Written;

/// The database's file name inside the state folder.
pub const FILE_NAME: &str = "state.sqlite3";

/// The lock file that keeps a second emulator off the folder (the database itself stays
/// open to readers such as the `sqlite3` tool).
pub const LOCK_NAME: &str = "state.lock";

/// Why the state folder could not be opened, read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("state directory {dir}: {problem}")]
pub struct PersistenceError {
    pub dir: String,
    pub problem: String,
}

struct Inner {
    connection: Connection,
    /// Locked for as long as the store is open.
    _lock: std::fs::File,
    /// What the database holds, so unchanged rows are not written again.
    written: Written,
}

/// The open database.
pub struct StateStore {
    dir: PathBuf,
    /// `None` once closed (the emulator stopped).
    inner: Mutex<Option<Inner>>,
    commits: AtomicU64,
    failures: AtomicU64,
}

/// What `/__admin/health` reports about persistence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
        let lock = std::fs::File::create(dir.join(LOCK_NAME))
            .map_err(|error| failed(format!("cannot write {LOCK_NAME}: {error}")))?;
        lock.try_lock().map_err(|error| match error {
            std::fs::TryLockError::WouldBlock => failed(
                "another emulator is using it (one --state-dir serves one process)".to_owned(),
            ),
            std::fs::TryLockError::Error(error) => {
                failed(format!("cannot lock {LOCK_NAME}: {error}"))
            }
        })?;
        let file = dir.join(FILE_NAME);
        let connection = Connection::open(&file)
            .map_err(|error| failed(format!("cannot open {}: {error}", file.display())))?;
        schema::prepare(&connection)
            .map_err(|problem| failed(format!("{FILE_NAME}: {problem}")))?;
        Ok(StateStore {
            dir: dir.to_owned(),
            inner: Mutex::new(Some(Inner {
                connection,
                _lock: lock,
                written: Written::default(),
            })),
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
        let Some(Inner {
            connection,
            written,
            ..
        }) = &mut *inner
        else {
            self.failures.fetch_add(1, Ordering::Relaxed);
            return Err(self.error("closed: the emulator has stopped"));
        };
        let outcome = (|| {
            let transaction = connection.transaction()?;
            let mut writer = Writer::new(&transaction, written);
            changes(&mut writer)?;
            let changes = writer.into_changes();
            transaction.commit()?;
            Ok(changes)
        })();
        match outcome {
            Ok(changes) => {
                written.committed(changes);
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
        let Some(inner) = &mut *inner else {
            return Err(self.error("closed: the emulator has stopped"));
        };
        let stored = StoredState::read(&inner.connection).map_err(|error| self.error(error))?;
        inner.written = Written {
            messages: stored
                .chats
                .iter()
                .map(|chat| (chat.id, chat.messages.len()))
                .collect(),
            counters: stored.counters.clone(),
        };
        Ok(stored)
    }

    /// Closes the database and frees the folder for another emulator; later writes fail
    /// (and are counted).
    pub fn close(&self) {
        self.inner.lock().expect("state store lock").take();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn temporary_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("ccai-emu-{name}-{}", uuid::Uuid::new_v4().simple()))
    }

    #[test]
    fn a_second_store_on_the_same_folder_is_refused_while_the_first_is_open() {
        let dir = temporary_dir("store-lock");
        let first = StateStore::open(&dir).expect("the first store opens");
        let error = StateStore::open(&dir).expect_err("the folder is taken");
        assert!(error.problem.contains("another emulator"), "{error}");
        drop(first);
        StateStore::open(&dir).expect("free again once the first is closed");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn messages_are_appended_once_and_a_failed_transaction_writes_nothing() {
        let dir = temporary_dir("store-append");
        let store = StateStore::open(&dir).unwrap();
        let messages = vec!["one", "two"];
        store
            .write(|writer| writer.chat("acme", 7, &"header", &messages))
            .unwrap();
        let more = vec!["one", "two", "three"];
        store
            .write(|writer| writer.chat("acme", 7, &"header 2", &more))
            .unwrap();
        let refused = store.write(|writer| {
            writer.chat("acme", 8, &"never", &["x"])?;
            Err(rusqlite::Error::InvalidQuery)
        });
        assert!(refused.is_err());
        let stored = store.load().unwrap();
        assert_eq!(stored.chats.len(), 1, "{stored:?}");
        assert_eq!(stored.chats[0].doc, "\"header 2\"");
        assert_eq!(
            stored.chats[0].messages,
            ["\"one\"", "\"two\"", "\"three\""]
        );
        assert_eq!(store.stats().failed_writes, 1);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
