//! How a journaled request is stored: its method, path, query, headers and kept body bytes
//! copied into one boxed byte buffer when it is recorded, and turned into header maps and
//! JSON only when someone reads the journal. Recording is then one allocation and a few
//! copies per request, with no parsing; what a reader sees is exactly what parsing at
//! record time would have given (the same redaction, header limits and body rules).
//! Each entry keeps at most `--request-journal-entry-bytes`: the tenant and the
//! path get an eighth of it each at most, the query a quarter, the headers a quarter
//! (repeated headers joined up to the per-value cap), and the body what is left, up to
//! `--request-journal-body-cap`; anything cut sets `head_truncated` or `body_truncated`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// At most this many distinct header names are kept per request.
const MAX_HEADERS: usize = 64;
/// Each header's value (repeated headers joined with ", ") keeps at most this many bytes.
pub(super) const MAX_HEADER_VALUE: usize = 512;
/// The method keeps at most this many bytes.
const MAX_METHOD: usize = 16;

/// How a stored body is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// No body was sent.
    None,
    /// The body parsed as JSON and is stored as such.
    Json,
    /// Stored as (lossy UTF-8) text, possibly truncated.
    Text,
    /// Not read: its declared length is over the server's body limit (the request got 413).
    Omitted,
}

/// What was kept of a body (its bytes sit at the end of the buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoredBody {
    None,
    Omitted,
    /// The kept bytes; `truncated` when the body was longer than the body cap.
    Kept {
        truncated: bool,
    },
}

/// Builds the buffer of one request: the request line and headers first, then the body.
#[derive(Debug)]
pub struct RequestCapture {
    bytes: Vec<u8>,
    method_end: u32,
    path_end: u32,
    query_end: u32,
    header_names: usize,
    last_header: Option<(usize, usize)>,
    /// The joined length (values and ", " separators) of the last header name so far.
    last_header_value: usize,
    /// Bytes the whole entry may keep, and what the tenant, request line and headers use.
    entry_bytes: usize,
    head_bytes: usize,
    /// Bytes the headers may use (names and joined values), and what they use.
    header_budget: usize,
    header_bytes: usize,
    head_truncated: bool,
}

/// The stored form of a request's method, path, query, headers and body.
#[derive(Debug, Clone)]
pub(super) struct StoredRequest {
    bytes: Box<[u8]>,
    method_end: u32,
    path_end: u32,
    query_end: u32,
    headers_end: u32,
    /// The tenant, method, path, query or headers were cut to fit the entry's bytes.
    pub(super) head_truncated: bool,
    body: StoredBody,
    /// The body's full length in bytes (before truncation).
    pub(super) body_bytes: usize,
}

/// The parsed headers and body of a stored request, as the journal shows them.
pub(super) struct ReadBack {
    pub(super) headers: BTreeMap<String, String>,
    pub(super) body_kind: BodyKind,
    pub(super) body: Value,
    pub(super) body_truncated: bool,
}

fn offset(length: usize) -> u32 {
    u32::try_from(length).expect("journaled requests are under 4 GiB")
}

impl RequestCapture {
    /// Starts with the request line (`query` empty when there is none), with the default
    /// bytes per entry.
    pub fn new(method: &str, path: &str, query: &str) -> RequestCapture {
        RequestCapture::within(
            crate::core::limits::Limits::default().request_journal_entry_bytes,
            method,
            path,
            query,
        )
    }

    /// Starts with the request line, keeping at most `entry_bytes` of the whole entry.
    pub fn within(entry_bytes: usize, method: &str, path: &str, query: &str) -> RequestCapture {
        let share = (entry_bytes / 4).max(1);
        let (method, method_cut) = clip(method, MAX_METHOD);
        let (path, path_cut) = clip(path, share / 2);
        let (query, query_cut) = clip(query, share);
        let mut bytes = Vec::with_capacity(method.len() + path.len() + query.len() + 512);
        bytes.extend_from_slice(method.as_bytes());
        let method_end = offset(bytes.len());
        bytes.extend_from_slice(path.as_bytes());
        let path_end = offset(bytes.len());
        bytes.extend_from_slice(query.as_bytes());
        let query_end = offset(bytes.len());
        RequestCapture {
            head_bytes: bytes.len(),
            bytes,
            method_end,
            path_end,
            query_end,
            header_names: 0,
            last_header: None,
            last_header_value: 0,
            entry_bytes,
            header_budget: share,
            header_bytes: 0,
            head_truncated: method_cut || path_cut || query_cut,
        }
    }

    /// The tenant's name as the entry keeps it (at most an eighth of the entry's bytes).
    pub(super) fn tenant(&mut self, name: String) -> String {
        let max = (self.entry_bytes / 4).max(1) / 2;
        let name = match clip(&name, max) {
            (_, false) => name,
            (kept, true) => {
                self.head_truncated = true;
                kept.to_owned()
            }
        };
        self.head_bytes += name.len();
        name
    }

    /// Adds one header (name in lower case, as HTTP libraries give it). Credentials are
    /// redacted here, before anything is stored; repeated names must come one after the
    /// other (as `http::HeaderMap` iterates them). A header that does not fit the value
    /// cap or the headers' budget is cut or left out, and the entry says so.
    pub fn header(&mut self, name: &str, value: &[u8]) {
        let repeated = self
            .last_header
            .is_some_and(|(start, end)| &self.bytes[start..end] == name.as_bytes());
        if !repeated && self.header_names >= MAX_HEADERS {
            self.head_truncated = true;
            return;
        }
        let redacted;
        let lossy;
        let text: &str = if name == "authorization" || name == "proxy-authorization" {
            let text = String::from_utf8_lossy(value);
            let scheme = text.split_whitespace().next().unwrap_or_default();
            redacted = format!("{scheme} [redacted]").trim_start().to_owned();
            &redacted
        } else {
            match std::str::from_utf8(value) {
                Ok(text) => text,
                Err(_) => {
                    lossy = String::from_utf8_lossy(value).into_owned();
                    &lossy
                }
            }
        };
        let (existing, separator, name_cost) = if repeated {
            (self.last_header_value, 2, 0)
        } else {
            (0, 0, name.len())
        };
        let room = MAX_HEADER_VALUE.saturating_sub(existing + separator).min(
            self.header_budget
                .saturating_sub(self.header_bytes + name_cost + separator),
        );
        if room == 0 {
            self.head_truncated = true;
            return;
        }
        let (text, cut) = clip(text, room);
        self.head_truncated |= cut;
        let used = name_cost + separator + text.len();
        self.header_bytes += used;
        self.head_bytes += used;
        if !repeated {
            self.header_names += 1;
            self.last_header_value = 0;
        }
        self.last_header_value += separator + text.len();
        let name_start = self.bytes.len() + 4;
        self.push_field(name.as_bytes());
        self.last_header = Some((name_start, name_start + name.len()));
        self.push_field(text.as_bytes());
    }

    /// Body bytes this entry may keep under `body_cap`: what the head left of its bytes.
    pub(super) fn body_room(&self, body_cap: usize) -> usize {
        body_cap.min(self.entry_bytes.saturating_sub(self.head_bytes))
    }

    fn push_field(&mut self, field: &[u8]) {
        self.bytes
            .extend_from_slice(&offset(field.len()).to_le_bytes());
        self.bytes.extend_from_slice(field);
    }

    /// Ends with no body.
    pub(super) fn without_body(self) -> StoredRequest {
        let headers_end = self.bytes.len();
        self.finish(StoredBody::None, 0, headers_end)
    }

    /// Ends with a body that was not read (declared over the server's limit).
    pub(super) fn with_omitted_body(self, declared_bytes: usize) -> StoredRequest {
        let headers_end = self.bytes.len();
        self.finish(StoredBody::Omitted, declared_bytes, headers_end)
    }

    /// Ends with a body read as `chunks` (`total` bytes in all), keeping `body_cap` bytes.
    pub(super) fn with_body<'a>(
        mut self,
        chunks: impl IntoIterator<Item = &'a [u8]>,
        total: usize,
        body_cap: usize,
    ) -> StoredRequest {
        if total == 0 {
            return self.without_body();
        }
        let headers_end = self.bytes.len();
        self.bytes.reserve_exact(total.min(body_cap));
        for chunk in chunks {
            let room = body_cap - (self.bytes.len() - headers_end);
            self.bytes
                .extend_from_slice(&chunk[..chunk.len().min(room)]);
            if self.bytes.len() - headers_end == body_cap {
                break;
            }
        }
        let truncated = total > self.bytes.len() - headers_end;
        self.finish(StoredBody::Kept { truncated }, total, headers_end)
    }

    fn finish(self, body: StoredBody, body_bytes: usize, headers_end: usize) -> StoredRequest {
        StoredRequest {
            headers_end: offset(headers_end),
            bytes: self.bytes.into_boxed_slice(),
            method_end: self.method_end,
            path_end: self.path_end,
            query_end: self.query_end,
            head_truncated: self.head_truncated,
            body,
            body_bytes,
        }
    }
}

impl StoredRequest {
    fn text(&self, start: u32, end: u32) -> &str {
        // Written from `&str`s, so always valid UTF-8.
        std::str::from_utf8(&self.bytes[start as usize..end as usize]).unwrap_or_default()
    }

    pub(super) fn method(&self) -> &str {
        self.text(0, self.method_end)
    }

    pub(super) fn path(&self) -> &str {
        self.text(self.method_end, self.path_end)
    }

    pub(super) fn query(&self) -> Option<&str> {
        Some(self.text(self.path_end, self.query_end)).filter(|query| !query.is_empty())
    }

    /// The buffer's length: what the entry costs beyond its fixed fields.
    pub(super) fn stored_bytes(&self) -> usize {
        self.bytes.len()
    }

    fn header_fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut at = self.query_end as usize;
        let end = self.headers_end as usize;
        let bytes = &self.bytes;
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let mut field = || {
                let length =
                    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
                let field = &bytes[at + 4..at + 4 + length];
                at += 4 + length;
                field
            };
            let name = field();
            let value = field();
            Some((name, value))
        })
    }

    /// Parses the headers and body: names in lower case, repeated headers joined with
    /// ", " (already cut to fit when stored); the body as JSON when it is whole and
    /// parses, else as (lossy) text.
    pub(super) fn read_back(&self) -> ReadBack {
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in self.header_fields() {
            let name = String::from_utf8_lossy(name);
            let value = String::from_utf8_lossy(value);
            match headers.get_mut(name.as_ref()) {
                Some(existing) => {
                    existing.push_str(", ");
                    existing.push_str(&value);
                }
                None => {
                    headers.insert(name.into_owned(), value.into_owned());
                }
            }
        }
        let kept = &self.bytes[self.headers_end as usize..];
        let (body_kind, body, body_truncated) = match self.body {
            StoredBody::None => (BodyKind::None, Value::Null, false),
            StoredBody::Omitted => (BodyKind::Omitted, Value::Null, true),
            StoredBody::Kept { truncated } => match serde_json::from_slice::<Value>(kept) {
                Ok(json) if !truncated => (BodyKind::Json, json, false),
                _ => (
                    BodyKind::Text,
                    Value::String(String::from_utf8_lossy(kept).into_owned()),
                    truncated,
                ),
            },
        };
        ReadBack {
            headers,
            body_kind,
            body,
            body_truncated,
        }
    }
}

/// `text` cut to at most `max` bytes (on a character boundary), and whether it was cut.
pub(super) fn clip(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}
