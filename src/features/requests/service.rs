//! [`Requests`]: the Apps API's request journal and per-tenant rate limit, as use cases:
//! admit a request (or say how long to wait), journal an answered request (and announce it
//! as a live event), list and forget journaled requests. A reset forgets a tenant's
//! journaled requests; a snapshot load does not (they are the requests that were made).

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use super::journal::{JournalStats, RecordedRequest, RequestFilter, RequestJournal};
use super::rate_limiter::RateLimiter;
use crate::core::domain::ChatId;
use crate::core::live_events::{LiveEventBus, LiveEventKind};
use crate::core::state::hooks::TenantParts;

/// A request over the tenant's rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    pub per_second: u32,
    /// Whole seconds until the tenant may send again (at least 1).
    pub retry_after_seconds: u64,
}

/// The journal and the rate limit.
pub struct Requests {
    journal: RequestJournal,
    limiter: Option<RateLimiter>,
    live_events: Arc<LiveEventBus>,
}

impl Requests {
    pub fn new(
        journal: RequestJournal,
        rate_limit: Option<u32>,
        live_events: Arc<LiveEventBus>,
    ) -> Requests {
        Requests {
            journal,
            limiter: rate_limit.map(RateLimiter::new),
            live_events,
        }
    }

    /// Admits one Apps API request of `tenant` now, unless it is over the rate limit.
    pub fn admit(&self, tenant: &str) -> Result<(), RateLimited> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter
            .admit(tenant, Instant::now())
            .map_err(|wait| RateLimited {
                per_second: limiter.per_second(),
                retry_after_seconds: wait.as_secs_f64().ceil().max(1.0) as u64,
            })
    }

    /// Apps API requests per second per tenant, when limited.
    pub fn rate_limit(&self) -> Option<u32> {
        self.limiter.as_ref().map(RateLimiter::per_second)
    }

    /// How many body bytes the journal keeps per request.
    pub fn body_cap(&self) -> usize {
        self.journal.body_cap()
    }

    /// Bytes kept per journaled request (`--request-journal-entry-bytes`).
    pub fn entry_bytes(&self) -> usize {
        self.journal.entry_bytes()
    }

    /// Journals an answered request and announces it on the live event bus.
    pub fn record(&self, request: RecordedRequest, chat_id: Option<ChatId>) {
        let recorded = self.journal.record(request);
        self.live_events.publish_with(
            LiveEventKind::Request,
            recorded.tenant.as_deref().unwrap_or_default(),
            chat_id,
            || serde_json::to_value(&*recorded).unwrap_or(Value::Null),
        );
    }

    /// The journaled requests that match, oldest first.
    pub fn list(&self, filter: &RequestFilter) -> Vec<Arc<RecordedRequest>> {
        self.journal.list(filter)
    }

    pub fn stats(&self) -> JournalStats {
        self.journal.stats()
    }

    /// How many of a tenant's journaled requests were evicted.
    pub fn evicted_for(&self, tenant: &str) -> u64 {
        self.journal.evicted_for(tenant)
    }

    /// Forgets one tenant's journaled requests, or all; says how many were removed.
    pub fn forget(&self, tenant: Option<&str>) -> usize {
        self.journal.forget(tenant)
    }
}

impl TenantParts for Requests {
    fn forget(&self, tenant: Option<&str>) {
        Requests::forget(self, tenant);
    }

    fn replaced(&self, _tenant: &str) {}
}
