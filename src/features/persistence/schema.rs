//! The database's tables, created on first open. `PRAGMA user_version` records the schema
//! version, so a file written by a later, incompatible emulator is refused by name rather
//! than misread. WAL journaling with `synchronous = NORMAL` makes each commit durable
//! against a killed process (the log is in the operating system's cache once the commit
//! returns) without an fsync per request; a power cut may lose the last commits. The only
//! fsyncs are those of a checkpoint (copying the log into the database), which the writer
//! runs when the log reaches [`CHECKPOINT_PAGES`]: SQLite's default of 1,000 pages meant a
//! checkpoint every few hundred messages under load, and every request queued behind its
//! fsyncs (14.7 ms each, median, with other builds writing to the disk).
//!
//! [`CHECKPOINT_PAGES`]: CHECKPOINT_PAGES

use rusqlite::Connection;

/// The schema this version writes and reads.
pub const VERSION: i64 = 1;

/// The log (WAL) is copied into the database once it holds this many pages (4 KiB each:
/// 32 MiB), and cut back to [`LOG_BYTES_KEPT`] after.
pub const CHECKPOINT_PAGES: i64 = 8_192;

/// The most bytes the log file keeps once it has been checkpointed.
pub const LOG_BYTES_KEPT: i64 = 32 * 1024 * 1024;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    next INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tenants (
    name TEXT PRIMARY KEY,
    settings TEXT
);
CREATE TABLE IF NOT EXISTS end_users (
    tenant TEXT NOT NULL,
    id INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE TABLE IF NOT EXISTS chats (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chats_by_tenant ON chats (tenant);
CREATE TABLE IF NOT EXISTS messages (
    chat_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (chat_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fixture_uploads (
    key TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_tenant ON deliveries (tenant);
CREATE TABLE IF NOT EXISTS media (
    key TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    record TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS media_by_tenant ON media (tenant);
";

/// Sets the journaling mode and creates the tables; refuses a file of another version.
pub fn prepare(connection: &Connection) -> Result<(), String> {
    let version = journal_and_version(connection).map_err(|error| error.to_string())?;
    if version != 0 && version != VERSION {
        return Err(format!(
            "it was written with schema version {version} and this emulator reads version \
             {VERSION}; use another --state-dir or the emulator that wrote it"
        ));
    }
    connection
        .execute_batch(TABLES)
        .and_then(|()| connection.pragma_update(None, "user_version", VERSION))
        .map_err(|error| error.to_string())
}

/// WAL with `synchronous = NORMAL`, then the schema version the file has (0: new).
fn journal_and_version(connection: &Connection) -> rusqlite::Result<i64> {
    // A reader such as the `sqlite3` tool may hold the file a moment.
    connection.busy_timeout(std::time::Duration::from_secs(1))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)?;
    connection.pragma_update(None, "journal_size_limit", LOG_BYTES_KEPT)?;
    connection.pragma_query_value(None, "user_version", |row| row.get(0))
}
