//! Media in both directions: end users' photos and videos uploaded through a pre-signed,
//! S3-style POST form that the emulator serves itself ([`policy`], [`upload`]), files the
//! agent attaches, and the in-memory store that holds them all within a budget per tenant
//! and in total ([`store`]). What the platform allows (types, sizes, expiry) is in
//! [`kinds`] and [`config`]; refusals of the storage endpoint speak S3's XML
//! ([`storage_error`]).

pub mod config;
pub mod kinds;
pub mod policy;
pub mod storage;
pub mod storage_error;
pub mod store;
pub mod upload;

pub use config::{MediaConfig, MediaFlags};
pub use kinds::MediaKind;
pub use storage_error::StorageError;
pub use store::{MediaError, MediaRecord, MediaStore};
