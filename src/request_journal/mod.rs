//! The request journal: every request the emulated Apps API received (rejections
//! included), kept so a test can assert on exactly what its backend sent. Memory is bounded
//! twice: the journal holds at most `cap` entries (the oldest are evicted first) and each
//! entry's body is truncated to `body_cap` bytes. Evictions are counted, in total and per
//! tenant, and reported on the control plane: a test can always tell that it is looking
//! at an incomplete journal. `crate::http::request_capture` is the
//! middleware that fills it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// The default number of entries kept.
pub const DEFAULT_CAP: usize = 10_000;
/// The default number of body bytes kept per entry.
pub const DEFAULT_BODY_CAP: usize = 8 * 1024;

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

/// One journaled request.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    /// Increases by one per request, process-wide, from 1.
    pub id: u64,
    /// When the request arrived.
    pub at: DateTime<Utc>,
    /// The Basic-auth username, if the header parses (valid or not).
    pub tenant: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case; `authorization` is redacted.
    pub headers: BTreeMap<String, String>,
    pub body_kind: BodyKind,
    /// JSON, text, or null (see `body_kind`).
    pub body: Value,
    /// The body's full length in bytes (before truncation).
    pub body_bytes: usize,
    pub body_truncated: bool,
    /// The status the emulator answered.
    pub status: u16,
    pub response_time_ms: f64,
}

impl RecordedRequest {
    /// A rough size in memory, for the bench and the memory bound's documentation.
    pub fn approximate_bytes(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.len() + value.len() + 48)
            .sum();
        let body = match &self.body {
            Value::Null => 0,
            Value::String(text) => text.len(),
            other => other.to_string().len() * 2,
        };
        std::mem::size_of::<Self>()
            + self.tenant.as_ref().map_or(0, String::len)
            + self.method.len()
            + self.path.len()
            + self.query.as_ref().map_or(0, String::len)
            + headers
            + body
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
                .is_none_or(|method| method.eq_ignore_ascii_case(&request.method))
            && self.path.as_ref().is_none_or(|path| *path == request.path)
            && self
                .path_prefix
                .as_ref()
                .is_none_or(|prefix| request.path.starts_with(prefix.as_str()))
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct JournalStats {
    pub stored: usize,
    pub cap: usize,
    pub body_cap: usize,
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
}

impl RequestJournal {
    /// `cap` entries of at most `body_cap` body bytes each (both at least 1).
    pub fn new(cap: usize, body_cap: usize) -> RequestJournal {
        RequestJournal {
            entries: Mutex::default(),
            cap: cap.max(1),
            body_cap: body_cap.max(1),
        }
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
            let tenant = oldest.tenant.clone().unwrap_or_default();
            *entries.evicted_by_tenant.entry(tenant).or_default() += 1;
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
mod tests {
    use super::*;

    fn request(tenant: &str, path: &str, status: u16) -> RecordedRequest {
        RecordedRequest {
            id: 0,
            at: Utc::now(),
            tenant: Some(tenant.to_owned()),
            method: "POST".into(),
            path: path.into(),
            query: None,
            headers: BTreeMap::new(),
            body_kind: BodyKind::None,
            body: Value::Null,
            body_bytes: 0,
            body_truncated: false,
            status,
            response_time_ms: 1.0,
        }
    }

    #[test]
    fn the_oldest_entries_are_evicted_and_counted_per_tenant() {
        let journal = RequestJournal::new(3, 64);
        for index in 0..5 {
            let tenant = if index < 2 { "old" } else { "new" };
            journal.record(request(tenant, "/apps/api/v1/chats", 200));
        }
        let stats = journal.stats();
        assert_eq!((stats.stored, stats.cap, stats.evicted), (3, 3, 2));
        assert_eq!(journal.evicted_for("old"), 2);
        assert_eq!(journal.evicted_for("new"), 0);
        let ids: Vec<u64> = journal
            .list(&RequestFilter::default())
            .iter()
            .map(|request| request.id)
            .collect();
        assert_eq!(ids, vec![3, 4, 5]);
    }

    #[test]
    fn filters_combine_and_forgetting_is_per_tenant() {
        let journal = RequestJournal::new(10, 64);
        journal.record(request("a", "/apps/api/v1/chats", 200));
        journal.record(request("a", "/apps/api/v1/chats/1/message", 400));
        journal.record(request("b", "/apps/api/v1/chats", 200));
        let filter = RequestFilter {
            tenant: Some("a".into()),
            path_prefix: Some("/apps/api/v1/chats/".into()),
            method: Some("post".into()),
            ..RequestFilter::default()
        };
        assert_eq!(journal.list(&filter).len(), 1);
        let by_status = RequestFilter {
            status: Some(200),
            after: Some(1),
            ..RequestFilter::default()
        };
        assert_eq!(journal.list(&by_status)[0].tenant.as_deref(), Some("b"));
        assert_eq!(journal.forget(Some("a")), 2);
        assert_eq!(journal.stats().stored, 1);
        assert_eq!(journal.forget(None), 1);
    }
}
