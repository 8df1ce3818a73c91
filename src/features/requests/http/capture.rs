//! The middleware that journals every Apps API request. It sits outermost on the Apps API
//! scope, so rejections (401, 404, 405, 413, 415, 429, ...) are journaled like successes.
//! To see the body it reads the payload first and hands the handler an identical one: the
//! bytes it read, followed by whatever it did not read. It never reads more than the
//! server's body limit (a body declared larger is not read at all), so the handler's own
//! 413/415/400 answers are exactly what they were without the journal.

use std::future::ready;
use std::pin::Pin;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpMessage;
use chrono::Utc;
use futures_util::stream::{self, Stream, StreamExt};

use super::super::Requests;
use crate::core::domain::ChatId;
use crate::core::wire::APPS_API_BASE;
use crate::features::requests::journal::{CapturedBody, RecordedRequest, RequestCapture};
use crate::http::basic_auth::claimed_tenant_kept;
use crate::http::HttpSettings;

type PayloadStream = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// What was read of a body: nothing (declared too large: its declared length), or chunks.
enum ReadBody {
    Omitted(usize),
    Chunks(Vec<Bytes>, usize),
}

/// Journals the request and its answer, and publishes a `request` live event. The request
/// line, headers and body are copied as bytes; the journal parses them only when read.
pub async fn record_requests(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let at = Utc::now();
    let state = request
        .app_data::<web::Data<Requests>>()
        .cloned()
        .expect("Requests is registered");
    let max_body_bytes = request
        .app_data::<web::Data<HttpSettings>>()
        .expect("HttpSettings are registered")
        .max_body_bytes;
    let capture = capture_head(&request, state.entry_bytes());
    let tenant = claimed_tenant_kept(&request);
    let chat_id = chat_id_in(request.path());
    let body = read_body(&mut request, max_body_bytes).await;
    let result = next.call(request).await;
    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    let elapsed_ms = started.elapsed().as_secs_f64() * 1_000.0;
    let body_cap = state.body_cap();
    let recorded = match &body {
        ReadBody::Omitted(declared) => RecordedRequest::new(
            capture,
            CapturedBody::<Vec<&[u8]>>::Omitted(*declared),
            body_cap,
            at,
            tenant,
            status.as_u16(),
            elapsed_ms,
        ),
        ReadBody::Chunks(chunks, total) => RecordedRequest::new(
            capture,
            CapturedBody::Read {
                chunks: chunks.iter().map(|chunk| &chunk[..]),
                total: *total,
            },
            body_cap,
            at,
            tenant,
            status.as_u16(),
            elapsed_ms,
        ),
    };
    state.record(recorded, chat_id);
    result
}

/// The request line and headers, keeping at most `entry_bytes` (with the body) per entry:
/// the query and headers are cut to fit, repeated headers up to the per-value cap.
fn capture_head(request: &ServiceRequest, entry_bytes: usize) -> RequestCapture {
    let mut capture = RequestCapture::within(
        entry_bytes,
        request.method().as_str(),
        request.path(),
        request.query_string(),
    );
    for (name, value) in request.headers().iter() {
        capture.header(name.as_str(), value.as_bytes());
    }
    capture
}

/// Reads up to `limit + 1` bytes of the body and puts an identical payload back.
async fn read_body(request: &mut ServiceRequest, limit: usize) -> ReadBody {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<usize>().ok());
    if let Some(length) = declared.filter(|length| *length > limit) {
        return ReadBody::Omitted(length);
    }
    let mut payload = request.take_payload();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut read = 0;
    let mut unread: Option<PayloadStream> = None;
    loop {
        match payload.next().await {
            None => break,
            Some(Ok(chunk)) => {
                read += chunk.len();
                chunks.push(chunk);
                if read > limit {
                    unread = Some(Box::pin(payload));
                    break;
                }
            }
            Some(Err(error)) => {
                unread = Some(Box::pin(stream::once(ready(Err(error)))));
                break;
            }
        }
    }
    let replay = stream::iter(chunks.clone().into_iter().map(Ok));
    let replay: PayloadStream = match unread {
        Some(rest) => Box::pin(replay.chain(rest)),
        None => Box::pin(replay),
    };
    request.set_payload(Payload::from(replay));
    ReadBody::Chunks(chunks, read)
}

/// The chat a path is about: `/apps/api/v1/chats/{id}[/...]`.
fn chat_id_in(path: &str) -> Option<ChatId> {
    let rest = path.strip_prefix(APPS_API_BASE)?.strip_prefix("/chats/")?;
    rest.split('/').next()?.parse().ok().map(ChatId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_headers_stop_at_the_value_cap_and_all_headers_at_the_budget() {
        let mut request = actix_web::test::TestRequest::get().uri("/p?q=1");
        for _ in 0..50 {
            request = request.append_header(("x-repeat", "v".repeat(100)));
        }
        let request = request.to_srv_request();
        let shown = |entry_bytes: usize| {
            let entry = RecordedRequest::new(
                capture_head(&request, entry_bytes),
                CapturedBody::<Vec<&[u8]>>::None,
                64,
                Utc::now(),
                None,
                200,
                1.0,
            );
            serde_json::to_value(&entry).expect("entries serialise")
        };
        let roomy = shown(16 * 1024);
        assert_eq!(roomy["head_truncated"], true);
        assert_eq!(roomy["headers"]["x-repeat"].as_str().unwrap().len(), 512);
        let tight = shown(256);
        assert_eq!(tight["head_truncated"], true);
        let total: usize = tight["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, value)| name.len() + value.as_str().unwrap().len())
            .sum();
        assert!(total <= 64, "{total}");
    }

    #[test]
    fn chat_ids_are_read_from_chat_paths_only() {
        assert_eq!(
            chat_id_in("/apps/api/v1/chats/42/message"),
            Some(ChatId(42))
        );
        assert_eq!(chat_id_in("/apps/api/v1/chats/42"), Some(ChatId(42)));
        assert_eq!(chat_id_in("/apps/api/v1/chats"), None);
        assert_eq!(chat_id_in("/apps/api/v1/end_users"), None);
    }
}
