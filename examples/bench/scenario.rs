//! The steps the benchmark drives over HTTP: create an end user and its chats, wait until
//! the sink has every webhook, send at a fixed rate and match each message with its
//! webhook, and the soak's chat cycle. Only the public HTTP surface is used.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::sink::SinkCounts;

pub fn client() -> awc::Client {
    awc::Client::builder()
        .connector(awc::Connector::new().limit(64))
        .timeout(Duration::from_secs(30))
        .finish()
}

pub async fn call(
    client: &awc::Client,
    method: &str,
    url: &str,
    tenant: &str,
    body: Option<Value>,
) -> Value {
    let request = match method {
        "POST" => client.post(url),
        "PATCH" => client.patch(url),
        _ => client.get(url),
    }
    .basic_auth(tenant, "token");
    let mut response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .unwrap_or_else(|error| panic!("{method} {url}: {error}"));
    let status = response.status();
    let value: Value = response.json().limit(8 << 20).await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {url}: {status} {value}");
    value
}

/// An end user of `tenant` and `count` chats of it, all with the human agent.
pub struct Chats {
    pub end_user_id: u64,
    pub chat_ids: Vec<u64>,
}

pub async fn create_chats(client: &awc::Client, base: &str, tenant: &str, count: usize) -> Chats {
    let api = format!("{base}/apps/api/v1");
    let end_user = call(
        client,
        "POST",
        &format!("{api}/end_users"),
        tenant,
        Some(json!({"identifier": format!("{tenant}-user")})),
    )
    .await;
    let end_user_id = end_user["id"].as_u64().expect("end user id");
    let mut chat_ids = Vec::with_capacity(count);
    for _ in 0..count {
        let chat = call(
            client,
            "POST",
            &format!("{api}/chats"),
            tenant,
            Some(json!({"end_user_id": end_user_id})),
        )
        .await;
        chat_ids.push(chat["id"].as_u64().expect("chat id"));
    }
    Chats {
        end_user_id,
        chat_ids,
    }
}

/// Waits (up to `limit`) until the sink has seen `count` messages; returns when the last
/// one arrived, or `None` on time-out.
pub async fn sink_reaches(counts: &SinkCounts, count: u64, limit: Duration) -> Option<Instant> {
    let deadline = Instant::now() + limit;
    loop {
        if counts.messages.load(Ordering::Relaxed) >= count {
            return Some(Instant::now());
        }
        if Instant::now() > deadline {
            return None;
        }
        actix_web::rt::time::sleep(Duration::from_micros(500)).await;
    }
}

/// What one paced message took: until its answer, and until its webhook arrived (`None`
/// without a sink, or when it did not arrive within 30 s).
#[derive(Debug, Clone, Copy)]
pub struct Trip {
    pub answer: Duration,
    pub webhook: Option<Duration>,
}

/// Sends `rate` messages a second for `duration` over the chats and returns each
/// message's POST-to-answer time and, with a sink (`counts`), its POST-to-webhook time.
pub async fn round_trips(
    client: &awc::Client,
    base: &str,
    tenant: &str,
    chats: &Chats,
    counts: Option<&SinkCounts>,
    rate: u32,
    duration: Duration,
) -> Vec<Trip> {
    let url = Rc::new(format!("{base}/apps/api/v1/chats"));
    let total = (rate as f64 * duration.as_secs_f64()) as usize;
    let mut ticks = actix_web::rt::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let mut sends = Vec::with_capacity(total);
    for i in 0..total {
        ticks.tick().await;
        let chat_id = chats.chat_ids[i % chats.chat_ids.len()];
        let body = json!({"from_user_id": chats.end_user_id, "message": {"type": "text", "content": {"text": format!("paced {i}")}}});
        let (client, url, tenant) = (client.clone(), url.clone(), tenant.to_owned());
        sends.push(actix_web::rt::spawn(async move {
            let sent = Instant::now();
            let answer = call(
                &client,
                "POST",
                &format!("{url}/{chat_id}/message"),
                &tenant,
                Some(body),
            )
            .await;
            let answered = sent.elapsed();
            (
                chat_id,
                answer["id"].as_u64().expect("message id"),
                sent,
                answered,
            )
        }));
    }
    let mut sent_messages = Vec::with_capacity(total);
    for send in sends {
        sent_messages.push(send.await.expect("the send task"));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut trips = Vec::with_capacity(total);
    for (chat_id, message_id, sent, answer) in sent_messages {
        let Some(counts) = counts else {
            trips.push(Trip {
                answer,
                webhook: None,
            });
            continue;
        };
        let arrived = loop {
            if let Some(arrived) = counts.arrival(chat_id, message_id) {
                break Some(arrived);
            }
            if Instant::now() > deadline {
                break None;
            }
            actix_web::rt::time::sleep(Duration::from_millis(1)).await;
        };
        trips.push(Trip {
            answer,
            webhook: arrived.map(|arrived| arrived.saturating_duration_since(sent)),
        });
    }
    trips
}

/// One cycle of the soak: a chat is created, gets `messages` messages, and is ended.
pub async fn chat_cycle(
    client: &awc::Client,
    base: &str,
    tenant: &str,
    end_user_id: u64,
    messages: usize,
) {
    let api = format!("{base}/apps/api/v1");
    let chat = call(
        client,
        "POST",
        &format!("{api}/chats"),
        tenant,
        Some(json!({"end_user_id": end_user_id})),
    )
    .await;
    let chat_id = chat["id"].as_u64().expect("chat id");
    for i in 0..messages {
        let body = json!({"from_user_id": end_user_id, "message": {"type": "text", "content": {"text": format!("soak {i}")}}});
        call(
            client,
            "POST",
            &format!("{api}/chats/{chat_id}/message"),
            tenant,
            Some(body),
        )
        .await;
    }
    call(
        client,
        "PATCH",
        &format!("{api}/chats/{chat_id}"),
        tenant,
        Some(json!({"status": "finished", "finished_by_user_id": end_user_id})),
    )
    .await;
}

pub fn percentile(sorted: &[Duration], share: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * share).round() as usize]
}

/// Sends exactly `count` messages over the chats from `concurrency` tasks; returns how
/// many were stored (2xx) and how many refused.
pub async fn send_count(
    client: &awc::Client,
    base: &str,
    tenant: &str,
    chats: &Chats,
    count: u64,
    concurrency: usize,
) -> (u64, u64) {
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;
    let next = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let chat_ids = Rc::new(chats.chat_ids.clone());
    let mut senders = Vec::new();
    for _ in 0..concurrency {
        let (client, next, refused, chat_ids) = (
            client.clone(),
            next.clone(),
            refused.clone(),
            chat_ids.clone(),
        );
        let (url, tenant, user) = (
            format!("{base}/apps/api/v1/chats"),
            tenant.to_owned(),
            chats.end_user_id,
        );
        senders.push(actix_web::rt::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let chat_id = chat_ids[i as usize % chat_ids.len()];
                let body = json!({"from_user_id": user, "message": {"type": "text", "content": {"text": format!("stored message {i}")}}});
                let answer = client
                    .post(format!("{url}/{chat_id}/message"))
                    .basic_auth(&tenant, "token")
                    .send_json(&body)
                    .await;
                if !answer.is_ok_and(|answer| answer.status().is_success()) {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for sender in senders {
        let _ = sender.await;
    }
    let refused = refused.load(Ordering::Relaxed);
    (count - refused, refused)
}
