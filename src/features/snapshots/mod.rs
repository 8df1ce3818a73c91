//! A tenant's whole state as a snapshot document: the format, export and load.

pub mod format;
pub mod http;
mod service;

pub use format::{ChatSnapshot, LoadReport, Snapshot, SnapshotError, FORMAT};
pub use service::Snapshots;
