//! Issue 14, defect 2: `--shutdown-grace` is a total. With a live-event stream and a
//! long-poll open (as the console always has), SIGTERM answers the long-poll and ends the
//! stream at once, still prints the undelivered report, and the process exits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

/// Sends a GET and returns everything the server sent until it closed the connection.
fn get_until_closed(address: &str, path: &str, opened: mpsc::Sender<()>) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut told = false;
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => answer.extend_from_slice(&chunk[..read]),
            Err(_) => break,
        }
        if !told {
            let _ = opened.send(());
            told = true;
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn sigterm_answers_long_polls_ends_event_streams_and_reports_within_the_grace() {
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
        .env("CCAI_EMU_WEBHOOK_RETRY_SCHEDULE", "50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms")
        .env("CCAI_EMU_SHUTDOWN_GRACE", "1s")
        .env("CCAI_EMU_AGENT_JOIN_DELAY", "0")
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

    // One webhook that can never be delivered, a live-event stream and a long-poll.
    let user = post_json(&address, "/end_users", r#"{"identifier":"grace-user"}"#);
    post_json(
        &address,
        "/chats",
        &format!(r#"{{"end_user_id":{}}}"#, user["id"]),
    );
    let (opened_tx, opened) = mpsc::channel();
    let stream = {
        let (address, opened_tx) = (address.clone(), opened_tx.clone());
        std::thread::spawn(move || get_until_closed(&address, "/__admin/events", opened_tx))
    };
    let long_poll = {
        let address = address.clone();
        std::thread::spawn(move || {
            get_until_closed(
                &address,
                "/__admin/webhooks/deliveries?status=delivered&min_count=1&wait=60s",
                opened_tx,
            )
        })
    };
    // The event stream has sent its first bytes; the long-poll is in flight (it answers
    // nothing until 60 s, or shutdown).
    opened
        .recv_timeout(DEADLINE)
        .expect("the event stream opens");
    let health = Command::new("curl")
        .args(["-sf", &format!("http://{address}/__admin/health")])
        .output()
        .unwrap();
    assert!(health.status.success());

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let streamed = stream.join().unwrap();
    assert!(streamed.contains(": connected"), "{streamed}");
    assert!(
        streamed.contains("event: shutdown"),
        "the stream was cut, not ended: {streamed}"
    );
    let answered = long_poll.join().unwrap();
    assert!(
        answered.starts_with("HTTP/1.1 503"),
        "the long-poll got no answer: {answered:?}"
    );
    assert!(answered.contains("shutting down"), "{answered}");

    let report = next_line_with("shutdown");
    let report = if report.contains("undelivered") {
        report
    } else {
        next_line_with("undelivered")
    };
    assert!(
        report.contains("webhook deliveries undelivered"),
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
