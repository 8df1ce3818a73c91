//! The webhook target: the tenant's webhook URL points here (a `POST` on any path outside
//! the Apps API). Each webhook is verified with the given secrets, forwarded as it came
//! (headers and signature untouched) to the consumer's own receiver when one is given,
//! held while a request is in flight (see the recorder's order hold), recorded in its
//! chat's cassette, and answered: with the consumer's receiver's status when forwarding
//! (so the tenant retries what the consumer refused), 200 otherwise.

use std::sync::Arc;

use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::features::recording::{Json, RawWebhook, Recorder};

/// Headers not passed on to the consumer's receiver.
const NOT_FORWARDED: &[&str] = &["host", "content-length", "connection", "transfer-encoding"];

/// The target's settings, shared by its workers.
pub struct Target {
    pub recorder: Arc<Recorder>,
    /// The consumer's receiver, if any.
    pub forward: Option<String>,
    pub client: awc::Client,
}

/// `GET /__record`: what was recorded so far.
pub async fn status(target: web::Data<Target>) -> HttpResponse {
    HttpResponse::Ok().json(target.recorder.status())
}

/// A webhook (any `POST`), or a 404 in the envelope for anything else.
pub async fn webhook(
    request: HttpRequest,
    body: web::Bytes,
    target: web::Data<Target>,
) -> HttpResponse {
    if request.method() != Method::POST {
        return HttpResponse::NotFound().json(json!({
            "message": "ccai-emulator record proxies /apps/api/v1 and takes webhooks as POST on any other path"
        }));
    }
    let arrival = target.recorder.webhook_arrived();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    };
    let signatures = target.recorder.verdicts(
        header("x-signature"),
        header("x-signature-timestamp"),
        &body,
    );
    let event = Json::parse(&body)
        .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&body).into_owned()));
    let status = match &target.forward {
        Some(url) => {
            let mut forwarded = target.client.post(url);
            for (name, value) in request.headers() {
                if !NOT_FORWARDED.contains(&name.as_str()) {
                    forwarded = forwarded.append_header((name.clone(), value.clone()));
                }
            }
            match forwarded.send_body(body.clone()).await {
                Ok(answer) => answer.status().as_u16(),
                Err(error) => {
                    tracing::warn!(%url, "the consumer's receiver did not answer: {error}");
                    502
                }
            }
        }
        None => 200,
    };
    let before_answer_to = target.recorder.hold(&arrival).await;
    target.recorder.record_webhook(RawWebhook {
        raw_body: body.to_vec(),
        event,
        headers,
        signatures,
        arrived_ms: arrival.arrived_ms,
        after_exchange: arrival.after_exchange,
        before_answer_to,
    });
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY))
        .json(json!({"recorded": true}))
}
