//! Issue 14, defect 2: `--shutdown-grace` is a total. With a live-event stream and a
//! long-poll open (as the console always has), SIGTERM answers the long-poll and ends the
//! stream at once, still prints the undelivered report, and the process exits.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use crate::support::binary::EmulatorProcess;

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
    let emulator = EmulatorProcess::with_undeliverable_webhooks("1s", &[]);
    let address = emulator.address.clone();

    // One webhook that can never be delivered, a live-event stream and a long-poll.
    let user = emulator.post_json("/end_users", r#"{"identifier":"grace-user"}"#);
    emulator.post_json("/chats", &format!(r#"{{"end_user_id":{}}}"#, user["id"]));
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

    emulator.send_sigterm();

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

    let report = emulator.next_line_with("shutdown");
    let report = if report.contains("undelivered") {
        report
    } else {
        emulator.next_line_with("undelivered")
    };
    assert!(
        report.contains("webhook deliveries undelivered"),
        "{report}"
    );
    emulator.assert_exits_cleanly();
}
