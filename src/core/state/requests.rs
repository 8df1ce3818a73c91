//! The Apps API's request journal and per-tenant rate limit, as use cases: admit a request
//! (or say how long to wait), journal an answered request (and announce it as a live
//! event), list and forget journaled requests.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::AppState;
use crate::core::domain::ChatId;
use crate::core::live_events::LiveEventKind;
use crate::features::requests::journal::{JournalStats, RecordedRequest, RequestFilter};

/// A request over the tenant's rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    pub per_second: u32,
    /// Whole seconds until the tenant may send again (at least 1).
    pub retry_after_seconds: u64,
}

impl AppState {
    /// Admits one Apps API request of `tenant` now, unless it is over the rate limit.
    pub fn admit_request(&self, tenant: &str) -> Result<(), RateLimited> {
        let Some(limiter) = &self.rate_limiter else {
            return Ok(());
        };
        limiter
            .admit(tenant, Instant::now())
            .map_err(|wait| RateLimited {
                per_second: limiter.per_second(),
                retry_after_seconds: wait.as_secs_f64().ceil().max(1.0) as u64,
            })
    }

    /// How many body bytes the journal keeps per request.
    pub fn request_body_cap(&self) -> usize {
        self.request_journal.body_cap()
    }

    /// Bytes kept per journaled request (`--request-journal-entry-bytes`).
    pub fn request_entry_bytes(&self) -> usize {
        self.request_journal.entry_bytes()
    }

    /// Journals an answered request and announces it on the live event bus.
    pub fn record_request(&self, request: RecordedRequest, chat_id: Option<ChatId>) {
        let recorded = self.request_journal.record(request);
        self.live_events.publish_with(
            LiveEventKind::Request,
            recorded.tenant.as_deref().unwrap_or_default(),
            chat_id,
            || serde_json::to_value(&*recorded).unwrap_or(Value::Null),
        );
    }

    /// The journaled requests that match, oldest first.
    pub fn requests(&self, filter: &RequestFilter) -> Vec<Arc<RecordedRequest>> {
        self.request_journal.list(filter)
    }

    pub fn request_journal_stats(&self) -> JournalStats {
        self.request_journal.stats()
    }

    /// How many of a tenant's journaled requests were evicted.
    pub fn evicted_requests_for(&self, tenant: &str) -> u64 {
        self.request_journal.evicted_for(tenant)
    }

    /// Forgets one tenant's journaled requests, or all; says how many were removed.
    pub fn forget_requests(&self, tenant: Option<&str>) -> usize {
        self.request_journal.forget(tenant)
    }
}
