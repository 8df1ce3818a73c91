//! The cassette: one JSON document per chat (or per named scenario) holding what the
//! recorder saw, in the parity suite's snapshot format (`conformance/README.md`), so a
//! cassette reads like a snapshot and one can become the other:
//!
//! - `exchanges`: every Apps API request in order, `{"request": {"method", "path", "auth",
//!   "content_type", "body"}, "response": {"status", "content_type", "body"}}`, `auth` a
//!   label (`tenant`, `wrong-token`, `bearer`, `wrong-bearer`, `none`, `malformed`), never
//!   the credential;
//! - `webhooks`: every webhook of the cassette's chats, each event once (retries
//!   de-duplicated as consumers are told to), in the chats' history order, with the shape
//!   of `X-Signature-Timestamp` and the verdict on each signature;
//! - `timeline` (the recorder's addition, which the parity suite ignores): when each request
//!   was sent and answered and each webhook arrived, in milliseconds from the cassette's
//!   first request, and each request body's size; which exchange a webhook followed, and
//!   the exchange whose answer it came before (the answer waited for it); its headers
//!   (signature redacted).
//!
//! Everything is normalised by [`Normaliser`] (ids, timestamps, URLs, tokens become
//! placeholders that keep identity; the tenant's subdomain is `<tenant>`; a credential or
//! secret that would appear anywhere is `<redacted>`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use regex::bytes::Regex as BytesRegex;
use regex::Regex;
use sha2::{Digest, Sha256};

use super::json::Json;
use super::normalise::{hex, Normaliser};

/// The snapshot format a cassette shares with the parity suite.
pub const FORMAT: &str = "ccai-conformance-snapshot/1";
/// What says a snapshot document is a cassette (and which version of its timeline).
pub const CASSETTE: &str = "ccai-emulator-cassette/1";

static CHAT_IN_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"/chats/(\d+)").expect("regex"));
static FORM_FIELD: LazyLock<BytesRegex> = LazyLock::new(|| {
    BytesRegex::new(r#"Content-Disposition: form-data; name="([^"]+)""#).expect("regex")
});
static REQUEST_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<RequestId>[^<]*</RequestId>").expect("regex"));

/// Headers of a webhook a cassette leaves out: the connection's, the tunnel's, and
/// anything that identifies the machine that received it.
const DROPPED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "authorization",
    "cookie",
    "via",
    "forwarded",
    "x-real-ip",
    "true-client-ip",
    "accept-encoding",
];

/// One Apps API request and its answer, as the recorder saw them (never written raw).
#[derive(Debug, Clone)]
pub struct RawExchange {
    /// The recorder's sequence number (over every cassette).
    pub seq: u64,
    pub method: String,
    /// Relative to `/apps/api/v1`, with its query string.
    pub path: String,
    pub auth: String,
    pub step: Option<String>,
    pub request_content_type: Option<String>,
    pub request_body: Option<Vec<u8>>,
    pub status: u16,
    pub response_content_type: Option<String>,
    pub response_body: Vec<u8>,
    pub sent_ms: u64,
    pub answered_ms: u64,
}

/// One webhook request as it arrived (each retry its own).
#[derive(Debug, Clone)]
pub struct RawWebhook {
    pub raw_body: Vec<u8>,
    /// The decoded payload (a string when it was not JSON).
    pub event: Json,
    /// Lower-case names, in arrival order.
    pub headers: Vec<(String, String)>,
    /// `primary`/`secondary` to `valid`, `invalid`, `absent` or `not checked ...`.
    pub signatures: Vec<(String, String)>,
    pub arrived_ms: u64,
    /// The last exchange sent before it arrived (recorder sequence).
    pub after_exchange: Option<u64>,
    /// The exchange whose answer came only after this webhook was acknowledged.
    pub before_answer_to: Option<u64>,
}

impl RawWebhook {
    pub fn event_type(&self) -> String {
        match self.event.get("event_type") {
            Some(Json::String(name)) => name.clone(),
            Some(other) => other.to_text(),
            None => String::new(),
        }
    }

    /// `chat_id` when it is an integer.
    pub fn chat_id(&self) -> Option<u64> {
        self.event.get("chat_id").and_then(Json::as_u64)
    }

    fn message(&self) -> Option<&Json> {
        self.event
            .get("body")
            .and_then(|body| body.get("message"))
            .filter(|message| matches!(message, Json::Object(_)))
    }

    fn body_text(&self) -> String {
        match self.event.get("body") {
            Some(body @ Json::Object(_)) => body.python_sorted_text(),
            _ => "{}".to_owned(),
        }
    }

    /// The key consumers de-duplicate by: `chat_id` + `message_id` for
    /// `message_received`, `chat_id` for `chat_created`, the whole body otherwise.
    pub fn identity(&self) -> Identity {
        let event_type = self.event_type();
        let message_id = self.message().and_then(|message| message.get("message_id"));
        let rest = match (event_type.as_str(), message_id) {
            ("message_received", Some(id)) => id.to_text(),
            ("chat_created", _) => String::new(),
            _ => self.body_text(),
        };
        (event_type, self.chat_id(), rest)
    }
}

/// What consumers de-duplicate a webhook by (see [`RawWebhook::identity`]).
type Identity = (String, Option<u64>, String);

/// The first arrival of each event (retries and redeliveries count once), with how many
/// times it arrived.
pub fn distinct(hooks: &[RawWebhook]) -> Vec<(&RawWebhook, usize)> {
    let mut seen: Vec<(Identity, usize)> = Vec::new();
    let mut chosen: Vec<(&RawWebhook, usize)> = Vec::new();
    for hook in hooks {
        let key = hook.identity();
        match seen.iter().position(|(known, _)| *known == key) {
            Some(at) => chosen[seen[at].1].1 += 1,
            None => {
                seen.push((key, chosen.len()));
                chosen.push((hook, 1));
            }
        }
    }
    chosen
}

/// Webhooks in the order of the chats' history, not of arrival (which the platform does
/// not promise): by chat (in the order the exchanges met them), `chat_created` first, then
/// `message_received` by `message_id`, then any other event by name and body.
pub fn history_order<'a>(
    mut hooks: Vec<(&'a RawWebhook, usize)>,
    chats: &[u64],
) -> Vec<(&'a RawWebhook, usize)> {
    let key = |hook: &RawWebhook| {
        let chat = hook
            .chat_id()
            .and_then(|id| chats.iter().position(|known| *known == id))
            .unwrap_or(chats.len());
        let event_type = hook.event_type();
        let message_id = hook
            .message()
            .and_then(|message| message.get("message_id"))
            .filter(|id| id.is_integer())
            .and_then(Json::as_u64);
        let rank: (u8, u64, String) = match (event_type.as_str(), message_id) {
            ("chat_created", _) => (0, 0, String::new()),
            ("message_received", Some(id)) => (1, id, String::new()),
            _ => (2, 0, event_type.clone() + &hook.body_text()),
        };
        (chat, rank)
    };
    hooks.sort_by_key(|(hook, _)| key(hook));
    hooks
}

/// The chats the exchanges name, in the order they first appear (a path's `/chats/{id}`,
/// a `POST /chats` answer's `id`).
pub fn chats_met(exchanges: &[RawExchange]) -> Vec<u64> {
    let mut chats: Vec<u64> = Vec::new();
    let mut note = |id: u64| {
        if !chats.contains(&id) {
            chats.push(id);
        }
    };
    for exchange in exchanges {
        let route = exchange.path.split('?').next().unwrap_or("");
        for captures in CHAT_IN_PATH.captures_iter(route) {
            if let Ok(id) = captures[1].parse() {
                note(id);
            }
        }
        if let Some(id) = created_chat(exchange) {
            note(id);
        }
    }
    chats
}

/// The chat a `POST /chats` answered, if this exchange is one.
pub fn created_chat(exchange: &RawExchange) -> Option<u64> {
    let route = exchange.path.split('?').next().unwrap_or("");
    if exchange.method != "POST" || route != "/chats" {
        return None;
    }
    let answer = Json::parse(&exchange.response_body).ok()?;
    answer.get("id").filter(|id| id.is_integer())?.as_u64()
}

/// What the top-level `id` of an answer to `path` is.
fn resource_kind(path: &str) -> Option<&'static str> {
    let route = path.split('?').next().unwrap_or("");
    let last = route
        .split('/')
        .rev()
        .find(|segment| !segment.is_empty() && !segment.bytes().all(|b| b.is_ascii_digit()))?;
    Some(match last {
        "end_users" => "end_user",
        "chats" | "resume" => "chat",
        "message" => "message",
        "escalations" => "escalation",
        "photos" | "videos" => "media",
        _ => return None,
    })
}

/// `type/subtype` of a `Content-Type` header, lower-case.
pub fn media_type(header: Option<&str>) -> Option<String> {
    header.map(|header| header.split(';').next().unwrap_or("").trim().to_lowercase())
}

/// A body as the parity suite keeps it: JSON normalised; a multipart form as its field
/// names; text as normalised text; anything else as its size and digest.
pub fn body(
    normaliser: &mut Normaliser,
    raw: &[u8],
    media: Option<&str>,
    kind: Option<&str>,
) -> Json {
    let digest = || {
        Json::object(vec![
            ("bytes", Json::from(raw.len() as u64)),
            ("sha256", Json::from(hex(&Sha256::digest(raw)))),
        ])
    };
    if media == Some("multipart/form-data") {
        let names: Vec<Json> = FORM_FIELD
            .captures_iter(raw)
            .map(|captures| Json::from(String::from_utf8_lossy(&captures[1]).into_owned()))
            .collect();
        return Json::object(vec![("form_fields", Json::Array(names))]);
    }
    if let Some(media) = media {
        if media == "application/json" || media.ends_with("+json") {
            if let Ok(parsed) = Json::parse(raw) {
                return normaliser.value(&parsed, None, kind);
            }
        }
    }
    let Ok(text) = std::str::from_utf8(raw) else {
        return digest();
    };
    match media {
        Some(media)
            if media.starts_with("text/") || media.ends_with("xml") || media.contains("json") =>
        {
            let text = REQUEST_ID.replace_all(text, "<RequestId><token></RequestId>");
            Json::object(vec![("text", Json::from(normaliser.text(&text)))])
        }
        _ => digest(),
    }
}

/// What a cassette says about itself.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The scenario's name (the file's stem).
    pub name: String,
    pub title: String,
    /// `{"source": "tenant", "recorded_at", "region"}`.
    pub provenance: Json,
    /// How long the recorder held a webhook that came while a request was in flight.
    pub order_hold_ms: u64,
}

/// The cassette document of these observations, and the normaliser that made it (its
/// placeholders stand for the raw values it saw).
pub fn document(
    meta: &Meta,
    exchanges: &[RawExchange],
    webhooks: &[RawWebhook],
    literals: Vec<(String, String)>,
) -> (Json, Normaliser) {
    let chats = chats_met(exchanges);
    let mut normaliser = Normaliser::new(literals);
    let mut exchange_entries = Vec::new();
    let mut exchange_times = Vec::new();
    for exchange in exchanges {
        exchange_entries.push(exchange_entry(&mut normaliser, exchange));
        let mut time = vec![
            ("sent_ms", Json::from(exchange.sent_ms)),
            ("answered_ms", Json::from(exchange.answered_ms)),
        ];
        if let Some(body) = &exchange.request_body {
            // A replay pads a JSON body to this length: an answer may name the size.
            time.push(("request_bytes", Json::from(body.len() as u64)));
        }
        exchange_times.push(Json::object(time));
    }
    let index_of = |seq: Option<u64>| -> Json {
        seq.and_then(|seq| exchanges.iter().position(|exchange| exchange.seq == seq))
            .map_or(Json::Null, |index| Json::from(index as u64))
    };
    let ours: HashSet<u64> = chats.iter().copied().collect();
    let ours: Vec<RawWebhook> = webhooks
        .iter()
        .filter(|hook| hook.chat_id().is_some_and(|id| ours.contains(&id)))
        .cloned()
        .collect();
    let ordered = history_order(distinct(&ours), &chats);
    let mut webhook_entries = Vec::new();
    let mut webhook_times = Vec::new();
    for (hook, deliveries) in ordered {
        let header = |name: &str| {
            hook.headers
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let timestamp = header("x-signature-timestamp").unwrap_or("");
        webhook_entries.push(Json::object(vec![
            ("event_type", Json::from(hook.event_type())),
            ("event", normaliser.value(&hook.event, None, None)),
            (
                "headers",
                Json::object(vec![
                    (
                        "content-type",
                        Json::from(media_type(header("content-type"))),
                    ),
                    (
                        "x-signature-timestamp",
                        normaliser.value(
                            &Json::from(timestamp),
                            Some("x-signature-timestamp"),
                            None,
                        ),
                    ),
                ]),
            ),
            (
                "signatures",
                Json::Object(
                    hook.signatures
                        .iter()
                        .map(|(name, verdict)| (name.clone(), Json::from(verdict.as_str())))
                        .collect(),
                ),
            ),
        ]));
        let headers: Vec<(String, Json)> = hook
            .headers
            .iter()
            .filter(|(name, _)| !DROPPED_HEADERS.contains(&name.as_str()))
            .filter(|(name, _)| !name.starts_with("x-forwarded-") && !name.starts_with("cf-"))
            .map(|(name, value)| {
                let shown = if name == "x-signature" {
                    Json::str("<redacted>")
                } else {
                    normaliser.value(&Json::from(value.as_str()), Some(name), None)
                };
                (name.clone(), shown)
            })
            .collect();
        webhook_times.push(Json::object(vec![
            ("arrived_ms", Json::from(hook.arrived_ms)),
            ("after_exchange", index_of(hook.after_exchange)),
            ("before_answer_to", index_of(hook.before_answer_to)),
            ("deliveries", Json::from(deliveries as u64)),
            ("headers", Json::Object(headers)),
        ]));
    }
    let document = Json::object(vec![
        ("format", Json::str(FORMAT)),
        ("cassette", Json::str(CASSETTE)),
        ("scenario", Json::from(meta.name.as_str())),
        ("title", Json::from(meta.title.as_str())),
        ("provenance", meta.provenance.clone()),
        ("match", Json::str("exact")),
        ("exchanges", Json::Array(exchange_entries)),
        ("webhooks", Json::Array(webhook_entries)),
        (
            "timeline",
            Json::object(vec![
                ("order_hold_ms", Json::from(meta.order_hold_ms)),
                ("exchanges", Json::Array(exchange_times)),
                ("webhooks", Json::Array(webhook_times)),
            ]),
        ),
    ]);
    (document, normaliser)
}

fn exchange_entry(normaliser: &mut Normaliser, exchange: &RawExchange) -> Json {
    let mut request = vec![
        ("method", Json::from(exchange.method.as_str())),
        ("path", Json::from(normaliser.path(&exchange.path))),
        ("auth", Json::from(exchange.auth.as_str())),
    ];
    if let Some(raw) = &exchange.request_body {
        let media = media_type(exchange.request_content_type.as_deref());
        request.push(("content_type", Json::from(media.clone())));
        request.push(("body", body(normaliser, raw, media.as_deref(), None)));
    }
    let mut response = vec![("status", Json::from(u64::from(exchange.status)))];
    if !exchange.response_body.is_empty() {
        let media = media_type(exchange.response_content_type.as_deref());
        response.push(("content_type", Json::from(media.clone())));
        response.push((
            "body",
            body(
                normaliser,
                &exchange.response_body,
                media.as_deref(),
                resource_kind(&exchange.path),
            ),
        ));
    }
    let mut entry = Vec::new();
    if let Some(step) = &exchange.step {
        entry.push(("step", Json::from(step.as_str())));
    }
    entry.push(("request", Json::object(request)));
    entry.push(("response", Json::object(response)));
    Json::object(entry)
}

/// Replaces every occurrence of each secret in the text of a document with `<redacted>`:
/// the last guard, after normalisation, so no credential can reach a file.
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|secret| secret.len() >= 4) {
        text = text.replace(secret.as_str(), "<redacted>");
        // As JSON would escape it inside a string.
        let escaped = serde_json::to_string(secret).expect("a string serialises");
        let escaped = &escaped[1..escaped.len() - 1];
        if escaped != secret {
            text = text.replace(escaped, "<redacted>");
        }
    }
    text
}

/// A cassette read from a file, checked.
#[derive(Debug, Clone)]
pub struct Cassette {
    /// Its path relative to the folder read, without `.json` (`chat-1`, `chats/x`).
    pub name: String,
    pub path: std::path::PathBuf,
    pub document: Json,
}

impl Cassette {
    pub fn exchanges(&self) -> &[Json] {
        self.document
            .get("exchanges")
            .and_then(Json::as_array)
            .map_or(&[], Vec::as_slice)
    }

    pub fn webhooks(&self) -> &[Json] {
        self.document
            .get("webhooks")
            .and_then(Json::as_array)
            .map_or(&[], Vec::as_slice)
    }

    fn timeline(&self, part: &str) -> &[Json] {
        self.document
            .get("timeline")
            .and_then(|timeline| timeline.get(part))
            .and_then(Json::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// The timeline of exchange `index` (`sent_ms`, `answered_ms`), if recorded.
    pub fn exchange_time(&self, index: usize) -> Option<&Json> {
        self.timeline("exchanges").get(index)
    }

    /// The timeline of webhook `index` (`arrived_ms`, `after_exchange`, ...), if recorded.
    pub fn webhook_time(&self, index: usize) -> Option<&Json> {
        self.timeline("webhooks").get(index)
    }

    pub fn order_hold_ms(&self) -> Option<u64> {
        self.document
            .get("timeline")
            .and_then(|timeline| timeline.get("order_hold_ms"))
            .and_then(Json::as_u64)
    }

    /// Reads and checks a cassette (or a parity-suite snapshot, which has no timeline).
    pub fn read(path: &Path, name: String) -> Result<Cassette, String> {
        let text = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let document =
            Json::parse(&text).map_err(|error| format!("{}: not JSON: {error}", path.display()))?;
        let problems = validate(&document);
        if !problems.is_empty() {
            return Err(format!("{}: {}", path.display(), problems.join("; ")));
        }
        Ok(Cassette {
            name,
            path: path.to_path_buf(),
            document,
        })
    }

    /// The cassette at `path`, or every cassette (`*.json`) under the folder `path`, by name.
    pub fn read_all(path: &Path) -> Result<Vec<Cassette>, String> {
        if path.is_file() {
            let name = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Ok(vec![Cassette::read(path, name)?]);
        }
        if !path.is_dir() {
            return Err(format!("{}: no such cassette or folder", path.display()));
        }
        let mut files = Vec::new();
        collect_json(path, &mut files).map_err(|error| format!("{}: {error}", path.display()))?;
        files.sort();
        if files.is_empty() {
            return Err(format!(
                "{}: no cassette (*.json) in this folder",
                path.display()
            ));
        }
        files
            .iter()
            .map(|file| {
                let relative = file.strip_prefix(path).unwrap_or(file).with_extension("");
                let name = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                Cassette::read(file, name)
            })
            .collect()
    }
}

/// Every `*.json` file under `folder` (hidden ones left out).
fn collect_json(folder: &Path, found: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect_json(&path, found)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            found.push(path);
        }
    }
    Ok(())
}

/// What is wrong with a cassette (empty when nothing is).
pub fn validate(document: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    if !matches!(document, Json::Object(_)) {
        return vec!["a cassette is a JSON object".to_owned()];
    }
    if document.get("format").and_then(Json::as_str) != Some(FORMAT) {
        problems.push(format!("format must be {FORMAT:?}"));
    }
    for key in ["exchanges", "webhooks"] {
        if document.get(key).and_then(Json::as_array).is_none() {
            problems.push(format!("{key} must be a list"));
        }
    }
    if let Some(exchanges) = document.get("exchanges").and_then(Json::as_array) {
        for (index, exchange) in exchanges.iter().enumerate() {
            let request = exchange.get("request");
            let method = request.and_then(|r| r.get("method")).and_then(Json::as_str);
            let path = request.and_then(|r| r.get("path").or_else(|| r.get("url")));
            // A status is a number, or a matcher (`"<int>"`) in a snapshot from the docs.
            let status = exchange.get("response").and_then(|r| r.get("status"));
            if method.is_none() || path.is_none() || status.is_none() {
                problems.push(format!(
                    "exchanges[{index}] needs request.method, request.path and response.status"
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(seq: u64, method: &str, path: &str, answer: &str) -> RawExchange {
        RawExchange {
            seq,
            method: method.into(),
            path: path.into(),
            auth: "tenant".into(),
            step: None,
            request_content_type: None,
            request_body: None,
            status: 200,
            response_content_type: Some("application/json".into()),
            response_body: answer.as_bytes().to_vec(),
            sent_ms: seq * 10,
            answered_ms: seq * 10 + 5,
        }
    }

    fn hook(event: &str) -> RawWebhook {
        RawWebhook {
            raw_body: event.as_bytes().to_vec(),
            event: Json::parse(event.as_bytes()).unwrap(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-signature".into(), "primary=abc".into()),
                (
                    "x-signature-timestamp".into(),
                    "2026-01-02T03:04:05Z".into(),
                ),
                ("host".into(), "tunnel.example".into()),
            ],
            signatures: vec![("primary".into(), "valid".into())],
            arrived_ms: 7,
            after_exchange: Some(1),
            before_answer_to: None,
        }
    }

    #[test]
    fn webhooks_are_kept_once_in_history_order_with_their_timeline() {
        let exchanges = vec![
            exchange(1, "POST", "/chats", r#"{"id": 31, "status": "queued"}"#),
            exchange(2, "GET", "/chats/31", r#"{"id": 31}"#),
        ];
        let message = r#"{"event_type": "message_received", "chat_id": 31, "body": {"message": {"message_id": 2}}}"#;
        let first = r#"{"event_type": "message_received", "chat_id": 31, "body": {"message": {"message_id": 1}}}"#;
        let created = r#"{"event_type": "chat_created", "chat_id": 31, "body": {}}"#;
        let other_chat = r#"{"event_type": "chat_created", "chat_id": 99, "body": {}}"#;
        let hooks = vec![
            hook(message),
            hook(first),
            hook(message),
            hook(created),
            hook(other_chat),
        ];
        let meta = Meta {
            name: "x".into(),
            title: "t".into(),
            provenance: Json::Null,
            order_hold_ms: 500,
        };
        let (document, _) = document(&meta, &exchanges, &hooks, Vec::new());
        let names: Vec<String> = document
            .get("webhooks")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|hook| hook.get("event").unwrap().get("body").unwrap().to_text())
            .collect();
        assert_eq!(
            names,
            vec![
                "{}",
                r#"{"message":{"message_id":"<message:1>"}}"#,
                r#"{"message":{"message_id":"<message:2>"}}"#
            ]
        );
        let times = document.get("timeline").unwrap().get("webhooks").unwrap();
        let second = &times.as_array().unwrap()[2];
        assert_eq!(second.get("deliveries"), Some(&Json::from(2u64)));
        assert_eq!(second.get("after_exchange"), Some(&Json::from(0u64)));
        let headers = second.get("headers").unwrap().to_text();
        assert!(
            headers.contains("<redacted>") && !headers.contains("tunnel.example"),
            "{headers}"
        );
    }

    #[test]
    fn scrub_replaces_secrets_even_json_escaped() {
        let secrets = vec!["s3cr\"et".to_owned(), "abc".to_owned()];
        assert_eq!(
            scrub(r#"{"a": "s3cr\"et", "b": "abc"}"#, &secrets),
            r#"{"a": "<redacted>", "b": "abc"}"#
        );
    }
}
