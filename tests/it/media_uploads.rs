//! End users' photos and videos through real HTTP: a pre-signed form from the Apps API,
//! the upload to the emulator's own S3-style endpoint, registration by `s3_path`, the
//! download link, a `photo`/`video` message and its signed `message_received` webhook;
//! and the API's refusals of media of another chat or tenant, in the platform's envelope.
//! The storage endpoint's own refusals are in `media_refusals`.

use awc::http::{Method, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::support::media::{file_of, JPEG, MP4};
use crate::support::{spawn_app, WebhookReceiver};

#[actix_rt::test]
async fn a_photo_goes_from_upload_to_registration_to_message_to_webhook() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("photos");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;

    let form = tenant.upload_form(chat, "photo").await;
    assert!(
        form.url.starts_with(&app.url("/__storage/")),
        "{}",
        form.url
    );
    for field in [
        "key",
        "Content-Type",
        "policy",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-date",
    ] {
        assert!(
            form.fields.contains_key(field),
            "{field} missing: {:?}",
            form.fields
        );
    }
    assert_eq!(form.fields["Content-Type"], "image/jpeg");
    let policy: Value =
        serde_json::from_slice(&STANDARD.decode(&form.fields["policy"]).unwrap()).unwrap();
    assert!(policy["conditions"]
        .to_string()
        .contains("[\"content-length-range\",1,2097152]"));

    let first = file_of(150_000, JPEG);
    let reply = app.upload(&form, &form.fields, "image/jpeg", &first).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let largest = tenant
        .uploaded(chat, "photo", &file_of(2 * 1024 * 1024, JPEG))
        .await;

    let registered = tenant
        .register(chat, "photo", &[form.key(), largest.key()])
        .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let photos = registered.body.as_array().expect("a list");
    assert_eq!(photos.len(), 2);
    let media_id = photos[0]["media_id"].as_u64().expect("media_id");
    let download = app
        .download(photos[0]["url"].as_str().expect("url"), None)
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.content_type, "image/jpeg");
    assert_eq!(
        download.bytes.as_ref(),
        first.as_slice(),
        "the url downloads the upload"
    );

    let listed = tenant
        .call(Method::GET, &format!("/chats/{chat}/photos"), None)
        .await;
    let listed: Vec<u64> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["media_id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        listed,
        vec![media_id, photos[1]["media_id"].as_u64().unwrap()]
    );

    let sent = tenant.send_media(chat, user, "photo", media_id).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let is_photo = |event: &crate::support::Received| event.body()["message"]["type"] == "photo";
    let events = receiver
        .wait_for_chat(chat, "the photo message", |events| {
            events.iter().any(is_photo)
        })
        .await;
    let event = events.iter().find(|event| is_photo(event)).unwrap();
    assert!(event.signature_valid);
    assert_eq!(event.body()["message"]["content"]["media_id"], media_id);
    assert_eq!(event.body()["sender"]["type"], "end_user");
    let agent_view = app.transcript(chat, "agent").await;
    assert!(agent_view
        .iter()
        .any(|m| m["body"]["type"] == "photo" && m["body"]["media_id"] == media_id));
}

#[actix_rt::test]
async fn a_video_goes_from_upload_to_registration_to_message_to_webhook() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("videos");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;

    let video = file_of(3 * 1024 * 1024, MP4);
    let form = tenant.uploaded(chat, "video", &video).await;
    assert_eq!(form.fields["Content-Type"], "video/mp4");
    let registered = tenant.register(chat, "video", &[form.key()]).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let media_id = registered.body["media_id"]
        .as_u64()
        .expect("one object with media_id");
    let download = app
        .download(registered.body["url"].as_str().unwrap(), None)
        .await;
    assert_eq!(download.content_type, "video/mp4");
    assert_eq!(download.bytes.as_ref(), video.as_slice());

    let again = tenant.register(chat, "video", &[form.key()]).await;
    assert_eq!(
        again.body["media_id"], media_id,
        "registering twice gives the same media"
    );
    let two = json!({"s3_paths": [form.key(), form.key()]});
    let two = tenant
        .call(Method::POST, &format!("/chats/{chat}/videos"), Some(two))
        .await;
    assert_eq!(
        two.status,
        StatusCode::BAD_REQUEST,
        "one video at a time: {}",
        two.body
    );

    assert_eq!(
        tenant
            .send_media(chat, user, "video", media_id)
            .await
            .status,
        StatusCode::OK
    );
    receiver
        .wait_for_chat(chat, "the video message", |events| {
            events.iter().any(|event| {
                event.body()["message"]["type"] == "video"
                    && event.body()["message"]["content"]["media_id"] == media_id
            })
        })
        .await;
    let listed = tenant
        .call(Method::GET, &format!("/chats/{chat}/videos"), None)
        .await;
    assert_eq!(listed.body[0]["media_id"], media_id);
}

#[actix_rt::test]
async fn media_messages_and_registrations_must_name_media_of_their_own_chat() {
    let app = spawn_app();
    let tenant = app.tenant("owner");
    let (chat, user) = tenant.open_chat().await;
    let (other_chat, other_user) = tenant.open_chat().await;

    let unknown = tenant.send_media(chat, user, "photo", 999_999).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown
            .message()
            .contains("media_id 999999 is not a photo registered"),
        "{}",
        unknown.body
    );

    let form = tenant.uploaded(chat, "photo", &file_of(500, JPEG)).await;
    let stolen = tenant.register(other_chat, "photo", &[form.key()]).await;
    assert_eq!(
        stolen.status,
        StatusCode::BAD_REQUEST,
        "another chat's upload: {}",
        stolen.body
    );
    assert!(stolen
        .message()
        .contains("names no file uploaded for this chat"));
    let as_video = tenant.register(chat, "video", &[form.key()]).await;
    assert_eq!(as_video.status, StatusCode::BAD_REQUEST);

    let registered = tenant.register(chat, "photo", &[form.key()]).await;
    let media_id = registered.body[0]["media_id"].as_u64().unwrap();
    let other_chats = tenant
        .send_media(other_chat, other_user, "photo", media_id)
        .await;
    assert_eq!(
        other_chats.status,
        StatusCode::BAD_REQUEST,
        "{}",
        other_chats.body
    );
    let wrong_kind = tenant.send_media(chat, user, "video", media_id).await;
    assert_eq!(wrong_kind.status, StatusCode::BAD_REQUEST);
    let path = format!("/apps/api/v1/chats/{other_chat}/media/{media_id}");
    assert_eq!(
        app.download(&path, Some(&tenant.auth())).await.status,
        StatusCode::NOT_FOUND
    );

    let stranger = app.tenant("stranger");
    let (stranger_chat, stranger_user) = stranger.open_chat().await;
    let theirs = stranger
        .send_media(stranger_chat, stranger_user, "photo", media_id)
        .await;
    assert_eq!(
        theirs.status,
        StatusCode::BAD_REQUEST,
        "another tenant's media: {}",
        theirs.body
    );
    let stolen = stranger
        .register(stranger_chat, "photo", &[form.key()])
        .await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    let path = format!("/apps/api/v1/chats/{chat}/media/{media_id}");
    let peek = app.download(&path, Some(&stranger.auth())).await;
    assert_eq!(
        peek.status,
        StatusCode::NOT_FOUND,
        "another tenant's chat is not found"
    );
    let forged = format!(
        "/__storage/ccai-emulator-media/{}?X-Amz-Signature=00",
        form.key()
    );
    assert_eq!(
        app.download(&forged, None).await.status,
        StatusCode::FORBIDDEN
    );

    let own = tenant.send_media(chat, user, "photo", media_id).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
}
