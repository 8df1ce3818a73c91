//! A webhook sink on its own thread and runtime: answers 200 at once, verifies every
//! signature, checks that each chat's `message_received` events arrive in message order,
//! and records when each message arrived (for the round trip).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

pub const SECRET: &str = "bench-secret";

/// What the sink has seen.
#[derive(Default)]
pub struct SinkCounts {
    pub received: AtomicU64,
    pub messages: AtomicU64,
    pub bad_signatures: AtomicU64,
    pub out_of_order: AtomicU64,
    last_message_of_chat: Mutex<HashMap<u64, u64>>,
    arrivals: Mutex<HashMap<(u64, u64), Instant>>,
}

impl SinkCounts {
    /// When the `message_received` of this message arrived.
    pub fn arrival(&self, chat_id: u64, message_id: u64) -> Option<Instant> {
        self.arrivals
            .lock()
            .unwrap()
            .get(&(chat_id, message_id))
            .copied()
    }
}

pub struct Sink {
    pub url: String,
    pub counts: Arc<SinkCounts>,
}

#[derive(Deserialize)]
struct Event {
    event_type: String,
    chat_id: u64,
    body: Body,
}

#[derive(Deserialize)]
struct Body {
    message: Option<MessageRef>,
}

#[derive(Deserialize)]
struct MessageRef {
    message_id: u64,
}

fn signed_by_us(request: &HttpRequest, body: &[u8]) -> bool {
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let (Some(timestamp), Some(signature)) =
        (header("x-signature-timestamp"), header("x-signature"))
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    signature
        .split_whitespace()
        .any(|part| part.strip_prefix("primary=") == Some(expected.as_str()))
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    counts: web::Data<SinkCounts>,
) -> HttpResponse {
    let now = Instant::now();
    counts.received.fetch_add(1, Ordering::Relaxed);
    if !signed_by_us(&request, &body) {
        counts.bad_signatures.fetch_add(1, Ordering::Relaxed);
    }
    if let Ok(event) = serde_json::from_slice::<Event>(&body) {
        if let (true, Some(message)) = (event.event_type == "message_received", event.body.message)
        {
            counts.messages.fetch_add(1, Ordering::Relaxed);
            let mut last = counts.last_message_of_chat.lock().unwrap();
            let previous = last.insert(event.chat_id, message.message_id);
            if previous.is_some_and(|previous| previous >= message.message_id) {
                counts.out_of_order.fetch_add(1, Ordering::Relaxed);
            }
            drop(last);
            counts
                .arrivals
                .lock()
                .unwrap()
                .insert((event.chat_id, message.message_id), now);
        }
    }
    HttpResponse::Ok().finish()
}

/// Starts the sink on a free port; it runs until the process ends.
pub fn start() -> Sink {
    let counts = Arc::new(SinkCounts::default());
    let shared = web::Data::from(counts.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .app_data(shared.clone())
                    .default_service(web::post().to(receive))
            })
            .workers(1)
            .listen(listener)
            .expect("listen")
            .run()
            .await
        })
    });
    Sink {
        url: format!("http://127.0.0.1:{port}/webhooks"),
        counts,
    }
}
