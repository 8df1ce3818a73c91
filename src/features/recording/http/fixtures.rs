//! The replay server's HTTP face (`ccai-emulator replay`): the Apps API answered from
//! cassettes ([`crate::features::recording::playback`]), their webhooks signed with the
//! given secrets and sent to the given URL (before the answer or after it, as recorded),
//! and `GET /__replay`, which says how far each session got.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use crate::features::recording::playback::{Incoming, Playback, WebhookJob};
use crate::features::recording::Json;
use crate::features::webhooks::sign;

/// Where the recorded webhooks go.
#[derive(Debug, Clone)]
pub struct WebhookOut {
    pub url: String,
    pub primary_secret: String,
    pub secondary_secret: Option<String>,
}

/// The replay server's state, shared by its workers.
pub struct Replay {
    pub playback: Arc<Playback>,
    pub webhooks: Option<WebhookOut>,
}

/// The replay server's routes.
pub fn replay_routes(config: &mut web::ServiceConfig) {
    config
        .route("/apps/api/v1{tail:(/.*)?}", web::to(answer))
        .route("/__replay", web::get().to(status))
        .default_service(web::to(not_found));
}

async fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .json(json!({"message": "ccai-emulator replay answers /apps/api/v1 and GET /__replay"}))
}

async fn status(replay: web::Data<Replay>) -> HttpResponse {
    HttpResponse::Ok().json(replay.playback.status())
}

/// The kind of credentials a request carries, and its Basic subdomain.
fn credentials(request: &HttpRequest) -> (&'static str, Option<String>) {
    let Some(value) = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
    else {
        return ("none", None);
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        return ("bearer", None);
    }
    let subdomain = STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.split_once(':').map(|(user, _)| user.to_owned()));
    ("basic", subdomain)
}

async fn answer(request: HttpRequest, body: web::Bytes, replay: web::Data<Replay>) -> HttpResponse {
    let (kind, subdomain) = credentials(&request);
    let incoming = Incoming {
        method: request.method().as_str().to_owned(),
        route: request
            .path()
            .strip_prefix(crate::core::wire::APPS_API_BASE)
            .unwrap_or("")
            .to_owned(),
        credentials: kind,
        subdomain,
        body: (!body.is_empty())
            .then(|| Json::parse(&body).ok())
            .flatten(),
    };
    let answer = match replay.playback.answer(&incoming) {
        Ok(answer) => answer,
        Err(message) => return HttpResponse::NotFound().json(json!({"message": message})),
    };
    for job in answer.webhooks.iter().filter(|job| job.after.is_none()) {
        send(&replay.playback, replay.webhooks.as_ref(), *job).await;
    }
    for job in answer
        .webhooks
        .iter()
        .filter(|job| job.after.is_some())
        .copied()
    {
        let playback = Arc::clone(&replay.playback);
        let target = replay.webhooks.clone();
        actix_web::rt::spawn(async move {
            if let Some(delay) = job.after {
                actix_web::rt::time::sleep(delay).await;
            }
            send(&playback, target.as_ref(), job).await;
        });
    }
    let mut response =
        HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK));
    if let Some(content_type) = &answer.content_type {
        response.insert_header(("content-type", content_type.as_str()));
    }
    response.body(answer.body)
}

/// Signs and posts one recorded webhook (once: a refusal is logged, not retried).
async fn send(playback: &Playback, target: Option<&WebhookOut>, job: WebhookJob) {
    let Some(target) = target else { return };
    let (body, timestamp) = playback.render_webhook(job);
    let mut signature = format!(
        "primary={}",
        sign(&target.primary_secret, &timestamp, &body)
    );
    if let Some(secondary) = &target.secondary_secret {
        signature.push_str(&format!(
            " secondary={}",
            sign(secondary, &timestamp, &body)
        ));
    }
    let client = super::client::client(std::time::Duration::from_secs(10));
    let sent = client
        .post(&target.url)
        .insert_header(("content-type", "application/json"))
        .insert_header(("x-signature", signature))
        .insert_header(("x-signature-timestamp", timestamp))
        .send_body(body)
        .await;
    match sent {
        Ok(answer) if answer.status().is_success() => {}
        Ok(answer) => {
            tracing::warn!(url = %target.url, status = answer.status().as_u16(), "a replayed webhook was refused")
        }
        Err(error) => {
            tracing::warn!(url = %target.url, "a replayed webhook was not delivered: {error}")
        }
    }
}
