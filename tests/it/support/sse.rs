//! A Server-Sent Events reader for tests: opens `/__admin/events` over real HTTP and
//! parses the streaming body into events and comments, waiting for what a test expects
//! under the harness deadline.

use std::pin::Pin;
use std::time::Duration;

use actix_web::web::Bytes;
use awc::error::PayloadError;
use futures_util::{Stream, StreamExt};
use serde_json::Value;
use tokio::time::Instant;

use super::{TestApp, DEADLINE};

/// One `event:` frame.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<u64>,
    pub data: Value,
}

pub struct EventStream {
    body: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>,
    buffer: String,
    /// Comment lines seen so far (without the leading ':').
    pub comments: Vec<String>,
    pub content_type: String,
}

impl EventStream {
    /// Opens `/__admin/events?{query}` and expects 200.
    pub async fn open(app: &TestApp, query: &str) -> EventStream {
        match EventStream::try_open(app, query).await {
            Ok(stream) => stream,
            Err(refusal) => panic!(
                "GET /__admin/events?{query}: {} {}",
                refusal.status, refusal.body
            ),
        }
    }

    /// Opens `/__admin/events?{query}`: the stream, or the refusal.
    pub async fn try_open(app: &TestApp, query: &str) -> Result<EventStream, super::Reply> {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish();
        let response = client
            .get(app.url(&format!("/__admin/events?{query}")))
            .send()
            .await
            .expect("the emulator answers");
        if response.status() != 200 {
            return Err(super::read(response).await);
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(EventStream {
            body: Box::pin(response),
            buffer: String::new(),
            comments: Vec::new(),
            content_type,
        })
    }

    /// Reads every event until the server ends the stream (panics at the deadline).
    pub async fn until_end(&mut self) -> Vec<SseEvent> {
        let deadline = Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        loop {
            while let Some(event) = self.parse_one() {
                seen.push(event);
            }
            let next = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "the stream did not end; last events: {:?}",
                        seen.iter().rev().take(3).collect::<Vec<_>>()
                    )
                });
            match next {
                Some(chunk) => self
                    .buffer
                    .push_str(&String::from_utf8_lossy(&chunk.expect("the stream reads"))),
                None => return seen,
            }
        }
    }

    /// The next event frame (comments are collected on the way), or a panic at the deadline.
    pub async fn next_event(&mut self) -> SseEvent {
        self.next_event_before(Instant::now() + DEADLINE)
            .await
            .expect("an event arrives before the deadline")
    }

    /// The next event frame, or `None` when `deadline` comes first.
    pub async fn next_event_before(&mut self, deadline: Instant) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.parse_one() {
                return Some(event);
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()?
                .expect("the stream stays open")
                .expect("the stream reads");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Reads events until `done` holds for the ones read so far; returns them all.
    pub async fn until(&mut self, mut done: impl FnMut(&[SseEvent]) -> bool) -> Vec<SseEvent> {
        let mut seen = Vec::new();
        while !done(&seen) {
            seen.push(self.next_event().await);
        }
        seen
    }

    /// Reads until a comment containing `text` has arrived.
    pub async fn until_comment(&mut self, text: &str) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            while self.parse_one().is_some() {}
            if self.comments.iter().any(|comment| comment.contains(text)) {
                return;
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .expect("the comment arrives before the deadline")
                .expect("the stream stays open")
                .expect("the stream reads");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Takes complete frames off the buffer until one is an event.
    fn parse_one(&mut self) -> Option<SseEvent> {
        while let Some(end) = self.buffer.find("\n\n") {
            let frame: String = self.buffer.drain(..end + 2).collect();
            let mut event = None;
            let mut id = None;
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(comment) = line.strip_prefix(':') {
                    self.comments.push(comment.trim().to_owned());
                } else if let Some(name) = line.strip_prefix("event: ") {
                    event = Some(name.to_owned());
                } else if let Some(value) = line.strip_prefix("id: ") {
                    id = value.parse().ok();
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data.push_str(value);
                }
            }
            if let Some(event) = event {
                let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                return Some(SseEvent { event, id, data });
            }
        }
        None
    }
}
