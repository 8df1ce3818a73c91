//! The parity suite's normaliser (`conformance/harness/normalise.py`), rule for rule: what
//! varies from run to run becomes a stable placeholder that keeps identity, so a cassette
//! and a snapshot read alike and one compares with the other. The key tables below are the
//! same as the Python module's; `conformance/tests/normaliser_vectors.json` holds cases both
//! implementations must answer identically (a test on each side reads it).
//!
//! The rules, in the order they apply to a value: ids under an id key (`chat_id`, an `id`
//! by the object it is in, a numeric path segment by its collection) become `<kind:n>`,
//! numbered per kind in order of first appearance; timestamps become `<timestamp:SHAPE>`
//! (every digit a 0; no identity); URLs `<url:n>`; tokens and storage keys `<kind:n>`;
//! strings over 1,000 characters their length and digest; literals (a run's nonce, the
//! tenant's subdomain, a credential) their placeholder; ids in free text after a word naming
//! their kind; a parser's `at line L column C` as `at line <n> column <n>`.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

use super::json::Json;

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^<[a-z_]+(:[^>]*)?>$").expect("regex"));
static TIME_KEYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|_)(at|timestamp|date|time)$|^x-amz-date$|^x-signature-timestamp$")
        .expect("regex")
});
static ISO_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
        .expect("regex")
});
static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)^https?://").expect("regex"));
static NUMBER_AFTER_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([A-Za-z_]{1,32})(\W{0,3})(\d+)\b").expect("regex"));
static PARSE_POSITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bat line \d+ column \d+").expect("regex"));
static DIGIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]").expect("regex"));

/// Longer strings (a deliberately oversized body) are kept as their length and digest.
const LONG_TEXT: usize = 1000;

/// Keys whose integer value is an id of a known kind.
fn id_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "chat_id" => "chat",
        "end_user_id" | "from_user_id" | "finished_by_user_id" => "end_user",
        "message_id" => "message",
        "media_id" => "media",
        "escalation_id" => "escalation",
        "menu_id" => "menu",
        "x-amz-meta-chat-id" => "chat",
        _ => return None,
    })
}

/// The kind of `id` inside an object held under these keys (or in a list under them).
fn object_kind(key: &str) -> Option<&'static str> {
    Some(match key {
        "end_user" => "end_user",
        "agent" | "all_agents" => "agent",
        "virtual_agent" | "all_virtual_agents" => "virtual_agent",
        "escalation" | "escalations" => "escalation",
        "chat" => "chat",
        "menus" => "menu",
        _ => return None,
    })
}

/// A numeric path segment takes the kind of the collection before it.
pub fn path_kind(collection: &str) -> Option<&'static str> {
    Some(match collection {
        "chats" => "chat",
        "end_users" => "end_user",
        "escalations" => "escalation",
        "media" | "photos" | "videos" => "media",
        "messages" => "message",
        _ => return None,
    })
}

/// String values under these keys are tokens; `key` and `s3_path` share a kind, since the
/// upload form's `key` is what registration takes as `s3_path`.
fn token_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "policy" => "policy",
        "x-amz-signature" | "signature" => "signature",
        "x-amz-credential" => "credential",
        "x-amz-security-token" | "token" | "request_id" => "token",
        "etag" => "etag",
        "s3_path" | "s3_paths" | "key" => "s3_path",
        _ => return None,
    })
}

/// In free text, a number right after one of these words is an id of that kind.
fn text_hint(word: &str) -> Option<&'static str> {
    Some(match word {
        "chat" | "chats" | "chat_id" => "chat",
        "escalation" | "escalations" | "escalation_id" => "escalation",
        "media" | "media_id" => "media",
        "message" | "message_id" => "message",
        "end_user_id" | "from_user_id" | "user" => "end_user",
        _ => return None,
    })
}

/// Whether `text` is already a placeholder (`<chat:1>`, `<tenant>`).
pub fn is_placeholder(text: &str) -> bool {
    PLACEHOLDER.is_match(text)
}

/// `str.isdigit()` for the ids the platform sends.
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Placeholders for one cassette (or scenario): feed it everything observed, in order.
#[derive(Debug, Default, Clone)]
pub struct Normaliser {
    /// Exact strings replaced wherever they occur, longest first.
    literals: Vec<(String, String)>,
    ids: HashMap<(String, String), String>,
    tokens: HashMap<(String, String), String>,
    counters: HashMap<String, u64>,
    /// Each placeholder handed out, to the raw value it stands for.
    raw_of: HashMap<String, String>,
}

impl Normaliser {
    /// `literals`: exact strings to replace wherever they occur (a credential, the tenant's
    /// subdomain), with their placeholder.
    pub fn new(literals: Vec<(String, String)>) -> Normaliser {
        let mut literals: Vec<(String, String)> = literals
            .into_iter()
            .filter(|(literal, _)| !literal.is_empty())
            .collect();
        // Python sorts stably by length, longest first.
        literals.sort_by_key(|(literal, _)| std::cmp::Reverse(literal.chars().count()));
        Normaliser {
            literals,
            ..Normaliser::default()
        }
    }

    /// The placeholder of id `raw` of `kind` (a new one on first sight).
    pub fn identity(&mut self, kind: &str, raw: &str) -> String {
        let key = (kind.to_owned(), raw.to_owned());
        if let Some(found) = self.ids.get(&key) {
            return found.clone();
        }
        let placeholder = self.next(kind);
        self.raw_of.insert(placeholder.clone(), raw.to_owned());
        self.ids.insert(key, placeholder.clone());
        placeholder
    }

    pub fn token(&mut self, kind: &str, raw: &str) -> String {
        let key = (kind.to_owned(), raw.to_owned());
        if let Some(found) = self.tokens.get(&key) {
            return found.clone();
        }
        let placeholder = self.next(kind);
        self.raw_of.insert(placeholder.clone(), raw.to_owned());
        self.tokens.insert(key, placeholder.clone());
        placeholder
    }

    fn next(&mut self, kind: &str) -> String {
        let counter = self.counters.entry(kind.to_owned()).or_insert(0);
        *counter += 1;
        format!("<{kind}:{counter}>")
    }

    /// The raw value a placeholder stands for, when this normaliser handed it out.
    pub fn raw_of(&self, placeholder: &str) -> Option<&str> {
        self.raw_of.get(placeholder).map(String::as_str)
    }

    /// `value` normalised; `key` is the name it is held under, `kind` the kind of the
    /// object it belongs to (what an `id` key inside it means).
    pub fn value(&mut self, value: &Json, key: Option<&str>, kind: Option<&str>) -> Json {
        match value {
            Json::Object(pairs) => self.object(pairs, key, kind),
            Json::Array(items) => {
                let item_kind = match key {
                    Some(key) => object_kind(key).map(str::to_owned),
                    None => kind.map(str::to_owned),
                };
                let item_key = key.filter(|key| token_key(key).is_some());
                Json::Array(
                    items
                        .iter()
                        .map(|item| self.value(item, item_key, item_kind.as_deref()))
                        .collect(),
                )
            }
            Json::Bool(_) | Json::Null => value.clone(),
            Json::Number(number) => {
                let lowered = key.unwrap_or("").to_lowercase();
                if value.is_integer() {
                    if let Some(id_kind) = self.id_kind(&lowered, kind) {
                        return Json::String(self.identity(&id_kind, &number.to_string()));
                    }
                }
                if TIME_KEYS.is_match(&lowered) {
                    return Json::str("<timestamp:epoch>");
                }
                value.clone()
            }
            Json::String(text) => {
                let lowered = key.unwrap_or("").to_lowercase();
                if is_digits(text) {
                    if let Some(id_kind) = self.id_kind(&lowered, kind) {
                        return Json::String(self.identity(&id_kind, text));
                    }
                }
                Json::String(self.string(text, &lowered))
            }
        }
    }

    fn id_kind(&self, lowered: &str, kind: Option<&str>) -> Option<String> {
        id_key(lowered)
            .map(str::to_owned)
            .or_else(|| (lowered == "id").then(|| kind.unwrap_or("id").to_owned()))
    }

    fn object(&mut self, pairs: &[(String, Json)], key: Option<&str>, kind: Option<&str>) -> Json {
        let mut own_kind: Option<String> = match key {
            Some(key) => object_kind(key).map(str::to_owned),
            None => kind.map(str::to_owned),
        };
        if key == Some("sender") {
            let sender_type = pairs
                .iter()
                .find(|(name, _)| name == "type")
                .map(|(_, value)| python_str(value))
                .unwrap_or_else(|| "None".to_owned());
            own_kind = Some(
                match sender_type.as_str() {
                    "end_user" => "end_user",
                    "agent" => "agent",
                    _ => "virtual_agent",
                }
                .to_owned(),
            );
        }
        Json::Object(
            pairs
                .iter()
                .map(|(name, item)| {
                    let normalised = self.value(item, Some(name), own_kind.as_deref());
                    (name.clone(), normalised)
                })
                .collect(),
        )
    }

    fn string(&mut self, value: &str, lowered_key: &str) -> String {
        if is_placeholder(value) {
            return value.to_owned();
        }
        let length = value.chars().count();
        if length > LONG_TEXT {
            let digest = hex(&Sha256::digest(value.as_bytes()));
            return format!("<long_text:{length} characters, sha256 {}>", &digest[..16]);
        }
        if TIME_KEYS.is_match(lowered_key) || ISO_TIME.is_match(value) {
            return format!("<timestamp:{}>", DIGIT.replace_all(value, "0"));
        }
        if URL.is_match(value) {
            return self.token("url", value);
        }
        if let Some(kind) = token_key(lowered_key) {
            return self.token(kind, value);
        }
        if lowered_key == "x-amz-meta-tenant" {
            return "<tenant>".to_owned();
        }
        self.text(value)
    }

    /// Free text: literals replaced, then a parser's position, then ids after a kind word.
    pub fn text(&mut self, text: &str) -> String {
        let mut text = text.to_owned();
        for (literal, placeholder) in &self.literals {
            text = text.replace(literal.as_str(), placeholder);
        }
        let text = PARSE_POSITION
            .replace_all(&text, "at line <n> column <n>")
            .into_owned();
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let matches: Vec<(usize, usize, String, String, String)> = NUMBER_AFTER_WORD
            .captures_iter(&text)
            .map(|captures| {
                let whole = captures.get(0).expect("match");
                (
                    whole.start(),
                    whole.end(),
                    captures[1].to_owned(),
                    captures[2].to_owned(),
                    captures[3].to_owned(),
                )
            })
            .collect();
        for (start, end, word, gap, number) in matches {
            out.push_str(&text[last..start]);
            match text_hint(&word.to_lowercase()) {
                Some(kind) => {
                    let placeholder = self.identity(kind, &number);
                    out.push_str(&format!("{word}{gap}{placeholder}"));
                }
                None => out.push_str(&text[start..end]),
            }
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// `/chats/42/escalations/7?x=1` as `/chats/<chat:1>/escalations/<escalation:1>?x=1`
    /// (query values normalised by their names; the collection names `id`'s kind).
    pub fn path(&mut self, path: &str) -> String {
        let (route, query) = match path.split_once('?') {
            Some((route, query)) => (route, Some(query)),
            None => (path, None),
        };
        let mut segments: Vec<String> = route.split('/').map(str::to_owned).collect();
        for index in 0..segments.len() {
            if is_digits(&segments[index]) {
                let before = if index > 0 {
                    segments[index - 1].clone()
                } else {
                    String::new()
                };
                let kind = path_kind(&before).unwrap_or("id");
                let raw = segments[index].clone();
                segments[index] = self.identity(kind, &raw);
            }
        }
        let normalised = segments.join("/");
        let Some(query) = query.filter(|query| !query.is_empty()) else {
            return normalised;
        };
        let resource = route
            .split('/')
            .rev()
            .find(|segment| !segment.is_empty() && !is_digits(segment))
            .and_then(path_kind);
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| {
                let (name, raw) = pair.split_once('=').unwrap_or((pair, ""));
                let value = self.value(&Json::str(unquote_plus(raw)), Some(name), resource);
                format!("{name}={}", python_str(&value))
            })
            .collect();
        format!("{normalised}?{}", pairs.join("&"))
    }
}

/// What Python's `str()` (or an f-string) makes of a JSON value: a string as it is.
fn python_str(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        Json::Null => "None".to_owned(),
        Json::Bool(true) => "True".to_owned(),
        Json::Bool(false) => "False".to_owned(),
        other => other.to_text(),
    }
}

/// `urllib.parse.unquote_plus`: `+` is a space, `%XX` a byte (UTF-8, lossy).
pub fn unquote_plus(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len()
                && bytes[index + 1].is_ascii_hexdigit()
                && bytes[index + 2].is_ascii_hexdigit() =>
            {
                let pair = [bytes[index + 1], bytes[index + 2]];
                let pair = std::str::from_utf8(&pair).expect("hex digits are ASCII");
                out.push(u8::from_str_radix(pair, 16).expect("two hex digits"));
                index += 2;
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The route a normalised path belongs to: `/chats/<chat:1>/escalations/<escalation:2>` is
/// `/chats/{id}/escalations/{escalation_id}` (the platform's way of naming them).
pub fn endpoint_of(normalised_path: &str) -> String {
    let route = normalised_path.split('?').next().unwrap_or("");
    route
        .split('/')
        .enumerate()
        .map(|(index, segment)| {
            if is_placeholder(segment) {
                let kind = segment[1..segment.len() - 1]
                    .split(':')
                    .next()
                    .unwrap_or("");
                if index == 2 && (kind == "chat" || kind == "id") {
                    "{id}".to_owned()
                } else {
                    format!("{{{kind}_id}}")
                }
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        Json::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn an_id_is_the_same_placeholder_in_paths_bodies_and_messages() {
        let mut normaliser = Normaliser::default();
        assert_eq!(
            normaliser.path("/chats/42/escalations/7"),
            "/chats/<chat:1>/escalations/<escalation:1>"
        );
        let body = normaliser.value(
            &json(r#"{"id": 42, "end_user": {"id": 42}, "message_id": 42}"#),
            None,
            Some("chat"),
        );
        assert_eq!(
            body,
            json(
                r#"{"id": "<chat:1>", "end_user": {"id": "<end_user:1>"}, "message_id": "<message:1>"}"#
            )
        );
        let text =
            normaliser.text("escalation_id 7 does not belong to chat 42 (POST /chats/42/photos)");
        assert_eq!(
            text,
            "escalation_id <escalation:1> does not belong to chat <chat:1> (POST /chats/<chat:1>/photos)"
        );
        assert_eq!(
            normaliser.path("/end_users?id=42"),
            "/end_users?id=<end_user:1>"
        );
        assert_eq!(normaliser.raw_of("<chat:1>"), Some("42"));
    }

    #[test]
    fn unquote_plus_decodes_like_python() {
        assert_eq!(unquote_plus("a+b%20c%2Fd%"), "a b c/d%");
        assert_eq!(unquote_plus("%e2%82%ac"), "€");
        assert_eq!(unquote_plus("%zz"), "%zz");
    }

    #[test]
    fn endpoints_are_named_as_the_platform_names_them() {
        assert_eq!(
            endpoint_of("/chats/<chat:1>/escalations/<escalation:2>"),
            "/chats/{id}/escalations/{escalation_id}"
        );
        assert_eq!(
            endpoint_of("/chats/<chat:1>/media/<media:3>"),
            "/chats/{id}/media/{media_id}"
        );
    }

    /// The cases the Python normaliser's test holds it to (conformance/tests).
    #[test]
    fn every_shared_case_gives_what_the_python_normaliser_gives() {
        // Read at run time, not embedded: a build from the sdist does not hold the file.
        let vectors = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/conformance/tests/normaliser_vectors.json"
        );
        let document = json(&std::fs::read_to_string(vectors).unwrap());
        let cases = document.get("cases").and_then(Json::as_array).unwrap();
        assert!(cases.len() >= 5);
        for case in cases {
            let name = case.get("name").and_then(Json::as_str).unwrap();
            let literals = match case.get("literals") {
                Some(Json::Object(pairs)) => pairs
                    .iter()
                    .map(|(literal, placeholder)| {
                        (literal.clone(), placeholder.as_str().unwrap().to_owned())
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let mut normaliser = Normaliser::new(literals);
            for step in case.get("steps").and_then(Json::as_array).unwrap() {
                let input = step.get("input").unwrap();
                let got = match step.get("op").and_then(Json::as_str).unwrap() {
                    "path" => Json::from(normaliser.path(input.as_str().unwrap())),
                    "text" => Json::from(normaliser.text(input.as_str().unwrap())),
                    _ => normaliser.value(
                        input,
                        step.get("key").and_then(Json::as_str),
                        step.get("kind").and_then(Json::as_str),
                    ),
                };
                assert_eq!(
                    Some(&got),
                    step.get("output"),
                    "{name}: {}",
                    input.to_text().chars().take(80).collect::<String>()
                );
            }
        }
    }
}
