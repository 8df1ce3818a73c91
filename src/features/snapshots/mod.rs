//! A tenant's whole state as a snapshot document: the format, export and load.

pub mod admin_routes;
pub mod format;
