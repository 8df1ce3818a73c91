//! The transparent proxy: each Apps API request goes to the upstream (the tenant) as it
//! came, with the caller's credentials, and its answer back as it came; the exchange is
//! recorded (the credentials only as a label). `X-Ccai-Cassette` and `X-Ccai-Step` (the
//! recorder's own headers) are taken off; so are the connection's headers and
//! `Accept-Encoding` (an answer is recorded as it reads, not compressed).

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{HeaderMap, HeaderName};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use crate::features::recording::bindings::header_text;
use crate::features::recording::{
    cassette_name, Credentials, ExchangeLabels, RawExchange, Recorder, CASSETTE_HEADER, STEP_HEADER,
};

/// The largest answer the proxy reads from the upstream.
const MAX_ANSWER_BYTES: usize = 64 << 20;

/// Headers that belong to one connection, not to the request or answer.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// The proxy's settings, shared by its workers.
pub struct Proxy {
    pub recorder: Arc<Recorder>,
    /// `https://SUBDOMAIN.REGION.ccaiplatform.com/apps/api/v1`.
    pub upstream_api: String,
    pub client: awc::Client,
}

impl Proxy {
    pub fn new(recorder: Arc<Recorder>, upstream_base: &str, timeout: Duration) -> Proxy {
        Proxy {
            recorder,
            upstream_api: format!(
                "{}{}",
                upstream_base.trim_end_matches('/'),
                crate::core::wire::APPS_API_BASE
            ),
            client: super::client::client(timeout),
        }
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The request's credentials as a label, and what of them must never be written: the
/// header's value always; an accepted token (and the subdomain, as `<tenant>`) wherever it
/// would appear. A refused token is no credential (and may be a word that text holds).
pub fn auth_label(authorization: Option<&str>, status: u16) -> (String, Credentials) {
    let accepted = status != 401;
    let Some(value) = authorization else {
        return ("none".to_owned(), Credentials::default());
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    let rest = rest.trim();
    let mut credentials = Credentials {
        subdomain: None,
        secrets: vec![value.to_owned()],
    };
    let label = match scheme.to_ascii_lowercase().as_str() {
        "basic" => {
            let decoded = STANDARD
                .decode(rest)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            match decoded.as_deref().and_then(|text| text.split_once(':')) {
                Some((subdomain, token)) if accepted => {
                    credentials
                        .secrets
                        .extend([rest.to_owned(), token.to_owned()]);
                    credentials.subdomain = Some(subdomain.to_owned());
                    "tenant"
                }
                Some(_) => "wrong-token",
                None => "malformed",
            }
        }
        "bearer" if accepted => {
            credentials.secrets.push(rest.to_owned());
            "bearer"
        }
        "bearer" => "wrong-bearer",
        _ => "malformed",
    };
    (label.to_owned(), credentials)
}

/// Any method on `/apps/api/v1/...`: forwarded, answered as the upstream answered, recorded.
pub async fn forward(
    request: HttpRequest,
    body: web::Bytes,
    proxy: web::Data<Proxy>,
) -> HttpResponse {
    let tail = request
        .path()
        .strip_prefix(crate::core::wire::APPS_API_BASE)
        .unwrap_or("")
        .to_owned();
    let path_and_query = match request.query_string() {
        "" => tail.clone(),
        query => format!("{tail}?{query}"),
    };
    let url = format!("{}{path_and_query}", proxy.upstream_api);
    let labels = ExchangeLabels {
        cassette: header(request.headers(), CASSETTE_HEADER)
            .and_then(|name| cassette_name(&header_text(&name))),
        step: header(request.headers(), STEP_HEADER).map(|step| header_text(&step)),
    };
    let mut upstream = proxy.client.request(request.method().clone(), &url);
    for (name, value) in request.headers() {
        let lowered = name.as_str();
        if HOP_BY_HOP.contains(&lowered)
            || lowered == "accept-encoding"
            || lowered == CASSETTE_HEADER
            || lowered == STEP_HEADER
        {
            continue;
        }
        upstream = upstream.append_header((name.clone(), value.clone()));
    }
    let (seq, sent_ms) = proxy.recorder.begin_exchange();
    let sent = if body.is_empty() {
        upstream.send().await
    } else {
        upstream.send_body(body.clone()).await
    };
    let mut answer = match sent {
        Ok(answer) => answer,
        Err(error) => {
            proxy.recorder.abandon_exchange(seq);
            tracing::warn!(%url, "the upstream did not answer: {error}");
            return HttpResponse::BadGateway().json(json!({
                "message": format!("ccai-emulator record: the upstream did not answer: {error}")
            }));
        }
    };
    let answer_body = match answer.body().limit(MAX_ANSWER_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            proxy.recorder.abandon_exchange(seq);
            tracing::warn!(%url, "the upstream's answer could not be read: {error}");
            return HttpResponse::BadGateway().json(json!({
                "message": format!("ccai-emulator record: the upstream's answer could not be read: {error}")
            }));
        }
    };
    let status = answer.status().as_u16();
    let (auth, credentials) = auth_label(
        header(request.headers(), "authorization").as_deref(),
        status,
    );
    proxy.recorder.end_exchange(
        RawExchange {
            seq,
            method: request.method().as_str().to_owned(),
            path: path_and_query,
            auth,
            step: None,
            request_content_type: header(request.headers(), "content-type"),
            request_body: (!body.is_empty()).then(|| body.to_vec()),
            status,
            response_content_type: header(answer.headers(), "content-type"),
            response_body: answer_body.to_vec(),
            sent_ms,
            answered_ms: sent_ms,
        },
        labels,
        credentials,
    );
    let mut response =
        HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY));
    for (name, value) in answer.headers() {
        if HOP_BY_HOP.contains(&name.as_str()) || name.as_str() == "content-encoding" {
            continue;
        }
        if let Ok(name) = HeaderName::from_bytes(name.as_str().as_bytes()) {
            response.append_header((name, value.clone()));
        }
    }
    response.body(answer_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_become_labels_and_secrets() {
        let basic = format!("Basic {}", STANDARD.encode("acme:tok-123"));
        let (label, credentials) = auth_label(Some(&basic), 200);
        assert_eq!(label, "tenant");
        assert_eq!(credentials.subdomain.as_deref(), Some("acme"));
        assert!(credentials.secrets.contains(&"tok-123".to_owned()));
        let (label, refused) = auth_label(Some(&basic), 401);
        assert_eq!(label, "wrong-token");
        assert_eq!(
            refused.secrets,
            vec![basic.clone()],
            "only the header value"
        );
        assert_eq!(auth_label(Some("Bearer x"), 200).0, "bearer");
        assert_eq!(auth_label(Some("Bearer x"), 401).0, "wrong-bearer");
        assert_eq!(auth_label(Some("Basic !!"), 200).0, "malformed");
        assert_eq!(auth_label(None, 401).0, "none");
    }
}
