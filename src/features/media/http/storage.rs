//! The emulator's own S3-style storage endpoint, `/__storage/{bucket}`: the upload URL the
//! pre-signed forms point at (`POST`, `multipart/form-data`, fields then one `file`) and
//! the download links of stored files (`GET /__storage/{bucket}/{key}?X-Amz-Signature=`).
//! It answers like S3: 204 on a stored upload, XML `<Error>` documents on refusals. It
//! needs no Basic auth (the signed form or link is the permission), and is neither
//! journaled nor rate limited, like the storage service it stands for. The multipart body
//! is read with actix-multipart ([`multipart`]).

use actix_multipart::MultipartError;
use actix_web::error::PayloadError;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::multipart::{
    form_error, read_fields_until_file, read_file, FileRefusal, Form, MAX_BYTES_AFTER_FILE,
    MAX_BYTES_BEFORE_FILE, READ_AHEAD,
};
use crate::features::media::upload_policy::{DownloadLink, BUCKET};
use crate::features::media::wire::FileBytes;
use crate::features::media::MediaFiles;
use crate::features::media::{storage_refusal, MediaKind, MediaRecord, StorageError};
use crate::http::openapi::Surface;
use crate::http::route_table::RouteTable;

/// The storage endpoint's prefix.
pub const PREFIX: &str = crate::core::wire::STORAGE_PREFIX;

/// The storage endpoint's routes.
pub fn routes() -> RouteTable {
    RouteTable::new(PREFIX, Surface::STORAGE)
        .route(upload, __path_upload)
        .route(download, __path_download)
}

/// An S3 `<Error>` document (a description: [`StorageError`] writes it).
struct ErrorDocument;

impl utoipa::PartialSchema for ErrorDocument {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "<Error><Code>...</Code><Message>...</Message>...</Error>",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ErrorDocument {}

/// The pre-signed form (a description: the handler reads the multipart body).
#[derive(utoipa::ToSchema)]
#[schema(description = "every field of the form, then the file as `file` (last)")]
#[allow(dead_code)]
struct UploadFormBody {}

/// Registers the storage endpoint.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(routes().into_scope());
}

/// A refusal as S3 sends it: the status and an XML `<Error>` document.
impl ResponseError for StorageError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .content_type("application/xml")
            .body(self.to_xml())
    }
}

/// The upload URL of the bucket, on the host the request came to.
pub fn upload_url(request: &HttpRequest) -> String {
    let info = request.connection_info();
    format!("{}://{}{PREFIX}/{BUCKET}", info.scheme(), info.host())
}

/// A signed download link to a stored file, valid for `--download-url-expiry`.
pub fn download_url(request: &HttpRequest, state: &MediaFiles, record: &MediaRecord) -> String {
    let info = request.connection_info();
    let query = state.download_query(record);
    format!(
        "{}://{}{PREFIX}/{BUCKET}/{}?{query}",
        info.scheme(),
        info.host(),
        record.key
    )
}

/// `POST /__storage/{bucket}`: an upload with a pre-signed form.
#[utoipa::path(post, path = "/{bucket}", summary = "Upload one file with a pre-signed form (S3 POST)",
    params(("bucket" = String, Path)),
    request_body(content = inline(UploadFormBody), content_type = "multipart/form-data"),
    responses(
        (status = 204, description = "Stored (ETag and Location headers)"),
        (status = 400, description = "EntityTooLarge, EntityTooSmall, InvalidPolicyDocument, InvalidArgument (too many fields, a name too long), MalformedPOSTRequest, MaxPostPreDataLengthExceeded (fields before the file over 64 KiB), MaxMessageLengthExceeded (a body larger than any upload)",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 403, description = "AccessDenied (expired, a field changed, an extra field, a used form), SignatureDoesNotMatch",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 404, description = "NoSuchBucket", content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 408, description = "RequestTimeout: the body did not arrive within --body-read-timeout",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 412, description = "PreconditionFailed: not multipart/form-data",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 507, description = "InsufficientStorage: past a media budget, counting the uploads still arriving (the message names the flag)",
            content_type = "application/xml", body = inline(ErrorDocument)),
    ))]
pub async fn upload(
    request: HttpRequest,
    bucket: web::Path<String>,
    payload: web::Payload,
    state: web::Data<MediaFiles>,
) -> Result<HttpResponse, StorageError> {
    // No upload can be larger than this: refused before anything is read.
    let largest = MAX_BYTES_BEFORE_FILE + MediaKind::Video.max_bytes() + MAX_BYTES_AFTER_FILE;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if let Some(declared) = declared.filter(|declared| *declared > largest) {
        return Err(StorageError::new(
            400,
            "MaxMessageLengthExceeded",
            "Your request was too big.",
        )
        .with("ProposedSize", declared)
        .with("MaxMessageLengthBytes", largest));
    }
    let mut form = Form::new(
        request.headers(),
        payload,
        MAX_BYTES_BEFORE_FILE + READ_AHEAD,
    );
    let result = store_upload(&bucket, &mut form, &state).await;
    // Read the rest (S3 ignores fields after the file; after a refusal the client is
    // still sending), discarding it.
    form.drain().await;
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
    state: &MediaFiles,
) -> Result<String, StorageError> {
    let (fields, file) = read_fields_until_file(form).await?;
    let upload = state.verify_upload(bucket, &fields)?;
    // Now the body may hold the file, within the policy's limit, and what follows it.
    form.allow_more(READ_AHEAD + upload.max_bytes + MAX_BYTES_AFTER_FILE);
    let mut reservation = state.reserve_for_upload(&upload);
    let file = match read_file(file, upload.max_bytes, &mut reservation).await {
        Ok(file) => file,
        Err(FileRefusal::Budget(error)) => return Err(storage_refusal(error)),
        Err(FileRefusal::Form(MultipartError::Payload(PayloadError::Overflow))) => {
            return Err(StorageError::new(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
            )
            .with("MaxSizeAllowed", upload.max_bytes))
        }
        Err(FileRefusal::Form(error)) => return Err(form_error(error)),
    };
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
    let key = upload.key.clone();
    state.store_upload(upload, file.filename, bytes, reservation)?;
    Ok(key)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// when the link was issued (`20250925T143000Z`)
    #[serde(rename = "X-Amz-Date")]
    date: Option<String>,
    /// how many seconds the link is valid from then
    #[serde(rename = "X-Amz-Expires")]
    #[param(value_type = Option<u64>)]
    expires: Option<String>,
    /// the signature of the link
    #[serde(rename = "X-Amz-Signature")]
    signature: Option<String>,
}

/// `GET /__storage/{bucket}/{key}`: a stored file, with a signed link.
#[utoipa::path(get, path = "/{bucket}/{key:.*}", summary = "Download a stored file with a signed link",
    params(("bucket" = String, Path), ("key" = String, Path), DownloadQuery),
    responses(
        (status = 200, description = "The bytes, with the file's Content-Type",
            content_type = "*/*", body = inline(FileBytes)),
        (status = 403, description = "AccessDenied: no valid signature, or the link has expired",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 404, description = "NoSuchKey", content_type = "application/xml", body = inline(ErrorDocument)),
    ))]
pub async fn download(
    path: web::Path<(String, String)>,
    query: web::Query<DownloadQuery>,
    state: web::Data<MediaFiles>,
) -> Result<HttpResponse, StorageError> {
    let (bucket, key) = path.into_inner();
    let query = query.into_inner();
    let link = DownloadLink {
        date: query.date,
        // Not a number: no link of this emulator's (403 below, as S3 answers).
        expires: query.expires.and_then(|text| text.parse().ok()),
        signature: query.signature,
    };
    let (record, bytes) = state.signed_object(&bucket, &key, &link)?;
    Ok(file_response(&record, bytes))
}

/// The types a browser shows without running anything (with `nosniff`): served inline.
/// Every other type (XML, PDF, anything a browser could run or hand to a viewer that runs
/// scripts) is served as a download.
const SHOWN_INLINE: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "audio/mpeg",
    "audio/wav",
    "text/plain",
];

/// The policy of every stored file: nothing runs, nothing loads, even when a browser
/// opens the file as a page (`sandbox` gives it a unique origin).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// A stored file as an HTTP answer: its bytes and its content type, `nosniff`, a policy
/// that runs nothing, and `Content-Disposition: attachment` unless the type is one a
/// browser only shows.
pub fn file_response(record: &MediaRecord, bytes: web::Bytes) -> HttpResponse {
    let essence = record
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let disposition = if SHOWN_INLINE.contains(&essence.as_str()) {
        "inline"
    } else {
        "attachment"
    };
    let name = record
        .filename
        .clone()
        .unwrap_or_else(|| record.key.rsplit('/').next().unwrap_or("file").to_owned());
    let filename: String = name
        .chars()
        .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
        .collect();
    HttpResponse::Ok()
        .content_type(record.content_type.as_str())
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{filename}\""),
        ))
        .body(bytes)
}

fn hex_digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
