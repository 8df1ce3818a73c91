//! Queues, escalations and deflections.

pub mod http;
mod service;

pub use http::apps::{deflection_choice, parse_channel};
pub use service::{Escalations, TenantAfterHours};
