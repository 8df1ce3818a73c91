//! The middleware that journals every Apps API request. It sits outermost on the Apps API
//! scope, so rejections (401, 404, 405, 413, 415, 429, ...) are journaled like successes.
//! To see the body it reads the payload first and hands the handler an identical one: the
//! bytes it read, followed by whatever it did not read. It never reads more than the
//! server's body limit (a body declared larger is not read at all), so the handler's own
//! 413/415/400 answers are exactly what they were without the journal.

use std::collections::BTreeMap;
use std::future::ready;
use std::pin::Pin;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderMap, CONTENT_LENGTH};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpMessage;
use chrono::Utc;
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::Value;

use super::basic_auth::basic_username;
use super::HttpSettings;
use crate::domain::ChatId;
use crate::request_journal::{BodyKind, RecordedRequest};
use crate::state::AppState;
use crate::wire::APPS_API_BASE;

/// At most this many headers are kept per request, each value at most this long.
const MAX_HEADERS: usize = 64;
const MAX_HEADER_VALUE: usize = 512;

type PayloadStream = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// What the journal keeps of a body.
struct CapturedBody {
    kind: BodyKind,
    body: Value,
    bytes: usize,
    truncated: bool,
}

/// Journals the request and its answer, and publishes a `request` live event.
pub async fn record_requests(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let at = Utc::now();
    let state = request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .expect("AppState is registered");
    let max_body_bytes = request
        .app_data::<web::Data<HttpSettings>>()
        .expect("HttpSettings are registered")
        .max_body_bytes;
    let body = capture_body(&mut request, max_body_bytes, state.request_body_cap()).await;
    let tenant = basic_username(request.headers());
    let method = request.method().to_string();
    let path = request.path().to_owned();
    let query = Some(request.query_string())
        .filter(|query| !query.is_empty())
        .map(str::to_owned);
    let headers = journaled_headers(request.headers());
    let result = next.call(request).await;
    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    let chat_id = chat_id_in(&path);
    state.record_request(
        RecordedRequest {
            id: 0,
            at,
            tenant,
            method,
            path,
            query,
            headers,
            body_kind: body.kind,
            body: body.body,
            body_bytes: body.bytes,
            body_truncated: body.truncated,
            status: status.as_u16(),
            response_time_ms: started.elapsed().as_secs_f64() * 1_000.0,
        },
        chat_id,
    );
    result
}

/// Reads up to `limit + 1` bytes of the body and puts an identical payload back.
async fn capture_body(request: &mut ServiceRequest, limit: usize, body_cap: usize) -> CapturedBody {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<usize>().ok());
    if let Some(length) = declared.filter(|length| *length > limit) {
        return CapturedBody {
            kind: BodyKind::Omitted,
            body: Value::Null,
            bytes: length,
            truncated: true,
        };
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
    let captured = describe_body(&chunks, read, body_cap);
    let replay = stream::iter(chunks.into_iter().map(Ok));
    let replay: PayloadStream = match unread {
        Some(rest) => Box::pin(replay.chain(rest)),
        None => Box::pin(replay),
    };
    request.set_payload(Payload::from(replay));
    captured
}

fn describe_body(chunks: &[Bytes], total: usize, body_cap: usize) -> CapturedBody {
    if total == 0 {
        return CapturedBody {
            kind: BodyKind::None,
            body: Value::Null,
            bytes: 0,
            truncated: false,
        };
    }
    let mut kept = Vec::with_capacity(total.min(body_cap));
    for chunk in chunks {
        let room = body_cap - kept.len();
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if kept.len() == body_cap {
            break;
        }
    }
    let truncated = total > kept.len();
    if !truncated {
        if let Ok(json) = serde_json::from_slice::<Value>(&kept) {
            return CapturedBody {
                kind: BodyKind::Json,
                body: json,
                bytes: total,
                truncated,
            };
        }
    }
    CapturedBody {
        kind: BodyKind::Text,
        body: Value::String(String::from_utf8_lossy(&kept).into_owned()),
        bytes: total,
        truncated,
    }
}

/// Lower-case names; repeated headers joined with ", "; credentials redacted.
fn journaled_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut kept: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers.iter() {
        let name = name.as_str();
        if kept.len() >= MAX_HEADERS && !kept.contains_key(name) {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes());
        let value = if name == "authorization" || name == "proxy-authorization" {
            let scheme = value.split_whitespace().next().unwrap_or_default();
            format!("{scheme} [redacted]").trim_start().to_owned()
        } else {
            value.chars().take(MAX_HEADER_VALUE).collect()
        };
        kept.entry(name.to_owned())
            .and_modify(|existing| {
                existing.push_str(", ");
                existing.push_str(&value);
            })
            .or_insert(value);
    }
    kept
}

/// The chat a path is about: `/apps/api/v1/chats/{id}[/...]`.
fn chat_id_in(path: &str) -> Option<ChatId> {
    let rest = path.strip_prefix(APPS_API_BASE)?.strip_prefix("/chats/")?;
    rest.split('/').next()?.parse().ok().map(ChatId)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    #[test]
    fn bodies_are_json_when_whole_and_parseable_else_truncated_text() {
        let json = describe_body(
            &[Bytes::from_static(br#"{"a":"#), Bytes::from_static(b"1}")],
            7,
            64,
        );
        assert_eq!(
            (json.kind, json.body),
            (BodyKind::Json, serde_json::json!({"a": 1}))
        );
        let long = describe_body(&[Bytes::from(vec![b'x'; 100])], 100, 10);
        assert_eq!(long.kind, BodyKind::Text);
        assert_eq!(long.body, Value::String("x".repeat(10)));
        assert!(long.truncated);
        assert_eq!(long.bytes, 100);
        assert_eq!(describe_body(&[], 0, 10).kind, BodyKind::None);
    }

    #[test]
    fn credentials_never_reach_the_journal() {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("authorization"),
            HeaderValue::from_static("Basic YWNtZTpzZWNyZXQ="),
        );
        headers.insert(
            HeaderName::from_static("x-trace"),
            HeaderValue::from_static("abc"),
        );
        let kept = journaled_headers(&headers);
        assert_eq!(kept["authorization"], "Basic [redacted]");
        assert_eq!(kept["x-trace"], "abc");
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
