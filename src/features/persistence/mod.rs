//! Opt-in persistence (`--state-dir`): an SQLite database (`state.sqlite3` in the folder,
//! readable with the `sqlite3` tool) that holds every tenant's state, the fixtures
//! uploaded at run time, pending webhook deliveries, stored media and the id counters.
//! This module knows tables and rows, not the domain: the state submits [`Change`]s, which
//! become rows (JSON text, [`writer::Op`]) in the order they were submitted
//! ([`queue`]); it gets JSON text back at start-up ([`stored::StoredState`]).
//!
//! One writer thread owns the connection. It takes every submission queued since its last
//! transaction and writes them in one transaction (group commit): while one transaction is
//! being written the next requests queue up, so one commit serves many answers and no
//! request waits for more than the transaction before its own and its own. Each submitter
//! waits for its [`CommitTicket`]; a failed transaction fails every submission in it and
//! every one queued behind it. A second thread copies the log into the database
//! ([`checkpointer`]), so no commit waits for the disk.

mod checkpointer;
mod fault;
mod folder;
mod queue;
mod restore;
mod schema;
pub mod stored;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::core::state::durability::{
    Change, CommitLog, CommitTicket, Durability, DurabilityError,
};
use crate::core::state::id_counters::NextIds;
use checkpointer::Checkpointer;
pub use fault::FaultPoint;
use queue::{Marks, Queue, Submission};
pub use restore::{restore, RestoreInto, RestoreReport};
pub use stored::StoredState;

/// The database's file name inside the state folder.
pub const FILE_NAME: &str = "state.sqlite3";

/// The most submissions one transaction takes (the rest wait for the next).
const MOST_PER_TRANSACTION: usize = 4_096;

/// Why the state folder could not be opened, read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("state directory {dir}: {problem}")]
pub struct PersistenceError {
    pub dir: String,
    pub problem: String,
}

/// What the submitters and the writer share.
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when a submission is queued or the store closes.
    queued: Condvar,
    log: Arc<CommitLog>,
    commits: AtomicU64,
    failures: AtomicU64,
}

/// The open database.
pub struct StateStore {
    dir: PathBuf,
    shared: Arc<Shared>,
    /// The writer thread, until the store is closed.
    writer: Mutex<Option<JoinHandle<()>>>,
    /// The thread that copies the log into the database, until the store is closed.
    checkpointer: Mutex<Option<Checkpointer>>,
    /// The folder, held for as long as the store is open.
    lock: Mutex<Option<folder::FolderLock>>,
    /// What the database held when it was opened, until the restore takes it.
    stored: Mutex<Option<StoredState>>,
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
    /// Opens (creating if needed) the folder and its database, reads what it holds and
    /// starts the writer.
    pub fn open(dir: &Path) -> Result<StateStore, PersistenceError> {
        StateStore::open_with(dir, None)
    }

    /// [`StateStore::open`] with a fault point for tests (see [`FaultPoint`]).
    pub fn open_with(
        dir: &Path,
        fault: Option<FaultPoint>,
    ) -> Result<StateStore, PersistenceError> {
        let failed = |problem: String| PersistenceError {
            dir: dir.display().to_string(),
            problem,
        };
        std::fs::create_dir_all(dir)
            .map_err(|error| failed(format!("cannot create it: {error}")))?;
        let lock = folder::FolderLock::take(dir).map_err(failed)?;
        let file = dir.join(FILE_NAME);
        // An absent file is the only new state: anything at the name must be a database
        // this emulator finished making.
        match std::fs::metadata(&file) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                schema::create(&file).map_err(failed)?;
            }
            Err(error) => return Err(failed(format!("cannot read {}: {error}", file.display()))),
            Ok(metadata) if metadata.len() == 0 => {
                return Err(failed(format!(
                    "{} is empty (0 bytes), not a database this emulator wrote; move it away to start afresh, or use another --state-dir",
                    file.display()
                )))
            }
            Ok(_) => {}
        }
        let mut connection = Connection::open(&file)
            .map_err(|error| failed(format!("cannot open {}: {error}", file.display())))?;
        schema::prepare(&connection)
            .map_err(|problem| failed(format!("{}: {problem}", file.display())))?;
        let checkpointer = Checkpointer::start(&file, &mut connection).map_err(|error| {
            failed(format!(
                "cannot start its checkpoints of {}: {error}",
                file.display()
            ))
        })?;
        let database = folder::DatabaseFile::at(&file)
            .map_err(|error| failed(format!("cannot read {}: {error}", file.display())))?;
        let stored = StoredState::read(&connection)
            .map_err(|error| failed(format!("{}: {error}", file.display())))?;
        let marks = Marks::read(
            stored
                .chats
                .iter()
                .map(|chat| (chat.id, (chat.tenant.clone(), chat.messages.len())))
                .collect::<HashMap<_, _>>(),
            stored.counters.clone(),
        );
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::new(marks)),
            queued: Condvar::new(),
            log: Arc::new(CommitLog::default()),
            commits: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        });
        let writer = {
            let shared = Arc::clone(&shared);
            let dir = dir.display().to_string();
            std::thread::Builder::new()
                .name("state-writer".into())
                .spawn(move || write_until_closed(connection, &database, &shared, &dir, fault))
                .map_err(|error| failed(format!("cannot start its writer: {error}")))?
        };
        Ok(StateStore {
            dir: dir.to_owned(),
            shared,
            writer: Mutex::new(Some(writer)),
            checkpointer: Mutex::new(Some(checkpointer)),
            lock: Mutex::new(Some(lock)),
            stored: Mutex::new(Some(stored)),
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

    /// Everything the database held when it was opened, for a restart (once).
    pub fn load(&self) -> Result<StoredState, PersistenceError> {
        self.stored
            .lock()
            .expect("stored state lock")
            .take()
            .ok_or_else(|| self.error("already restored"))
    }

    /// Writes what is queued, stops the writer and frees the folder for another emulator;
    /// later submissions fail (and are counted).
    pub fn close(&self) {
        self.shared.queue.lock().expect("queue lock").closed = true;
        self.shared.queued.notify_all();
        if let Some(writer) = self.writer.lock().expect("writer lock").take() {
            let _ = writer.join();
        }
        self.checkpointer.lock().expect("checkpointer lock").take();
        self.lock.lock().expect("lock file lock").take();
    }

    pub fn stats(&self) -> PersistenceStats {
        PersistenceStats {
            state_dir: self.dir.display().to_string(),
            file: self.dir.join(FILE_NAME).display().to_string(),
            commits: self.shared.commits.load(Ordering::Relaxed),
            failed_writes: self.shared.failures.load(Ordering::Relaxed),
        }
    }
}

impl Drop for StateStore {
    fn drop(&mut self) {
        self.close();
    }
}

impl Durability for StateStore {
    fn submit(
        &self,
        changes: &[Change<'_>],
        next_ids: Option<NextIds>,
    ) -> Result<CommitTicket, DurabilityError> {
        // The chats' headers are copied first, so the queue's lock is held only for what
        // depends on what was submitted before (a changed header, new messages, counters).
        let headers = Queue::headers_of(changes);
        let mut queue = self.shared.queue.lock().expect("queue lock");
        if queue.closed {
            self.shared.failures.fetch_add(1, Ordering::Relaxed);
            return Err(DurabilityError(
                self.error("closed: the emulator has stopped").to_string(),
            ));
        }
        let seq = queue
            .submit(changes, headers, next_ids)
            .map_err(|problem| {
                self.shared.failures.fetch_add(1, Ordering::Relaxed);
                DurabilityError(self.error(problem).to_string())
            })?;
        drop(queue);
        self.shared.queued.notify_one();
        Ok(CommitTicket::new(seq, Arc::clone(&self.shared.log)))
    }
}

/// The writer thread: one transaction per wake-up, for everything queued, until the store
/// is closed and nothing is left.
fn write_until_closed(
    mut connection: Connection,
    database: &folder::DatabaseFile,
    shared: &Shared,
    dir: &str,
    fault: Option<FaultPoint>,
) {
    loop {
        let batch = {
            let mut queue = shared.queue.lock().expect("queue lock");
            while queue.items.is_empty() && !queue.closed {
                queue = shared.queued.wait(queue).expect("queue lock");
            }
            if queue.items.is_empty() {
                return;
            }
            let take = queue.items.len().min(MOST_PER_TRANSACTION);
            queue.items.drain(..take).collect::<Vec<Submission>>()
        };
        let last = batch.last().map_or(0, |submission| submission.seq);
        if let Some(fault) = &fault {
            fault.before_commit(&batch);
        }
        let written = database.still_there().and_then(|()| {
            write_batch(&mut connection, &batch, fault.as_ref()).map_err(|error| error.to_string())
        });
        match written {
            Ok(()) => {
                if let Some(fault) = &fault {
                    fault.after_commit(&batch);
                }
                shared.queue.lock().expect("queue lock").committed(&batch);
                shared.commits.fetch_add(1, Ordering::Relaxed);
                shared.log.settle(last, []);
            }
            Err(error) => {
                let problem = format!("state directory {dir}: {error}");
                tracing::error!(state_dir = dir, %error, "state not written");
                let behind = shared.queue.lock().expect("queue lock").failed();
                let failed: Vec<u64> = batch
                    .iter()
                    .chain(&behind)
                    .map(|submission| submission.seq)
                    .collect();
                shared
                    .failures
                    .fetch_add(failed.len() as u64, Ordering::Relaxed);
                let upto = failed.iter().copied().max().unwrap_or(last);
                shared
                    .log
                    .settle(upto, failed.into_iter().map(|seq| (seq, problem.clone())));
            }
        }
    }
}

/// Writes every submission of `batch` in one transaction; nothing is written if any row
/// fails.
fn write_batch(
    connection: &mut Connection,
    batch: &[Submission],
    fault: Option<&FaultPoint>,
) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    for submission in batch {
        for op in &submission.ops {
            op.apply(&transaction)?;
        }
    }
    if let Some(fault) = fault {
        fault.fail_commit(batch)?;
    }
    transaction.commit()
}

#[cfg(test)]
mod tests;
