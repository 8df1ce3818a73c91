//! The media endpoints of the Apps API: a pre-signed upload form for one photo or video
//! (`POST /chats/{id}/photos/upload`, `/videos/upload`), registering uploads by `s3_path`
//! (`POST /chats/{id}/photos`, several at once, and `/videos`, one), listing them
//! (`GET`), and downloading any media of the chat (`GET /chats/{id}/media/{media_id}`,
//! the files agents attach). The register body's shape is not published: `s3_path`,
//! `s3_paths` and a list of `{s3_path}` objects (flat, or under `photos`/`photo`/`video`)
//! are all accepted.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use crate::core::domain::ChatId;
use crate::features::media::http::storage::{download_url, file_response, upload_url};
use crate::features::media::wire::{FileBytes, Media, UploadForm};
use crate::features::media::MediaFiles;
use crate::features::media::{MediaError, MediaKind, MediaProblem, MediaRecord};
use crate::http::basic_auth::AuthenticatedTenant;
use crate::http::error::ApiError;
use crate::http::openapi::Error404;
use crate::http::route_table::RouteTable;

async fn upload_form(
    request: HttpRequest,
    tenant: AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    chat_id: ChatId,
    kind: MediaKind,
) -> Result<HttpResponse, ApiError> {
    let fields = state.issue_upload(&tenant.0, chat_id, kind)?;
    Ok(HttpResponse::Ok().json(UploadForm {
        url: upload_url(&request),
        fields,
    }))
}

/// The media routes of the Apps API.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(photo_upload_form, __path_photo_upload_form)
        .route(video_upload_form, __path_video_upload_form)
        .route(register_photos, __path_register_photos)
        .route(list_photos, __path_list_photos)
        .route(register_video, __path_register_video)
        .route(list_videos, __path_list_videos)
        .route(download, __path_download)
}

/// The register body (read as JSON by [`s3_paths`]).
#[derive(utoipa::ToSchema)]
#[schema(
    description = "s3_path (one), s3_paths, or a list of {s3_path} (flat or under photos/video)"
)]
#[allow(dead_code)]
struct RegisterBody {
    #[schema(nullable = false)]
    s3_path: Option<String>,
    #[schema(nullable = false)]
    s3_paths: Option<Vec<String>>,
}

#[utoipa::path(post, path = "/chats/{chat_id}/photos/upload",
    summary = "A pre-signed form to upload one photo (image/jpeg up to 2 MB; valid 5 minutes)",
    params(("chat_id" = ChatId, Path)),
    responses(
        (status = 200, description = "The upload URL and form fields", body = UploadForm),
        (status = 404, response = Error404),
    ))]
pub async fn photo_upload_form(
    request: HttpRequest,
    tenant: AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    chat_id: web::Path<ChatId>,
) -> Result<HttpResponse, ApiError> {
    upload_form(
        request,
        tenant,
        state,
        chat_id.into_inner(),
        MediaKind::Photo,
    )
    .await
}

#[utoipa::path(post, path = "/chats/{chat_id}/videos/upload",
    summary = "A pre-signed form to upload one video (video/mp4 up to 20 MB; valid 5 minutes)",
    params(("chat_id" = ChatId, Path)),
    responses(
        (status = 200, description = "The upload URL and form fields", body = UploadForm),
        (status = 404, response = Error404),
    ))]
pub async fn video_upload_form(
    request: HttpRequest,
    tenant: AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    chat_id: web::Path<ChatId>,
) -> Result<HttpResponse, ApiError> {
    upload_form(
        request,
        tenant,
        state,
        chat_id.into_inner(),
        MediaKind::Video,
    )
    .await
}

/// The `s3_path`s a register body names, in order.
fn s3_paths(body: &Value, kind: MediaKind) -> Result<Vec<String>, ApiError> {
    let name = kind.name();
    let nested = [format!("{name}s"), name.to_owned()]
        .into_iter()
        .find_map(|key| body.get(&key).cloned());
    let source = nested.unwrap_or_else(|| body.clone());
    let path_of = |item: &Value| match item {
        Value::String(path) => Some(path.clone()),
        Value::Object(object) => object.get("s3_path")?.as_str().map(str::to_owned),
        _ => None,
    };
    let paths: Option<Vec<String>> = match &source {
        Value::Array(items) => items.iter().map(path_of).collect(),
        Value::Object(object) => match (object.get("s3_path"), object.get("s3_paths")) {
            (Some(path), None) => path.as_str().map(|path| vec![path.to_owned()]),
            (None, Some(Value::Array(items))) => items.iter().map(path_of).collect(),
            _ => None,
        },
        _ => None,
    };
    match paths {
        Some(paths) if !paths.is_empty() && paths.iter().all(|path| !path.is_empty()) => {
            Ok(paths)
        }
        _ => Err(ApiError::BadRequest(format!(
            "Name the uploaded {name} by s3_path: {{\"s3_path\": \"<fields.key of the upload form>\"}}"
        ))),
    }
}

fn media_json(request: &HttpRequest, state: &MediaFiles, record: &MediaRecord) -> Media {
    Media::of(record, download_url(request, state, record))
}

/// `POST /chats/{id}/photos`: one or several uploads at once; answers a list.
#[utoipa::path(post, path = "/chats/{chat_id}/photos",
    summary = "Register uploaded photos by s3_path (several at once)",
    params(("chat_id" = ChatId, Path)),
    request_body = inline(RegisterBody),
    responses(
        (status = 200, description = "One {media_id, url} per s3_path", body = Vec<Media>),
        (status = 404, response = Error404),
    ))]
pub async fn register_photos(
    request: HttpRequest,
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    chat_id: web::Path<ChatId>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let paths = s3_paths(&body, MediaKind::Photo)?;
    let records = state.register_media(&tenant, chat_id.into_inner(), MediaKind::Photo, &paths)?;
    let answer: Vec<Media> = records
        .iter()
        .map(|record| media_json(&request, &state, record))
        .collect();
    Ok(HttpResponse::Ok().json(answer))
}

/// `POST /chats/{id}/videos`: exactly one upload; answers one object.
#[utoipa::path(post, path = "/chats/{chat_id}/videos",
    summary = "Register one uploaded video by s3_path",
    params(("chat_id" = ChatId, Path)),
    request_body = inline(RegisterBody),
    responses(
        (status = 200, description = "Its {media_id, url}", body = Media),
        (status = 404, response = Error404),
    ))]
pub async fn register_video(
    request: HttpRequest,
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    chat_id: web::Path<ChatId>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let paths = s3_paths(&body, MediaKind::Video)?;
    if paths.len() != 1 {
        return Err(ApiError::BadRequest(
            "A video is registered one at a time: send one s3_path".to_owned(),
        ));
    }
    let records = state.register_media(&tenant, chat_id.into_inner(), MediaKind::Video, &paths)?;
    Ok(HttpResponse::Ok().json(media_json(&request, &state, &records[0])))
}

async fn list(
    request: HttpRequest,
    tenant: AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    chat_id: ChatId,
    kind: MediaKind,
) -> Result<HttpResponse, ApiError> {
    let records = state.chat_media(&tenant.0, chat_id, kind)?;
    let answer: Vec<Media> = records
        .iter()
        .map(|record| media_json(&request, &state, record))
        .collect();
    Ok(HttpResponse::Ok().json(answer))
}

#[utoipa::path(get, path = "/chats/{chat_id}/photos",
    summary = "The photos registered on the chat",
    params(("chat_id" = ChatId, Path)),
    responses(
        (status = 200, description = "Media, oldest first", body = Vec<Media>),
        (status = 404, response = Error404),
    ))]
pub async fn list_photos(
    request: HttpRequest,
    tenant: AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    chat_id: web::Path<ChatId>,
) -> Result<HttpResponse, ApiError> {
    list(
        request,
        tenant,
        state,
        chat_id.into_inner(),
        MediaKind::Photo,
    )
    .await
}

#[utoipa::path(get, path = "/chats/{chat_id}/videos",
    summary = "The videos registered on the chat",
    params(("chat_id" = ChatId, Path)),
    responses(
        (status = 200, description = "Media, oldest first", body = Vec<Media>),
        (status = 404, response = Error404),
    ))]
pub async fn list_videos(
    request: HttpRequest,
    tenant: AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    chat_id: web::Path<ChatId>,
) -> Result<HttpResponse, ApiError> {
    list(
        request,
        tenant,
        state,
        chat_id.into_inner(),
        MediaKind::Video,
    )
    .await
}

/// `GET /chats/{id}/media/{media_id}`: the file's bytes with its content type.
#[utoipa::path(get, path = "/chats/{chat_id}/media/{media_id}",
    summary = "Download a media file of the chat (e.g. one the agent attached)",
    params(("chat_id" = ChatId, Path), ("media_id" = u64, Path)),
    responses(
        (status = 200, description = "The bytes, with the file's Content-Type",
            content_type = "*/*", body = inline(FileBytes)),
        (status = 404, response = Error404),
    ))]
pub async fn download(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<MediaFiles>,
    path: web::Path<(ChatId, u64)>,
) -> Result<HttpResponse, ApiError> {
    let (chat_id, media_id) = path.into_inner();
    let (record, bytes) = state.media_file(&tenant, chat_id, media_id)?;
    Ok(file_response(&record, bytes))
}

impl From<MediaProblem> for ApiError {
    fn from(problem: MediaProblem) -> ApiError {
        match problem {
            MediaProblem::State(error) => error.into(),
            MediaProblem::NotFound => ApiError::NotFound(problem.to_string()),
            MediaProblem::Media(error @ MediaError::OverBudget { .. }) => {
                ApiError::InsufficientStorage(error.to_string())
            }
            MediaProblem::Media(error) => ApiError::BadRequest(error.to_string()),
        }
    }
}
