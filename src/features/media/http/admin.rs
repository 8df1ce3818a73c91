//! Media on the control plane: the human agent attaches a file to a chat
//! (`POST /chats/{id}/agent/attachments`, the bytes as the body with their
//! `Content-Type` and `?filename=`, or a `multipart/form-data` file part), the media
//! budgets and what each tenant holds (`GET /media`), and any stored file by media id
//! (`GET /media/{media_id}`, for the console's thumbnails and links).

use actix_multipart::MultipartError;
use actix_web::error::PayloadError;
use actix_web::http::{header, StatusCode};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;

use crate::core::domain::ChatId;
use crate::core::limits::Limit;
use crate::features::media::http::multipart::{
    read_file, timed_out, FileRefusal, Form, MAX_BYTES_AFTER_FILE, MAX_BYTES_BEFORE_FILE,
    READ_AHEAD,
};
use crate::features::media::http::storage::{download_url, file_response};
use crate::features::media::kinds::{
    attachable_content_type, attachable_list, content_type_for_filename, ATTACHMENT_MAX_BYTES,
};
use crate::features::media::wire::{AttachmentStored, FileBytes, MediaUsage};
use crate::features::media::MediaFiles;
use crate::features::media::{MediaError, MediaProblem, Reservation};
use crate::http::body_timeout::timeout_message;
use crate::http::error::{limit_reached, ApiError};
use crate::http::openapi::{Error400, Error404, Error408, Error409, Error413, Error507};
use crate::http::route_table::RouteTable;

/// Agent attachments and stored media on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(agent_attaches, __path_agent_attaches)
        .route(usage, __path_usage)
        .route(file, __path_file)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachQuery {
    /// the file's name (its extension gives the type when the body has none)
    filename: Option<String>,
}

/// A multipart attachment: the file as a part with a filename.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct MultipartAttachment {
    #[schema(value_type = String, format = Binary)]
    file: (),
}

/// One file as the request carried it.
struct Upload {
    filename: Option<String>,
    content_type: Option<String>,
    bytes: Option<Bytes>,
    size: u64,
}

fn too_large(size: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "The file has {size} bytes; an agent attachment may have at most {ATTACHMENT_MAX_BYTES} (100 MB, the platform's limit)"
    ))
}

/// A body that stopped arriving is 408, naming the flag; anything else `otherwise`.
fn body_error(error: PayloadError, otherwise: impl FnOnce(String) -> ApiError) -> ApiError {
    match timeout_message(&error) {
        Some(message) => limit_reached(
            StatusCode::REQUEST_TIMEOUT,
            &message,
            Limit::BodyReadTimeout,
        ),
        None => otherwise(error.to_string()),
    }
}

fn over_budget(error: MediaError) -> ApiError {
    MediaProblem::Media(error).into()
}

async fn read_raw(
    mut payload: web::Payload,
    reservation: &mut Reservation,
) -> Result<Upload, ApiError> {
    let mut buffer = BytesMut::new();
    let mut size = 0u64;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            body_error(error, |error| {
                ApiError::BadRequest(format!("Body: {error}"))
            })
        })?;
        size += chunk.len() as u64;
        if size <= ATTACHMENT_MAX_BYTES {
            if let Err(error) = reservation.grow(chunk.len() as u64) {
                // Past a budget: the rest is read and discarded, so the client, still
                // sending, gets the answer.
                while let Some(Ok(_)) = payload.next().await {}
                return Err(over_budget(error));
            }
            buffer.extend_from_slice(&chunk);
        } else if !buffer.is_empty() {
            buffer = BytesMut::new();
        }
    }
    Ok(Upload {
        filename: None,
        content_type: None,
        bytes: (size <= ATTACHMENT_MAX_BYTES).then(|| buffer.freeze()),
        size,
    })
}

fn malformed(error: MultipartError) -> ApiError {
    match timed_out(&error) {
        Some(message) => limit_reached(
            StatusCode::REQUEST_TIMEOUT,
            &message,
            Limit::BodyReadTimeout,
        ),
        None => ApiError::BadRequest(format!("Malformed multipart body: {error}")),
    }
}

async fn read_multipart(
    form: &mut Form,
    reservation: &mut Reservation,
) -> Result<Upload, ApiError> {
    while let Some(field) = form.next_field().await {
        let field = field.map_err(malformed)?;
        if field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .is_none()
        {
            continue;
        }
        // The file part may be as large as an attachment can be.
        form.allow_more(READ_AHEAD + ATTACHMENT_MAX_BYTES + MAX_BYTES_AFTER_FILE);
        let file = match read_file(field, ATTACHMENT_MAX_BYTES, reservation).await {
            Ok(file) => file,
            Err(FileRefusal::Budget(error)) => return Err(over_budget(error)),
            Err(FileRefusal::Form(MultipartError::Payload(PayloadError::Overflow))) => {
                return Err(too_large(ATTACHMENT_MAX_BYTES + 1))
            }
            Err(FileRefusal::Form(error)) => return Err(malformed(error)),
        };
        return Ok(Upload {
            filename: file.filename,
            content_type: file.content_type,
            bytes: file.bytes,
            size: file.size,
        });
    }
    Err(ApiError::BadRequest(
        "The multipart body has no file part (send it as e.g. -F file=@guide.pdf)".to_owned(),
    ))
}

/// `POST /chats/{id}/agent/attachments`: the agent sends a file; the end user's side gets
/// `message_received` with its `media_id`.
#[utoipa::path(post, path = "/chats/{chat_id}/agent/attachments",
    summary = "The human agent attaches a file (raw body with Content-Type and ?filename=, or multipart)",
    params(("chat_id" = ChatId, Path), AttachQuery),
    request_body(content(
        (inline(FileBytes) = "*/*"),
        (inline(MultipartAttachment) = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "The stored attachment and its message", body = AttachmentStored),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
        (status = 408, response = Error408),
        (status = 409, response = Error409),
        (status = 413, response = Error413),
        (status = 507, response = Error507),
    ))]
pub async fn agent_attaches(
    request: HttpRequest,
    state: web::Data<MediaFiles>,
    chat_id: web::Path<ChatId>,
    query: web::Query<AttachQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let chat_id = chat_id.into_inner();
    if !state.chat_exists(chat_id) {
        return Err(ApiError::not_found());
    }
    let header_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let multipart = header_type
        .as_deref()
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    // The file's bytes are taken from the tenant's media budgets as they arrive.
    let mut reservation = state.reserve_for_chat(chat_id)?;
    let upload = if multipart {
        let mut form = Form::new(
            request.headers(),
            payload,
            MAX_BYTES_BEFORE_FILE + READ_AHEAD,
        );
        let upload = read_multipart(&mut form, &mut reservation).await;
        // Read the rest, so the client (still sending after a refusal) gets the answer.
        form.drain().await;
        upload?
    } else {
        let mut upload = read_raw(payload, &mut reservation).await?;
        upload.content_type = header_type;
        upload
    };
    let Some(bytes) = upload.bytes else {
        return Err(too_large(upload.size));
    };
    let filename = query
        .into_inner()
        .filename
        .or(upload.filename)
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "Name the file: ?filename=guide.pdf (or a multipart file part with a filename)"
                    .to_owned(),
            )
        })?;
    let declared = upload
        .content_type
        .as_deref()
        .filter(|value| !value.starts_with("application/octet-stream"));
    let content_type = match declared {
        Some(declared) => attachable_content_type(declared),
        None => content_type_for_filename(&filename),
    }
    .ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{} is not a type an agent can attach; the platform takes {}",
            declared.unwrap_or(&filename),
            attachable_list()
        ))
    })?;
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("The file is empty".to_owned()));
    }
    let (record, message_id) = state
        .agent_attaches(chat_id, &filename, content_type, bytes, reservation)
        .await?;
    Ok(HttpResponse::Ok().json(AttachmentStored {
        media_id: record.media_id.unwrap_or_default(),
        message_id,
        chat_id,
        url: download_url(&request, &state, &record),
        filename,
        content_type: record.content_type,
        size: record.size,
    }))
}

/// `GET /media`: budgets, expiry, and what each tenant holds.
#[utoipa::path(get, path = "/media", summary = "Media budgets and what each tenant holds",
    responses((status = 200, description = "Usage", body = MediaUsage)))]
pub async fn usage(state: web::Data<MediaFiles>) -> HttpResponse {
    HttpResponse::Ok().json(state.media_usage())
}

/// `GET /media/{media_id}`: any stored media file.
#[utoipa::path(get, path = "/media/{media_id}", summary = "Any stored media file",
    params(("media_id" = u64, Path)),
    responses(
        (status = 200, description = "The bytes, with the file's Content-Type",
            content_type = "*/*", body = inline(FileBytes)),
        (status = 404, response = Error404),
    ))]
pub async fn file(
    state: web::Data<MediaFiles>,
    media_id: web::Path<u64>,
) -> Result<HttpResponse, ApiError> {
    let (record, bytes) = state.media_by_id(media_id.into_inner())?;
    Ok(file_response(&record, bytes))
}
