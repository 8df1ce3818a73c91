//! From placeholders back to values, for a replay: a cassette's requests say `<chat:1>`
//! where the tenant had chat 4711; a replay must send the id the emulator (or the replay
//! server) handed out instead. [`Bindings`] learns each placeholder's value by walking a
//! recorded (normalised) answer or webhook together with the raw one the replay got, and
//! makes up a value for a placeholder nothing bound: a fresh id (900001, ...) for an id the
//! recording never saw answered (an unknown chat on purpose), the replay's subdomain for
//! `<tenant>`, now (in the recorded format) for a timestamp, N characters for a long text.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::json::Json;

static EMBEDDED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([a-z0-9_]+)(?::([^>]*))?>").expect("regex"));
static WHOLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<[a-z0-9_]+(:[^>]*)?>$").expect("regex"));

/// Whether `text` is one placeholder: the normaliser's rule, and kinds with a digit
/// (`<s3_path:1>`, which the parity suite's pattern does not take for a placeholder).
pub fn is_placeholder(text: &str) -> bool {
    WHOLE.is_match(text)
}

/// The first id made up for a placeholder nothing bound (far from what a fresh emulator
/// hands out).
const INVENTED_IDS: u64 = 900_000;

/// Kinds whose placeholders stand for ids (a made-up one is a number).
const ID_KINDS: &[&str] = &[
    "chat",
    "end_user",
    "message",
    "media",
    "escalation",
    "menu",
    "agent",
    "virtual_agent",
    "id",
];

/// Placeholders and the values they stand for in one replay.
#[derive(Debug, Clone)]
pub struct Bindings {
    values: HashMap<String, Json>,
    /// Where made-up ids come from (shared when several replays must not collide).
    invented: Arc<AtomicU64>,
    subdomain: String,
    nonce: String,
}

impl Bindings {
    /// `subdomain` stands for `<tenant>`; `nonce` for `<run>` (the parity suite's).
    pub fn new(subdomain: &str, nonce: &str) -> Bindings {
        Bindings::with_ids(subdomain, nonce, Arc::new(AtomicU64::new(INVENTED_IDS)))
    }

    /// Made-up ids come from `ids` (the next one is one more than its value).
    pub fn with_ids(subdomain: &str, nonce: &str, ids: Arc<AtomicU64>) -> Bindings {
        Bindings {
            values: HashMap::new(),
            invented: ids,
            subdomain: subdomain.to_owned(),
            nonce: nonce.to_owned(),
        }
    }

    /// The value bound to `placeholder`, if any.
    pub fn get(&self, placeholder: &str) -> Option<&Json> {
        self.values.get(placeholder)
    }

    /// Binds `placeholder` (first binding wins).
    pub fn bind(&mut self, placeholder: &str, value: Json) {
        self.values.entry(placeholder.to_owned()).or_insert(value);
    }

    /// Walks `recorded` (normalised) and `raw` together: wherever the recording has an
    /// id or token placeholder and the replay a plain value, binds one to the other.
    pub fn learn(&mut self, recorded: &Json, raw: &Json) {
        match (recorded, raw) {
            (Json::String(text), Json::String(_) | Json::Number(_)) if bindable(text) => {
                self.bind(text, raw.clone());
            }
            (Json::Object(want), Json::Object(have)) => {
                for (key, value) in want {
                    if let Some((_, other)) = have.iter().find(|(name, _)| name == key) {
                        self.learn(value, other);
                    }
                }
            }
            (Json::Array(want), Json::Array(have)) => {
                for (value, other) in want.iter().zip(have) {
                    self.learn(value, other);
                }
            }
            _ => {}
        }
    }

    /// A recorded value with every placeholder replaced by its value.
    pub fn concrete(&mut self, recorded: &Json) -> Json {
        match recorded {
            Json::String(text) if is_placeholder(text) => self.value_of(text),
            Json::String(text) => Json::String(self.text(text)),
            Json::Array(items) => {
                Json::Array(items.iter().map(|item| self.concrete(item)).collect())
            }
            Json::Object(pairs) => Json::Object(
                pairs
                    .iter()
                    .map(|(key, value)| (key.clone(), self.concrete(value)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Text with each embedded placeholder replaced by its value's text.
    pub fn text(&mut self, text: &str) -> String {
        let found: Vec<(usize, usize, String)> = EMBEDDED
            .find_iter(text)
            .map(|m| (m.start(), m.end(), m.as_str().to_owned()))
            .collect();
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (start, end, placeholder) in found {
            out.push_str(&text[last..start]);
            match self.value_of(&placeholder) {
                Json::String(value) => out.push_str(&value),
                other => out.push_str(&other.to_text()),
            }
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// A recorded path (`/chats/<chat:1>?id=<end_user:2>`) with its values, query values
    /// percent-encoded.
    pub fn path(&mut self, recorded: &str) -> String {
        let (route, query) = match recorded.split_once('?') {
            Some((route, query)) => (route, Some(query)),
            None => (recorded, None),
        };
        let route = self.text(route);
        let Some(query) = query else {
            return route;
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                format!("{name}={}", percent_encode(&self.text(value)))
            })
            .collect();
        format!("{route}?{}", pairs.join("&"))
    }

    /// The value of one placeholder: bound, or made up (and bound from then on).
    fn value_of(&mut self, placeholder: &str) -> Json {
        if let Some(value) = self.values.get(placeholder) {
            return value.clone();
        }
        let inner = &placeholder[1..placeholder.len() - 1];
        let (kind, detail) = inner.split_once(':').unwrap_or((inner, ""));
        let value = match kind {
            "tenant" => return Json::from(self.subdomain.as_str()),
            "run" => return Json::from(self.nonce.as_str()),
            "timestamp" if detail == "epoch" => {
                return Json::from(chrono::Utc::now().timestamp().max(0) as u64)
            }
            "timestamp" => return Json::from(fit_to_shape(detail, chrono::Utc::now())),
            "long_text" => {
                let length = detail
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                return Json::from("x".repeat(length));
            }
            "redacted" | "n" => return Json::from(placeholder),
            kind if ID_KINDS.contains(&kind) => {
                Json::from(self.invented.fetch_add(1, Ordering::Relaxed) + 1)
            }
            "url" => Json::from(format!("https://replay.invalid/{detail}")),
            kind => Json::from(format!("replay-{kind}-{detail}")),
        };
        self.values.insert(placeholder.to_owned(), value.clone());
        value
    }
}

/// Whether a placeholder stands for one value a replay can learn (an id, a token, a URL).
fn bindable(text: &str) -> bool {
    if !is_placeholder(text) {
        return false;
    }
    let kind = text[1..text.len() - 1].split(':').next().unwrap_or("");
    !matches!(
        kind,
        "timestamp" | "long_text" | "tenant" | "run" | "redacted" | "n"
    ) && text.contains(':')
}

/// `now` written in a recorded timestamp's shape (`0000-00-00T00:00:00.000Z`): its digits
/// in order (year, month, day, hours, minutes, seconds, fraction); an offset is `+00:00`.
pub fn fit_to_shape(shape: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let digits = now.format("%Y%m%d%H%M%S%f").to_string();
    let mut digits = digits.chars();
    let mut out = String::with_capacity(shape.len());
    let mut in_offset = false;
    for (index, c) in shape.chars().enumerate() {
        if index > 10 && (c == '+' || (c == '-' && index > 16)) {
            in_offset = true;
        }
        if c == '0' && !in_offset {
            out.push(digits.next().unwrap_or('0'));
        } else {
            out.push(c);
        }
    }
    out
}

/// A header value that carries any text: `%` and what is not visible ASCII percent-encoded
/// (the recorder decodes `X-Ccai-Cassette` and `X-Ccai-Step` with [`header_text`]).
pub fn header_value(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if (0x20..0x7f).contains(&byte) && byte != b'%' {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// The text of a header value made by [`header_value`] (`%XX` decoded, nothing else).
pub fn header_text(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_hexdigit);
        if bytes[index] == b'%' && hex(index + 1) && hex(index + 2) {
            let pair = std::str::from_utf8(&bytes[index + 1..index + 3]).expect("hex digits");
            out.push(u8::from_str_radix(pair, 16).expect("two hex digits"));
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but the unreserved characters (RFC 3986).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        Json::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn learned_values_replace_placeholders_and_the_rest_is_made_up() {
        let mut bindings = Bindings::new("acme", "r1");
        bindings.learn(
            &json(r#"{"id": "<chat:1>", "end_user": {"id": "<end_user:1>"}, "created_at": "<timestamp:0000>"}"#),
            &json(r#"{"id": 7, "end_user": {"id": "12"}, "created_at": "2026"}"#),
        );
        assert_eq!(bindings.get("<chat:1>"), Some(&Json::from(7u64)));
        assert_eq!(bindings.get("<timestamp:0000>"), None);
        let body = bindings.concrete(&json(
            r#"{"chat_id": "<chat:1>", "user": "<end_user:1>", "other": "<chat:2>", "text": "hi <tenant> conformance-a-<run>"}"#,
        ));
        assert_eq!(
            body.to_text(),
            r#"{"chat_id":7,"user":"12","other":900001,"text":"hi acme conformance-a-r1"}"#
        );
        assert_eq!(
            bindings.path("/chats/<chat:2>/x?id=<end_user:1>&q=a b"),
            "/chats/900001/x?id=12&q=a%20b"
        );
    }

    #[test]
    fn header_values_carry_any_text() {
        let step = "ask \u{e9}t\u{e9} 100% done";
        let value = header_value(step);
        assert!(value.is_ascii() && !value.contains("% "), "{value}");
        assert_eq!(header_text(&value), step);
        assert_eq!(header_text("plain text"), "plain text");
    }

    #[test]
    fn timestamps_are_now_in_the_recorded_shape() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-06T21:59:46.123456789Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            fit_to_shape("0000-00-00T00:00:00Z", now),
            "2026-12-06T21:59:46Z"
        );
        assert_eq!(
            fit_to_shape("0000-00-00 00:00:00.000+00:00", now),
            "2026-12-06 21:59:46.123+00:00"
        );
    }
}
