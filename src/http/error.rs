//! The platform's error envelope. Every rejection the emulated Apps API makes, including
//! the ones actix makes while extracting JSON, paths and queries, is answered as
//! `{"message": "..."}` with the status the platform would use. A 500 would mean a bug.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use crate::core::domain::ChatError;
use crate::core::limits::Limit;
use crate::core::state::StateError;

/// An API rejection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    NotFound(String),
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A configured limit was reached: the message names it and the flag that raises it.
    #[error("{message}")]
    Limit { status: StatusCode, message: String },
    /// Over a media budget (the message names the flag to raise).
    #[error("{0}")]
    InsufficientStorage(String),
    /// Over the per-tenant rate limit; `retry_after_seconds` goes in `Retry-After`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_seconds: u64,
    },
}

impl ApiError {
    pub fn not_found() -> ApiError {
        ApiError::NotFound("Not Found".to_owned())
    }
}

/// The rejection for a reached limit: `what` happened, and the flag that raises it.
pub fn limit_reached(status: StatusCode, what: &str, limit: Limit) -> ApiError {
    let spec = limit.spec();
    ApiError::Limit {
        status,
        message: format!(
            "{what} (limit set by --{} / {}; raise it to allow more)",
            spec.flag, spec.env
        ),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Limit { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized(_) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="ccai-emulator""#));
            }
            ApiError::TooManyRequests {
                retry_after_seconds,
                ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            _ => {}
        }
        response.json(json!({ "message": self.to_string() }))
    }
}

impl From<StateError> for ApiError {
    fn from(error: StateError) -> ApiError {
        match error {
            StateError::ChatNotFound => ApiError::not_found(),
            StateError::EndUserNotFound => ApiError::NotFound(error.to_string()),
            StateError::Invalid(message) => ApiError::BadRequest(message),
            StateError::LimitReached(message) => ApiError::Conflict(message),
            StateError::TooLarge(message) => ApiError::PayloadTooLarge(message),
            StateError::TooManyTenants { .. } => {
                limit_reached(StatusCode::FORBIDDEN, &error.to_string(), Limit::Tenants)
            }
            StateError::NotPersisted(message) => ApiError::InsufficientStorage(message),
            StateError::Chat(chat_error) => match chat_error {
                ChatError::Finished
                | ChatError::NotTheChatsEndUser { .. }
                | ChatError::UnknownTaskVirtualAgent(_)
                | ChatError::NotDismissed
                | ChatError::AfterHours(_)
                | ChatError::Invalid(_) => ApiError::BadRequest(chat_error.to_string()),
                ChatError::NoAgentAssigned
                | ChatError::TaskVirtualAgentAlreadyActive
                | ChatError::AlreadyDismissed
                | ChatError::NotEligibleForDismissal(_) => {
                    ApiError::Conflict(chat_error.to_string())
                }
            },
        }
    }
}

/// Maps actix's JSON body errors onto the envelope: 413, 415 or 400.
pub fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::PayloadTooLarge(
            format!("Request body of {length} bytes is larger than the limit of {limit} bytes"),
        ),
        JsonPayloadError::Overflow { limit } => ApiError::PayloadTooLarge(format!(
            "Request body is larger than the limit of {limit} bytes"
        )),
        JsonPayloadError::Payload(payload)
            if super::body_timeout::timeout_message(payload).is_some() =>
        {
            limit_reached(
                StatusCode::REQUEST_TIMEOUT,
                &super::body_timeout::timeout_message(payload).unwrap_or_default(),
                Limit::BodyReadTimeout,
            )
        }
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("Content-Type must be application/json".to_owned())
        }
        JsonPayloadError::Deserialize(inner) if inner.is_data() => {
            ApiError::BadRequest(format!("Invalid request body: {inner}"))
        }
        JsonPayloadError::Deserialize(inner) => {
            ApiError::BadRequest(format!("Malformed JSON: {inner}"))
        }
        other => ApiError::BadRequest(format!("Invalid request body: {other}")),
    };
    api_error.into()
}

/// A path segment that does not parse (e.g. `/chats/abc`) names nothing that exists.
pub fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::not_found().into()
}

/// A query that does not fit its handler's fields. serde's message names the problem but
/// not the parameter (e.g. "invalid digit found in string"), so the query is quoted with it.
pub fn query_error(error: QueryPayloadError, request: &HttpRequest) -> actix_web::Error {
    let query: String = request.query_string().chars().take(200).collect();
    ApiError::BadRequest(format!("Invalid query string {query:?}: {error}")).into()
}

/// For unknown routes.
pub async fn route_not_found() -> HttpResponse {
    ApiError::not_found().error_response()
}

/// For a known route asked with the wrong method: 405 with `Allow: <its methods>`.
pub fn method_not_allowed(allow: &str) -> HttpResponse {
    let mut response = ApiError::MethodNotAllowed.error_response();
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
