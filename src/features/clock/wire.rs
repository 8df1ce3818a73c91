//! The clock's wire shapes: what the control plane answers about a tenant's clock, and the
//! body that moves it.

use serde::{Deserialize, Serialize};

/// A tenant's clock as the control plane answers it (`TenantClock`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = TenantClock)]
pub struct TenantClockAnswer {
    pub tenant: String,
    /// The tenant's time now (RFC 3339, UTC, to the millisecond).
    pub now: String,
    /// How far ahead of real time it is, in milliseconds (0: real time).
    pub offset_ms: i64,
    /// Whether it reads real time.
    pub real_time: bool,
    /// Timers set on it that have not fallen due yet (agent joins, delayed agent rules,
    /// inactivity checks).
    pub pending_timers: usize,
}

/// `POST /__admin/tenants/{tenant}/clock`'s body.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockAdvance {
    /// How far to move the clock forward: a duration such as `90s`, `11m` or `2h`.
    pub advance: String,
}
