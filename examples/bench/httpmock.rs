//! httpmock 0.9 in standalone mode, as the stateless stub the emulator is compared with
//! (`--httpmock`): built from crates.io with `cargo install` into `target/httpmock/` the
//! first time (a few minutes; nothing of it is kept in the repository), started with two
//! static mocks (201 to any `POST /apps/api/v1/chats/{id}/message`, 200 to the health
//! route the bench waits on), its access log off and its request history at its smallest.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::procs::{free_port, spawn_and_wait, ServerProcess};

/// The version compared with (the issue's measurement).
const VERSION: &str = "0.9.0";

/// The answer to every message: the shape of the emulator's (`MessageAccepted`).
const MOCKS: &[(&str, &str)] = &[
    (
        "message.yaml",
        r#"when:
  method: POST
  path_matches:
    - '^/apps/api/v1/chats/[0-9]+/message$'
then:
  status: 201
  header:
    - name: content-type
      value: application/json
  body: '{"id":1,"chat_id":1,"created_at":"2026-01-01T00:00:00.000Z","visibility":"everyone"}'
"#,
    ),
    (
        "health.yaml",
        r#"when:
  method: GET
  path: /__admin/health
then:
  status: 200
  body: '{"status":"ok"}'
"#,
    ),
];

fn folder() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"))
        .join("httpmock")
}

/// `target/httpmock/bin/httpmock`, installed first if it is not there.
pub fn binary() -> PathBuf {
    let folder = folder();
    let binary = folder.join("bin").join("httpmock");
    if binary.exists() {
        return binary;
    }
    eprintln!(
        "bench: building httpmock {VERSION} (standalone) into {} ...",
        folder.display()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["install", "httpmock", "--version"])
        .arg(format!("={VERSION}"))
        .args(["--features", "standalone", "--locked", "--root"])
        .arg(&folder)
        .arg("--target-dir")
        .arg(folder.join("build"))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo install httpmock failed (it needs crates.io)"
    );
    binary
}

/// Starts httpmock on a free loopback port with the static mocks above.
pub fn start(binary: &PathBuf) -> ServerProcess {
    let mocks = std::env::temp_dir().join(format!("ccai-bench-httpmock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&mocks);
    std::fs::create_dir_all(&mocks).expect("a folder for httpmock's mocks");
    for (name, text) in MOCKS {
        std::fs::write(mocks.join(name), text).expect("write a static mock");
    }
    let port = free_port();
    let mut command = Command::new(binary);
    command
        .arg("--port")
        .arg(port.to_string())
        .arg("--disable-access-log")
        .args(["--request-history-limit", "0"])
        .arg("--mock-files-dir")
        .arg(&mocks)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    spawn_and_wait(command, port, "/__admin/health")
}
