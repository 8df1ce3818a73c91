//! The Apps API's request journal and per-tenant rate limit.

pub mod admin_routes;
pub mod capture;
pub mod journal;
pub mod rate_limit;
pub mod rate_limiter;
