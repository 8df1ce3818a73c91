//! The emulator's own S3-style storage endpoint, `/__storage/{bucket}`: the upload URL the
//! pre-signed forms point at (`POST`, `multipart/form-data`, fields then one `file`) and
//! the download links of stored files (`GET /__storage/{bucket}/{key}?X-Amz-Signature=`).
//! It answers like S3: 204 on a stored upload, XML `<Error>` documents on refusals. It
//! needs no Basic auth (the signed form or link is the permission), and is neither
//! journaled nor rate limited, like the storage service it stands for.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::policy::BUCKET;
use super::storage_error::StorageError;
use super::store::{MediaError, MediaRecord};
use super::upload::{form_error, read_fields_until_file, read_file, Form};
use crate::routes::{get, post, RouteTable};
use crate::startup::AppState;

/// The storage endpoint's prefix.
pub const PREFIX: &str = "/__storage";

/// The storage endpoint's routes.
pub fn routes() -> RouteTable {
    RouteTable::new(PREFIX)
        .at("/{bucket}", [post(upload)])
        .at("/{bucket}/{key:.*}", [get(download)])
}

/// Registers the storage endpoint.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(routes().into_scope());
}

/// The upload URL of the bucket, on the host the request came to.
pub fn upload_url(request: &HttpRequest) -> String {
    let info = request.connection_info();
    format!("{}://{}{PREFIX}/{BUCKET}", info.scheme(), info.host())
}

/// A signed download link to a stored file.
pub fn download_url(request: &HttpRequest, state: &AppState, key: &str) -> String {
    let info = request.connection_info();
    let signature = state.store.media.signer.download_signature(BUCKET, key);
    format!(
        "{}://{}{PREFIX}/{BUCKET}/{key}?X-Amz-Signature={signature}",
        info.scheme(),
        info.host()
    )
}

/// `POST /__storage/{bucket}`: an upload with a pre-signed form.
pub async fn upload(
    request: HttpRequest,
    bucket: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, StorageError> {
    let mut form = Form::new(Multipart::new(request.headers(), payload));
    let result = store_upload(&bucket, &mut form, &state).await;
    if result.is_err() {
        form.drain().await;
    }
    let key = result?;
    let etag = format!("\"{}\"", hex_digest(&key));
    Ok(HttpResponse::NoContent()
        .insert_header((header::ETAG, etag))
        .insert_header((header::LOCATION, format!("{}/{key}", upload_url(&request))))
        .finish())
}

async fn store_upload(
    bucket: &str,
    form: &mut Form,
    state: &AppState,
) -> Result<String, StorageError> {
    if bucket != BUCKET {
        return Err(
            StorageError::new(404, "NoSuchBucket", "The specified bucket does not exist")
                .with("BucketName", bucket),
        );
    }
    let media = &state.store.media;
    let (fields, file) = read_fields_until_file(form).await?;
    let upload = media.signer.verify(bucket, &fields, Utc::now())?;
    let file = read_file(file, upload.max_bytes)
        .await
        .map_err(form_error)?;
    // S3 ignores fields after the file; read them so the client's request completes.
    form.drain().await;
    let Some(bytes) = file.bytes else {
        return Err(StorageError::new(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
        )
        .with("ProposedSize", file.size)
        .with("MaxSizeAllowed", upload.max_bytes));
    };
    if file.size < upload.min_bytes {
        return Err(StorageError::new(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
        )
        .with("ProposedSize", file.size)
        .with("MinSizeAllowed", upload.min_bytes));
    }
    let record = MediaRecord {
        media_id: None,
        tenant: upload.target.tenant,
        chat_id: upload.target.chat_id,
        kind: upload.target.kind,
        key: upload.key.clone(),
        content_type: upload.content_type,
        filename: file.filename,
        size: file.size,
        stored_at: Utc::now(),
    };
    media
        .store_upload(record, bytes)
        .map_err(|error| match error {
            MediaError::OverBudget { .. } => {
                StorageError::new(507, "InsufficientStorage", error.to_string())
            }
            other => StorageError::access_denied(other.to_string()),
        })?;
    Ok(upload.key)
}

#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    #[serde(rename = "X-Amz-Signature")]
    signature: Option<String>,
}

/// `GET /__storage/{bucket}/{key}`: a stored file, with a signed link.
pub async fn download(
    path: web::Path<(String, String)>,
    query: web::Query<DownloadQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, StorageError> {
    let (bucket, key) = path.into_inner();
    let signer = &state.store.media.signer;
    let signed = query
        .signature
        .as_deref()
        .is_some_and(|signature| signer.download_allowed(&bucket, &key, signature));
    if !signed {
        return Err(StorageError::access_denied(
            "Request has no valid X-Amz-Signature for this object",
        ));
    }
    let (record, bytes) = state.store.media.object(&key).ok_or_else(|| {
        StorageError::new(404, "NoSuchKey", "The specified key does not exist.").with("Key", &key)
    })?;
    Ok(file_response(&record, bytes))
}

/// A stored file as an HTTP answer: its bytes and its content type.
pub fn file_response(record: &MediaRecord, bytes: web::Bytes) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.content_type(record.content_type.as_str());
    if let Some(filename) = &record.filename {
        let filename: String = filename
            .chars()
            .filter(|c| *c != '"' && !c.is_control())
            .collect();
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        ));
    }
    response.body(bytes)
}

fn hex_digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
