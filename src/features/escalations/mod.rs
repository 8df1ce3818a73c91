//! Queues, escalations and deflections.

pub mod admin_routes;
pub mod apps_routes;
