//! The media operations: the Apps API's upload forms, registration, listing and download,
//! the emulator's S3-style storage endpoint, and the control plane's attachments and
//! usage; and the schemas of `crate::features::media::wire` ([`schemas`]).

use serde_json::{json, Value};

use super::builder::{array_of, op, schema};
use super::Operation;
use crate::core::wire::STORAGE_PREFIX as STORAGE;

/// The schemas of `crate::features::media::wire`, for `components.schemas`.
pub fn schemas() -> Vec<(String, Value)> {
    let int = json!({"type": "integer"});
    let string = json!({"type": "string"});
    vec![
        (
            "UploadForm".to_owned(),
            json!({"type": "object", "required": ["url", "fields"], "properties": {
            "url": {"type": "string", "description": "POST the fields, then the file as `file`, as multipart/form-data"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "key, Content-Type, policy, x-amz-signature, ...; register the upload with s3_path = fields.key"}}}),
        ),
        (
            "Media".to_owned(),
            json!({"type": "object", "required": ["media_id", "url"], "properties": {
            "media_id": int, "url": {"type": "string", "description": "a signed link that downloads the bytes"},
            "s3_path": string, "content_type": string, "size": int,
            "created_at": {"type": "string", "format": "date-time"}}}),
        ),
        (
            "AttachmentStored".to_owned(),
            json!({"type": "object",
            "required": ["media_id", "message_id", "chat_id", "url"], "properties": {
            "media_id": int, "message_id": int, "chat_id": int, "filename": string,
            "content_type": string, "size": int, "url": string}}),
        ),
    ]
}

fn media() -> Value {
    schema("Media")
}

fn register_body() -> Value {
    json!({"type": "object", "description": "s3_path (one), s3_paths, or a list of {s3_path} (flat or under photos/video)",
           "properties": {"s3_path": {"type": "string"}, "s3_paths": array_of(json!({"type": "string"}))}})
}

fn file(description: &str) -> Value {
    json!({"description": description,
           "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}})
}

fn storage_error(description: &str) -> Value {
    json!({"description": description, "content": {"application/xml": {"schema": {
        "type": "string", "description": "<Error><Code>...</Code><Message>...</Message>...</Error>"}}}})
}

impl Operation {
    fn response(mut self, status: u16, response: Value) -> Operation {
        self.body["responses"][status.to_string()] = response;
        self
    }

    fn content_body(mut self, content: Value) -> Operation {
        self.body["requestBody"] = json!({"required": true, "content": content});
        self
    }
}

/// The Apps API's media operations (secured like the rest of the Apps API by the caller).
pub fn apps_operations(path: impl Fn(&str) -> String, tag: &str) -> Vec<Operation> {
    let form = schema("UploadForm");
    let mut operations = Vec::new();
    for (kind, limit) in [
        ("photo", "image/jpeg up to 2 MB"),
        ("video", "video/mp4 up to 20 MB"),
    ] {
        operations.push(
            op(
                "POST",
                &path(&format!("/chats/{{chat_id}}/{kind}s/upload")),
                tag,
                &format!("A pre-signed form to upload one {kind} ({limit}; valid 5 minutes)"),
            )
            .answers(200, "The upload URL and form fields", Some(form.clone()))
            .rejects(&[400, 404]),
        );
        operations.push(
            op(
                "GET",
                &path(&format!("/chats/{{chat_id}}/{kind}s")),
                tag,
                &format!("The {kind}s registered on the chat"),
            )
            .answers(200, "Media, oldest first", Some(array_of(media())))
            .rejects(&[404]),
        );
    }
    operations.push(
        op(
            "POST",
            &path("/chats/{chat_id}/photos"),
            tag,
            "Register uploaded photos by s3_path (several at once)",
        )
        .body(register_body())
        .answers(
            200,
            "One {media_id, url} per s3_path",
            Some(array_of(media())),
        )
        .rejects(&[400, 404, 415]),
    );
    operations.push(
        op(
            "POST",
            &path("/chats/{chat_id}/videos"),
            tag,
            "Register one uploaded video by s3_path",
        )
        .body(register_body())
        .answers(200, "Its {media_id, url}", Some(media()))
        .rejects(&[400, 404, 415]),
    );
    operations.push(
        op(
            "GET",
            &path("/chats/{chat_id}/media/{media_id}"),
            tag,
            "Download a media file of the chat (e.g. one the agent attached)",
        )
        .response(200, file("The bytes, with the file's Content-Type"))
        .rejects(&[404]),
    );
    operations
}

/// The storage endpoint's operations (no Basic auth: the signed form or link is the permission).
pub fn storage_operations() -> Vec<Operation> {
    let tag = "storage";
    vec![
        op("POST", &format!("{STORAGE}/{{bucket}}"), tag, "Upload one file with a pre-signed form (S3 POST)")
            .content_body(json!({"multipart/form-data": {"schema": {"type": "object",
                "description": "every field of the form, then the file as `file` (last)"}}}))
            .response(204, json!({"description": "Stored (ETag and Location headers)"}))
            .response(400, storage_error("EntityTooLarge, EntityTooSmall, InvalidPolicyDocument, InvalidArgument, MalformedPOSTRequest"))
            .response(403, storage_error("AccessDenied (expired, a field changed, an extra field, a used form), SignatureDoesNotMatch"))
            .response(404, storage_error("NoSuchBucket"))
            .response(412, storage_error("PreconditionFailed: not multipart/form-data"))
            .response(507, storage_error("InsufficientStorage: past a media budget (the message names the flag)")),
        op("GET", &format!("{STORAGE}/{{bucket}}/{{key}}"), tag, "Download a stored file with a signed link")
            .query("X-Amz-Signature", "string", "the signature of the link")
            .response(200, file("The bytes, with the file's Content-Type"))
            .response(403, storage_error("AccessDenied: no valid signature"))
            .response(404, storage_error("NoSuchKey")),
    ]
}

/// The control plane's media operations.
pub fn admin_operations(path: impl Fn(&str) -> String, tag: &str) -> Vec<Operation> {
    vec![
        op("POST", &path("/chats/{chat_id}/agent/attachments"), tag, "The human agent attaches a file (raw body with Content-Type and ?filename=, or multipart)")
            .query("filename", "string", "the file's name (its extension gives the type when the body has none)")
            .content_body(json!({"*/*": {"schema": {"type": "string", "format": "binary"}},
                                 "multipart/form-data": {"schema": {"type": "object"}}}))
            .answers(200, "The stored attachment and its message", Some(schema("AttachmentStored")))
            .rejects(&[400, 404, 409, 413, 507]),
        op("GET", &path("/media"), tag, "Media budgets and what each tenant holds")
            .answers(200, "Usage", Some(json!({"type": "object"}))),
        op("GET", &path("/media/{media_id}"), tag, "Any stored media file")
            .response(200, file("The bytes, with the file's Content-Type"))
            .rejects(&[404]),
    ]
}
