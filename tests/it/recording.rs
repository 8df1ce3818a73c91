//! `ccai-emulator record`, `diff` and `replay` (issue 22), as the real binary, with no
//! tenant: a second emulator plays the tenant (the upstream), in-process on its own port,
//! strict about its one subdomain and token, its webhook pointed at the recorder through
//! the control plane as a team points the portal at its tunnel.
//!
//! - recording a consumer's traffic through the proxy, then diffing the cassette against a
//!   fresh emulator with the same settings, reports no difference; the webhooks were
//!   forwarded to the consumer's own receiver with their signatures intact;
//! - an upstream that behaves differently (another event selection, `chat_created` before
//!   the answer) makes the diff name exactly those differences, in its table, its JSON and
//!   its exit code;
//! - no cassette holds the token, the encoded credentials, a webhook secret or the
//!   subdomain (every test greps for them);
//! - the cassettes served by `replay` answer the same requests as recorded, with fresh ids,
//!   and send the recorded webhooks, signed, with those ids.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use awc::http::Method;
use serde_json::{json, Value};

use crate::support::{
    basic, spawn_app_with, test_config, unique_subdomain, TestApp, WebhookReceiver,
};
use ccai_emulator::core::state::AuthPolicy;

const DEADLINE: Duration = Duration::from_secs(30);
const PRIMARY: &str = "recording-primary-secret-7f3a";
const SECONDARY: &str = "recording-secondary-secret-91c2";

/// The real binary running a subcommand that serves (`record`, `replay`).
struct Served {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// `host:port` from its first line.
    address: String,
}

impl Served {
    fn start(args: &[&str]) -> Served {
        let mut child = binary(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(DEADLINE)
            .expect("it says where it listens");
        let address = first
            .split("listening on ")
            .nth(1)
            .map(|rest| rest.split(':').take(2).collect::<Vec<_>>().join(":"))
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        Served {
            child,
            lines,
            address,
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// SIGTERM, then the exit (which must be clean) and what it printed.
    fn stop(mut self) -> Vec<String> {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let (done_tx, done) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done_tx.send(self.child.wait());
        });
        let exit = done.recv_timeout(DEADLINE).expect("it exits").unwrap();
        assert!(exit.success(), "{exit:?}");
        self.lines.try_iter().collect()
    }
}

/// The binary with an empty environment (no `CCAI_EMU_*` from outside), run from the
/// repository (whose `fixtures/` is the default, as in-process tests use it).
fn binary(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccai-emulator"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// Runs `ccai-emulator [flags] diff ...` to the end: its exit code and its output.
async fn run_diff(args: Vec<String>) -> (i32, String) {
    let output = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        binary(&args).output().expect("diff runs")
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "diff wrote to stderr: {stderr}");
    (
        output.status.code().expect("an exit code"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", unique_subdomain("r")));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The upstream: an emulator as a tenant would be, strict about its one subdomain and
/// token, nobody picking chats up.
struct Upstream {
    app: TestApp,
    subdomain: String,
    token: String,
}

impl Upstream {
    fn start() -> Upstream {
        let subdomain = unique_subdomain("tenant");
        let token = format!("token-{}", uuid::Uuid::new_v4().simple());
        let mut config = test_config();
        config.auth = AuthPolicy::Strict(HashMap::from([(subdomain.clone(), token.clone())]));
        config.agent_join_delay = Some(Duration::from_secs(3600));
        Upstream {
            app: spawn_app_with(config),
            subdomain,
            token,
        }
    }

    /// Points the tenant's webhook at `url`, with both secrets (what the portal does).
    async fn webhook_to(&self, url: &str) {
        let reply = self
            .app
            .admin(
                Method::PUT,
                &format!("/tenants/{}/webhook", self.subdomain),
                Some(json!({"url": url, "primary_secret": PRIMARY, "secondary_secret": SECONDARY})),
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }

    fn secrets(&self) -> Vec<String> {
        vec![
            self.token.clone(),
            basic(&self.subdomain, &self.token),
            basic(&self.subdomain, &self.token)["Basic ".len()..].to_owned(),
            PRIMARY.to_owned(),
            SECONDARY.to_owned(),
            self.subdomain.clone(),
        ]
    }
}

/// A consumer backend calling the Apps API through `base` (the recorder or the replay
/// server), optionally naming its cassette.
struct Consumer {
    client: awc::Client,
    api: String,
    auth: String,
    subdomain: String,
    cassette: Option<String>,
}

impl Consumer {
    fn new(base: &str, upstream: &Upstream, cassette: Option<&str>) -> Consumer {
        Consumer {
            client: awc::Client::builder()
                .timeout(Duration::from_secs(20))
                .finish(),
            api: format!("{base}/apps/api/v1"),
            auth: basic(&upstream.subdomain, &upstream.token),
            subdomain: upstream.subdomain.clone(),
            cassette: cassette.map(str::to_owned),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.api))
            .insert_header(("content-type", "application/json"));
        if let Some(auth) = auth {
            request = request.insert_header(("authorization", auth));
        }
        if let Some(name) = &self.cassette {
            request = request.insert_header(("x-ccai-cassette", name.as_str()));
        }
        let mut answer = match body {
            Some(body) => request.send_body(body.to_owned()).await,
            None => request.send().await,
        }
        .expect("the proxy answers");
        let bytes = answer.body().await.expect("a body");
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (answer.status().as_u16(), value)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|body| body.to_string());
        self.send(method, path, Some(&self.auth.clone()), body.as_deref())
            .await
    }

    fn wrong_token(&self) -> String {
        basic(&self.subdomain, "not-the-token")
    }
}

/// A consumer's session: an end user, a chat with a context, two messages, bad input, a
/// wrong token, an unknown chat, the chat read back and ended. Answers the chat's id.
async fn consumer_session(consumer: &Consumer) -> u64 {
    let (status, user) = consumer
        .call(
            Method::POST,
            "/end_users",
            Some(json!({"identifier": "rec-ann", "name": "Ann"})),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    let user_id = user["id"].as_u64().unwrap();
    let (status, chat) = consumer
        .call(
            Method::POST,
            "/chats",
            Some(json!({"end_user_id": user_id, "context": {"menu_key": "billing"}})),
        )
        .await;
    assert_eq!(status, 200, "{chat}");
    let chat_id = chat["id"].as_u64().unwrap();
    for text in ["hello", "are you there?"] {
        let (status, answer) = consumer
            .call(
                Method::POST,
                &format!("/chats/{chat_id}/message"),
                Some(
                    json!({"from_user_id": user_id, "message": {"type": "text", "content": text}}),
                ),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
    }
    let auth = consumer.auth.clone();
    let (status, _) = consumer
        .send(
            Method::POST,
            &format!("/chats/{chat_id}/message"),
            Some(&auth),
            Some("{"),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = consumer
        .send(
            Method::GET,
            &format!("/chats/{chat_id}"),
            Some(&consumer.wrong_token()),
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = consumer
        .call(Method::GET, &format!("/chats/{}", chat_id + 1000), None)
        .await;
    assert_eq!(status, 404);
    let (status, read) = consumer
        .call(Method::GET, &format!("/chats/{chat_id}"), None)
        .await;
    assert_eq!((status, read["id"].as_u64()), (200, Some(chat_id)));
    let (status, _) = consumer
        .call(
            Method::PATCH,
            &format!("/chats/{chat_id}"),
            Some(json!({"status": "finished"})),
        )
        .await;
    assert_eq!(status, 200);
    chat_id
}

/// Waits until the recorder's cassettes hold `webhooks` webhooks in all.
async fn wait_for_recorded_webhooks(recorder: &Served, webhooks: u64) -> Value {
    let client = awc::Client::default();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut interval = tokio::time::interval(Duration::from_millis(20));
    loop {
        interval.tick().await;
        let status: Value = client
            .get(format!("{}/__record", recorder.base_url()))
            .send()
            .await
            .expect("the recorder answers")
            .json()
            .await
            .expect("its status");
        let recorded: u64 = status["cassettes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|cassette| cassette["webhooks"].as_u64().unwrap())
            .sum();
        if recorded >= webhooks && status["in_flight"] == 0 {
            return status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {webhooks} recorded webhooks: {status}"
        );
    }
}

/// Every file under `dir`, with its text.
fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    found.sort();
    found
}

/// No cassette under `dir` holds any of `secrets`.
fn assert_no_secret(dir: &Path, secrets: &[String]) {
    let files = files(dir);
    assert!(!files.is_empty(), "no cassette in {}", dir.display());
    for (path, text) in &files {
        for secret in secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{} holds {secret:?}",
                path.display()
            );
        }
    }
}

fn start_recorder(upstream: &Upstream, out: &Path, forward: Option<&str>) -> Served {
    let mut args = vec![
        "record".to_owned(),
        "--bind".to_owned(),
        "127.0.0.1:0".to_owned(),
        "--upstream".to_owned(),
        upstream.app.emulator.base_url(),
        "--out".to_owned(),
        out.display().to_string(),
        format!("--webhook-primary-secret={PRIMARY}"),
        format!("--webhook-secondary-secret={SECONDARY}"),
        "--region".to_owned(),
        "rehearsal".to_owned(),
        // Longer than an answer can take on a loaded machine, shorter than the upstream's
        // webhook timeout (2 s), which a before_response answer waits for at most.
        "--order-hold".to_owned(),
        "1s".to_owned(),
    ];
    if let Some(url) = forward {
        args.extend(["--forward-webhooks".to_owned(), url.to_owned()]);
    }
    Served::start(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `diff` as a team runs it: the fresh emulator with the upstream's settings (no agent
/// picks a chat up), the JSON report written beside the table.
async fn diff(cassettes: &Path, report: &Path) -> (i32, String, Value) {
    let (code, table) = run_diff(vec![
        "--agent-join-delay".to_owned(),
        "60m".to_owned(),
        "diff".to_owned(),
        cassettes.display().to_string(),
        "--json".to_owned(),
        report.display().to_string(),
    ])
    .await;
    let json: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    (code, table, json)
}

#[actix_rt::test]
async fn a_recording_through_the_proxy_diffs_clean_against_an_emulator_with_the_same_settings() {
    let upstream = Upstream::start();
    let receiver = WebhookReceiver::start_with_secrets(PRIMARY, Some(SECONDARY));
    let dir = scratch("recording-same");
    let out = dir.join("cassettes");
    let recorder = start_recorder(&upstream, &out, Some(&receiver.url()));
    upstream
        .webhook_to(&format!("{}/webhook", recorder.base_url()))
        .await;

    let consumer = Consumer::new(&recorder.base_url(), &upstream, None);
    let chat_id = consumer_session(&consumer).await;

    // The consumer's own receiver got every webhook, its signatures intact.
    let forwarded = receiver
        .wait_for_chat(chat_id, "chat_created and two message_received", |hooks| {
            hooks.len() >= 3
        })
        .await;
    assert!(
        forwarded.iter().all(|hook| hook.signature_valid),
        "{forwarded:?}"
    );
    wait_for_recorded_webhooks(&recorder, 3).await;
    recorder.stop();

    let cassettes = files(&out);
    assert_eq!(
        cassettes
            .iter()
            .map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
        vec!["chat-1.json"]
    );
    let cassette: Value = serde_json::from_str(&cassettes[0].1).unwrap();
    assert_eq!(cassette["format"], "ccai-conformance-snapshot/1");
    assert_eq!(cassette["provenance"]["source"], "tenant");
    assert_eq!(cassette["provenance"]["region"], "rehearsal");
    let exchanges = cassette["exchanges"].as_array().unwrap();
    let requests: Vec<String> = exchanges
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e["request"]["method"].as_str().unwrap(),
                e["request"]["path"].as_str().unwrap(),
                e["request"]["auth"].as_str().unwrap(),
                e["response"]["status"]
            )
        })
        .collect();
    assert_eq!(
        requests,
        vec![
            "POST /end_users tenant 200",
            "POST /chats tenant 200",
            "POST /chats/<chat:1>/message tenant 200",
            "POST /chats/<chat:1>/message tenant 200",
            "POST /chats/<chat:1>/message tenant 400",
            "GET /chats/<chat:1> wrong-token 401",
            "GET /chats/<chat:2> tenant 404",
            "GET /chats/<chat:1> tenant 200",
            "PATCH /chats/<chat:1> tenant 200",
        ]
    );
    let webhooks: Vec<(&str, &str, &str)> = cassette["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hook| {
            (
                hook["event_type"].as_str().unwrap(),
                hook["signatures"]["primary"].as_str().unwrap(),
                hook["signatures"]["secondary"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        webhooks,
        vec![
            ("chat_created", "valid", "valid"),
            ("message_received", "valid", "valid"),
            ("message_received", "valid", "valid"),
        ]
    );
    let timeline = &cassette["timeline"];
    assert_eq!(
        timeline["exchanges"].as_array().unwrap().len(),
        exchanges.len()
    );
    assert_eq!(
        timeline["webhooks"][0]["headers"]["x-signature"],
        "<redacted>"
    );
    assert_no_secret(&out, &upstream.secrets());

    let (code, table, report) = diff(&out, &dir.join("report.json")).await;
    assert_eq!(code, 0, "{table}");
    assert!(
        table.contains("chat-1.json (9 exchanges, 3 webhooks): no difference"),
        "{table}"
    );
    assert_eq!(report["differences"], 0, "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_rt::test]
async fn an_upstream_that_behaves_differently_is_diffed_to_exactly_its_differences() {
    let upstream = Upstream::start();
    let dir = scratch("recording-different");
    let out = dir.join("cassettes");
    let recorder = start_recorder(&upstream, &out, None);
    upstream
        .webhook_to(&format!("{}/hook", recorder.base_url()))
        .await;
    // The tenant sends chat_created alone, and before the POST /chats answer.
    for (path, body) in [
        ("webhook/events", json!({"events": ["chat_created"]})),
        ("chat_created_order", json!({"order": "before_response"})),
    ] {
        let reply = upstream
            .app
            .admin(
                Method::PUT,
                &format!("/tenants/{}/{path}", upstream.subdomain),
                Some(body),
            )
            .await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
    }
    // A scenario's requests, named: one cassette for the scenario, in a subfolder.
    let consumer = Consumer::new(&recorder.base_url(), &upstream, Some("scenarios/one chat"));
    consumer_session(&consumer).await;
    wait_for_recorded_webhooks(&recorder, 1).await;
    recorder.stop();
    let cassettes = files(&out);
    assert_eq!(cassettes.len(), 1);
    assert!(
        cassettes[0].0.ends_with("scenarios/one-chat.json"),
        "{:?}",
        cassettes[0].0
    );
    let cassette: Value = serde_json::from_str(&cassettes[0].1).unwrap();
    assert_eq!(
        cassette["timeline"]["webhooks"][0]["before_answer_to"], 1,
        "{cassette}"
    );
    assert_no_secret(&out, &upstream.secrets());

    let (code, table, report) = diff(&out, &dir.join("report.json")).await;
    assert_eq!(code, 1, "{table}");
    let differences: Vec<(String, String, Value, Value)> = report["cassettes"][0]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["path"].as_str().unwrap().to_owned(),
                d["cassette"].clone(),
                d["emulator"]["event_type"].clone(),
            )
        })
        .collect();
    assert_eq!(
        differences,
        vec![
            (
                "order".to_owned(),
                "webhooks[0].order".to_owned(),
                json!("before the answer to exchanges[1]"),
                Value::Null
            ),
            (
                "webhook".to_owned(),
                "webhooks[1]".to_owned(),
                Value::Null,
                json!("message_received")
            ),
            (
                "webhook".to_owned(),
                "webhooks[2]".to_owned(),
                Value::Null,
                json!("message_received")
            ),
        ],
        "{table}"
    );
    assert_eq!(
        report["cassettes"][0]["differences"][1]["missing"],
        "cassette"
    );
    assert_eq!(report["differences"], 3);
    assert!(
        table.contains("one-chat.json (9 exchanges, 1 webhooks): 3 difference(s)"),
        "{table}"
    );
    assert!(table.contains("order    webhooks[0].order"), "{table}");
    assert!(table.contains("3 difference(s) in all"), "{table}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_rt::test]
async fn replay_serves_a_cassette_as_fixtures_with_fresh_ids_and_its_webhooks() {
    let upstream = Upstream::start();
    let dir = scratch("recording-replay");
    let out = dir.join("cassettes");
    let recorder = start_recorder(&upstream, &out, None);
    upstream
        .webhook_to(&format!("{}/hook", recorder.base_url()))
        .await;
    let recorded_chat =
        consumer_session(&Consumer::new(&recorder.base_url(), &upstream, None)).await;
    wait_for_recorded_webhooks(&recorder, 3).await;
    recorder.stop();

    let receiver = WebhookReceiver::start_with_secrets("replay-primary", Some("replay-secondary"));
    let replay = Served::start(&[
        "replay",
        &out.display().to_string(),
        "--bind",
        "127.0.0.1:0",
        "--webhook-url",
        &receiver.url(),
        "--webhook-primary-secret",
        "replay-primary",
        "--webhook-secondary-secret",
        "replay-secondary",
    ]);
    // The same session against the replay: every answer as recorded (the session's
    // asserts hold), with ids the replay made up.
    let consumer = Consumer::new(&replay.base_url(), &upstream, None);
    let chat_id = consumer_session(&consumer).await;
    let hooks = receiver
        .wait_for_chat(
            chat_id,
            "the recorded webhooks, with the replay's ids",
            |hooks| hooks.len() >= 3,
        )
        .await;
    let mut names: Vec<&str> = hooks.iter().map(|hook| hook.event_type.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        vec!["chat_created", "message_received", "message_received"]
    );
    assert!(hooks.iter().all(|hook| hook.signature_valid), "{hooks:?}");
    // A second session plays the cassette again, with other ids.
    let second = consumer_session(&consumer).await;
    assert_ne!(second, chat_id);
    assert_ne!(second, recorded_chat);
    // A request no cassette expects is refused in the envelope, saying what was expected.
    let (status, refusal) = consumer.call(Method::DELETE, "/end_users", None).await;
    assert_eq!(status, 404);
    assert!(
        refusal["message"]
            .as_str()
            .unwrap()
            .contains("no cassette expects DELETE /end_users"),
        "{refusal}"
    );
    replay.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_rt::test]
async fn record_diff_and_replay_refuse_bad_flags_and_bad_cassettes_clearly() {
    let output = binary(&[
        "record",
        "--upstream",
        "acme.uc1.ccaiplatform.com",
        "--out",
        "x",
    ])
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--upstream")
            && stderr.contains("https://SUBDOMAIN.REGION.ccaiplatform.com"),
        "{stderr}"
    );
    // A value from the environment is named by its variable.
    let output = binary(&["record", "--out", "x"])
        .env("CCAI_EMU_RECORD_UPSTREAM", "acme.uc1.ccaiplatform.com")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("ccai-emulator: CCAI_EMU_RECORD_UPSTREAM: "),
        "{stderr}"
    );

    let dir = scratch("recording-bad");
    std::fs::write(
        dir.join("broken.json"),
        r#"{"format": "something else", "exchanges": []}"#,
    )
    .unwrap();
    let output = binary(&["diff", &dir.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.json") && stderr.contains("format must be"),
        "{stderr}"
    );
    let output = binary(&["diff", &dir.join("none").display().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = binary(&[
        "replay",
        &dir.display().to_string(),
        "--webhook-url",
        "http://x",
    ])
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--webhook-primary-secret"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A parity-suite snapshot reads as a cassette: the emulator's own snapshots of the
/// scenarios a tenant can run (no control plane) replay against a fresh emulator with the
/// suite's settings (nobody picks a chat up) without a difference; a snapshot written from
/// the docs is refused as not replayable.
#[actix_rt::test]
async fn the_parity_suites_snapshots_diff_clean_as_cassettes() {
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/snapshots");
    for area in ["chats", "end_users", "messages", "bad_input"] {
        let (code, table) = run_diff(vec![
            "--agent-join-delay".to_owned(),
            "60m".to_owned(),
            "diff".to_owned(),
            snapshots.join(area).display().to_string(),
        ])
        .await;
        assert_eq!(code, 0, "{area}: {table}");
        assert!(
            table.contains(", 0 with differences, 0 difference(s) in all"),
            "{table}"
        );
    }
    let docs = snapshots.join(
        "mid_session/mid_session_authentication_takes_the_bearer_form_of_the_pages_samples.json",
    );
    let (code, table) = run_diff(vec!["diff".to_owned(), docs.display().to_string()]).await;
    assert_eq!(code, 1, "{table}");
    assert!(
        table.contains("not replayed: written from a documentation page"),
        "{table}"
    );
}
