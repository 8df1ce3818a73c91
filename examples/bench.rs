//! Load benchmark: prints numbers, asserts nothing (machines here are shared and noisy).
//!
//! Starts the emulator in-process with a webhook receiver, then measures
//! 1. `POST /chats/{id}/message` throughput and latency with concurrent clients, spread
//!    over many chats and then all on one chat (its lock is the hot spot);
//! 2. how long until every resulting webhook is delivered (end-to-end webhook rate);
//! 3. the process's resident memory before and after.
//!
//! `cargo run --release --example bench -- [messages] [concurrency] [chats]`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use ccai_emulator::webhooks::delivery_journal::{DeliveryFilter, DeliveryStatus};
use ccai_emulator::{Config, Emulator, FixtureSource};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

fn resident_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * share).round() as usize]
}

async fn post(client: &awc::Client, url: &str, body: Value) -> Value {
    let mut response = client
        .post(url)
        .basic_auth("bench", "token")
        .send_json(&body)
        .await
        .expect("the emulator answers");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().limit(1 << 20).await.expect("JSON")
}

async fn send_messages(
    api: &str,
    targets: &[(u64, u64)],
    messages: usize,
    concurrency: usize,
) -> (Duration, Vec<Duration>) {
    let connector = awc::Connector::new().limit(concurrency);
    let client = awc::Client::builder()
        .connector(connector)
        .timeout(Duration::from_secs(30))
        .finish();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = stream::iter(0..messages)
        .map(|index| {
            let (chat, user) = targets[index % targets.len()];
            let client = &client;
            async move {
                let sent = Instant::now();
                post(
                    client,
                    &format!("{api}/chats/{chat}/message"),
                    json!({"from_user_id": user, "message": {"type": "text", "content": format!("bench note {index}")}}),
                )
                .await;
                sent.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    latencies.sort();
    (elapsed, latencies)
}

fn report(label: &str, messages: usize, elapsed: Duration, latencies: &[Duration]) {
    println!(
        "{label}: {messages} messages in {:.2} s = {:.0} req/s; latency p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        elapsed.as_secs_f64(),
        messages as f64 / elapsed.as_secs_f64(),
        percentile(latencies, 0.50).as_secs_f64() * 1e3,
        percentile(latencies, 0.95).as_secs_f64() * 1e3,
        percentile(latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
}

#[actix_web::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let messages = args.first().copied().unwrap_or(20_000);
    let concurrency = args.get(1).copied().unwrap_or(32);
    let chat_count = args.get(2).copied().unwrap_or(100);
    let memory_at_start = resident_memory_mib();

    let received = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&received);
    let receiver = HttpServer::new(move || {
        let counter = Arc::clone(&counter);
        App::new().default_service(web::to(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            async { HttpResponse::Ok().finish() }
        }))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .expect("receiver binds");
    let receiver_port = receiver.addrs()[0].port();
    actix_web::rt::spawn(receiver.run());

    let emulator = Emulator::build(Config {
        bind: "127.0.0.1:0".into(),
        fixtures: FixtureSource::Embedded,
        agent_join_delay: Some(Duration::ZERO),
        ..Config::default()
    })
    .expect("the emulator starts")
    .spawn();
    let api = emulator.api_url();
    let admin = format!("{}/__admin", emulator.base_url());
    let client = awc::Client::default();
    let mut put = client
        .put(format!("{admin}/tenants/bench/webhook"))
        .send_json(&json!({"url": format!("http://127.0.0.1:{receiver_port}/hook"), "primary_secret": "bench"}))
        .await
        .expect("webhook set");
    assert!(put.status().is_success(), "{:?}", put.body().await);

    let mut targets = Vec::with_capacity(chat_count);
    for index in 0..chat_count {
        let user = post(
            &client,
            &format!("{api}/end_users"),
            json!({"identifier": format!("bench-{index}")}),
        )
        .await;
        let user = user["id"].as_u64().unwrap();
        let chat = post(
            &client,
            &format!("{api}/chats"),
            json!({"end_user_id": user}),
        )
        .await;
        targets.push((chat["id"].as_u64().unwrap(), user));
    }
    println!("ccai-emulator bench: {messages} messages, {concurrency} concurrent clients, {chat_count} chats; client, server and receiver share this machine ({} cores)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));

    let (elapsed, latencies) = send_messages(&api, &targets, messages, concurrency).await;
    report(
        &format!("spread over {chat_count} chats"),
        messages,
        elapsed,
        &latencies,
    );
    let hot = messages / 4;
    let (elapsed, latencies) = send_messages(&api, &targets[..1], hot, concurrency).await;
    report("all on one chat", hot, elapsed, &latencies);

    let state = emulator.state();
    let filter = DeliveryFilter {
        tenant: Some("bench".into()),
        ..DeliveryFilter::default()
    };
    let expected = state.delivery_counters(&filter).deliveries;
    let started = Instant::now();
    let mut changes = state.watch_changes();
    loop {
        let counters = state.delivery_counters(&filter);
        if counters.delivered + counters.failed >= expected {
            break;
        }
        if tokio::time::timeout(Duration::from_secs(120), changes.changed())
            .await
            .is_err()
        {
            println!("gave up waiting for deliveries: {counters:?}");
            break;
        }
    }
    let counters = state.delivery_counters(&filter);
    let failed = state
        .deliveries(&filter)
        .iter()
        .filter(|d| d.status == DeliveryStatus::Failed)
        .count();
    println!(
        "webhooks: {} deliveries, {} delivered, {failed} failed, receiver got {}; all done {:.2} s after the last message",
        counters.deliveries,
        counters.delivered,
        received.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    println!(
        "resident memory: {memory_at_start:.1} MiB at start, {:.1} MiB after {} messages and {} journaled deliveries",
        resident_memory_mib(),
        messages + hot,
        counters.deliveries
    );
    emulator.stop().await;
}
