//! The one test harness: start the real emulator in-process on 127.0.0.1 port 0, talk HTTP
//! to it as a consumer backend would, and receive its webhooks on a real receiver (another
//! port) that verifies every signature. Waiting is always "until this is true, or fail
//! after a deadline"; there are no fixed sleeps.

pub mod binary;
mod escalations;
pub mod fixture_folder;
pub mod media;
pub mod receiver;
mod scenario;
pub mod sse;
mod tenant;

use std::path::PathBuf;
use std::time::Duration;

use awc::http::{Method, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use ccai_emulator::client::AdminClient;
use ccai_emulator::features::webhooks::delivery_journal::{Delivery, DeliveryFilter};
use ccai_emulator::features::webhooks::retry::RetryPolicy;
use ccai_emulator::{Config, Emulator, FixtureSource, RunningEmulator};
pub use receiver::{Received, WebhookReceiver};
pub use sse::EventStream;
pub use tenant::TenantClient;

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

/// [`test_config`] with every webhook event sent, the emulator-defined ones included
/// (`--webhook-events all`), for tests that follow those events.
pub fn all_events_config() -> Config {
    let mut config = test_config();
    config.fidelity.webhooks.events =
        ccai_emulator::features::webhooks::event_selection::EventSelection::All;
    config
}

/// An app that sends every webhook event (see [`all_events_config`]).
pub fn spawn_app_with_all_events() -> TestApp {
    spawn_app_with(all_events_config())
}

/// A running emulator and the clients a test talks to it with: [`TestApp::admin`] is the
/// typed control-plane client; [`TestApp::send`] is raw HTTP, for the tests that check
/// exact statuses and wire shapes (rejections, envelopes, headers).
pub struct TestApp {
    pub emulator: RunningEmulator,
    pub client: awc::Client,
    pub admin: AdminClient,
}

pub fn spawn_app() -> TestApp {
    spawn_app_with(test_config())
}

pub fn spawn_app_with(config: Config) -> TestApp {
    let emulator = Emulator::build(config)
        .expect("the emulator starts")
        .spawn();
    TestApp {
        admin: emulator.admin_client(),
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
    /// Waits until the journal entries matching `filter` satisfy `done`, re-reading the
    /// journal (over the control plane) after each delivery event on the live stream; fails
    /// after `deadline`.
    pub async fn wait_for_deliveries(
        &self,
        filter: &DeliveryFilter,
        deadline: Duration,
        what: &str,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let tenant = filter
            .tenant
            .as_ref()
            .map(|tenant| format!("&tenant={tenant}"))
            .unwrap_or_default();
        let mut changes = EventStream::open(self, &format!("kind=delivery{tenant}")).await;
        let deadline = tokio::time::Instant::now() + deadline;
        loop {
            let deliveries = self
                .admin
                .deliveries_matching(filter)
                .await
                .expect("the delivery journal answers");
            if done(&deliveries) {
                return deliveries;
            }
            if changes.next_event_before(deadline).await.is_none() {
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

    /// A consumer of a fresh tenant (its subdomain starts with `prefix`).
    pub fn tenant(&self, prefix: &str) -> TenantClient<'_> {
        TenantClient::new(self, unique_subdomain(prefix), "test-token")
    }

    /// A consumer of the tenant `subdomain` (e.g. one a restart brought back).
    pub fn tenant_named(&self, subdomain: &str) -> TenantClient<'_> {
        TenantClient::new(self, subdomain.to_owned(), "test-token")
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

    /// Long-polls the chat record (`?wait=`) until `condition` (e.g. `routing_state=assigned`)
    /// holds, for state the emulator changes on its own; fails at the deadline.
    pub async fn wait_for_chat(&self, chat_id: u64, condition: &str) -> Value {
        let wait = DEADLINE.as_millis();
        let reply = self
            .admin(
                Method::GET,
                &format!("/chats/{chat_id}?wait={wait}ms&{condition}"),
                None,
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "chat {chat_id} never reached {condition}: {}",
            reply.body
        );
        reply.body
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

/// The texts of a transcript's messages.
pub fn texts(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|message| message["body"]["text"].as_str().map(str::to_owned))
        .collect()
}
