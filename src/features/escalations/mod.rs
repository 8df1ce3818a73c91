//! Queues, escalations and deflections, and the queues' estimated wait times
//! (`GET /apps/api/v1/wait_times`).

pub mod http;
mod service;
pub mod wire;

pub use http::apps::{deflection_choice, parse_channel};
pub use service::{Escalations, TenantAfterHours};
