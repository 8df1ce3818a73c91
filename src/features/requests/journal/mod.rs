//! The request journal: every request the emulated Apps API received (rejections
//! included), kept so a test can assert on exactly what its backend sent. Memory is bounded
//! twice: the journal holds at most `cap` entries (the oldest are evicted first) and each
//! entry keeps at most `entry_bytes` (tenant, request line, headers and body together),
//! its body at most `body_cap` of them. Evictions are counted, in total and per
//! tenant, and reported on the control plane: a test can always tell that it is looking
//! at an incomplete journal. `crate::features::requests::http::capture` is the
//! middleware that fills it.

mod raw;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use raw::StoredRequest;
pub use raw::{BodyKind, RequestCapture};

/// The default number of entries kept.
pub const DEFAULT_CAP: usize = 10_000;
/// The default number of body bytes kept per entry.
pub const DEFAULT_BODY_CAP: usize = 8 * 1024;

/// One journaled request. Its headers and body are stored as the bytes that arrived and
/// parsed when the entry is read ([`RecordedRequest::serialize`]), never when it is recorded.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Increases by one per request, process-wide, from 1.
    pub id: u64,
    /// When the request arrived.
    pub at: DateTime<Utc>,
    /// The Basic-auth username, if the header parses (valid or not).
    pub tenant: Option<String>,
    /// The status the emulator answered.
    pub status: u16,
    pub response_time_ms: f64,
    stored: StoredRequest,
}

/// What a request's body was, for [`RecordedRequest::new`].
pub enum CapturedBody<'a, Chunks: IntoIterator<Item = &'a [u8]>> {
    /// No body.
    None,
    /// Not read: declared over the server's limit, with that declared length.
    Omitted(usize),
    /// Read as these chunks, `total` bytes in all (only `body_cap` of them are kept).
    Read { chunks: Chunks, total: usize },
}

/// The journal's view of one entry: what the control plane and live events show.
#[derive(Serialize)]
struct RequestView<'a> {
    id: u64,
    at: DateTime<Utc>,
    tenant: &'a Option<String>,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    /// Header names in lower case; `authorization` is redacted.
    headers: std::collections::BTreeMap<String, String>,
    body_kind: BodyKind,
    /// JSON, text, or null (see `body_kind`).
    body: serde_json::Value,
    /// The tenant, path, query or headers were cut to fit `--request-journal-entry-bytes`.
    head_truncated: bool,
    /// The body's full length in bytes (before truncation).
    body_bytes: usize,
    body_truncated: bool,
    status: u16,
    response_time_ms: f64,
}

impl RecordedRequest {
    /// A request from its captured request line and headers and its body, keeping at most
    /// `body_cap` body bytes and, in all, the capture's bytes per entry. The id is given
    /// when it is recorded.
    pub fn new<'a, Chunks: IntoIterator<Item = &'a [u8]>>(
        capture: RequestCapture,
        body: CapturedBody<'a, Chunks>,
        body_cap: usize,
        at: DateTime<Utc>,
        tenant: Option<String>,
        status: u16,
        response_time_ms: f64,
    ) -> RecordedRequest {
        let mut capture = capture;
        let tenant = tenant.map(|name| capture.tenant(name));
        let stored = match body {
            CapturedBody::None => capture.without_body(),
            CapturedBody::Omitted(declared) => capture.with_omitted_body(declared),
            CapturedBody::Read { chunks, total } => {
                let room = capture.body_room(body_cap.max(1));
                capture.with_body(chunks, total, room)
            }
        };
        RecordedRequest {
            id: 0,
            at,
            tenant,
            status,
            response_time_ms,
            stored,
        }
    }

    pub fn method(&self) -> &str {
        self.stored.method()
    }

    pub fn path(&self) -> &str {
        self.stored.path()
    }

    pub fn query(&self) -> Option<&str> {
        self.stored.query()
    }

    /// The tenant, path, query or headers were cut to fit the entry's bytes.
    pub fn head_truncated(&self) -> bool {
        self.stored.head_truncated
    }

    /// The body's full length in bytes (before truncation).
    pub fn body_bytes(&self) -> usize {
        self.stored.body_bytes
    }

    /// The size in memory: the fixed fields plus the stored bytes.
    pub fn approximate_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.tenant.as_ref().map_or(0, String::len)
            + self.stored.stored_bytes()
    }
}

impl Serialize for RecordedRequest {
    /// Parses the stored headers and body, then writes the entry.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let read = self.stored.read_back();
        RequestView {
            id: self.id,
            at: self.at,
            tenant: &self.tenant,
            method: self.method(),
            path: self.path(),
            query: self.query(),
            headers: read.headers,
            body_kind: read.body_kind,
            body: read.body,
            head_truncated: self.head_truncated(),
            body_bytes: self.body_bytes(),
            body_truncated: read.body_truncated,
            status: self.status,
            response_time_ms: self.response_time_ms,
        }
        .serialize(serializer)
    }
}

/// A filter over the journal; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub tenant: Option<String>,
    /// Case-insensitive.
    pub method: Option<String>,
    /// The exact path (no query).
    pub path: Option<String>,
    pub path_prefix: Option<String>,
    pub status: Option<u16>,
    /// Only entries with a larger id.
    pub after: Option<u64>,
}

impl RequestFilter {
    pub fn matches(&self, request: &RecordedRequest) -> bool {
        self.tenant
            .as_ref()
            .is_none_or(|tenant| request.tenant.as_ref() == Some(tenant))
            && self
                .method
                .as_ref()
                .is_none_or(|method| method.eq_ignore_ascii_case(request.method()))
            && self.path.as_ref().is_none_or(|path| path == request.path())
            && self
                .path_prefix
                .as_ref()
                .is_none_or(|prefix| request.path().starts_with(prefix.as_str()))
            && self.status.is_none_or(|status| status == request.status)
            && self.after.is_none_or(|after| request.id > after)
    }
}

/// `GET /__admin/requests`' answer (`RequestList`): the matching requests, oldest first,
/// and how full the journal is.
#[derive(Debug, Clone, Serialize)]
pub struct RequestList {
    pub count: usize,
    #[serde(serialize_with = "each_request")]
    pub requests: Vec<Arc<RecordedRequest>>,
    pub stored: usize,
    pub cap: usize,
    pub evicted: u64,
    /// With a tenant filter: how many of that tenant's requests were evicted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evicted_for_tenant: Option<u64>,
}

fn each_request<S: serde::Serializer>(
    requests: &[Arc<RecordedRequest>],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(requests.iter().map(|request| &**request))
}

/// How full the journal is and what it had to drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JournalStats {
    pub stored: usize,
    pub cap: usize,
    pub body_cap: usize,
    /// Bytes kept per entry (tenant, path, query, headers and body together).
    pub entry_bytes: usize,
    /// Entries evicted to stay under the cap since start (or the last full reset).
    pub evicted: u64,
}

#[derive(Debug, Default)]
struct Entries {
    in_order: VecDeque<Arc<RecordedRequest>>,
    evicted: u64,
    /// Per tenant; requests without a tenant count under "".
    evicted_by_tenant: HashMap<String, u64>,
    next_id: u64,
}

/// The bounded journal. One lock: recording is a push and, when full, a pop.
#[derive(Debug)]
pub struct RequestJournal {
    entries: Mutex<Entries>,
    cap: usize,
    body_cap: usize,
    entry_bytes: usize,
}

impl RequestJournal {
    /// `cap` entries of at most `body_cap` body bytes each (both at least 1).
    pub fn new(cap: usize, body_cap: usize) -> RequestJournal {
        RequestJournal {
            entries: Mutex::default(),
            cap: cap.max(1),
            body_cap: body_cap.max(1),
            entry_bytes: crate::core::limits::Limits::default().request_journal_entry_bytes,
        }
    }

    /// Keeps at most `entry_bytes` of each request: tenant, path, query, headers and body.
    pub fn with_entry_bytes(mut self, entry_bytes: usize) -> RequestJournal {
        self.entry_bytes = entry_bytes.max(1);
        self
    }

    pub fn entry_bytes(&self) -> usize {
        self.entry_bytes
    }

    pub fn body_cap(&self) -> usize {
        self.body_cap
    }

    /// Stores a request, giving it the next id; evicts (and counts) the oldest when full.
    pub fn record(&self, mut request: RecordedRequest) -> Arc<RecordedRequest> {
        let mut entries = self.entries.lock().expect("journal lock");
        entries.next_id += 1;
        request.id = entries.next_id;
        let request = Arc::new(request);
        while entries.in_order.len() >= self.cap {
            let Some(oldest) = entries.in_order.pop_front() else {
                break;
            };
            entries.evicted += 1;
            // Counted without copying the name, except for a tenant's first eviction.
            let tenant = oldest.tenant.as_deref().unwrap_or_default();
            match entries.evicted_by_tenant.get_mut(tenant) {
                Some(count) => *count += 1,
                None => {
                    entries.evicted_by_tenant.insert(tenant.to_owned(), 1);
                }
            }
        }
        entries.in_order.push_back(Arc::clone(&request));
        request
    }

    /// The entries that match, oldest first.
    pub fn list(&self, filter: &RequestFilter) -> Vec<Arc<RecordedRequest>> {
        let entries = self.entries.lock().expect("journal lock");
        entries
            .in_order
            .iter()
            .filter(|request| filter.matches(request))
            .cloned()
            .collect()
    }

    pub fn stats(&self) -> JournalStats {
        let entries = self.entries.lock().expect("journal lock");
        JournalStats {
            stored: entries.in_order.len(),
            cap: self.cap,
            body_cap: self.body_cap,
            entry_bytes: self.entry_bytes,
            evicted: entries.evicted,
        }
    }

    /// How many of a tenant's entries were evicted.
    pub fn evicted_for(&self, tenant: &str) -> u64 {
        let entries = self.entries.lock().expect("journal lock");
        entries
            .evicted_by_tenant
            .get(tenant)
            .copied()
            .unwrap_or_default()
    }

    /// Forgets one tenant's entries (and eviction count), or everything; returns how many
    /// entries were removed. Ids keep increasing.
    pub fn forget(&self, tenant: Option<&str>) -> usize {
        let mut entries = self.entries.lock().expect("journal lock");
        let before = entries.in_order.len();
        match tenant {
            Some(name) => {
                entries
                    .in_order
                    .retain(|request| request.tenant.as_deref() != Some(name));
                entries.evicted_by_tenant.remove(name);
            }
            None => {
                entries.in_order.clear();
                entries.evicted = 0;
                entries.evicted_by_tenant.clear();
            }
        }
        before - entries.in_order.len()
    }
}

#[cfg(test)]
mod tests;
