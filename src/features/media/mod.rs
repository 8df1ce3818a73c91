//! Media in both directions, below HTTP: what the platform allows (types, sizes, expiry:
//! [`kinds`], [`config`]), the pre-signed S3-style POST policy that lets an end user upload
//! one photo or video ([`policy`]), the refusals in S3's own terms ([`storage_error`]), and
//! the in-memory library that holds every uploaded and attached file within a budget per
//! tenant and in total ([`library`]), and the use cases that tie files to tenants and chats
//! ([`MediaFiles`]). Its HTTP face ([`http`]) is the Apps API's and the control plane's routes and the
//! S3-style storage endpoint.

pub mod config;
pub mod http;
pub mod kinds;
pub mod library;
pub mod policy;
mod service;
pub mod storage_error;
pub mod wire;

pub use config::{MediaConfig, MediaFlags};
pub use kinds::{attachable_list, content_type_for_filename, MediaKind, ATTACHMENT_MAX_BYTES};
pub use library::{MediaError, MediaLibrary, MediaRecord};
pub use service::{MediaFiles, MediaProblem};
pub use storage_error::StorageError;
pub use wire::MediaUsage;
