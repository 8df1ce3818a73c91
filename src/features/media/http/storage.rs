//! The emulator's own S3-style storage endpoint, `/__storage/{bucket}`: the upload URL the
//! pre-signed forms point at (`POST`, `multipart/form-data`, fields then one `file`) and
//! the download links of stored files (`GET /__storage/{bucket}/{key}?X-Amz-Signature=`).
//! It answers like S3: 204 on a stored upload, XML `<Error>` documents on refusals. It
//! needs no Basic auth (the signed form or link is the permission), and is neither
//! journaled nor rate limited, like the storage service it stands for. The multipart body
//! is read with actix-multipart ([`multipart`]).

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::multipart::{form_error, read_fields_until_file, read_file, Form};
use crate::features::media::upload_policy::BUCKET;
use crate::features::media::wire::FileBytes;
use crate::features::media::MediaFiles;
use crate::features::media::{MediaRecord, StorageError};
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

/// A signed download link to a stored file.
pub fn download_url(request: &HttpRequest, state: &MediaFiles, key: &str) -> String {
    let info = request.connection_info();
    let signature = state.download_signature(key);
    format!(
        "{}://{}{PREFIX}/{BUCKET}/{key}?X-Amz-Signature={signature}",
        info.scheme(),
        info.host()
    )
}

/// `POST /__storage/{bucket}`: an upload with a pre-signed form.
#[utoipa::path(post, path = "/{bucket}", summary = "Upload one file with a pre-signed form (S3 POST)",
    params(("bucket" = String, Path)),
    request_body(content = inline(UploadFormBody), content_type = "multipart/form-data"),
    responses(
        (status = 204, description = "Stored (ETag and Location headers)"),
        (status = 400, description = "EntityTooLarge, EntityTooSmall, InvalidPolicyDocument, InvalidArgument, MalformedPOSTRequest",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 403, description = "AccessDenied (expired, a field changed, an extra field, a used form), SignatureDoesNotMatch",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 404, description = "NoSuchBucket", content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 412, description = "PreconditionFailed: not multipart/form-data",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 507, description = "InsufficientStorage: past a media budget (the message names the flag)",
            content_type = "application/xml", body = inline(ErrorDocument)),
    ))]
pub async fn upload(
    request: HttpRequest,
    bucket: web::Path<String>,
    payload: web::Payload,
    state: web::Data<MediaFiles>,
) -> Result<HttpResponse, StorageError> {
    let mut form = Form::new(Multipart::new(request.headers(), payload));
    let result = store_upload(&bucket, &mut form, &state).await;
    if result.is_err() {
        // Read the rest, so the client (still sending) gets this answer.
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
    state: &MediaFiles,
) -> Result<String, StorageError> {
    let (fields, file) = read_fields_until_file(form).await?;
    let upload = state.verify_upload(bucket, &fields)?;
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
    let key = upload.key.clone();
    state.store_upload(upload, file.filename, bytes)?;
    Ok(key)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
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
        (status = 403, description = "AccessDenied: no valid signature",
            content_type = "application/xml", body = inline(ErrorDocument)),
        (status = 404, description = "NoSuchKey", content_type = "application/xml", body = inline(ErrorDocument)),
    ))]
pub async fn download(
    path: web::Path<(String, String)>,
    query: web::Query<DownloadQuery>,
    state: web::Data<MediaFiles>,
) -> Result<HttpResponse, StorageError> {
    let (bucket, key) = path.into_inner();
    let (record, bytes) = state.signed_object(&bucket, &key, query.signature.as_deref())?;
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
