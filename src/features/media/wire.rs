//! What the media endpoints answer, one struct per shape (each named like its OpenAPI
//! schema): a pre-signed upload form ([`UploadForm`]), a registered or listed media file
//! ([`Media`]), and a file the agent attached ([`AttachmentStored`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::core::domain::ChatId;
use crate::core::formats::timestamp;
use crate::features::media::MediaRecord;

/// `POST /chats/{id}/photos/upload` and `/videos/upload`: where to post, and the fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadForm {
    /// POST the fields, then the file as `file`, as multipart/form-data.
    pub url: String,
    /// key, Content-Type, policy, x-amz-signature, ...; register the upload with
    /// s3_path = fields.key.
    pub fields: BTreeMap<String, String>,
}

/// A chat's photo or video as registration and listing show it: `{media_id, url}` and
/// what the emulator adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Media {
    pub media_id: u64,
    /// A signed link that downloads the bytes.
    pub url: String,
    pub s3_path: String,
    pub content_type: String,
    pub size: u64,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// The bytes of a file, answered with the file's Content-Type (a description: the
/// handlers answer the bytes themselves).
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, SchemaFormat, Type};
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for FileBytes {}

impl Media {
    pub fn of(record: &MediaRecord, url: String) -> Media {
        Media {
            media_id: record.media_id.unwrap_or_default(),
            url,
            s3_path: record.key.clone(),
            content_type: record.content_type.clone(),
            size: record.size,
            created_at: timestamp(record.stored_at),
        }
    }
}

/// `POST /__admin/chats/{id}/agent/attachments`: the stored file and its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttachmentStored {
    pub media_id: u64,
    pub message_id: u64,
    pub chat_id: ChatId,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub url: String,
}

// A description for the OpenAPI document of what `MediaLibrary::usage` writes.
/// Media budgets and what each tenant holds.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MediaUsage {
    budget_per_tenant_bytes: u64,
    budget_total_bytes: u64,
    upload_url_expiry_ms: u64,
    download_url_expiry_ms: u64,
    /// Bytes of files stored.
    used_bytes: u64,
    /// Bytes of uploads and attachments still arriving, reserved against the budgets.
    in_flight_bytes: u64,
    files: u64,
    /// By tenant.
    tenants: BTreeMap<String, TenantMediaUsage>,
}

/// What one tenant holds.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct TenantMediaUsage {
    bytes: u64,
    files: u64,
}
