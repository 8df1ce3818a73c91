//! The state folder itself (issue 20, items 8, 9 and 12): one emulator per folder whatever
//! happens to the files in it (the lock is not a file anyone can delete), a database that
//! is not exactly the expected schema stops the start naming the file and what is wrong
//! (an absent file is the only new state), the database is readable by its owner only, and
//! a database deleted or replaced under a running emulator makes its writes fail (507)
//! rather than go to a file nobody will read.

use std::path::Path;
use std::process::{Command, Stdio};

use awc::http::StatusCode;

use crate::persistence::StateDir;
use crate::support::binary::EmulatorProcess;
use crate::support::{spawn_app_with, test_config};

const DATABASE: &str = "state.sqlite3";

/// Starts the binary on `dir` and expects it to refuse: answers what it printed.
fn refused_start(dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ccai-emulator"))
        .env("CCAI_EMU_BIND", "127.0.0.1:0")
        .env("CCAI_EMU_STATE_DIR", dir)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "it started: {printed}");
    printed
}

#[test]
fn deleting_files_in_the_folder_never_lets_a_second_emulator_in() {
    let dir = StateDir::new();
    let first = EmulatorProcess::start(&[("CCAI_EMU_STATE_DIR", dir.path().to_str().unwrap())]);
    // Whatever lock file there may be, and then the database itself, are deleted.
    let _ = std::fs::remove_file(dir.path().join("state.lock"));
    let refused = refused_start(dir.path());
    assert!(
        refused.contains("another emulator is using it"),
        "{refused}"
    );
    for name in [DATABASE, "state.sqlite3-wal", "state.sqlite3-shm"] {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    let refused = refused_start(dir.path());
    assert!(
        refused.contains("another emulator is using it"),
        "{refused}"
    );
    first.kill_9();
}

/// Builds an emulator on `dir`, expecting it to refuse; answers the error.
fn start_error(dir: &Path) -> String {
    let mut config = test_config();
    config.state_dir = Some(dir.to_owned());
    match ccai_emulator::Emulator::build(config) {
        Ok(_) => panic!("the emulator started on {}", dir.display()),
        Err(error) => error.to_string(),
    }
}

#[actix_rt::test]
async fn an_empty_database_file_stops_the_start_naming_it() {
    let dir = StateDir::new();
    std::fs::create_dir_all(dir.path()).unwrap();
    let file = dir.path().join(DATABASE);
    std::fs::write(&file, b"").unwrap();
    let error = start_error(dir.path());
    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(error.contains("empty"), "{error}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 0, "left as it was");
}

#[actix_rt::test]
async fn a_database_missing_a_table_stops_the_start_naming_the_table() {
    let dir = StateDir::new();
    let mut config = test_config();
    config.state_dir = Some(dir.path().to_owned());
    let app = spawn_app_with(config);
    let tenant = app.tenant("schema");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "kept").await;
    app.emulator.stop().await;
    let file = dir.path().join(DATABASE);
    {
        let connection = rusqlite::Connection::open(&file).unwrap();
        connection.execute_batch("DROP TABLE messages").unwrap();
    }
    let error = start_error(dir.path());
    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(error.contains("messages"), "{error}");
    assert!(error.contains("missing"), "{error}");
    {
        let connection = rusqlite::Connection::open(&file).unwrap();
        connection
            .execute_batch("CREATE TABLE messages (chat_id INTEGER, doc TEXT)")
            .unwrap();
    }
    let error = start_error(dir.path());
    assert!(error.contains("messages"), "{error}");
    assert!(error.contains("differs"), "{error}");
}

#[cfg(unix)]
#[actix_rt::test]
async fn the_database_is_created_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = StateDir::new();
    let mut config = test_config();
    config.state_dir = Some(dir.path().to_owned());
    let app = spawn_app_with(config);
    let tenant = app.tenant("mode");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "webhook secrets live here").await;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(DATABASE) {
            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{name} is {mode:o}");
        }
    }
    app.emulator.stop().await;
}

#[actix_rt::test]
async fn a_database_deleted_under_a_running_emulator_fails_its_writes() {
    let dir = StateDir::new();
    let mut config = test_config();
    config.state_dir = Some(dir.path().to_owned());
    let app = spawn_app_with(config);
    let tenant = app.tenant("deleted");
    let (chat, user) = tenant.open_chat().await;
    for name in [DATABASE, "state.sqlite3-wal", "state.sqlite3-shm"] {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    let reply = tenant.say(chat, user, "nowhere to go").await;
    assert_eq!(
        reply.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        reply.body
    );
    assert!(reply.message().contains(DATABASE), "{}", reply.body);
    app.emulator.stop().await;
}
