//! The storage endpoint's refusals through real HTTP, each answered as S3 answers it (the
//! status and an XML `<Error>` with its `Code`): a wrong type, a file over the limit, a
//! second file on one form, a body that is not a form or has no file, a tampered policy
//! or field, and an expired form. A refused upload stores nothing.

use std::time::Duration;

use awc::http::{Method, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::support::media::{file_of, multipart, JPEG, MP4};
use crate::support::{spawn_app, spawn_app_with, test_config, Reply, DEADLINE};

/// The S3 error code of an XML answer.
fn s3_code(reply: &Reply) -> String {
    let text = reply.body.as_str().unwrap_or_default();
    let start = text.find("<Code>").map(|index| index + 6).unwrap_or(0);
    let end = text.find("</Code>").unwrap_or(start);
    text[start..end].to_owned()
}

#[actix_rt::test]
async fn the_upload_endpoint_refuses_a_wrong_type_a_big_file_and_a_second_file_as_s3_does() {
    let app = spawn_app();
    let tenant = app.tenant("refusals");
    let (chat, _) = tenant.open_chat().await;

    let form = tenant.upload_form(chat, "photo").await;
    let mut png = form.fields.clone();
    png.insert("Content-Type".into(), "image/png".into());
    let reply = app
        .upload(&form, &png, "image/png", &file_of(1000, b"\x89PNG"))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(s3_code(&reply), "AccessDenied");
    assert!(
        reply
            .body
            .as_str()
            .unwrap()
            .contains("Policy Condition failed"),
        "{}",
        reply.body
    );

    let too_big = file_of(2 * 1024 * 1024 + 1, JPEG);
    let reply = app
        .upload(&form, &form.fields, "image/jpeg", &too_big)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(s3_code(&reply), "EntityTooLarge");
    assert!(reply
        .body
        .as_str()
        .unwrap()
        .contains("<MaxSizeAllowed>2097152</MaxSizeAllowed>"));

    let video_form = tenant.upload_form(chat, "video").await;
    let too_long = file_of(20 * 1024 * 1024 + 1, MP4);
    let reply = app
        .upload(&video_form, &video_form.fields, "video/mp4", &too_long)
        .await;
    assert_eq!(s3_code(&reply), "EntityTooLarge", "videos stop at 20 MB");

    let reply = app
        .upload(&form, &form.fields, "image/jpeg", &file_of(1000, JPEG))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::NO_CONTENT,
        "the form still works after refusals"
    );
    let reply = app
        .upload(&form, &form.fields, "image/jpeg", &file_of(1000, JPEG))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "one file per form: {}",
        reply.body
    );
    assert_eq!(s3_code(&reply), "AccessDenied");

    let not_a_form = app
        .post_body(&form.url, "application/json", b"{}".to_vec())
        .await;
    assert_eq!(s3_code(&not_a_form), "PreconditionFailed");
    let fields: Vec<(String, String)> = form.fields.clone().into_iter().collect();
    let (header, body) = multipart(&fields, None);
    let no_file = app.post_body(&form.url, &header, body).await;
    assert_eq!(no_file.status, StatusCode::BAD_REQUEST);
    assert_eq!(s3_code(&no_file), "InvalidArgument");
}

#[actix_rt::test]
async fn a_tampered_policy_or_field_is_refused() {
    let app = spawn_app();
    let tenant = app.tenant("tamper");
    let (chat, _) = tenant.open_chat().await;
    let form = tenant.upload_form(chat, "photo").await;

    let policy = String::from_utf8(STANDARD.decode(&form.fields["policy"]).unwrap()).unwrap();
    let mut larger = form.fields.clone();
    larger.insert(
        "policy".into(),
        STANDARD.encode(policy.replace("2097152", "52428800")),
    );
    let reply = app
        .upload(
            &form,
            &larger,
            "image/jpeg",
            &file_of(3 * 1024 * 1024, JPEG),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(s3_code(&reply), "SignatureDoesNotMatch");

    let mut other_key = form.fields.clone();
    other_key.insert("key".into(), format!("chats/{}/photos/mine.jpg", chat + 1));
    let reply = app
        .upload(&form, &other_key, "image/jpeg", &file_of(100, JPEG))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(s3_code(&reply), "AccessDenied");

    let mut other_tenant = form.fields.clone();
    other_tenant.insert("x-amz-meta-tenant".into(), "someone-else".into());
    let reply = app
        .upload(&form, &other_tenant, "image/jpeg", &file_of(100, JPEG))
        .await;
    assert_eq!(s3_code(&reply), "AccessDenied");

    let mut garbage = form.fields.clone();
    garbage.insert("policy".into(), "bm90IGpzb24=".into());
    let reply = app
        .upload(&form, &garbage, "image/jpeg", &file_of(100, JPEG))
        .await;
    assert_eq!(
        s3_code(&reply),
        "SignatureDoesNotMatch",
        "an unsigned document is never read"
    );

    let listed = tenant
        .call(Method::GET, &format!("/chats/{chat}/photos"), None)
        .await;
    assert_eq!(listed.body, json!([]));
    let reply = tenant.register(chat, "photo", &[form.key()]).await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "nothing was stored: {}",
        reply.body
    );
}

#[actix_rt::test]
async fn an_expired_upload_form_is_refused() {
    let mut config = test_config();
    config.media.upload_url_expiry = Duration::from_millis(1);
    let app = spawn_app_with(config);
    let tenant = app.tenant("expiry");
    let (chat, _) = tenant.open_chat().await;
    let form = tenant.upload_form(chat, "photo").await;
    let policy: Value =
        serde_json::from_slice(&STANDARD.decode(&form.fields["policy"]).unwrap()).unwrap();
    let expiration: chrono::DateTime<chrono::Utc> =
        policy["expiration"].as_str().unwrap().parse().unwrap();
    // Wait for the clock to pass the expiry (1 ms), not for a fixed time.
    let started = std::time::Instant::now();
    while chrono::Utc::now() <= expiration {
        assert!(started.elapsed() < DEADLINE);
        actix_web::rt::task::yield_now().await;
    }
    let reply = app
        .upload(&form, &form.fields, "image/jpeg", &file_of(100, JPEG))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(s3_code(&reply), "AccessDenied");
    assert!(reply.body.as_str().unwrap().contains("Policy expired"));
}

/// Writes a request head and the first `sent` bytes of `body` on a raw socket, then
/// waits for `go` before sending the rest; answers the status line and the answer's body.
fn post_in_two_parts(
    url: &str,
    content_type: &str,
    body: Vec<u8>,
    declared: usize,
    sent: usize,
    go: std::sync::mpsc::Receiver<()>,
) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (address, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nContent-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..sent]).unwrap();
    if go.recv_timeout(DEADLINE).is_ok() {
        let _ = stream.write_all(&body[sent..]);
    }
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => answer.extend_from_slice(&chunk[..read]),
            Err(error) => panic!(
                "no complete answer: {error}; got {:?}",
                String::from_utf8_lossy(&answer)
            ),
        }
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if length.is_some_and(|length| body.len() >= length) || head.contains(" 204 ") {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text[9..12].parse().unwrap();
    (status, text)
}

#[actix_rt::test]
async fn every_part_of_an_upload_form_is_bounded_and_refused_in_s3s_terms() {
    let mut config = test_config();
    config.limits.body_read_timeout = Duration::from_secs(60);
    let app = spawn_app_with(config);
    let tenant = app.tenant("form-bounds");
    let (chat, _) = tenant.open_chat().await;
    let form = tenant.upload_form(chat, "photo").await;
    let photo = file_of(1000, JPEG);
    let with_fields = |extra: Vec<(String, String)>| {
        let mut fields = extra;
        fields.extend(form.fields.clone());
        multipart(&fields, Some(("a.jpg", "image/jpeg", &photo)))
    };
    // The probe's request, scaled down: empty fields with long names before the file.
    let (header, body) = with_fields(
        (0..200)
            .map(|index| (format!("{}{index}", "n".repeat(900)), String::new()))
            .collect(),
    );
    let reply = app.post_body(&form.url, &header, body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(
        s3_code(&reply),
        "MaxPostPreDataLengthExceeded",
        "{}",
        reply.body
    );
    // One name too long, and too many fields, each on its own.
    let (header, body) = with_fields(vec![("n".repeat(2000), "v".into())]);
    let reply = app.post_body(&form.url, &header, body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(s3_code(&reply), "InvalidArgument", "{}", reply.body);
    assert!(
        reply.body.as_str().unwrap().contains("name"),
        "{}",
        reply.body
    );
    let (header, body) = with_fields(
        (0..120)
            .map(|index| (format!("f{index}"), String::new()))
            .collect(),
    );
    let reply = app.post_body(&form.url, &header, body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(s3_code(&reply), "InvalidArgument", "{}", reply.body);
    assert!(
        reply.body.as_str().unwrap().contains("fields"),
        "{}",
        reply.body
    );
    // A body declared larger than any upload can be is refused before it is read.
    let (header, body) = with_fields(Vec::new());
    let (tx, go) = std::sync::mpsc::channel();
    let url = form.url.clone();
    let (status, text) = actix_web::rt::task::spawn_blocking(move || {
        post_in_two_parts(&url, &header, body, 1 << 30, 100, go)
    })
    .await
    .unwrap();
    drop(tx);
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("<Code>MaxMessageLengthExceeded</Code>"),
        "{text}"
    );
    // The form still works.
    let reply = app.upload(&form, &form.fields, "image/jpeg", &photo).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
}

#[actix_rt::test]
async fn uploads_in_flight_count_against_the_media_budget() {
    let mut config = test_config();
    config.limits.media_budget_total = 3 * 1024 * 1024;
    config.limits.body_read_timeout = Duration::from_secs(60);
    let app = spawn_app_with(config);
    let tenant = app.tenant("in-flight");
    let (chat, _) = tenant.open_chat().await;
    // A 2 MiB video, of which 1.5 MiB arrive, then the client pauses.
    let form = tenant.upload_form(chat, "video").await;
    let fields: Vec<(String, String)> = form.fields.clone().into_iter().collect();
    let (header, body) = multipart(
        &fields,
        Some(("a.mp4", "video/mp4", &file_of(2 * 1024 * 1024, MP4))),
    );
    let sent = body.len() - 512 * 1024;
    let (tx, go) = std::sync::mpsc::channel();
    let url = form.url.clone();
    let length = body.len();
    let first = actix_web::rt::task::spawn_blocking(move || {
        post_in_two_parts(&url, &header, body, length, sent, go)
    });
    // The bytes that arrived are reserved against the budget.
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        let usage = app.admin_get("/media").await;
        if usage["in_flight_bytes"].as_u64().unwrap_or(0) >= 1024 * 1024 {
            assert_eq!(usage["used_bytes"], 0, "{usage}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing in flight: {usage}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    // A second 2 MiB upload does not fit beside it: refused while it arrives.
    let second = tenant.upload_form(chat, "video").await;
    let reply = app
        .upload(
            &second,
            &second.fields,
            "video/mp4",
            &file_of(2 * 1024 * 1024, MP4),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        reply.body
    );
    assert_eq!(s3_code(&reply), "InsufficientStorage");
    assert!(
        reply
            .body
            .as_str()
            .unwrap()
            .contains("--media-budget-total"),
        "{}",
        reply.body
    );
    // The first one completes and is stored; nothing is left in flight.
    tx.send(()).unwrap();
    let (status, text) = first.await.unwrap();
    assert_eq!(status, 204, "{text}");
    let usage = app.admin_get("/media").await;
    assert_eq!(usage["used_bytes"], 2 * 1024 * 1024, "{usage}");
    assert_eq!(usage["in_flight_bytes"], 0, "{usage}");
}
