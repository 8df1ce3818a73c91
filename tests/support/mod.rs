//! The one test harness: start the real emulator in-process on 127.0.0.1 port 0, talk HTTP
//! to it as a consumer backend would, and receive its webhooks on a real receiver (another
//! port) that verifies every signature. Waiting is always "until this is true, or fail
//! after a deadline"; there are no fixed sleeps.

#![allow(dead_code, unused_imports)]

pub mod fixture_folder;
pub mod receiver;
pub mod sse;

use std::path::PathBuf;
use std::time::Duration;

use awc::http::{Method, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use ccai_emulator::webhooks::delivery_journal::{Delivery, DeliveryFilter};
use ccai_emulator::webhooks::policy::RetryPolicy;
use ccai_emulator::{Config, Emulator, FixtureSource, RunningEmulator};
pub use receiver::{Received, WebhookReceiver};
pub use sse::{EventStream, SseEvent};

/// How long any wait in a test may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The configuration tests use: a free port, the fixtures on disk, no join delay and a
/// fast retry schedule.
pub fn test_config() -> Config {
    Config {
        bind: "127.0.0.1:0".into(),
        fixtures: FixtureSource::Folder(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")),
        agent_join_delay: Some(Duration::ZERO),
        retry: RetryPolicy {
            schedule: vec![Duration::from_millis(20); 5],
            timeout: Duration::from_secs(2),
            jitter: 0.0,
            ..RetryPolicy::default()
        },
        workers: Some(2),
        ..Config::default()
    }
}

pub struct TestApp {
    pub emulator: RunningEmulator,
    pub client: awc::Client,
}

/// A consumer's view of one tenant.
pub struct TenantClient<'a> {
    pub app: &'a TestApp,
    pub subdomain: String,
    pub token: String,
}

pub fn spawn_app() -> TestApp {
    spawn_app_with(test_config())
}

pub fn spawn_app_with(config: Config) -> TestApp {
    let emulator = Emulator::build(config)
        .expect("the emulator starts")
        .spawn();
    TestApp {
        emulator,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(10))
            .finish(),
    }
}

pub fn basic(subdomain: &str, token: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{subdomain}:{token}")))
}

/// A fresh, unique subdomain, so tests never share state.
pub fn unique_subdomain(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    /// Waits, on the emulator's own change signal (no polling), until the journal entries
    /// matching `filter` satisfy `done`; fails after `deadline`.
    pub async fn wait_for_deliveries(
        &self,
        filter: &DeliveryFilter,
        deadline: Duration,
        what: &str,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let state = self.emulator.state();
        let mut changes = state.watch_changes();
        let deadline = tokio::time::Instant::now() + deadline;
        loop {
            let deliveries = state.deliveries(filter);
            if done(&deliveries) {
                return deliveries;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                let statuses: Vec<String> = deliveries
                    .iter()
                    .map(|d| {
                        format!(
                            "{}#{}:{:?}/{}",
                            d.event_type.name(),
                            d.chat_id,
                            d.status,
                            d.attempts.len()
                        )
                    })
                    .collect();
                panic!("timed out waiting for {what}; journal: {statuses:?}");
            }
        }
    }

    pub fn tenant(&self, prefix: &str) -> TenantClient<'_> {
        TenantClient {
            app: self,
            subdomain: unique_subdomain(prefix),
            token: "test-token".into(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emulator.base_url(), path)
    }

    /// Any request; `body` is sent as JSON when given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(auth) = auth {
            request = request.insert_header(("Authorization", auth));
        }
        let response = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        };
        read(response.expect("the emulator answers")).await
    }

    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.send(method, &format!("/__admin{path}"), None, body)
            .await
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        let reply = self.admin(Method::GET, path, None).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "GET /__admin{path}: {}",
            reply.body
        );
        reply.body
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Value {
        let reply = self.admin(Method::POST, path, Some(body)).await;
        assert!(
            reply.status.is_success(),
            "POST /__admin{path}: {} {}",
            reply.status,
            reply.body
        );
        reply.body
    }

    /// The transcript of `chat_id` as `view` sees it.
    pub async fn transcript(&self, chat_id: u64, view: &str) -> Vec<Value> {
        let body = self
            .admin_get(&format!("/chats/{chat_id}/transcript?view={view}"))
            .await;
        body["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Polls the chat record until `done` holds, for state the emulator changes on its own.
    pub async fn wait_for_chat(&self, chat_id: u64, done: impl Fn(&Value) -> bool) -> Value {
        let started = std::time::Instant::now();
        loop {
            let record = self.admin_get(&format!("/chats/{chat_id}")).await;
            if done(&record) {
                return record;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "chat {chat_id} never reached the state: {record}"
            );
            actix_web::rt::task::yield_now().await;
        }
    }
}

pub async fn read(
    mut response: awc::ClientResponse<
        impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    >,
) -> Reply {
    let status = response.status();
    let bytes = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .expect("a body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply { status, body }
}

impl TenantClient<'_> {
    pub fn auth(&self) -> String {
        basic(&self.subdomain, &self.token)
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let path = format!("/apps/api/v1{path}");
        self.app.send(method, &path, Some(&self.auth()), body).await
    }

    /// Points this tenant's webhooks at `receiver`.
    pub async fn use_receiver(&self, receiver: &WebhookReceiver) {
        let reply = self
            .app
            .admin(
                Method::PUT,
                &format!("/tenants/{}/webhook", self.subdomain),
                Some(json!({"url": receiver.url(), "primary_secret": receiver.primary_secret, "secondary_secret": receiver.secondary_secret})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    pub async fn end_user(&self, identifier: &str) -> u64 {
        let reply = self
            .call(
                Method::POST,
                "/end_users",
                Some(json!({"identifier": identifier, "name": "Test User"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body["id"].as_u64().expect("end user id")
    }

    /// A new end user and a chat the agent has joined (join delay 0 in tests).
    pub async fn open_chat(&self) -> (u64, u64) {
        let user = self.end_user(&unique_subdomain("user")).await;
        let reply = self
            .call(Method::POST, "/chats", Some(json!({"end_user_id": user})))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        (reply.body["id"].as_u64().expect("chat id"), user)
    }

    pub async fn say(&self, chat_id: u64, user: u64, text: &str) -> Reply {
        self.call(
            Method::POST,
            &format!("/chats/{chat_id}/message"),
            Some(json!({"from_user_id": user, "message": {"type": "text", "content": {"text": text}}})),
        )
        .await
    }

    /// Sends and expects 200.
    pub async fn says(&self, chat_id: u64, user: u64, text: &str) {
        let reply = self.say(chat_id, user, text).await;
        assert_eq!(reply.status, StatusCode::OK, "{text:?}: {}", reply.body);
    }
}

/// The texts of a transcript's messages.
pub fn texts(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|message| message["body"]["text"].as_str().map(str::to_owned))
        .collect()
}
