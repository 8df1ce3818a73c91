//! `ccai-emulator webhook-receiver`, run as the real binary: an emulator's signed webhooks
//! are accepted and printed as verified JSON lines, a wrong signature is refused with 401
//! (and printed as unverified), a repeat is marked duplicate, a GET answers the healthcheck's
//! `{"status":"ok"}`, missing secrets are a usage error, and SIGTERM ends it with exit 0.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use awc::http::Method;
use serde_json::{json, Value};

use crate::support::{spawn_app_with, test_config};
use ccai_emulator::features::webhooks::signing::signature_header;

const DEADLINE: Duration = Duration::from_secs(20);

struct ReceiverProcess {
    child: Child,
    lines: UnboundedReceiver<String>,
    url: String,
}

impl ReceiverProcess {
    async fn start(secrets: &str) -> ReceiverProcess {
        ReceiverProcess::start_with(secrets, &[]).await
    }

    async fn start_with(secrets: &str, env: &[(&str, &str)]) -> ReceiverProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ccai-emulator"))
            .args(["webhook-receiver", "--bind", "127.0.0.1:0"])
            .env_clear()
            .env("WEBHOOK_SECRETS", secrets)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let (sender, mut lines) = unbounded_channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let first = tokio::time::timeout(DEADLINE, lines.recv())
            .await
            .ok()
            .flatten()
            .expect("it says where it listens");
        let address = first
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        ReceiverProcess {
            child,
            lines,
            url: format!("http://{address}/webhooks/ccai"),
        }
    }

    /// The next printed event (a JSON line) for which `wanted` holds; earlier ones are skipped.
    async fn next_event(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let line = tokio::time::timeout_at(deadline, self.lines.recv())
                .await
                .ok()
                .flatten()
                .expect("a matching event is printed before the deadline");
            let event: Value =
                serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
            if wanted(&event) {
                return event;
            }
        }
    }

    fn sigterm_and_exit_code(mut self) -> Option<i32> {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let (done_tx, done) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done_tx.send(self.child.wait());
        });
        done.recv_timeout(DEADLINE)
            .expect("it exits")
            .unwrap()
            .code()
    }
}

#[actix_rt::test]
async fn the_builtin_receiver_verifies_the_emulator_s_webhooks_and_refuses_bad_signatures() {
    let mut receiver = ReceiverProcess::start("old-secret,receiver-secret").await;
    let app = spawn_app_with(test_config());
    let tenant = app.tenant("builtin-receiver");
    let set = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/webhook", tenant.subdomain),
            Some(json!({"url": receiver.url, "primary_secret": "receiver-secret"})),
        )
        .await;
    assert!(set.status.is_success(), "{:?}", set.body);

    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "I need to verify my account").await;
    let question = receiver
        .next_event(|line| {
            line["event"]["chat_id"] == chat && line["event"]["body"]["server_message"].is_object()
        })
        .await;
    assert_eq!(question["verified"], true, "{question}");
    assert_eq!(question["duplicate"], false, "{question}");
    assert_eq!(
        question["event"]["body"]["sender"]["type"],
        "task_virtual_agent"
    );
    assert!(!question["delivery_id"].as_str().unwrap().is_empty());

    // A request signed with a secret it does not know: 401, printed as unverified; the
    // same event again is a duplicate.
    let client = awc::Client::default();
    let body = serde_json::to_vec(&json!({"event_type": "message_received", "chat_id": 1,
        "body": {"message": {"message_id": 9}}}))
    .unwrap();
    for (secret, expected) in [("stranger", 401), ("old-secret", 200)] {
        let answer = client
            .post(&receiver.url)
            .insert_header(("X-Signature-Timestamp", "2026-01-01T00:00:00Z"))
            .insert_header((
                "X-Signature",
                signature_header(secret, None, "2026-01-01T00:00:00Z", &body),
            ))
            .send_body(body.clone())
            .await
            .expect("the receiver answers");
        assert_eq!(answer.status().as_u16(), expected, "signed with {secret}");
    }
    let refused = receiver
        .next_event(|line| line["event"]["chat_id"] == 1)
        .await;
    assert_eq!(
        (&refused["verified"], &refused["duplicate"]),
        (&json!(false), &json!(false))
    );
    // Only an accepted (2xx) event counts as received: the forged one before it does not
    // make the genuine one a duplicate (as in examples/webhook_receiver.py).
    let genuine = receiver
        .next_event(|line| line["event"]["chat_id"] == 1)
        .await;
    assert_eq!(
        (&genuine["verified"], &genuine["duplicate"]),
        (&json!(true), &json!(false))
    );

    // The healthcheck subcommand probes it like an emulator.
    let address = receiver
        .url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let probe = actix_web::rt::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_ccai-emulator"))
            .args(["healthcheck", "--bind", &address])
            .env_clear()
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(probe.status.code(), Some(0), "{probe:?}");

    let code = actix_web::rt::task::spawn_blocking(move || receiver.sigterm_and_exit_code())
        .await
        .unwrap();
    assert_eq!(code, Some(0), "SIGTERM ends the receiver with exit code 0");
}

#[test]
fn the_builtin_receiver_without_a_secret_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_ccai-emulator"))
        .args(["webhook-receiver", "--bind", "127.0.0.1:0"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--secret"),
        "{output:?}"
    );
}

#[actix_rt::test]
async fn the_builtin_receiver_fails_the_first_requests_on_purpose_and_the_emulator_retries() {
    // Empty values (what the compose file passes when nothing is set) mean "not set".
    let quiet = ReceiverProcess::start_with(
        "receiver-secret",
        &[("FAIL_STATUS", ""), ("FAIL_COUNT", "")],
    )
    .await;
    assert_eq!(quiet.sigterm_and_exit_code(), Some(0));
    let mut receiver = ReceiverProcess::start_with(
        "receiver-secret",
        &[("FAIL_STATUS", "503"), ("FAIL_COUNT", "2")],
    )
    .await;
    let app = spawn_app_with(test_config());
    let tenant = app.tenant("builtin-receiver-fails");
    let set = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/webhook", tenant.subdomain),
            Some(json!({"url": receiver.url, "primary_secret": "receiver-secret"})),
        )
        .await;
    assert!(set.status.is_success(), "{:?}", set.body);
    let (chat, _) = tenant.open_chat().await;
    let created = |line: &Value| {
        line["event"]["chat_id"] == chat && line["event"]["event_type"] == "chat_created"
    };
    let mut answered = Vec::new();
    for _ in 0..3 {
        let line = receiver.next_event(created).await;
        assert_eq!(line["verified"], true, "{line}");
        assert_eq!(
            line["duplicate"], false,
            "a retry of a failed request is no duplicate: {line}"
        );
        answered.push(line["answered"].as_u64().unwrap());
    }
    assert_eq!(answered, [503, 503, 200]);
    assert_eq!(receiver.sigterm_and_exit_code(), Some(0));
}

#[actix_rt::test]
async fn empty_fail_variables_as_docker_compose_passes_them_mean_never_fail() {
    let mut receiver = ReceiverProcess::start_with(
        "receiver-secret",
        &[("FAIL_STATUS", ""), ("FAIL_COUNT", "")],
    )
    .await;
    let app = spawn_app_with(test_config());
    let tenant = app.tenant("builtin-receiver-empty");
    let set = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/webhook", tenant.subdomain),
            Some(json!({"url": receiver.url, "primary_secret": "receiver-secret"})),
        )
        .await;
    assert!(set.status.is_success(), "{:?}", set.body);
    let (chat, _) = tenant.open_chat().await;
    let line = receiver
        .next_event(|line: &Value| {
            line["event"]["chat_id"] == chat && line["event"]["event_type"] == "chat_created"
        })
        .await;
    assert_eq!(line["answered"], 200, "{line}");
    assert_eq!(receiver.sigterm_and_exit_code(), Some(0));
}
