//! The recorder: what `ccai-emulator record` keeps while it proxies the Apps API and
//! receives the tenant's webhooks, sorted into cassettes and written as they grow.
//!
//! - **Cassettes.** A request carrying `X-Ccai-Cassette: NAME` goes to cassette NAME (a
//!   scenario). Otherwise each chat has its own cassette (`chat-1`, `chat-2`, ...), opened
//!   by the `POST /chats` that created it; a request naming a chat goes to that chat's; an
//!   end user's requests (`POST /end_users`, `GET /end_users?id=`) are copied into every
//!   cassette of a chat opened for that end user, so each cassette replays on its own; any
//!   other request goes to the chat in progress (or waits for the next one). A webhook goes
//!   to the cassette of its `chat_id` (it may arrive before the `POST /chats` answer names
//!   the chat: it waits until then).
//! - **Order.** A webhook that arrives while a request is in flight is held (its
//!   acknowledgement waits) for up to the order hold: when the answer comes meanwhile, the
//!   platform did not wait for the webhook (it came *after* the answer, as far as a consumer
//!   can tell); when the hold ends first, the answer waited for it (*before* the answer).
//! - **Secrets.** Raw observations stay in memory; each file is the normalised document
//!   (credentials, tokens and secrets are placeholders), scrubbed once more for every
//!   credential and secret seen, and written whole (a temporary file renamed over it).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::cassette::{self, created_chat, Meta, RawExchange, RawWebhook};
use super::json::Json;
use super::normalise::Normaliser;
use crate::features::webhooks::sign;

/// The request header naming the cassette a request belongs to (removed before forwarding).
pub const CASSETTE_HEADER: &str = "x-ccai-cassette";
/// The request header naming the step a request belongs to (removed before forwarding).
pub const STEP_HEADER: &str = "x-ccai-step";
/// The name of the cassette that takes what no chat claimed by the end.
pub const UNASSIGNED: &str = "without-a-chat";

/// How a recorder runs.
#[derive(Debug, Clone)]
pub struct RecorderOptions {
    /// Where cassettes are written (`None`: kept in memory, as `diff` does).
    pub out: Option<PathBuf>,
    pub primary_secret: Option<String>,
    pub secondary_secret: Option<String>,
    /// How long a webhook that arrives during a request is held (see the module's doc).
    pub order_hold: Duration,
    /// `{"source": "tenant", "recorded_at", "region"}`.
    pub provenance: Json,
    /// What every cassette's title starts with.
    pub title: String,
    /// Exact strings to write as a placeholder (a replay's nonce as `<run>`).
    pub literals: Vec<(String, String)>,
}

/// The credentials a request carried, as the recorder keeps them (in memory only): what
/// to replace wherever it would appear.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub subdomain: Option<String>,
    /// The token, the encoded header value and anything else secret.
    pub secrets: Vec<String>,
}

/// What the proxy knows about an exchange besides its raw content.
#[derive(Debug, Clone, Default)]
pub struct ExchangeLabels {
    pub cassette: Option<String>,
    pub step: Option<String>,
}

/// A webhook's arrival, before its hold.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub arrived_ms: u64,
    pub after_exchange: Option<u64>,
    in_flight: BTreeSet<u64>,
}

/// One cassette as it grows.
#[derive(Debug, Default)]
struct Tape {
    name: String,
    exchanges: Vec<RawExchange>,
    webhooks: Vec<RawWebhook>,
    chats: BTreeSet<u64>,
}

#[derive(Debug, Default)]
struct Inner {
    next_seq: u64,
    in_flight: BTreeSet<u64>,
    tapes: Vec<Tape>,
    chat_tape: HashMap<u64, usize>,
    /// The chat cassette in progress (per-chat mode).
    current: Option<usize>,
    /// An end user's exchanges, copied into each cassette of a chat opened for them.
    end_user_exchanges: HashMap<u64, Vec<RawExchange>>,
    /// Exchanges no chat cassette has taken yet.
    pending: Vec<RawExchange>,
    /// Webhooks of chats no cassette has yet.
    orphans: Vec<RawWebhook>,
    next_chat_number: u64,
    subdomains: BTreeSet<String>,
    secrets: BTreeSet<String>,
    /// Problems writing files, for the status page and the log.
    write_errors: Vec<String>,
}

/// The recorder (see the module's doc).
pub struct Recorder {
    options: RecorderOptions,
    start: Instant,
    inner: Mutex<Inner>,
    changes: watch::Sender<u64>,
}

impl Recorder {
    pub fn new(options: RecorderOptions) -> Result<Recorder, String> {
        let mut next_chat_number = 1;
        if let Some(out) = &options.out {
            std::fs::create_dir_all(out)
                .map_err(|error| format!("--out {}: {error}", out.display()))?;
            next_chat_number = first_free_chat_number(out);
        }
        let mut secrets = BTreeSet::new();
        for secret in [&options.primary_secret, &options.secondary_secret]
            .into_iter()
            .flatten()
        {
            secrets.insert(secret.clone());
        }
        Ok(Recorder {
            options,
            start: Instant::now(),
            inner: Mutex::new(Inner {
                next_chat_number,
                secrets,
                ..Inner::default()
            }),
            changes: watch::channel(0).0,
        })
    }

    pub fn options(&self) -> &RecorderOptions {
        &self.options
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn changed(&self) {
        self.changes.send_modify(|count| *count += 1);
    }

    /// A receiver woken at every change (an exchange answered, a webhook recorded).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// A request is about to go upstream: its sequence number and when it was sent.
    pub fn begin_exchange(&self) -> (u64, u64) {
        let mut inner = self.lock();
        inner.next_seq += 1;
        let seq = inner.next_seq;
        inner.in_flight.insert(seq);
        (seq, self.now_ms())
    }

    /// The request got no answer from the upstream: it is not recorded.
    pub fn abandon_exchange(&self, seq: u64) {
        self.lock().in_flight.remove(&seq);
        self.changed();
    }

    /// Milliseconds since the recording started.
    pub fn elapsed_ms(&self) -> u64 {
        self.now_ms()
    }

    /// The answer came: the exchange goes into its cassette (which is written).
    pub fn end_exchange(
        &self,
        mut exchange: RawExchange,
        labels: ExchangeLabels,
        credentials: Credentials,
    ) {
        exchange.answered_ms = self.now_ms();
        exchange.step = labels.step.clone();
        let touched = {
            let mut inner = self.lock();
            inner.in_flight.remove(&exchange.seq);
            if let Some(subdomain) = credentials.subdomain.filter(|s| s.len() >= 3) {
                inner.subdomains.insert(subdomain);
            }
            inner
                .secrets
                .extend(credentials.secrets.into_iter().filter(|s| !s.is_empty()));
            match labels.cassette {
                Some(name) => vec![inner.file_under_name(&name, exchange)],
                None => inner.file_by_chat(exchange),
            }
        };
        self.write(&touched);
        self.changed();
    }

    /// A webhook arrived: when, and which requests were in flight.
    pub fn webhook_arrived(&self) -> Arrival {
        let inner = self.lock();
        Arrival {
            arrived_ms: self.now_ms(),
            after_exchange: (inner.next_seq > 0).then_some(inner.next_seq),
            in_flight: inner.in_flight.clone(),
        }
    }

    /// Holds the acknowledgement of a webhook that arrived during a request, until that
    /// request is answered or the order hold ends; answers the exchange whose answer came
    /// only after the hold (the answer waited for the webhook), if any.
    pub async fn hold(&self, arrival: &Arrival) -> Option<u64> {
        if arrival.in_flight.is_empty() {
            return None;
        }
        let mut changes = self.changes();
        let deadline = tokio::time::Instant::now() + self.options.order_hold;
        loop {
            let unanswered: Vec<u64> = {
                let inner = self.lock();
                arrival
                    .in_flight
                    .iter()
                    .copied()
                    .filter(|seq| inner.in_flight.contains(seq))
                    .collect()
            };
            let latest = unanswered.last().copied()?;
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return Some(latest);
            }
        }
    }

    /// `primary`/`secondary` to `valid`, `invalid`, `absent` or `not checked (no secret
    /// configured)`, as the parity suite says it.
    pub fn verdicts(
        &self,
        signature_header: &str,
        timestamp: &str,
        body: &[u8],
    ) -> Vec<(String, String)> {
        let given: HashMap<&str, &str> = signature_header
            .split_whitespace()
            .filter_map(|part| part.split_once('='))
            .filter(|(_, value)| !value.is_empty())
            .collect();
        [
            ("primary", &self.options.primary_secret),
            ("secondary", &self.options.secondary_secret),
        ]
        .into_iter()
        .map(|(name, secret)| {
            let verdict = match (given.get(name), secret) {
                (None, _) => "absent".to_owned(),
                (Some(_), None) => "not checked (no secret configured)".to_owned(),
                (Some(signature), Some(secret)) => {
                    let expected = sign(secret, timestamp, body);
                    if subtle_eq(signature.as_bytes(), expected.as_bytes()) {
                        "valid".to_owned()
                    } else {
                        "invalid".to_owned()
                    }
                }
            };
            (name.to_owned(), verdict)
        })
        .collect()
    }

    /// A webhook after its hold: into its chat's cassette (which is written).
    pub fn record_webhook(&self, webhook: RawWebhook) {
        let touched = {
            let mut inner = self.lock();
            match webhook
                .chat_id()
                .and_then(|id| inner.chat_tape.get(&id).copied())
            {
                Some(tape) => {
                    inner.tapes[tape].webhooks.push(webhook);
                    vec![tape]
                }
                None => {
                    inner.orphans.push(webhook);
                    Vec::new()
                }
            }
        };
        self.write(&touched);
        self.changed();
    }

    /// Writes what no chat claimed (requests without a chat) as its own cassette; the
    /// recorder stops.
    pub fn finish(&self) {
        let touched = {
            let mut inner = self.lock();
            if inner.pending.is_empty() {
                Vec::new()
            } else {
                let pending = std::mem::take(&mut inner.pending);
                let tape = inner.tape_named(UNASSIGNED);
                inner.tapes[tape].exchanges.extend(pending);
                vec![tape]
            }
        };
        self.write(&touched);
    }

    /// The names of the cassettes so far.
    pub fn names(&self) -> Vec<String> {
        self.lock()
            .tapes
            .iter()
            .map(|tape| tape.name.clone())
            .collect()
    }

    /// Cassettes, exchanges, webhooks and webhooks no chat has claimed, and write errors.
    pub fn status(&self) -> serde_json::Value {
        let inner = self.lock();
        serde_json::json!({
            "cassettes": inner.tapes.iter().map(|tape| serde_json::json!({
                "name": tape.name,
                "exchanges": tape.exchanges.len(),
                "webhooks": tape.webhooks.len(),
            })).collect::<Vec<_>>(),
            "in_flight": inner.in_flight.len(),
            "pending_exchanges": inner.pending.len(),
            "webhooks_without_a_cassette": inner.orphans.len(),
            "write_errors": inner.write_errors,
        })
    }

    /// Cassette `name`'s document and the normaliser that made it.
    pub fn document(&self, name: &str) -> Option<(Json, Normaliser)> {
        let inner = self.lock();
        let tape = inner.tapes.iter().find(|tape| tape.name == name)?;
        Some(self.render(&inner, tape))
    }

    /// Cassette `name`'s distinct webhooks in history order, raw (for a replay's mapping).
    pub fn raw_webhooks(&self, name: &str) -> Vec<RawWebhook> {
        let inner = self.lock();
        let Some(tape) = inner.tapes.iter().find(|tape| tape.name == name) else {
            return Vec::new();
        };
        let chats = cassette::chats_met(&tape.exchanges);
        let ours: Vec<RawWebhook> = tape
            .webhooks
            .iter()
            .filter(|hook| hook.chat_id().is_some_and(|id| chats.contains(&id)))
            .cloned()
            .collect();
        cassette::history_order(cassette::distinct(&ours), &chats)
            .into_iter()
            .map(|(hook, _)| hook.clone())
            .collect()
    }

    fn render(&self, inner: &Inner, tape: &Tape) -> (Json, Normaliser) {
        let mut exchanges = tape.exchanges.clone();
        exchanges.sort_by_key(|exchange| exchange.seq);
        let base = exchanges.first().map_or(0, |exchange| exchange.sent_ms);
        for exchange in &mut exchanges {
            exchange.sent_ms = exchange.sent_ms.saturating_sub(base);
            exchange.answered_ms = exchange.answered_ms.saturating_sub(base);
        }
        let webhooks: Vec<RawWebhook> = tape
            .webhooks
            .iter()
            .map(|hook| RawWebhook {
                arrived_ms: hook.arrived_ms.saturating_sub(base),
                ..hook.clone()
            })
            .collect();
        let mut literals: Vec<(String, String)> = inner
            .subdomains
            .iter()
            .map(|subdomain| (subdomain.clone(), "<tenant>".to_owned()))
            .collect();
        literals.extend(self.options.literals.iter().cloned());
        literals.extend(
            inner
                .secrets
                .iter()
                .filter(|secret| secret.len() >= 4)
                .map(|secret| (secret.clone(), "<redacted>".to_owned())),
        );
        let title = if tape.name.starts_with("chat-") {
            format!("{}: {}", self.options.title, tape.name)
        } else {
            self.options.title.clone()
        };
        let meta = Meta {
            name: tape.name.clone(),
            title,
            provenance: self.options.provenance.clone(),
            order_hold_ms: self.options.order_hold.as_millis() as u64,
        };
        cassette::document(&meta, &exchanges, &webhooks, literals)
    }

    /// Writes the touched cassettes (nothing without an output folder).
    fn write(&self, touched: &[usize]) {
        let Some(out) = &self.options.out else {
            return;
        };
        let mut inner = self.lock();
        let secrets: Vec<String> = inner.secrets.iter().cloned().collect();
        let mut errors = Vec::new();
        for &index in touched {
            let tape = &inner.tapes[index];
            let (document, _) = self.render(&inner, tape);
            let text =
                serde_json::to_string_pretty(&document).expect("a cassette serialises") + "\n";
            let text = cassette::scrub(&text, &secrets);
            if let Err(error) = write_atomically(&out.join(format!("{}.json", tape.name)), &text) {
                tracing::error!(cassette = %tape.name, "cannot write the cassette: {error}");
                errors.push(format!("{}: {error}", tape.name));
            }
        }
        inner.write_errors.extend(errors);
    }
}

impl Inner {
    fn tape_named(&mut self, name: &str) -> usize {
        if let Some(index) = self.tapes.iter().position(|tape| tape.name == name) {
            return index;
        }
        self.tapes.push(Tape {
            name: name.to_owned(),
            ..Tape::default()
        });
        self.tapes.len() - 1
    }

    fn claim_chats(&mut self, tape: usize, exchange: &RawExchange) {
        let mut chats = cassette::chats_met(std::slice::from_ref(exchange));
        chats.retain(|chat| !self.chat_tape.contains_key(chat));
        for chat in chats {
            self.chat_tape.insert(chat, tape);
            self.tapes[tape].chats.insert(chat);
            let (theirs, others): (Vec<RawWebhook>, Vec<RawWebhook>) =
                std::mem::take(&mut self.orphans)
                    .into_iter()
                    .partition(|hook| hook.chat_id() == Some(chat));
            self.orphans = others;
            self.tapes[tape].webhooks.extend(theirs);
        }
    }

    /// A request labelled with a cassette name goes there.
    fn file_under_name(&mut self, name: &str, exchange: RawExchange) -> usize {
        let tape = self.tape_named(name);
        self.claim_chats(tape, &exchange);
        self.tapes[tape].exchanges.push(exchange);
        tape
    }

    /// Per-chat filing (see the module's doc); answers the cassettes touched.
    fn file_by_chat(&mut self, exchange: RawExchange) -> Vec<usize> {
        if created_chat(&exchange).is_some() {
            let number = self.next_chat_number;
            self.next_chat_number += 1;
            let tape = self.tape_named(&format!("chat-{number}"));
            if let Some(end_user) = end_user_of_chat(&exchange) {
                let theirs = self
                    .end_user_exchanges
                    .get(&end_user)
                    .cloned()
                    .unwrap_or_default();
                self.pending
                    .retain(|pending| !theirs.iter().any(|own| own.seq == pending.seq));
                self.tapes[tape].exchanges.extend(theirs);
            }
            let pending = std::mem::take(&mut self.pending);
            self.tapes[tape].exchanges.extend(pending);
            self.claim_chats(tape, &exchange);
            self.tapes[tape].exchanges.push(exchange);
            self.current = Some(tape);
            return vec![tape];
        }
        let named = cassette::chats_met(std::slice::from_ref(&exchange))
            .into_iter()
            .find_map(|chat| self.chat_tape.get(&chat).copied());
        if let Some(tape) = named {
            self.tapes[tape].exchanges.push(exchange);
            return vec![tape];
        }
        if let Some(end_user) = end_user_of_exchange(&exchange) {
            self.end_user_exchanges
                .entry(end_user)
                .or_default()
                .push(exchange.clone());
            // The cassettes of this end user's chats take it too.
            let tapes: Vec<usize> = self
                .tapes
                .iter()
                .enumerate()
                .filter(|(_, tape)| {
                    tape.exchanges
                        .iter()
                        .any(|own| end_user_of_chat(own) == Some(end_user))
                })
                .map(|(index, _)| index)
                .collect();
            for &tape in &tapes {
                self.tapes[tape].exchanges.push(exchange.clone());
            }
            if tapes.is_empty() {
                self.pending.push(exchange);
            }
            return tapes;
        }
        match self.current {
            Some(tape) => {
                self.tapes[tape].exchanges.push(exchange);
                vec![tape]
            }
            None => {
                self.pending.push(exchange);
                Vec::new()
            }
        }
    }
}

/// The end user a `POST /chats` opened a chat for (from its answer, else its request).
fn end_user_of_chat(exchange: &RawExchange) -> Option<u64> {
    created_chat(exchange)?;
    let answer = Json::parse(&exchange.response_body).ok();
    let request = exchange
        .request_body
        .as_deref()
        .and_then(|body| Json::parse(body).ok());
    let from = |value: &Json| {
        value
            .get("end_user_id")
            .or_else(|| value.get("end_user").and_then(|user| user.get("id")))
            .or_else(|| value.get("chat").and_then(|chat| chat.get("end_user_id")))
            .and_then(id_number)
    };
    answer
        .as_ref()
        .and_then(from)
        .or_else(|| request.as_ref().and_then(from))
}

/// The end user an `/end_users` exchange is about (its answer's `id`, or `?id=`).
fn end_user_of_exchange(exchange: &RawExchange) -> Option<u64> {
    let (route, query) = exchange
        .path
        .split_once('?')
        .unwrap_or((&exchange.path, ""));
    if route != "/end_users" {
        return None;
    }
    let answer = Json::parse(&exchange.response_body).ok();
    answer
        .as_ref()
        .and_then(|answer| answer.get("id"))
        .and_then(id_number)
        .or_else(|| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("id="))
                .and_then(|id| id.parse().ok())
        })
}

fn id_number(value: &Json) -> Option<u64> {
    match value {
        Json::Number(_) => value.as_u64(),
        Json::String(text) => text.parse().ok(),
        _ => None,
    }
}

fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.ct_eq(b))
}

/// The chat number after the highest `chat-N.json` already in the folder.
fn first_free_chat_number(out: &Path) -> u64 {
    std::fs::read_dir(out)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    name.strip_prefix("chat-")?
                        .strip_suffix(".json")?
                        .parse::<u64>()
                        .ok()
                })
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
        + 1
}

/// A cassette name from a header: letters, digits, `.`, `_`, `-`, and `/` between parts
/// (a scenario's `module/name`); anything else becomes `-`.
pub fn cassette_name(raw: &str) -> Option<String> {
    let parts: Vec<String> = raw
        .split('/')
        .map(|part| {
            part.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .filter(|part| !part.is_empty() && part != "." && part != "..")
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.tmp"));
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> RecorderOptions {
        RecorderOptions {
            out: None,
            primary_secret: Some("primary-secret".into()),
            secondary_secret: None,
            order_hold: Duration::from_millis(50),
            provenance: Json::Null,
            title: "t".into(),
            literals: Vec::new(),
        }
    }

    fn exchange(seq: u64, method: &str, path: &str, request: &str, answer: &str) -> RawExchange {
        RawExchange {
            seq,
            method: method.into(),
            path: path.into(),
            auth: "tenant".into(),
            step: None,
            request_content_type: Some("application/json".into()),
            request_body: (!request.is_empty()).then(|| request.as_bytes().to_vec()),
            status: 200,
            response_content_type: Some("application/json".into()),
            response_body: answer.as_bytes().to_vec(),
            sent_ms: 0,
            answered_ms: 0,
        }
    }

    #[test]
    fn each_chat_gets_its_cassette_with_its_end_users_requests() {
        let recorder = Recorder::new(options()).unwrap();
        let record = |e: RawExchange| {
            let (seq, _) = recorder.begin_exchange();
            recorder.end_exchange(
                RawExchange { seq, ..e },
                ExchangeLabels::default(),
                Credentials::default(),
            );
        };
        record(exchange(
            0,
            "POST",
            "/end_users",
            r#"{"identifier":"ann"}"#,
            r#"{"id":1}"#,
        ));
        record(exchange(
            0,
            "POST",
            "/end_users",
            r#"{"identifier":"bob"}"#,
            r#"{"id":2}"#,
        ));
        record(exchange(
            0,
            "POST",
            "/chats",
            r#"{"end_user_id":1}"#,
            r#"{"id":10,"end_user_id":1}"#,
        ));
        record(exchange(
            0,
            "POST",
            "/chats",
            r#"{"end_user_id":2}"#,
            r#"{"id":11,"end_user_id":2}"#,
        ));
        record(exchange(0, "GET", "/chats/10", "", r#"{"id":10}"#));
        record(exchange(0, "GET", "/chats/999", "", r#"{"message":"no"}"#));
        assert_eq!(recorder.names(), vec!["chat-1", "chat-2"]);
        let paths = |name: &str| -> Vec<String> {
            let (document, _) = recorder.document(name).unwrap();
            document
                .get("exchanges")
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    e.get("request")
                        .unwrap()
                        .get("path")
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect()
        };
        assert_eq!(
            paths("chat-1"),
            vec!["/end_users", "/end_users", "/chats", "/chats/<chat:1>"]
        );
        assert_eq!(
            paths("chat-2"),
            vec!["/end_users", "/chats", "/chats/<chat:2>"]
        );
    }

    #[test]
    fn a_webhook_that_comes_before_its_chat_is_answered_joins_its_cassette() {
        let recorder = Recorder::new(options()).unwrap();
        let (seq, _) = recorder.begin_exchange();
        let event = r#"{"event_type": "chat_created", "chat_id": 10, "body": {}}"#;
        recorder.record_webhook(RawWebhook {
            raw_body: event.as_bytes().to_vec(),
            event: Json::parse(event.as_bytes()).unwrap(),
            headers: Vec::new(),
            signatures: Vec::new(),
            arrived_ms: 0,
            after_exchange: Some(seq),
            before_answer_to: Some(seq),
        });
        assert_eq!(recorder.status()["webhooks_without_a_cassette"], 1);
        recorder.end_exchange(
            RawExchange {
                seq,
                ..exchange(0, "POST", "/chats", r#"{"end_user_id":1}"#, r#"{"id":10}"#)
            },
            ExchangeLabels::default(),
            Credentials::default(),
        );
        let (document, _) = recorder.document("chat-1").unwrap();
        assert_eq!(
            document.get("webhooks").unwrap().as_array().unwrap().len(),
            1
        );
        let timeline = document
            .get("timeline")
            .unwrap()
            .get("webhooks")
            .unwrap()
            .to_text();
        assert!(timeline.contains(r#""before_answer_to":0"#), "{timeline}");
        assert_eq!(recorder.status()["webhooks_without_a_cassette"], 0);
    }

    #[test]
    fn verdicts_say_valid_invalid_absent_or_not_checked() {
        let recorder = Recorder::new(options()).unwrap();
        let good = sign("primary-secret", "ts", b"{}");
        let verdicts = recorder.verdicts(&format!("primary={good} secondary=xyz"), "ts", b"{}");
        assert_eq!(
            verdicts,
            vec![
                ("primary".to_owned(), "valid".to_owned()),
                (
                    "secondary".to_owned(),
                    "not checked (no secret configured)".to_owned()
                )
            ]
        );
        assert_eq!(
            recorder.verdicts("primary=bad", "ts", b"{}")[0].1,
            "invalid"
        );
        assert_eq!(recorder.verdicts("", "ts", b"{}")[0].1, "absent");
    }

    #[test]
    fn names_from_headers_are_kept_inside_the_folder() {
        assert_eq!(cassette_name("chats/a b").as_deref(), Some("chats/a-b"));
        assert_eq!(
            cassette_name("../../etc/passwd").as_deref(),
            Some("etc/passwd")
        );
        assert_eq!(cassette_name("/"), None);
    }
}
