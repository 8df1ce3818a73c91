//! The real binary: configured from the environment alone, it stops on SIGTERM, keeps
//! delivering until its grace period ends, then logs exactly what remains undelivered.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

#[test]
fn sigterm_drains_webhooks_then_logs_what_is_undelivered() {
    // Webhooks go to a port nobody listens on, so they can never be delivered.
    let dead_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccai-emulator"))
        .env("CCAI_EMU_BIND", "127.0.0.1:0")
        .env("CCAI_EMU_LOG_FORMAT", "json")
        .env("CCAI_EMU_WEBHOOK_URL", format!("http://127.0.0.1:{dead_port}/hook"))
        .env("CCAI_EMU_WEBHOOK_PRIMARY_SECRET", "s3cret")
        .env("CCAI_EMU_WEBHOOK_RETRY_SCHEDULE", "50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms")
        .env("CCAI_EMU_SHUTDOWN_GRACE", "300ms")
        .env("CCAI_EMU_AGENT_JOIN_DELAY", "0")
        // It counts the emulator-defined agent_joined among the undelivered events.
        .env("CCAI_EMU_WEBHOOK_EVENTS", "all")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let (lines_tx, lines) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let next_line_with = |needle: &str| -> String {
        loop {
            let line = lines
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|_| panic!("no log line with {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    };
    let listening: serde_json::Value =
        serde_json::from_str(&next_line_with("ccai-emulator listening")).unwrap();
    let address = listening["address"].as_str().unwrap().to_owned();

    let user = post_json(&address, "/end_users", r#"{"identifier":"shutdown-user"}"#);
    let chat = post_json(
        &address,
        "/chats",
        &format!(r#"{{"end_user_id":{}}}"#, user["id"]),
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let report = next_line_with("webhook deliveries undelivered");
    assert!(
        report.contains(&format!(
            "3 webhook deliveries undelivered (tenant acme chat {}: 3)",
            chat["id"]
        )),
        "{report}"
    );
    let (done_tx, done) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait());
    });
    let exit = done
        .recv_timeout(DEADLINE)
        .expect("the process exits")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
}

/// POSTs JSON to the Apps API as tenant `acme` with curl (a client outside the process).
fn post_json(address: &str, path: &str, body: &str) -> serde_json::Value {
    let output = Command::new("curl")
        .args([
            "-sf",
            "-u",
            "acme:token",
            "-H",
            "content-type: application/json",
        ])
        .args(["-d", body])
        .arg(format!("http://{address}/apps/api/v1{path}"))
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "POST {path}");
    serde_json::from_slice(&output.stdout).unwrap()
}
