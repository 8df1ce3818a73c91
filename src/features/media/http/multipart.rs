//! Reading multipart bodies with `actix-multipart`: the S3-style POST form (fields, then
//! one `file`, read up to the policy's limit) and a single attached file. A refusal in
//! the middle still reads the rest of the body (discarding it) so the client, which is
//! still sending, gets the answer instead of a reset connection.

use std::collections::BTreeMap;

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::features::media::StorageError;

/// The most bytes of form fields before the file (S3's limit is 20 KB; the emulator is
/// more lenient).
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// A multipart body, read field by field; once it ends or fails it yields nothing more
/// (actix-multipart must not be polled again after a failure at its start).
pub struct Form {
    form: Multipart,
    done: bool,
}

impl Form {
    pub fn new(form: Multipart) -> Form {
        Form { form, done: false }
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

    /// Reads and discards whatever is left of the body.
    pub async fn drain(&mut self) {
        while let Some(Ok(mut field)) = self.next_field().await {
            while let Some(Ok(_)) = field.next().await {}
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

/// Reads the form fields that precede the `file` part (names lower-cased, as S3 compares
/// them); returns them with the file part, which is left unread.
pub async fn read_fields_until_file(
    form: &mut Form,
) -> Result<(BTreeMap<String, String>, Field), StorageError> {
    let mut fields = BTreeMap::new();
    let mut total = 0;
    while let Some(field) = form.next_field().await {
        let mut field = field.map_err(form_error)?;
        let name = field.name().unwrap_or_default().to_ascii_lowercase();
        if name == "file" {
            return Ok((fields, field));
        }
        let mut value = BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(form_error)?;
            total += chunk.len();
            if total > MAX_FIELD_BYTES {
                return Err(StorageError::new(
                    400,
                    "MaxPostPreDataLengthExceeded",
                    "Your POST request fields preceeding the upload file was too large.",
                ));
            }
            value.extend_from_slice(&chunk);
        }
        fields.insert(name, String::from_utf8_lossy(&value).into_owned());
    }
    Err(StorageError::invalid_argument(
        "POST requires exactly one file upload per request.",
    ))
}

/// Reads a file part, keeping at most `limit` bytes and counting the rest.
pub async fn read_file(mut field: Field, limit: u64) -> Result<ReadFile, MultipartError> {
    let filename = field
        .content_disposition()
        .and_then(|disposition| disposition.get_filename())
        .map(str::to_owned);
    let content_type = field.content_type().map(ToString::to_string);
    let mut buffer = BytesMut::new();
    let mut size = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        if size <= limit {
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

/// A body that is not a well-formed multipart form, as S3 words it.
pub fn form_error(error: MultipartError) -> StorageError {
    match error {
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
