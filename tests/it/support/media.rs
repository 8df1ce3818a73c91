//! Media helpers for tests: ask for a pre-signed upload form, post it as a browser or an
//! S3 client would (a `multipart/form-data` body built here, fields then the file), and
//! fetch bytes back. Building the request is the client's job; the emulator parses it with
//! actix-multipart.

use std::collections::BTreeMap;

use actix_web::web::Bytes;
use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use super::{Reply, TenantClient, TestApp};

/// A pre-signed upload form as the Apps API answers it.
#[derive(Debug, Clone)]
pub struct UploadForm {
    pub url: String,
    pub fields: BTreeMap<String, String>,
}

impl UploadForm {
    pub fn key(&self) -> &str {
        &self.fields["key"]
    }
}

/// A `multipart/form-data` body: each field, then the file as `file`. Returns the
/// Content-Type header (with its boundary) and the body.
pub fn multipart(
    fields: &[(String, String)],
    file: Option<(&str, &str, &[u8])>,
) -> (String, Vec<u8>) {
    let boundary = format!("----ccai-test-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((filename, content_type, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Bytes that start like a JPEG (or an MP4) and are `size` long, different per call.
pub fn file_of(size: usize, header: &[u8]) -> Vec<u8> {
    let mut bytes = header.to_vec();
    let seed = rand::random::<u8>();
    bytes.extend((0..size.saturating_sub(header.len())).map(|i| (i as u8).wrapping_mul(31) ^ seed));
    bytes
}

pub const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
pub const MP4: &[u8] = &[
    0, 0, 0, 0x18, b'f', b't', b'y', b'p', b'm', b'p', b'4', b'2',
];

/// A raw answer: status, content type and bytes.
pub struct Download {
    pub status: StatusCode,
    pub content_type: String,
    pub bytes: Bytes,
}

impl TestApp {
    /// POSTs a body with its content type to an absolute URL; the answer's text in `body`.
    pub async fn post_body(&self, url: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let response = self
            .client
            .post(url)
            .insert_header(("content-type", content_type))
            .send_body(body)
            .await
            .expect("the emulator answers");
        super::read(response).await
    }

    /// Posts a pre-signed form with `fields` and the file.
    pub async fn upload(
        &self,
        form: &UploadForm,
        fields: &BTreeMap<String, String>,
        content_type: &str,
        bytes: &[u8],
    ) -> Reply {
        let fields: Vec<(String, String)> = fields.clone().into_iter().collect();
        let (header, body) = multipart(&fields, Some(("upload.bin", content_type, bytes)));
        self.post_body(&form.url, &header, body).await
    }

    /// GETs an absolute URL (or a path of this emulator) with optional Basic auth.
    pub async fn download(&self, url: &str, auth: Option<&str>) -> Download {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            self.url(url)
        };
        let mut request = self.client.get(url);
        if let Some(auth) = auth {
            request = request.insert_header(("Authorization", auth));
        }
        let mut response = request.send().await.expect("the emulator answers");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response
            .body()
            .limit(200 * 1024 * 1024)
            .await
            .expect("a body");
        Download {
            status: response.status(),
            content_type,
            bytes,
        }
    }
}

impl TenantClient<'_> {
    /// `POST /chats/{id}/{kind}s/upload`, expecting a form.
    pub async fn upload_form(&self, chat_id: u64, kind: &str) -> UploadForm {
        let reply = self
            .call(
                Method::POST,
                &format!("/chats/{chat_id}/{kind}s/upload"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let fields = reply.body["fields"]
            .as_object()
            .expect("fields")
            .iter()
            .map(|(name, value)| {
                (
                    name.clone(),
                    value.as_str().expect("string field").to_owned(),
                )
            })
            .collect();
        UploadForm {
            url: reply.body["url"].as_str().expect("url").to_owned(),
            fields,
        }
    }

    /// Asks for a form and uploads `bytes` with it, expecting 204; returns the form.
    pub async fn uploaded(&self, chat_id: u64, kind: &str, bytes: &[u8]) -> UploadForm {
        let form = self.upload_form(chat_id, kind).await;
        let content_type = form.fields["Content-Type"].clone();
        let reply = self
            .app
            .upload(&form, &form.fields, &content_type, bytes)
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
        form
    }

    /// Registers uploads by s3_path: photos answer a list, a video one object.
    pub async fn register(&self, chat_id: u64, kind: &str, keys: &[&str]) -> Reply {
        let body = if kind == "video" {
            json!({"s3_path": keys[0]})
        } else {
            json!({"photos": keys.iter().map(|key| json!({"s3_path": key})).collect::<Vec<Value>>()})
        };
        self.call(
            Method::POST,
            &format!("/chats/{chat_id}/{kind}s"),
            Some(body),
        )
        .await
    }

    /// Sends a photo or video message naming `media_id`.
    pub async fn send_media(&self, chat_id: u64, user: u64, kind: &str, media_id: u64) -> Reply {
        self.call(
            Method::POST,
            &format!("/chats/{chat_id}/message"),
            Some(json!({"from_user_id": user, "message": {"type": kind, "content": {"media_id": media_id}}})),
        )
        .await
    }
}
