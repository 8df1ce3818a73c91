//! The Apps API's request journal and per-tenant rate limit.

pub mod http;
pub mod journal;
pub mod rate_limiter;
mod service;

pub use journal::JournalStats;
pub use service::{RateLimited, Requests};
