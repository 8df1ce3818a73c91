//! A real webhook receiver for tests: an HTTP server on its own port that verifies each
//! request's signature independently of the emulator's code, records it, and answers with
//! a status the test can script ("fail the next N", "fail at random").

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::watch;

use super::DEADLINE;

/// One webhook request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub event_type: String,
    pub chat_id: u64,
    pub envelope: Value,
    pub raw: Vec<u8>,
    pub delivery_id: String,
    pub signature: String,
    pub signature_timestamp: String,
    /// Some signature in the header matches one of the receiver's secrets.
    pub signature_valid: bool,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Received {
    pub fn body(&self) -> &Value {
        &self.envelope["body"]
    }
}

#[derive(Default)]
struct Behaviour {
    /// Statuses to answer next, in order; then `fail_ratio` decides.
    scripted: VecDeque<u16>,
    fail_ratio: f64,
}

struct Shared {
    secrets: Vec<String>,
    received: Mutex<Vec<Received>>,
    behaviour: Mutex<Behaviour>,
    changed: watch::Sender<usize>,
}

pub struct WebhookReceiver {
    shared: Arc<Shared>,
    port: u16,
    handle: ServerHandle,
    pub primary_secret: String,
    pub secondary_secret: Option<String>,
}

impl WebhookReceiver {
    pub fn start() -> WebhookReceiver {
        Self::start_with_secrets("receiver-primary-secret", Some("receiver-secondary-secret"))
    }

    pub fn start_with_secrets(primary: &str, secondary: Option<&str>) -> WebhookReceiver {
        let mut secrets = vec![primary.to_owned()];
        secrets.extend(secondary.map(str::to_owned));
        let shared = Arc::new(Shared {
            secrets,
            received: Mutex::default(),
            behaviour: Mutex::default(),
            changed: watch::channel(0).0,
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("receiver binds");
        let port = listener.local_addr().expect("address").port();
        let data = web::Data::from(Arc::clone(&shared));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("receiver listens")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        WebhookReceiver {
            shared,
            port,
            handle,
            primary_secret: primary.to_owned(),
            secondary_secret: secondary.map(str::to_owned),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/webhooks", self.port)
    }

    /// Answer the next requests with these statuses, in order.
    pub fn respond_next_with(&self, statuses: &[u16]) {
        self.shared
            .behaviour
            .lock()
            .unwrap()
            .scripted
            .extend(statuses);
    }

    /// After the scripted statuses, fail this share of requests with 500 at random.
    pub fn fail_at_random(&self, ratio: f64) {
        self.shared.behaviour.lock().unwrap().fail_ratio = ratio;
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The requests answered with 2xx (what the consumer accepted), in arrival order.
    pub fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|received| (200..300).contains(&received.answered))
            .collect()
    }

    /// Waits until `done` holds for the requests received so far; fails after the deadline.
    pub async fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let mut changes = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            let waited = tokio::time::timeout_at(deadline, changes.changed()).await;
            if waited.is_err() {
                let seen: Vec<String> = received
                    .iter()
                    .map(|r| format!("{}#{}:{}", r.event_type, r.chat_id, r.answered))
                    .collect();
                panic!("timed out waiting for {what}; received {seen:?}");
            }
        }
    }

    /// Waits for the accepted events of one chat to satisfy `done`, and returns them.
    pub async fn wait_for_chat(
        &self,
        chat_id: u64,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let filter = |received: &[Received]| -> Vec<Received> {
            received
                .iter()
                .filter(|r| r.chat_id == chat_id && (200..300).contains(&r.answered))
                .cloned()
                .collect()
        };
        let all = self
            .wait_until(what, |received| done(&filter(received)))
            .await;
        filter(&all)
    }
}

fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Shared>,
) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let signature = header("X-Signature");
    let signature_timestamp = header("X-Signature-Timestamp");
    let signature_valid = signature.split(' ').any(|part| {
        part.split_once('=').is_some_and(|(_, given)| {
            shared
                .secrets
                .iter()
                .any(|secret| sign(secret, &signature_timestamp, &body) == given)
        })
    });
    let answered = {
        let mut behaviour = shared.behaviour.lock().unwrap();
        match behaviour.scripted.pop_front() {
            Some(status) => status,
            None if behaviour.fail_ratio > 0.0
                && rand::thread_rng().gen_bool(behaviour.fail_ratio) =>
            {
                500
            }
            None => 200,
        }
    };
    let envelope: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let received = Received {
        event_type: envelope["event_type"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        chat_id: envelope["chat_id"].as_u64().unwrap_or_default(),
        envelope,
        raw: body.to_vec(),
        delivery_id: header("X-Emulator-Delivery-Id"),
        signature,
        signature_timestamp,
        signature_valid,
        answered,
    };
    shared.received.lock().unwrap().push(received);
    shared.changed.send_modify(|count| *count += 1);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).body("ok")
}
