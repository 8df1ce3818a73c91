//! [`AdminClient`]'s methods for a tenant's own clock: read it, move it forward (the timers
//! that fall due fire, in order, before the answer), set it back to real time.

use std::time::Duration;

use awc::http::Method;
use serde_json::{json, Value};

use super::encode;
use super::{AdminClient, ClientError};
use crate::features::clock::TenantClockAnswer;

/// How far to move a clock: a duration text the emulator reads (`"11m"`, `"90s"`, `"2h"`)
/// or a [`Duration`] (sent as whole milliseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockStep(String);

impl From<&str> for ClockStep {
    fn from(text: &str) -> ClockStep {
        ClockStep(text.to_owned())
    }
}

impl From<Duration> for ClockStep {
    fn from(duration: Duration) -> ClockStep {
        ClockStep(format!("{}ms", duration.as_millis()))
    }
}

impl AdminClient {
    /// The tenant's clock: its time now and how far ahead of real time it is.
    pub async fn clock(&self, tenant: &str) -> Result<TenantClockAnswer, ClientError> {
        self.get(&clock_path(tenant)).await
    }

    /// Moves the tenant's clock forward by `by` (`"11m"` or a [`Duration`]); answers once
    /// every timer due on the way has fired. Other tenants' clocks do not move.
    pub async fn advance_clock(
        &self,
        tenant: &str,
        by: impl Into<ClockStep>,
    ) -> Result<TenantClockAnswer, ClientError> {
        let ClockStep(advance) = by.into();
        let body = json!({ "advance": advance });
        self.send(Method::POST, &clock_path(tenant), Some(body))
            .await
    }

    /// The tenant's clock reads real time again.
    pub async fn reset_clock(&self, tenant: &str) -> Result<(), ClientError> {
        self.send::<Value>(Method::DELETE, &clock_path(tenant), None)
            .await
            .map(drop)
    }
}

fn clock_path(tenant: &str) -> String {
    format!("/tenants/{}/clock", encode(tenant))
}
