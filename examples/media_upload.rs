//! Media benchmark: prints numbers, asserts nothing (machines here are shared and noisy).
//!
//! Starts the emulator in-process, then for each of N files (default 100 of 2 MiB, the
//! photo limit) asks for a pre-signed form, uploads the file to the emulator's storage
//! endpoint (multipart, as a client would) and registers it; prints the upload throughput
//! (MiB/s and files/s, form + upload + registration) and the process's resident memory
//! before and after, next to the media store's own count of held bytes.
//!
//! `cargo run --release --example media_upload -- [files] [size_bytes] [concurrency]`

use std::time::{Duration, Instant};

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

async fn json_call(client: &awc::Client, url: &str, body: Option<Value>) -> Value {
    let request = client.post(url).basic_auth("media-bench", "token");
    let mut response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .expect("the emulator answers");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().limit(1 << 20).await.expect("JSON")
}

/// A multipart body: the form's fields, then the file.
fn form_body(fields: &serde_json::Map<String, Value>, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::with_capacity(file.len() + 4096);
    for (name, value) in fields {
        let value = value.as_str().unwrap_or_default();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload_one(client: &awc::Client, api: &str, chat: u64, file: &[u8]) {
    let form = json_call(client, &format!("{api}/chats/{chat}/photos/upload"), None).await;
    let fields = form["fields"].as_object().expect("fields");
    let (content_type, body) = form_body(fields, file);
    let response = client
        .post(form["url"].as_str().expect("url"))
        .insert_header(("content-type", content_type))
        .send_body(body)
        .await
        .expect("the storage endpoint answers");
    assert_eq!(response.status().as_u16(), 204, "upload refused");
    let key = fields["key"].as_str().expect("key");
    json_call(
        client,
        &format!("{api}/chats/{chat}/photos"),
        Some(json!({"s3_path": key})),
    )
    .await;
}

#[actix_rt::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|arg| arg.parse::<usize>().expect("a number"));
    let files = args.next().unwrap_or(100);
    let size = args.next().unwrap_or(2 * 1024 * 1024);
    let concurrency = args.next().unwrap_or(4);
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        fixtures: FixtureSource::Embedded,
        agent_join_delay: Some(Duration::ZERO),
        ..Config::default()
    };
    let needed = (files * size) as u64 + (1 << 20);
    config.limits.media_budget_per_tenant = config.limits.media_budget_per_tenant.max(needed);
    config.limits.media_budget_total = config.limits.media_budget_total.max(needed);
    let emulator = Emulator::build(config)
        .expect("the emulator starts")
        .spawn();
    let api = emulator.api_url();
    let client = awc::Client::builder()
        .connector(awc::Connector::new().limit(concurrency))
        .timeout(Duration::from_secs(60))
        .finish();
    let user = json_call(
        &client,
        &format!("{api}/end_users"),
        Some(json!({"identifier": "bench-user"})),
    )
    .await;
    let chat = json_call(
        &client,
        &format!("{api}/chats"),
        Some(json!({"end_user_id": user["id"]})),
    )
    .await;
    let chat = chat["id"].as_u64().expect("chat id");
    let file: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();

    let before = resident_memory_mib();
    let started = Instant::now();
    stream::iter(0..files)
        .for_each_concurrent(concurrency, |_| upload_one(&client, &api, chat, &file))
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let after = resident_memory_mib();
    let usage: Value = client
        .get(format!("{}/__admin/media", emulator.base_url()))
        .send()
        .await
        .expect("the control plane answers")
        .json()
        .await
        .expect("JSON");
    let mib = (files * size) as f64 / (1024.0 * 1024.0);
    println!(
        "media_upload: {files} files of {size} bytes ({mib:.1} MiB), concurrency {concurrency}: {elapsed:.2} s, {:.1} MiB/s, {:.1} files/s (form + upload + registration)",
        mib / elapsed,
        files as f64 / elapsed
    );
    println!(
        "media_upload: resident memory {before:.1} MiB before, {after:.1} MiB after (+{:.1}); media store holds {} bytes in {} files",
        after - before,
        usage["used_bytes"],
        usage["files"]
    );
    emulator.stop().await;
}
