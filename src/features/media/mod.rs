//! Media in both directions, below HTTP: what the platform allows (types, sizes, expiry:
//! [`kinds`], [`config`]), the pre-signed S3-style POST policy that lets an end user upload
//! one photo or video ([`policy`]), the refusals in S3's own terms ([`storage_error`]), and
//! the in-memory store that holds every uploaded and attached file within a budget per
//! tenant and in total ([`store`]). The storage endpoint that speaks HTTP is
//! `crate::features::media::storage_endpoint`; the use cases that tie files to tenants and chats are in `crate::core::state`.

pub mod admin_routes;
pub mod apps_routes;
pub mod config;
pub mod kinds;
pub mod policy;
pub mod storage_endpoint;
pub mod storage_error;
pub mod store;

pub use config::{MediaConfig, MediaFlags};
pub use kinds::MediaKind;
pub use storage_error::StorageError;
pub use store::{MediaError, MediaRecord, MediaStore};
