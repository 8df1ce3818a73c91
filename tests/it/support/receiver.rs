//! A real webhook receiver for tests: an HTTP server on its own port that verifies each
//! request's signature independently of the emulator's code, records it, and answers as
//! the test scripts it: fail the next N, fail one event type once, fail at random, hang,
//! or ask for a `Retry-After`. It can also come back on the same port after being down.

use std::collections::{HashSet, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
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
    /// When the request arrived (wall clock, like the emulator's journal).
    pub arrived_at: DateTime<Utc>,
}

impl Received {
    pub fn body(&self) -> &Value {
        &self.envelope["body"]
    }

    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.answered)
    }
}

/// One scripted answer.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// Hold the request this long before answering (a hanging receiver).
    pub hang: Option<Duration>,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            ..Answer::default()
        }
    }
}

#[derive(Default)]
struct Behaviour {
    /// Answers to give next, in order; then the rules below.
    scripted: VecDeque<Answer>,
    /// Event types whose first request is answered 500.
    fail_first_of: HashSet<String>,
    /// The share of the remaining requests answered 500 at random.
    fail_ratio: f64,
    /// A consumer that cannot decode some payloads: answered 400 when this holds for the
    /// envelope (as a typed client answers "Error parsing body").
    refuse: Option<fn(&Value) -> bool>,
}

struct Shared {
    secrets: Vec<String>,
    received: Mutex<Vec<Received>>,
    behaviour: Mutex<Behaviour>,
    /// Moves when a request has been answered and recorded.
    answered: watch::Sender<usize>,
    /// Moves when a request arrives, before it is answered.
    arrived: watch::Sender<usize>,
}

pub struct WebhookReceiver {
    shared: Arc<Shared>,
    port: u16,
    pub primary_secret: String,
    pub secondary_secret: Option<String>,
}

impl WebhookReceiver {
    pub fn start() -> WebhookReceiver {
        Self::start_with_secrets("receiver-primary-secret", Some("receiver-secondary-secret"))
    }

    pub fn start_with_secrets(primary: &str, secondary: Option<&str>) -> WebhookReceiver {
        Self::start_on(0, primary, secondary)
    }

    /// Starts on `port` (0: any free one), e.g. to come back after being down.
    pub fn start_on(port: u16, primary: &str, secondary: Option<&str>) -> WebhookReceiver {
        let mut secrets = vec![primary.to_owned()];
        secrets.extend(secondary.map(str::to_owned));
        let shared = Arc::new(Shared {
            secrets,
            received: Mutex::default(),
            behaviour: Mutex::default(),
            answered: watch::channel(0).0,
            arrived: watch::channel(0).0,
        });
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("receiver binds");
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
        actix_web::rt::spawn(server);
        WebhookReceiver {
            shared,
            port,
            primary_secret: primary.to_owned(),
            secondary_secret: secondary.map(str::to_owned),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/webhooks", self.port)
    }

    /// Answer the next requests with these statuses, in order.
    pub fn respond_next_with(&self, statuses: &[u16]) {
        for status in statuses {
            self.answer_next(Answer::status(*status));
        }
    }

    /// Give this answer next (after any already scripted).
    pub fn answer_next(&self, answer: Answer) {
        self.shared
            .behaviour
            .lock()
            .unwrap()
            .scripted
            .push_back(answer);
    }

    /// Answer the first request of this event type with 500.
    pub fn fail_first_of(&self, event_type: &str) {
        let mut behaviour = self.shared.behaviour.lock().unwrap();
        behaviour.fail_first_of.insert(event_type.to_owned());
    }

    /// Answer 400 to every request whose envelope `refuse` holds for (a consumer whose types
    /// do not fit the payload), after the scripted answers.
    pub fn refuse_when(&self, refuse: fn(&Value) -> bool) {
        self.shared.behaviour.lock().unwrap().refuse = Some(refuse);
    }

    /// After the scripted answers, fail this share of requests with 500 at random.
    pub fn fail_at_random(&self, ratio: f64) {
        self.shared.behaviour.lock().unwrap().fail_ratio = ratio;
    }

    /// Every request answered so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The requests answered with 2xx (what the consumer accepted), in arrival order.
    pub fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(Received::accepted)
            .collect()
    }

    /// Waits until at least `count` requests have arrived (answered or not).
    pub async fn wait_for_arrivals(&self, count: usize) {
        let mut arrived = self.shared.arrived.subscribe();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while *arrived.borrow_and_update() < count {
            if tokio::time::timeout_at(deadline, arrived.changed())
                .await
                .is_err()
            {
                panic!("timed out waiting for {count} requests to arrive");
            }
        }
    }

    /// Waits until `done` holds for the requests answered so far; fails after the deadline.
    pub async fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        self.wait_until_within(DEADLINE, what, done).await
    }

    /// [`Self::wait_until`] with a deadline of its own, for long scenarios.
    pub async fn wait_until_within(
        &self,
        deadline: Duration,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let mut changes = self.shared.answered.subscribe();
        let deadline = tokio::time::Instant::now() + deadline;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
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
        let of_chat = |received: &[Received]| -> Vec<Received> {
            received
                .iter()
                .filter(|r| r.chat_id == chat_id && r.accepted())
                .cloned()
                .collect()
        };
        let all = self
            .wait_until(what, |received| done(&of_chat(received)))
            .await;
        of_chat(&all)
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
    let arrived_at = Utc::now();
    shared.arrived.send_modify(|count| *count += 1);
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
    let envelope: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let event_type = envelope["event_type"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let answer = {
        let mut behaviour = shared.behaviour.lock().unwrap();
        match behaviour.scripted.pop_front() {
            Some(answer) => answer,
            None if behaviour.refuse.is_some_and(|refuse| refuse(&envelope)) => Answer::status(400),
            None if behaviour.fail_first_of.remove(&event_type) => Answer::status(500),
            None if behaviour.fail_ratio > 0.0
                && rand::thread_rng().gen_bool(behaviour.fail_ratio) =>
            {
                Answer::status(500)
            }
            None => Answer::status(200),
        }
    };
    if let Some(hang) = answer.hang {
        // A receiver that does not answer: the emulator's timeout must fire first.
        tokio::time::sleep(hang).await;
    }
    let received = Received {
        event_type,
        chat_id: envelope["chat_id"].as_u64().unwrap_or_default(),
        envelope,
        raw: body.to_vec(),
        delivery_id: header("X-Emulator-Delivery-Id"),
        signature,
        signature_timestamp,
        signature_valid,
        answered: answer.status,
        arrived_at,
    };
    shared.received.lock().unwrap().push(received);
    shared.answered.send_modify(|count| *count += 1);
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(answer.status).unwrap());
    if let Some(retry_after) = answer.retry_after {
        response.insert_header(("Retry-After", retry_after));
    }
    response.body("ok")
}
