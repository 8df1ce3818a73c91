//! Media in both directions, below HTTP: what the platform allows (types, sizes, expiry:
//! [`kinds`], [`config`]), the pre-signed S3-style POST policy that lets an end user upload
//! one photo or video ([`policy`]), the refusals in S3's own terms ([`storage_error`]), and
//! the in-memory library that holds every uploaded and attached file within a budget per
//! tenant and in total ([`library`]), and the use cases that tie files to tenants and chats
//! ([`MediaFiles`]). Its HTTP face ([`http`]) is the Apps API's and the control plane's routes and the
//! S3-style storage endpoint.

pub mod http;
pub mod kinds;
pub mod library;
mod service;
pub mod settings;
pub mod storage_error;
pub mod upload_policy;
pub mod wire;

pub use kinds::{attachable_list, content_type_for_filename, MediaKind, ATTACHMENT_MAX_BYTES};
pub use library::{MediaBudgets, MediaError, MediaLibrary, MediaRecord, Reservation};
pub use service::{storage_refusal, MediaFiles, MediaProblem};
pub use settings::{MediaConfig, MediaFlags};
pub use storage_error::StorageError;
pub use wire::MediaUsage;
