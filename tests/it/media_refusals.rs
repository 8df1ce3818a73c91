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
