//! Replaying a cassette's requests through a recorder (in front of a fresh emulator), as
//! `ccai-emulator diff` does: each request is sent as recorded, its placeholders replaced
//! by the values the replay learned ([`Bindings`]) and its credentials by the replay
//! tenant's (as its `auth` label says); every request carries `X-Ccai-Cassette`, so the
//! replay lands in one cassette to compare with the recorded one.
//!
//! The pace follows the recording: before each request, the replay waits for the webhooks
//! that had arrived before it was sent in the recording (each for as long as it took then,
//! plus a grace), and for the emulator's deliveries in progress; so a webhook comes before
//! or after the same requests as it did, and a missing one costs its recorded delay plus
//! the grace, no more.

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use tokio::time::Instant;

use crate::features::recording::bindings::header_value;
use crate::features::recording::{
    Bindings, Cassette, Json, RawWebhook, Recorder, CASSETTE_HEADER, STEP_HEADER,
};
use crate::features::webhooks::Webhooks;

/// What a replay is pointed at.
pub struct ReplayPlan<'a> {
    pub cassette: &'a Cassette,
    /// The recorder's Apps API (`http://127.0.0.1:PORT/apps/api/v1`).
    pub api_url: String,
    pub subdomain: String,
    pub token: String,
    /// The name the replay's cassette gets in the recorder.
    pub tape: String,
    /// How much longer than in the recording a webhook may take.
    pub grace: Duration,
    /// The longest wait for the emulator's deliveries in progress.
    pub settle: Duration,
    /// What `<run>` (the parity suite's nonce) is in this replay.
    pub nonce: String,
}

/// What the replay did.
#[derive(Debug, Default)]
pub struct ReplayOutcome {
    /// The cassette's exchanges it did not send.
    pub not_replayed: Vec<usize>,
    /// What it could not replay as recorded, by exchange.
    pub notes: Vec<(usize, String)>,
    /// The exchanges before which it uploaded a made-up file, and the file's size.
    pub made_up_uploads: Vec<(usize, u64)>,
}

fn number(value: Option<&Json>, key: &str) -> Option<u64> {
    value
        .and_then(|value| value.get(key))
        .and_then(Json::as_u64)
}

/// Replays `plan.cassette` (see the module's doc).
pub async fn replay(
    plan: &ReplayPlan<'_>,
    recorder: &Recorder,
    webhooks: Option<&Webhooks>,
) -> Result<ReplayOutcome, String> {
    let client = super::client::client(Duration::from_secs(60));
    let nonce = plan.nonce.clone();
    let mut bindings = Bindings::new(&plan.subdomain, &nonce);
    let mut outcome = ReplayOutcome::default();
    let cassette = plan.cassette;
    let mut previous_answer: Option<(Instant, u64)> = None;
    let mut uploads = Uploads::default();
    for (index, exchange) in cassette.exchanges().iter().enumerate() {
        let sent_ms = number(cassette.exchange_time(index), "sent_ms");
        pace(
            plan,
            recorder,
            webhooks,
            &mut bindings,
            previous_answer,
            sent_ms,
        )
        .await;
        let request = exchange.get("request").cloned().unwrap_or_default();
        let Some(path) = request.get("path").and_then(Json::as_str) else {
            outcome.not_replayed.push(index);
            outcome.notes.push((
                index,
                "a request outside the Apps API (a storage upload) is not replayed".to_owned(),
            ));
            continue;
        };
        let method = request
            .get("method")
            .and_then(Json::as_str)
            .unwrap_or("GET");
        let method = awc::http::Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("exchanges[{index}]: {method:?} is not an HTTP method"))?;
        let url = format!("{}{}", plan.api_url, bindings.path(path));
        let mut sending = client
            .request(method, &url)
            .insert_header((CASSETTE_HEADER, header_value(&plan.tape)));
        if let Some(step) = exchange.get("step").and_then(Json::as_str) {
            sending = sending.insert_header((STEP_HEADER, header_value(step)));
        }
        let auth = request
            .get("auth")
            .and_then(Json::as_str)
            .unwrap_or("tenant");
        if let Some(value) = authorization(auth, &plan.subdomain, &plan.token, &nonce) {
            sending = sending.insert_header(("authorization", value));
        }
        let content_type = request.get("content_type").and_then(Json::as_str);
        let body = match request.get("body") {
            Some(body) => {
                let recorded = number(cassette.exchange_time(index), "request_bytes");
                // Without the recorded size (a parity-suite snapshot), JSON is written as
                // that suite's client writes it; with it, compactly and padded to it.
                let (mut bytes, note) = request_body(&mut bindings, body, recorded.is_none());
                if let Some(note) = note {
                    outcome.notes.push((index, note));
                }
                let is_json = content_type.is_some_and(|media| media.contains("json"));
                if let Some(recorded) = recorded.filter(|_| is_json) {
                    let recorded = usize::try_from(recorded).unwrap_or(0);
                    if bytes.len() < recorded {
                        bytes.resize(recorded, b' ');
                    }
                }
                if let Some((note, size)) =
                    upload_for(&client, &mut uploads, &bytes, exchange).await
                {
                    outcome.notes.push((index, note));
                    if let Some(size) = size {
                        outcome.made_up_uploads.push((index, size));
                    }
                }
                Some(bytes)
            }
            None => None,
        };
        if let Some(content_type) = content_type {
            let content_type = if content_type == "multipart/form-data" {
                format!("{content_type}; boundary={BOUNDARY}")
            } else {
                content_type.to_owned()
            };
            sending = sending.insert_header(("content-type", content_type));
        }
        let sent = match body {
            Some(bytes) => sending.send_body(bytes).await,
            None => sending.send().await,
        };
        let mut answer = sent.map_err(|error| {
            format!("exchanges[{index}]: the replay could not send {url}: {error}")
        })?;
        let raw = answer.body().limit(64 << 20).await.map_err(|error| {
            format!("exchanges[{index}]: the answer could not be read: {error}")
        })?;
        if let Ok(parsed) = Json::parse(&raw) {
            if let Some(recorded) = exchange.get("response").and_then(|r| r.get("body")) {
                bindings.learn(recorded, &parsed);
            }
            uploads.note_form(&parsed);
        }
        let answered_ms = number(cassette.exchange_time(index), "answered_ms").unwrap_or(0);
        previous_answer = Some((Instant::now(), answered_ms));
    }
    pace(
        plan,
        recorder,
        webhooks,
        &mut bindings,
        previous_answer,
        None,
    )
    .await;
    Ok(outcome)
}

/// Before the request sent at `sent_ms` in the recording (`None`: after the last one):
/// waits for the emulator's deliveries in progress, then for the webhooks that had arrived
/// by then in the recording, each until its recorded delay plus the grace.
async fn pace(
    plan: &ReplayPlan<'_>,
    recorder: &Recorder,
    webhooks: Option<&Webhooks>,
    bindings: &mut Bindings,
    previous_answer: Option<(Instant, u64)>,
    sent_ms: Option<u64>,
) {
    if let Some(webhooks) = webhooks {
        webhooks.drain(plan.settle).await;
    }
    let cassette = plan.cassette;
    let expected: Vec<(usize, &Json, u64)> = cassette
        .webhooks()
        .iter()
        .enumerate()
        .filter_map(|(index, hook)| {
            let arrived = number(cassette.webhook_time(index), "arrived_ms")?;
            sent_ms
                .is_none_or(|sent| arrived < sent)
                .then_some((index, hook, arrived))
        })
        .collect();
    learn_from_webhooks(plan, recorder, bindings);
    if expected.is_empty() {
        return;
    }
    let (since, answered_ms) = previous_answer.unwrap_or((Instant::now(), 0));
    let delay = expected
        .iter()
        .map(|(_, _, arrived)| arrived.saturating_sub(answered_ms))
        .max()
        .unwrap_or(0);
    let deadline = since + Duration::from_millis(delay) + plan.grace;
    let mut changes = recorder.changes();
    loop {
        learn_from_webhooks(plan, recorder, bindings);
        if arrived_enough(&expected, &recorder.raw_webhooks(&plan.tape), bindings) {
            break;
        }
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            break;
        }
    }
    if let Some(webhooks) = webhooks {
        webhooks.drain(plan.settle).await;
    }
    learn_from_webhooks(plan, recorder, bindings);
}

/// The (event, chat) of a recorded webhook, its chat as the replay knows it (`None`: not
/// known yet, any chat will do).
fn recorded_key(hook: &Json, bindings: &Bindings) -> (String, Option<String>) {
    let event = hook
        .get("event_type")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    let chat = hook
        .get("event")
        .and_then(|event| event.get("chat_id"))
        .and_then(Json::as_str)
        .and_then(|placeholder| bindings.get(placeholder))
        .map(Json::to_text);
    (event, chat)
}

fn raw_key(hook: &RawWebhook) -> (String, String) {
    (
        hook.event_type(),
        hook.chat_id().map(|id| id.to_string()).unwrap_or_default(),
    )
}

/// Whether the replay has at least as many webhooks of each (event, chat) as expected.
fn arrived_enough(
    expected: &[(usize, &Json, u64)],
    arrived: &[RawWebhook],
    bindings: &Bindings,
) -> bool {
    let mut wanted: HashMap<(String, Option<String>), usize> = HashMap::new();
    for (_, hook, _) in expected {
        *wanted.entry(recorded_key(hook, bindings)).or_default() += 1;
    }
    wanted.into_iter().all(|((event, chat), count)| {
        arrived
            .iter()
            .filter(|hook| {
                let (kind, id) = raw_key(hook);
                kind == event && chat.as_ref().is_none_or(|chat| *chat == id)
            })
            .count()
            >= count
    })
}

/// Binds the placeholders of the recorded webhooks to the replay's: the recorded and the
/// replayed webhooks of each (event, chat), in history order, side by side.
fn learn_from_webhooks(plan: &ReplayPlan<'_>, recorder: &Recorder, bindings: &mut Bindings) {
    let arrived = recorder.raw_webhooks(&plan.tape);
    let mut used: HashMap<(String, Option<String>), usize> = HashMap::new();
    for hook in plan.cassette.webhooks() {
        let key = recorded_key(hook, bindings);
        let nth = used.entry(key.clone()).or_default();
        let candidate = arrived
            .iter()
            .filter(|raw| {
                let (kind, id) = raw_key(raw);
                kind == key.0 && key.1.as_ref().is_none_or(|chat| *chat == id)
            })
            .nth(*nth);
        *nth += 1;
        if let (Some(raw), Some(event)) = (candidate, hook.get("event")) {
            bindings.learn(event, &raw.event);
        }
    }
}

/// The `Authorization` header for a recorded `auth` label.
fn authorization(label: &str, subdomain: &str, token: &str, nonce: &str) -> Option<String> {
    let basic = |user: &str, password: &str| {
        format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
    };
    match label {
        "none" => None,
        "wrong-token" => Some(basic(subdomain, &format!("not-a-token-{nonce}"))),
        "bearer" => Some(format!("Bearer {token}")),
        "wrong-bearer" => Some(format!("Bearer not-a-token-{nonce}")),
        "malformed" => Some("Basic !!!".to_owned()),
        _ => Some(basic(subdomain, token)),
    }
}

/// The boundary of a multipart body the replay makes.
const BOUNDARY: &str = "ccai-emulator-replay-boundary";

/// The bytes of a recorded request body, and a note when they cannot be the original's.
fn request_body(
    bindings: &mut Bindings,
    body: &Json,
    python_style: bool,
) -> (Vec<u8>, Option<String>) {
    if let Some(fields) = body.get("form_fields").and_then(Json::as_array) {
        let mut out = String::new();
        for field in fields.iter().filter_map(Json::as_str) {
            out.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n\r\n"
            ));
        }
        out.push_str(&format!("--{BOUNDARY}--\r\n"));
        return (
            out.into_bytes(),
            Some("a multipart body is replayed with its field names and empty values".to_owned()),
        );
    }
    if let (Some(length), Some(_)) = (body.get("bytes").and_then(Json::as_u64), body.get("sha256"))
    {
        if matches!(body, Json::Object(pairs) if pairs.len() == 2) {
            return (
                vec![0; usize::try_from(length).unwrap_or(0)],
                Some(format!(
                    "a body of {length} bytes kept only as its digest is replayed as zeros"
                )),
            );
        }
    }
    // A body the parity suite could not read as JSON is kept as `{"text": ...}` (JSON
    // bodies of the Apps API are never that object alone).
    match body.get("text").and_then(Json::as_str) {
        Some(text) if matches!(body, Json::Object(pairs) if pairs.len() == 1) => {
            (bindings.text(text).into_bytes(), None)
        }
        _ => {
            let concrete = bindings.concrete(body);
            let text = if python_style {
                concrete.python_text()
            } else {
                concrete.to_text()
            };
            (text.into_bytes(), None)
        }
    }
}

/// An upload form: its key, its URL and its fields.
type Form = (String, String, Vec<(String, String)>);

/// The upload forms the replay was handed (`{"url", "fields"}` answers), by their `key`,
/// and the keys it uploaded a file for.
#[derive(Default)]
struct Uploads {
    /// (key, url, fields).
    forms: Vec<Form>,
    done: Vec<String>,
}

impl Uploads {
    fn note_form(&mut self, answer: &Json) {
        let (Some(url), Some(Json::Object(fields))) = (
            answer.get("url").and_then(Json::as_str),
            answer.get("fields"),
        ) else {
            return;
        };
        let fields: Vec<(String, String)> = fields
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
            .collect();
        if let Some((_, key)) = fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("key"))
        {
            self.forms
                .push((key.clone(), url.to_owned(), fields.clone()));
        }
    }
}

/// The storage upload goes from the consumer to the storage, not through the recorder: a
/// cassette has the form and the registration but not the file. Before a request that
/// names a form's key and whose recorded answer registered a file, the replay uploads a
/// file of the recorded content type and size (made up: its digest differs), and says so.
/// Answers the note, and the size of the file when it was stored.
async fn upload_for(
    client: &awc::Client,
    uploads: &mut Uploads,
    body: &[u8],
    exchange: &Json,
) -> Option<(String, Option<u64>)> {
    let text = String::from_utf8_lossy(body);
    let (key, url, fields) = uploads
        .forms
        .iter()
        .find(|(key, _, _)| !uploads.done.contains(key) && text.contains(&format!("\"{key}\"")))
        .cloned()?;
    let response = exchange.get("response")?;
    let status = response.get("status").and_then(Json::as_u64)?;
    let registered = response.get("body").map(|body| match body {
        Json::Array(items) => items.first().cloned().unwrap_or_default(),
        other => other.clone(),
    })?;
    let size = registered.get("size").and_then(Json::as_u64)?;
    if !(200..300).contains(&status) {
        return None;
    }
    let content_type = fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map_or("application/octet-stream", |(_, value)| value.as_str())
        .to_owned();
    let mut file = match content_type.as_str() {
        "image/jpeg" => vec![0xFF, 0xD8, 0xFF, 0xE0],
        "video/mp4" => b"\0\0\0\x18ftypisom".to_vec(),
        _ => Vec::new(),
    };
    file.resize(usize::try_from(size).unwrap_or(0), 0);
    let mut multipart = Vec::new();
    for (name, value) in &fields {
        multipart.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    multipart.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"replay\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
    );
    multipart.extend_from_slice(&file);
    multipart.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    uploads.done.push(key);
    let sent = client
        .post(&url)
        .insert_header((
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .send_body(multipart)
        .await;
    Some(match sent {
        Ok(answer) if answer.status().is_success() => (
            format!(
                "the recording has no storage upload (it goes straight to the storage): the replay uploaded {size} made-up bytes of {content_type}; the digest of a download of it is not compared"
            ),
            Some(size),
        ),
        Ok(answer) => (
            format!("the replay's made-up upload was refused with {}", answer.status().as_u16()),
            None,
        ),
        Err(error) => (format!("the replay's made-up upload failed: {error}"), None),
    })
}
