//! The database's tables. A new database is made whole under a temporary name and renamed
//! into place ([`create`]); an existing one must be exactly what this version writes
//! ([`check`]): the schema version in `PRAGMA user_version` and every table and index as
//! declared here, nothing missing, nothing different, nothing more. So a 0-byte file, a
//! dropped table or a file of a later, incompatible emulator is refused by name rather
//! than misread (and its ids reused). WAL journaling with `synchronous = NORMAL` makes each
//! commit durable against a killed process (the log is in the operating system's cache
//! once the commit returns) without an fsync per request; a power cut may lose the last
//! commits. The only fsyncs are those of a checkpoint (copying the log into the database),
//! which a thread of its own runs when the log reaches [`CHECKPOINT_PAGES`]
//! (`super::checkpointer`): run by the writer, as SQLite does by default, every request
//! queued behind the commit waited for its fsyncs (14.7 ms each, median, with other builds
//! writing to the disk).

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::Connection;

/// The schema this version writes and reads.
pub const VERSION: i64 = 1;

/// The log (WAL) is copied into the database once it holds this many pages (4 KiB each:
/// 32 MiB), and cut back to [`LOG_BYTES_KEPT`] after.
pub const CHECKPOINT_PAGES: i64 = 8_192;

/// The most bytes the log file keeps once it has been checkpointed.
pub const LOG_BYTES_KEPT: i64 = 32 * 1024 * 1024;

const TABLES: &str = "
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    next INTEGER NOT NULL
);
CREATE TABLE tenants (
    name TEXT PRIMARY KEY,
    settings TEXT
);
CREATE TABLE end_users (
    tenant TEXT NOT NULL,
    id INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE chats (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX chats_by_tenant ON chats (tenant);
CREATE TABLE messages (
    chat_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (chat_id, position)
) WITHOUT ROWID;
CREATE TABLE fixture_uploads (
    key TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    payload BLOB NOT NULL
);
CREATE INDEX deliveries_by_tenant ON deliveries (tenant);
CREATE TABLE media (
    key TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    record TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX media_by_tenant ON media (tenant);
";

/// Makes a new database at `file`: written under a temporary name (readable by its owner
/// only), then renamed into place.
pub fn create(file: &Path) -> Result<(), String> {
    let making = super::folder::making_name(file);
    for leftover in ["", "-journal", "-wal", "-shm"] {
        let mut name = making.as_os_str().to_owned();
        name.push(leftover);
        let _ = std::fs::remove_file(name);
    }
    super::folder::create_private(&making)
        .map_err(|error| format!("cannot create {}: {error}", making.display()))?;
    let written = Connection::open(&making).and_then(|connection| {
        connection.execute_batch(&format!(
            "BEGIN; {TABLES} PRAGMA user_version = {VERSION}; COMMIT;"
        ))?;
        connection.close().map_err(|(_, error)| error)
    });
    written.map_err(|error| format!("cannot write {}: {error}", making.display()))?;
    std::fs::rename(&making, file).map_err(|error| {
        format!(
            "cannot rename {} to {}: {error}",
            making.display(),
            file.display()
        )
    })
}

/// Checks that the file is exactly this version's schema (reading only), then sets the
/// journaling mode.
pub fn prepare(connection: &Connection) -> Result<(), String> {
    // A reader such as the `sqlite3` tool may hold the file a moment.
    connection
        .busy_timeout(std::time::Duration::from_secs(1))
        .map_err(|error| error.to_string())?;
    let version: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|error| error.to_string())?;
    if version == 0 {
        return Err(
            "it has no schema version, so this emulator did not write it; move it away to start afresh, or use another --state-dir"
                .to_owned(),
        );
    }
    if version != VERSION {
        return Err(format!(
            "it was written with schema version {version} and this emulator reads version \
             {VERSION}; use another --state-dir or the emulator that wrote it"
        ));
    }
    check(connection)?;
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .and_then(|()| connection.pragma_update(None, "synchronous", "NORMAL"))
        .and_then(|()| connection.pragma_update(None, "journal_size_limit", LOG_BYTES_KEPT))
        .map_err(|error| error.to_string())
}

/// Every table and index of `connection`, by name: (kind, definition).
fn objects(connection: &Connection) -> rusqlite::Result<BTreeMap<String, (String, String)>> {
    let mut rows = connection.prepare(
        "SELECT name, type, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
    )?;
    let objects = rows
        .query_map([], |row| Ok((row.get(0)?, (row.get(1)?, row.get(2)?))))?
        .collect();
    objects
}

/// Whether `connection` holds exactly the declared tables and indexes; if not, says what
/// is missing, what differs and what is extra.
pub fn check(connection: &Connection) -> Result<(), String> {
    let expected = Connection::open_in_memory()
        .and_then(|memory| memory.execute_batch(TABLES).map(|()| memory))
        .and_then(|memory| objects(&memory))
        .map_err(|error| error.to_string())?;
    let found = objects(connection).map_err(|error| error.to_string())?;
    let mut problems = Vec::new();
    let missing: Vec<String> = expected
        .iter()
        .filter(|(name, _)| !found.contains_key(*name))
        .map(|(name, (kind, _))| format!("{kind} {name}"))
        .collect();
    if !missing.is_empty() {
        problems.push(format!("missing: {}", missing.join(", ")));
    }
    for (name, (kind, definition)) in &expected {
        if let Some((_, other)) = found.get(name).filter(|(_, other)| other != definition) {
            problems.push(format!(
                "{kind} {name} differs from what this emulator writes (found `{other}`)"
            ));
        }
    }
    let extra: Vec<String> = found
        .iter()
        .filter(|(name, _)| !expected.contains_key(*name))
        .map(|(name, (kind, _))| format!("{kind} {name}"))
        .collect();
    if !extra.is_empty() {
        problems.push(format!(
            "not written by this emulator: {}",
            extra.join(", ")
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "it is not the database this emulator writes ({}); move it away to start afresh, or use another --state-dir",
        problems.join("; ")
    ))
}
