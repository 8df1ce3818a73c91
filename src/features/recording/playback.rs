//! Cassettes as fixtures (`ccai-emulator replay`): the same requests get the recorded
//! answers and the recorded webhooks, with fresh ids.
//!
//! - **Sessions.** A request continues a session whose next recorded request it matches,
//!   or starts a session of the least played cassette whose first request it matches (a
//!   cassette plays any number of times). It matches on the method, the path (a recorded
//!   placeholder segment takes the value it was given, or any value the first time) and
//!   the kind of credentials (none, Basic, Bearer); bodies and query strings are not
//!   compared. A request no session expects is answered 404 with what was expected.
//! - **Ids.** A placeholder takes the value the consumer sent where it first met it (a
//!   path segment, a request body), else a fresh id counted from 1 across every session;
//!   timestamps are now, in the recorded format.
//! - **Webhooks.** Each recorded webhook is sent where the timeline puts it: before the
//!   answer it came before, or after the answer it followed, as long after as recorded.
//!   Without a timeline (a parity-suite snapshot), after the answer that first names its
//!   chat.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::bindings::{fit_to_shape, is_placeholder, Bindings};
use super::cassette::Cassette;
use super::json::Json;

/// A request as the replay server sees it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub method: String,
    /// Relative to `/apps/api/v1`, without the query string.
    pub route: String,
    /// `none`, `basic` or `bearer`.
    pub credentials: &'static str,
    pub subdomain: Option<String>,
    pub body: Option<Json>,
}

/// A webhook to send: which session and which of its cassette's webhooks, and when.
#[derive(Debug, Clone, Copy)]
pub struct WebhookJob {
    pub session: usize,
    pub webhook: usize,
    /// After the answer, this long after (`None`: before the answer).
    pub after: Option<Duration>,
}

/// The recorded answer, made concrete, and the webhooks that go with it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub webhooks: Vec<WebhookJob>,
}

#[derive(Debug)]
struct Session {
    cassette: usize,
    /// The next exchange it expects.
    cursor: usize,
    bindings: Bindings,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: Vec<Session>,
    plays: Vec<u64>,
}

/// The cassettes being played.
pub struct Playback {
    cassettes: Vec<Cassette>,
    inner: Mutex<Inner>,
    ids: Arc<AtomicU64>,
}

fn credentials_of(label: &str) -> &'static str {
    match label {
        "none" => "none",
        "bearer" | "wrong-bearer" => "bearer",
        _ => "basic",
    }
}

impl Playback {
    pub fn new(cassettes: Vec<Cassette>) -> Playback {
        let plays = vec![0; cassettes.len()];
        Playback {
            cassettes,
            inner: Mutex::new(Inner {
                sessions: Vec::new(),
                plays,
            }),
            ids: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn cassettes(&self) -> usize {
        self.cassettes.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first exchange at or after `from` that is an Apps API request (storage uploads
    /// are the consumer's business with the storage, not the replay's).
    fn next_api_exchange(&self, cassette: usize, from: usize) -> Option<usize> {
        self.cassettes[cassette]
            .exchanges()
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, exchange)| {
                exchange
                    .get("request")
                    .and_then(|request| request.get("path"))
                    .is_some()
            })
            .map(|(index, _)| index)
    }

    /// The bindings the path of exchange `index` gives, if `incoming` matches it.
    fn matches(
        &self,
        cassette: usize,
        index: usize,
        bindings: &Bindings,
        incoming: &Incoming,
    ) -> Option<Vec<(String, Json)>> {
        let request = self.cassettes[cassette].exchanges()[index].get("request")?;
        if request.get("method").and_then(Json::as_str)? != incoming.method {
            return None;
        }
        let label = request
            .get("auth")
            .and_then(Json::as_str)
            .unwrap_or("tenant");
        if credentials_of(label) != incoming.credentials {
            return None;
        }
        let recorded = request.get("path").and_then(Json::as_str)?;
        let recorded = recorded.split('?').next().unwrap_or("");
        let recorded: Vec<&str> = recorded.split('/').collect();
        let given: Vec<&str> = incoming.route.split('/').collect();
        if recorded.len() != given.len() {
            return None;
        }
        let mut learned = Vec::new();
        for (want, have) in recorded.iter().zip(&given) {
            if is_placeholder(want) {
                match bindings.get(want) {
                    Some(bound) if bound_text(bound) != *have => return None,
                    Some(_) => {}
                    None => learned.push(((*want).to_owned(), segment_value(have))),
                }
            } else if want != have {
                return None;
            }
        }
        Some(learned)
    }

    /// The answer to `incoming`, or why no cassette expects it.
    pub fn answer(&self, incoming: &Incoming) -> Result<Answer, String> {
        let mut inner = self.lock();
        let mut chosen = None;
        for (number, session) in inner.sessions.iter().enumerate() {
            let Some(index) = self.next_api_exchange(session.cassette, session.cursor) else {
                continue;
            };
            if let Some(learned) =
                self.matches(session.cassette, index, &session.bindings, incoming)
            {
                chosen = Some((number, index, learned));
                break;
            }
        }
        if chosen.is_none() {
            let mut order: Vec<usize> = (0..self.cassettes.len()).collect();
            order.sort_by_key(|&cassette| (inner.plays[cassette], cassette));
            for cassette in order {
                let Some(index) = self.next_api_exchange(cassette, 0) else {
                    continue;
                };
                let subdomain = incoming.subdomain.clone().unwrap_or_default();
                let bindings = Bindings::with_ids(&subdomain, "replay", Arc::clone(&self.ids));
                if let Some(learned) = self.matches(cassette, index, &bindings, incoming) {
                    inner.plays[cassette] += 1;
                    inner.sessions.push(Session {
                        cassette,
                        cursor: 0,
                        bindings,
                    });
                    chosen = Some((inner.sessions.len() - 1, index, learned));
                    break;
                }
            }
        }
        let Some((number, index, learned)) = chosen else {
            return Err(self.expected(&inner, incoming));
        };
        let session = &mut inner.sessions[number];
        for (placeholder, value) in learned {
            session.bindings.bind(&placeholder, value);
        }
        let cassette = &self.cassettes[session.cassette];
        let exchange = &cassette.exchanges()[index];
        if let (Some(recorded), Some(body)) = (
            exchange
                .get("request")
                .and_then(|request| request.get("body")),
            &incoming.body,
        ) {
            session.bindings.learn(recorded, body);
        }
        session.cursor = index + 1;
        let response = exchange.get("response").cloned().unwrap_or_default();
        let status = response.get("status").and_then(Json::as_u64).unwrap_or(200) as u16;
        let content_type = response
            .get("content_type")
            .and_then(Json::as_str)
            .map(str::to_owned);
        let body = match response.get("body") {
            None => Vec::new(),
            Some(body) => render_body(&mut session.bindings, body),
        };
        let webhooks = self.webhooks_of(number, session.cassette, index);
        Ok(Answer {
            status,
            content_type,
            body,
            webhooks,
        })
    }

    /// The webhooks that go with exchange `index` of a cassette, by its timeline.
    fn webhooks_of(&self, session: usize, cassette: usize, index: usize) -> Vec<WebhookJob> {
        let cassette_ref = &self.cassettes[cassette];
        let answered = |at: usize| {
            cassette_ref
                .exchange_time(at)
                .and_then(|time| time.get("answered_ms"))
                .and_then(Json::as_u64)
        };
        let mut jobs = Vec::new();
        for (number, hook) in cassette_ref.webhooks().iter().enumerate() {
            let time = cassette_ref.webhook_time(number);
            let before = time
                .and_then(|time| time.get("before_answer_to"))
                .and_then(Json::as_u64);
            let after = time
                .and_then(|time| time.get("after_exchange"))
                .and_then(Json::as_u64);
            let arrived = time
                .and_then(|time| time.get("arrived_ms"))
                .and_then(Json::as_u64);
            let job = |after| WebhookJob {
                session,
                webhook: number,
                after,
            };
            match (time, before, after) {
                (Some(_), Some(before), _) if before as usize == index => jobs.push(job(None)),
                (Some(_), Some(_), _) => {}
                (Some(_), None, after) if after.map_or(0, |at| at as usize) == index => {
                    let delay = arrived
                        .unwrap_or(0)
                        .saturating_sub(answered(index).unwrap_or(0));
                    jobs.push(job(Some(Duration::from_millis(delay))));
                }
                (Some(_), _, _) => {}
                (None, _, _) => {
                    if first_naming(cassette_ref, hook) == Some(index) {
                        jobs.push(job(Some(Duration::ZERO)));
                    }
                }
            }
        }
        jobs
    }

    /// A webhook's body (its ids those of its session) and the `X-Signature-Timestamp`
    /// to sign it with.
    pub fn render_webhook(&self, job: WebhookJob) -> (Vec<u8>, String) {
        let mut inner = self.lock();
        let session = &mut inner.sessions[job.session];
        let cassette = &self.cassettes[session.cassette];
        let hook = &cassette.webhooks()[job.webhook];
        let event = hook.get("event").cloned().unwrap_or_default();
        let body = session.bindings.concrete(&event).to_text().into_bytes();
        let shape = hook
            .get("headers")
            .and_then(|headers| headers.get("x-signature-timestamp"))
            .and_then(Json::as_str)
            .and_then(|value| value.strip_prefix("<timestamp:"))
            .and_then(|value| value.strip_suffix('>'))
            .unwrap_or("0000-00-00T00:00:00Z")
            .to_owned();
        let now = chrono::Utc::now();
        let timestamp = if shape == "epoch" {
            now.timestamp().to_string()
        } else {
            fit_to_shape(&shape, now)
        };
        (body, timestamp)
    }

    /// Every session: its cassette and how far it got.
    pub fn status(&self) -> serde_json::Value {
        let inner = self.lock();
        json!({
            "cassettes": self.cassettes.iter().zip(&inner.plays).map(|(cassette, plays)| json!({
                "name": cassette.name, "exchanges": cassette.exchanges().len(), "plays": plays,
            })).collect::<Vec<_>>(),
            "sessions": inner.sessions.iter().map(|session| json!({
                "cassette": self.cassettes[session.cassette].name,
                "next_exchange": session.cursor,
                "finished": self.next_api_exchange(session.cassette, session.cursor).is_none(),
            })).collect::<Vec<_>>(),
        })
    }

    /// Why nothing matched: what each open session expects next.
    fn expected(&self, inner: &Inner, incoming: &Incoming) -> String {
        let waiting: Vec<String> = inner
            .sessions
            .iter()
            .filter_map(|session| {
                let index = self.next_api_exchange(session.cassette, session.cursor)?;
                let request = self.cassettes[session.cassette].exchanges()[index].get("request")?;
                Some(format!(
                    "{} expects {} {}",
                    self.cassettes[session.cassette].name,
                    request.get("method").and_then(Json::as_str).unwrap_or("?"),
                    request.get("path").and_then(Json::as_str).unwrap_or("?"),
                ))
            })
            .collect();
        let open = if waiting.is_empty() {
            "no session is open, and no cassette starts with it".to_owned()
        } else {
            format!("open sessions: {}", waiting.join("; "))
        };
        format!(
            "no cassette expects {} {} here ({open})",
            incoming.method, incoming.route
        )
    }
}

/// A bound value as a path segment shows it.
fn bound_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_text(),
    }
}

/// A path segment as a value: a number when it is one.
fn segment_value(segment: &str) -> Json {
    segment
        .parse::<u64>()
        .map_or_else(|_| Json::from(segment), Json::from)
}

/// The index of the first exchange whose path or answer names the webhook's chat.
fn first_naming(cassette: &Cassette, hook: &Json) -> Option<usize> {
    let chat = hook
        .get("event")
        .and_then(|event| event.get("chat_id"))
        .and_then(Json::as_str)?;
    cassette
        .exchanges()
        .iter()
        .position(|exchange| exchange.to_text().contains(chat))
}

/// A recorded body as bytes, its placeholders made concrete.
fn render_body(bindings: &mut Bindings, body: &Json) -> Vec<u8> {
    if let (Some(length), Some(_), Json::Object(pairs)) = (
        body.get("bytes").and_then(Json::as_u64),
        body.get("sha256"),
        body,
    ) {
        if pairs.len() == 2 {
            return vec![0; usize::try_from(length).unwrap_or(0)];
        }
    }
    match (body.get("text").and_then(Json::as_str), body) {
        (Some(text), Json::Object(pairs)) if pairs.len() == 1 => bindings.text(text).into_bytes(),
        _ => bindings.concrete(body).to_text().into_bytes(),
    }
}
