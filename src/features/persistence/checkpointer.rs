//! Checkpoints off the commit path. In WAL mode a commit only appends to the log (no fsync
//! with `synchronous = NORMAL`); the one step that waits for the disk is the checkpoint,
//! which copies the log into the database and syncs both. Run by the writer after a commit
//! (SQLite's automatic checkpoint), it held every request queued behind that commit for the
//! length of its fsyncs. Here a thread of its own, with its own connection, copies the log
//! once it holds [`CHECKPOINT_PAGES`] (a passive checkpoint: it never waits for the writer,
//! and the writer never waits for it). A passive checkpoint cannot reset a log the writer
//! keeps appending to, so past [`LOG_BYTES_MOST`] it runs a restarting one, which waits for
//! the transaction being written and holds the next for its length: the log stays bounded
//! however busy the writer is.
//!
//! [`CHECKPOINT_PAGES`]: super::schema::CHECKPOINT_PAGES

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::wal::CheckpointMode;
use rusqlite::Connection;

use super::schema::CHECKPOINT_PAGES;

/// Past this many times the checkpoint's pages in the log, the checkpoint is a restarting
/// one, which the writer waits for.
const LOG_MOST_TIMES: i32 = 4;

/// The running checkpointer; stopped when dropped.
pub struct Checkpointer {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

struct Signal {
    /// The log's pages that call for a checkpoint.
    pages: i32,
    state: Mutex<Due>,
    changed: Condvar,
}

#[derive(Default)]
struct Due {
    /// The log's pages when a commit last found it due for a checkpoint.
    pages: Option<i32>,
    stopping: bool,
}

impl Checkpointer {
    /// Opens a second connection to `file`, starts the thread and has the `writer`'s
    /// connection tell it, after each commit, how many pages the log holds (which also
    /// turns off the writer's own automatic checkpoints); a checkpoint runs once the log
    /// holds [`CHECKPOINT_PAGES`].
    pub fn start(file: &Path, writer: &mut Connection) -> Result<Checkpointer, String> {
        Checkpointer::start_at(file, writer, CHECKPOINT_PAGES as i32)
    }

    fn start_at(file: &Path, writer: &mut Connection, pages: i32) -> Result<Checkpointer, String> {
        let connection = Connection::open(file).map_err(|error| error.to_string())?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(|error| error.to_string())?;
        // A connection reads the file (and learns it is in WAL mode) only when first used;
        // until then a checkpoint does nothing.
        let mode: String = connection
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .map_err(|error| error.to_string())?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("the database is in {mode} mode, not WAL"));
        }
        let signal = Arc::new(Signal {
            pages,
            state: Mutex::default(),
            changed: Condvar::new(),
        });
        let told = Arc::clone(&signal);
        writer
            .wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: i32| {
                told.committed(pages);
                Ok(())
            }))
            .map_err(|error| error.to_string())?;
        let thread = {
            let signal = Arc::clone(&signal);
            std::thread::Builder::new()
                .name("state-checkpoint".into())
                .spawn(move || checkpoint_until_stopped(&connection, &signal))
                .map_err(|error| error.to_string())?
        };
        Ok(Checkpointer {
            signal,
            thread: Some(thread),
        })
    }

    /// Stops the thread (after the checkpoint it may be running).
    pub fn stop(&mut self) {
        self.signal
            .state
            .lock()
            .expect("checkpoint signal lock")
            .stopping = true;
        self.signal.changed.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Signal {
    /// A commit left `pages` in the log.
    fn committed(&self, pages: i32) {
        if pages < self.pages {
            return;
        }
        let mut due = self.state.lock().expect("checkpoint signal lock");
        let wake = due.pages.is_none();
        due.pages = Some(pages);
        if wake {
            self.changed.notify_one();
        }
    }
}

fn checkpoint_until_stopped(connection: &Connection, signal: &Signal) {
    loop {
        let pages = {
            let mut due = signal.state.lock().expect("checkpoint signal lock");
            while due.pages.is_none() && !due.stopping {
                due = signal.changed.wait(due).expect("checkpoint signal lock");
            }
            if due.stopping {
                return;
            }
            due.pages.take().unwrap_or_default()
        };
        let mode = if pages > LOG_MOST_TIMES * signal.pages {
            CheckpointMode::RESTART
        } else {
            CheckpointMode::PASSIVE
        };
        let result = connection.wal_checkpoint_v2(None::<&str>, mode);
        if let Err(error) = result {
            tracing::warn!(%error, "checkpoint of the state's log failed; the next commit asks again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn the_log_is_copied_into_the_database_by_the_checkpointer_not_the_writer() {
        let dir = std::env::temp_dir().join(format!("ccai-checkpointer-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("test.sqlite3");
        let mut writer = Connection::open(&file).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.pragma_update(None, "synchronous", "NORMAL").unwrap();
        writer
            .execute_batch("CREATE TABLE rows (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)")
            .unwrap();
        // Everything so far goes into the database, so its size is the baseline.
        writer
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
        let before = std::fs::metadata(&file).unwrap().len();
        let mut checkpointer = Checkpointer::start_at(&file, &mut writer, 16).unwrap();
        let doc = "x".repeat(2_000);
        for id in 0..200 {
            writer
                .execute(
                    "INSERT INTO rows (id, doc) VALUES (?1, ?2)",
                    rusqlite::params![id, doc],
                )
                .unwrap();
        }
        // The writer runs no checkpoint of its own (the hook replaced SQLite's): the rows
        // reach the database file only through the checkpointer.
        let started = Instant::now();
        while std::fs::metadata(&file).unwrap().len() < before + 200 * 2_000 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no checkpoint copied the log"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        checkpointer.stop();
        drop(writer);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
