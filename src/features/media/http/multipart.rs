//! Reading multipart bodies with `actix-multipart`: the S3-style POST form (fields, then
//! one `file`, read up to the policy's limit) and a single attached file. Everything read
//! is bounded before it is held: the body itself is handed to the parser through
//! [`Form`], which stops it past a byte allowance (the form fields' before the file, then
//! the file's), and the fields before the file are bounded in number, name length and
//! total bytes. A file's bytes are taken from the media budgets as they arrive (a
//! [`Reservation`]). A refusal in the middle still reads the rest of the body, discarding
//! it and within `--body-read-timeout`, so the client, which is still sending, gets the
//! answer instead of a reset connection.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::http::header::HeaderMap;
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

use crate::features::media::{MediaError, Reservation, StorageError};
use crate::http::body_timeout::timeout_message;

/// The most bytes of the body before the file part: the form fields with their part
/// headers and boundaries (S3's limit is 20 KB; the emulator is more lenient).
pub const MAX_BYTES_BEFORE_FILE: u64 = 64 * 1024;
/// The most form fields before the file (a pre-signed form has ten).
pub const MAX_FIELDS: usize = 100;
/// The longest form field name.
pub const MAX_FIELD_NAME_BYTES: usize = 1024;
/// What may follow the file part: its closing boundary and fields S3 ignores.
pub const MAX_BYTES_AFTER_FILE: u64 = 64 * 1024;
/// What the parser may read ahead of the field it hands out (the start of the file, or
/// part headers it is still looking through): the body's allowance before the file is
/// [`MAX_BYTES_BEFORE_FILE`] and this, so no part header, however long, is held whole.
pub const READ_AHEAD: u64 = 256 * 1024;

/// The body, counted as the parser pulls it: past `allowed` bytes it fails with
/// [`PayloadError::Overflow`]. Shared with the [`Form`], which raises the allowance once
/// it knows how large the file may be, and drains what is left after a refusal.
struct Counted {
    payload: Option<web::Payload>,
    pulled: u64,
    allowed: u64,
}

#[derive(Clone)]
struct CountedBody(Rc<RefCell<Counted>>);

impl Stream for CountedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut counted = self.0.borrow_mut();
        if counted.pulled > counted.allowed {
            return Poll::Ready(Some(Err(PayloadError::Overflow)));
        }
        let Some(payload) = counted.payload.as_mut() else {
            return Poll::Ready(None);
        };
        match payload.poll_next_unpin(context) {
            Poll::Ready(Some(Ok(chunk))) => {
                counted.pulled += chunk.len() as u64;
                if counted.pulled > counted.allowed {
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

/// A multipart body, read field by field within a byte allowance; once it ends or fails
/// it yields nothing more (actix-multipart must not be polled again after a failure at
/// its start).
pub struct Form {
    form: Multipart,
    body: CountedBody,
    done: bool,
}

impl Form {
    /// The body of a request with these `headers`, allowed `allowed` bytes for now.
    pub fn new(headers: &HeaderMap, payload: web::Payload, allowed: u64) -> Form {
        let body = CountedBody(Rc::new(RefCell::new(Counted {
            payload: Some(payload),
            pulled: 0,
            allowed,
        })));
        Form {
            form: Multipart::new(headers, body.clone()),
            body,
            done: false,
        }
    }

    pub async fn next_field(&mut self) -> Option<Result<Field, MultipartError>> {
        if self.done {
            return None;
        }
        let next = self.form.next().await;
        if !matches!(next, Some(Ok(_))) {
            self.done = true;
        }
        next
    }

    /// The body's bytes read so far.
    pub fn pulled(&self) -> u64 {
        self.body.0.borrow().pulled
    }

    /// Allows the body `more` bytes past what it has read.
    pub fn allow_more(&mut self, more: u64) {
        let mut counted = self.body.0.borrow_mut();
        counted.allowed = counted.pulled.saturating_add(more);
    }

    /// Reads and discards whatever is left of the body, without parsing it (it ends at
    /// the body's end, or at `--body-read-timeout`).
    pub async fn drain(&mut self) {
        self.done = true;
        let payload = self.body.0.borrow_mut().payload.take();
        if let Some(mut payload) = payload {
            while let Some(Ok(_)) = payload.next().await {}
        }
    }
}

/// A file part read up to a limit.
pub struct ReadFile {
    /// The bytes, if the file was within the limit.
    pub bytes: Option<Bytes>,
    /// The file's full size (counted to the end even past the limit).
    pub size: u64,
    pub filename: Option<String>,
    pub content_type: Option<String>,
}

/// Why a file part was not read.
#[derive(Debug)]
pub enum FileRefusal {
    /// The body is not a well-formed form, stopped arriving, or passed its allowance.
    Form(MultipartError),
    /// Its bytes would pass a media budget.
    Budget(MediaError),
}

/// Reads the form fields that precede the `file` part (names lower-cased, as S3 compares
/// them) within [`MAX_FIELDS`], [`MAX_FIELD_NAME_BYTES`] and [`MAX_BYTES_BEFORE_FILE`];
/// returns them with the file part, which is left unread.
pub async fn read_fields_until_file(
    form: &mut Form,
) -> Result<(BTreeMap<String, String>, Field), StorageError> {
    let mut fields = BTreeMap::new();
    let mut count = 0;
    let mut bytes = 0;
    let too_large = || {
        StorageError::new(
            400,
            "MaxPostPreDataLengthExceeded",
            "Your POST request fields preceeding the upload file was too large.",
        )
    };
    while let Some(field) = form.next_field().await {
        let mut field = field.map_err(form_error)?;
        let name = field.name().unwrap_or_default().to_ascii_lowercase();
        if name == "file" {
            return Ok((fields, field));
        }
        count += 1;
        if count > MAX_FIELDS {
            return Err(StorageError::invalid_argument(format!(
                "POST form has more than {MAX_FIELDS} fields before the file."
            )));
        }
        if name.len() > MAX_FIELD_NAME_BYTES {
            return Err(StorageError::invalid_argument(format!(
                "POST form field name is longer than {MAX_FIELD_NAME_BYTES} bytes."
            ))
            .with(
                "ArgumentName",
                format!("{}...", &name[..64.min(name.len())]),
            ));
        }
        bytes += name.len();
        let mut value = BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(form_error)?;
            bytes += chunk.len();
            if bytes as u64 > MAX_BYTES_BEFORE_FILE {
                return Err(too_large());
            }
            value.extend_from_slice(&chunk);
        }
        if bytes as u64 > MAX_BYTES_BEFORE_FILE {
            return Err(too_large());
        }
        fields.insert(name, String::from_utf8_lossy(&value).into_owned());
    }
    Err(StorageError::invalid_argument(
        "POST requires exactly one file upload per request.",
    ))
}

/// Reads a file part, keeping at most `limit` bytes (each taken from `reservation` as it
/// arrives) and counting the rest.
pub async fn read_file(
    mut field: Field,
    limit: u64,
    reservation: &mut Reservation,
) -> Result<ReadFile, FileRefusal> {
    let filename = field
        .content_disposition()
        .and_then(|disposition| disposition.get_filename())
        .map(str::to_owned);
    let content_type = field.content_type().map(ToString::to_string);
    let mut buffer = BytesMut::new();
    let mut size = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(FileRefusal::Form)?;
        size += chunk.len() as u64;
        if size <= limit {
            reservation
                .grow(chunk.len() as u64)
                .map_err(FileRefusal::Budget)?;
            buffer.extend_from_slice(&chunk);
        } else if !buffer.is_empty() {
            buffer = BytesMut::new();
        }
    }
    Ok(ReadFile {
        bytes: (size <= limit).then(|| buffer.freeze()),
        size,
        filename,
        content_type,
    })
}

/// Whether a multipart failure is the body stopping to arrive (`--body-read-timeout`).
pub fn timed_out(error: &MultipartError) -> Option<String> {
    match error {
        MultipartError::Payload(payload) => timeout_message(payload),
        _ => None,
    }
}

/// A body that is not a well-formed multipart form (or stopped arriving), as S3 words it.
pub fn form_error(error: MultipartError) -> StorageError {
    if let Some(message) = timed_out(&error) {
        return StorageError::new(
            408,
            "RequestTimeout",
            "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.",
        )
        .with("Detail", format!("{message} (--body-read-timeout)"));
    }
    match error {
        MultipartError::Payload(PayloadError::Overflow) => StorageError::new(
            400,
            "MaxPostPreDataLengthExceeded",
            "Your POST request fields preceeding the upload file was too large.",
        ),
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => StorageError::new(
            412,
            "PreconditionFailed",
            "Bucket POST must be of the enclosure-type multipart/form-data",
        ),
        other => StorageError::new(
            400,
            "MalformedPOSTRequest",
            format!(
                "The body of your POST request is not well-formed multipart/form-data ({other})."
            ),
        ),
    }
}
