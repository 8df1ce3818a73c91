//! Files the agent attaches, through real HTTP: from the control plane (raw bytes or a
//! multipart file) and from the agent's script (`fixtures/media/`); the end user's side
//! gets `message_received` with the `media_id` and downloads the bytes with
//! `GET /chats/{id}/media/{media_id}`. Then the memory budget: past it a request is
//! refused with 507 naming the flag, nothing else is lost, and a tenant reset frees it.

use awc::http::{Method, StatusCode};
use serde_json::Value;

use crate::support::media::{file_of, multipart, JPEG};
use crate::support::{spawn_app, spawn_app_with, test_config, Reply, TestApp, WebhookReceiver};

async fn attach(
    app: &TestApp,
    chat: u64,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> Reply {
    let url = app.url(&format!(
        "/__admin/chats/{chat}/agent/attachments?filename={filename}"
    ));
    app.post_body(&url, content_type, bytes.to_vec()).await
}

fn attachment_events(events: &[crate::support::Received]) -> Vec<Value> {
    events
        .iter()
        .filter(|event| event.body()["message"]["type"] == "attachment")
        .map(|event| event.body().clone())
        .collect()
}

#[actix_rt::test]
async fn an_agent_attachment_reaches_the_end_user_and_downloads_byte_for_byte() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("attach");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;

    let report = file_of(300_000, b"%PDF-1.4\n");
    let reply = attach(&app, chat, "report.pdf", "application/pdf", &report).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let media_id = reply.body["media_id"].as_u64().expect("media_id");

    let events = receiver
        .wait_for_chat(chat, "the attachment", |events| {
            !attachment_events(events).is_empty()
        })
        .await;
    let event = &attachment_events(&events)[0];
    assert_eq!(event["sender"]["type"], "agent");
    assert_eq!(event["message"]["content"]["media_id"], media_id);
    assert_eq!(
        event["message"]["content"]["content_type"],
        "application/pdf"
    );
    assert_eq!(event["message"]["content"]["filename"], "report.pdf");

    let path = format!("/apps/api/v1/chats/{chat}/media/{media_id}");
    let download = app.download(&path, Some(&tenant.auth())).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.content_type, "application/pdf");
    assert_eq!(download.bytes.as_ref(), report.as_slice(), "byte for byte");
    let unauthenticated = app.download(&path, None).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);

    let picture = file_of(40_000, b"\x89PNG\r\n\x1a\n");
    let (header, body) = multipart(&[], Some(("map.png", "image/png", &picture)));
    let url = app.url(&format!("/__admin/chats/{chat}/agent/attachments"));
    let reply = app.post_body(&url, &header, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let png_id = reply.body["media_id"].as_u64().unwrap();
    let download = app
        .download(
            &format!("/apps/api/v1/chats/{chat}/media/{png_id}"),
            Some(&tenant.auth()),
        )
        .await;
    assert_eq!(download.content_type, "image/png");
    assert_eq!(download.bytes.as_ref(), picture.as_slice());

    let end_user_view = app.transcript(chat, "end_user").await;
    let attached: Vec<&Value> = end_user_view
        .iter()
        .filter(|m| m["body"]["type"] == "attachment")
        .collect();
    assert_eq!(attached.len(), 2, "the end user sees both files");
}

#[actix_rt::test]
async fn an_attachment_of_a_type_or_size_the_platform_refuses_is_a_clear_4xx() {
    let app = spawn_app();
    let tenant = app.tenant("attach-refusals");
    let (chat, _) = tenant.open_chat().await;

    let zip = attach(&app, chat, "archive.zip", "application/zip", b"PK\x03\x04").await;
    assert_eq!(zip.status, StatusCode::BAD_REQUEST);
    assert!(
        zip.message().contains("not a type an agent can attach"),
        "{}",
        zip.body
    );
    let unnamed = attach(&app, chat, "", "application/pdf", b"%PDF").await;
    assert_eq!(unnamed.status, StatusCode::BAD_REQUEST);
    let by_extension = attach(
        &app,
        chat,
        "notes.txt",
        "application/octet-stream",
        b"hello",
    )
    .await;
    assert_eq!(by_extension.status, StatusCode::OK, "{}", by_extension.body);
    assert_eq!(by_extension.body["content_type"], "text/plain");
    let huge = vec![b'x'; 100 * 1024 * 1024 + 1];
    let too_big = attach(&app, chat, "huge.txt", "text/plain", &huge).await;
    assert_eq!(
        too_big.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        too_big.body
    );
    assert!(too_big.message().contains("100 MB"));
    let no_chat = attach(&app, 987_654, "a.txt", "text/plain", b"x").await;
    assert_eq!(no_chat.status, StatusCode::NOT_FOUND);
}

#[actix_rt::test]
async fn the_agent_script_attaches_its_user_guide_when_asked_for_the_manual() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("script-attach");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;
    tenant
        .says(chat, user, "Could you send me the manual?")
        .await;

    let events = receiver
        .wait_for_chat(chat, "the scripted attachment", |events| {
            !attachment_events(events).is_empty()
        })
        .await;
    let event = &attachment_events(&events)[0];
    assert_eq!(event["message"]["content"]["filename"], "user_guide.pdf");
    let media_id = event["message"]["content"]["media_id"].as_u64().unwrap();
    let download = app
        .download(
            &format!("/apps/api/v1/chats/{chat}/media/{media_id}"),
            Some(&tenant.auth()),
        )
        .await;
    let shipped = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/media/user_guide.pdf"
    ))
    .unwrap();
    assert_eq!(download.content_type, "application/pdf");
    assert_eq!(download.bytes.as_ref(), shipped.as_slice());
}

#[actix_rt::test]
async fn the_media_budget_refuses_past_its_limit_keeps_everything_else_and_recovers_after_a_reset()
{
    let mut config = test_config();
    config.limits.media_budget_per_tenant = 300 * 1024;
    config.limits.media_budget_total = 500 * 1024;
    let app = spawn_app_with(config);
    let tenant = app.tenant("budget");
    let (chat, user) = tenant.open_chat().await;

    let first = file_of(200 * 1024, b"%PDF");
    let kept = attach(&app, chat, "first.pdf", "application/pdf", &first).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    let refused = attach(&app, chat, "second.pdf", "application/pdf", &first).await;
    assert_eq!(
        refused.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        refused.body
    );
    assert!(
        refused.message().contains("--media-budget-per-tenant"),
        "{}",
        refused.body
    );
    assert!(refused
        .message()
        .contains("CCAI_EMU_MEDIA_BUDGET_PER_TENANT"));

    let form = tenant.upload_form(chat, "photo").await;
    let photo = file_of(150 * 1024, JPEG);
    let upload = app.upload(&form, &form.fields, "image/jpeg", &photo).await;
    assert_eq!(
        upload.status,
        StatusCode::INSUFFICIENT_STORAGE,
        "{}",
        upload.body
    );
    assert!(upload
        .body
        .as_str()
        .unwrap()
        .contains("<Code>InsufficientStorage</Code>"));

    // Nothing else was lost: the first file still downloads, the chat still works.
    let media_id = kept.body["media_id"].as_u64().unwrap();
    let download = app
        .download(
            &format!("/apps/api/v1/chats/{chat}/media/{media_id}"),
            Some(&tenant.auth()),
        )
        .await;
    assert_eq!(download.bytes.as_ref(), first.as_slice());
    tenant.says(chat, user, "still here").await;

    let neighbour = app.tenant("budget-neighbour");
    let (other_chat, _) = neighbour.open_chat().await;
    let allowed = attach(&app, other_chat, "n.pdf", "application/pdf", &first).await;
    assert_eq!(
        allowed.status,
        StatusCode::OK,
        "another tenant has its own budget: {}",
        allowed.body
    );
    let total = attach(
        &app,
        other_chat,
        "m.pdf",
        "application/pdf",
        &file_of(90 * 1024, b"%PDF"),
    )
    .await;
    assert_eq!(total.status, StatusCode::OK, "{}", total.body);
    let third = app.tenant("budget-third");
    let (third_chat, _) = third.open_chat().await;
    let over_total = attach(
        &app,
        third_chat,
        "o.pdf",
        "application/pdf",
        &file_of(90 * 1024, b"%PDF"),
    )
    .await;
    assert_eq!(over_total.status, StatusCode::INSUFFICIENT_STORAGE);
    assert!(
        over_total.message().contains("--media-budget-total"),
        "{}",
        over_total.body
    );

    let usage = app.admin_get("/media").await;
    assert_eq!(usage["tenants"][&tenant.subdomain]["bytes"], 200 * 1024);
    assert_eq!(usage["used_bytes"], (200 + 200 + 90) * 1024);
    assert_eq!(
        app.admin_get("/health").await["media"]["used_bytes"],
        usage["used_bytes"]
    );

    app.admin(
        Method::POST,
        &format!("/reset?tenant={}", tenant.subdomain),
        None,
    )
    .await;
    let usage = app.admin_get("/media").await;
    assert!(usage["tenants"].get(&tenant.subdomain).is_none(), "{usage}");
    assert_eq!(usage["used_bytes"], (200 + 90) * 1024);
    let (chat, _) = tenant.open_chat().await;
    let again = attach(&app, chat, "first.pdf", "application/pdf", &first).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the reset freed the budget: {}",
        again.body
    );
}

#[actix_rt::test]
async fn an_attach_rule_must_name_a_media_file_and_round_trips_through_the_control_plane() {
    let app = spawn_app();
    let document = app.admin_get("/contact_center").await;
    let rules = document["agent_script"]["rules"].as_array().unwrap();
    assert!(
        rules.iter().any(|rule| rule["attach"] == "user_guide.pdf"),
        "GET shows the shipped attach rule: {document}"
    );
    let same = app
        .admin(Method::PUT, "/contact_center", Some(document.clone()))
        .await;
    assert_eq!(
        same.status,
        StatusCode::OK,
        "what GET answers can be PUT back: {}",
        same.body
    );

    let mut missing = document.clone();
    missing["agent_script"]["rules"] = serde_json::json!([{"when": "x", "attach": "nope.pdf"}]);
    let reply = app
        .admin(Method::PUT, "/contact_center", Some(missing))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.message().contains("agent_script.rules[0].attach"),
        "{}",
        reply.body
    );
    assert!(
        reply.message().contains("user_guide.pdf"),
        "names the files it has: {}",
        reply.body
    );

    let mut with_end = document;
    with_end["agent_script"]["rules"] =
        serde_json::json!([{"when": "x", "attach": "user_guide.pdf", "end_chat": true}]);
    let reply = app
        .admin(Method::PUT, "/contact_center", Some(with_end))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.message().contains("cannot be combined"),
        "{}",
        reply.body
    );
}
