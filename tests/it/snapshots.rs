//! Snapshots through real HTTP: export a tenant mid-task, load it into another tenant
//! (fresh ids where the originals are taken, the VTA session carried over), load it back
//! into the same tenant (ids kept), and refuse bad documents without touching the tenant.

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{spawn_app, texts, TestApp};

async fn snapshot_of(app: &TestApp, tenant: &str) -> Value {
    app.admin_get(&format!("/tenants/{tenant}/snapshot")).await
}

async fn load(app: &TestApp, tenant: &str, snapshot: Value) -> crate::support::Reply {
    app.admin(
        Method::PUT,
        &format!("/tenants/{tenant}/snapshot"),
        Some(snapshot),
    )
    .await
}

/// A snapshot without its export time, to compare two exports.
fn timeless(mut snapshot: Value) -> Value {
    snapshot.as_object_mut().unwrap().remove("exported_at");
    snapshot
}

#[actix_rt::test]
async fn a_chat_mid_task_resumes_in_another_tenant_with_fresh_ids_and_its_session() {
    let app = spawn_app();
    let source = app.tenant("snap-source");
    let (chat, user) = source.open_chat().await;
    app.admin_post(
        &format!("/chats/{chat}/agent/transfer"),
        json!({"task_virtual_agent": "payment_card"}),
    )
    .await;
    source.says(chat, user, "4111 1111 1111 1111").await;
    app.admin(
        Method::PUT,
        &format!("/tenants/{}/webhook", source.subdomain),
        Some(json!({"url": "http://127.0.0.1:9/hook", "primary_secret": "s3cret"})),
    )
    .await;

    let snapshot = snapshot_of(&app, &source.subdomain).await;
    assert_eq!(snapshot["format"], "ccai-emulator-snapshot/1");
    let session = &snapshot["chats"][0]["routing"]["session"];
    assert_eq!(session["key"], "payment_card");
    assert_eq!(session["step"], 1);
    assert_eq!(session["values"]["card_number"], "4111111111111111");

    let target = app.tenant("snap-target");
    let reply = load(&app, &target.subdomain, snapshot).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let new_chat = reply.body["id_map"]["chats"][chat.to_string()]
        .as_u64()
        .unwrap();
    let new_user = reply.body["id_map"]["end_users"][user.to_string()]
        .as_u64()
        .unwrap();
    assert_ne!(new_chat, chat, "the source tenant still holds the chat id");
    assert_ne!(new_user, user);

    let record = app.admin_get(&format!("/chats/{new_chat}")).await;
    assert_eq!(record["tenant"], target.subdomain.as_str());
    assert_eq!(record["routing_state"], "task_virtual_agent");
    assert_eq!(record["end_user"]["id"], new_user);
    assert_eq!(record["task_virtual_agent"]["step"], 1);
    let webhook = app
        .admin_get(&format!(
            "/tenants/{}/webhook?reveal_secrets=true",
            target.subdomain
        ))
        .await;
    assert_eq!(webhook["webhook"]["primary_secret"], "s3cret");

    // The end user (under the new id) finishes the task in the target tenant.
    assert_eq!(
        target.say(new_chat, user, "12/29").await.status,
        StatusCode::BAD_REQUEST,
        "the old end-user id is not this chat's end user any more"
    );
    target.says(new_chat, new_user, "12/29").await;
    let agent_view = texts(&app.transcript(new_chat, "agent").await);
    let note = agent_view
        .iter()
        .find(|text| text.contains("finished: success"))
        .expect("hand-back note");
    assert!(note.contains("**** 1111"), "{note}");
    assert!(!note.contains("4111"), "{note}");
    assert!(note.contains("12/29"), "{note}");

    // The source chat is untouched, still waiting for the expiry.
    let source_record = app.admin_get(&format!("/chats/{chat}")).await;
    assert_eq!(source_record["tenant"], source.subdomain.as_str());
    assert_eq!(source_record["routing_state"], "task_virtual_agent");
}

#[actix_rt::test]
async fn loading_a_tenants_own_snapshot_keeps_its_ids_and_state() {
    let app = spawn_app();
    let tenant = app.tenant("snap-same");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello there").await;
    let before = snapshot_of(&app, &tenant.subdomain).await;

    tenant
        .says(chat, user, "this message is forgotten by the load")
        .await;
    let reply = load(&app, &tenant.subdomain, before.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["id_map"]["chats"][chat.to_string()], chat);
    assert_eq!(reply.body["id_map"]["end_users"][user.to_string()], user);
    assert_eq!(reply.body["chats"], 1);

    let after = snapshot_of(&app, &tenant.subdomain).await;
    assert_eq!(timeless(after), timeless(before));
    // New chats and end users never reuse a loaded id.
    let (next_chat, next_user) = tenant.open_chat().await;
    assert!(next_chat > chat && next_user > user);
}

#[actix_rt::test]
async fn a_bad_snapshot_is_a_400_naming_the_place_and_leaves_the_tenant_as_it_was() {
    let app = spawn_app();
    let tenant = app.tenant("snap-bad");
    let (chat, user) = tenant.open_chat().await;
    app.admin_post(
        &format!("/chats/{chat}/agent/transfer"),
        json!({"task_virtual_agent": "one_time_code"}),
    )
    .await;
    let good = snapshot_of(&app, &tenant.subdomain).await;

    let mut unknown_vta = good.clone();
    unknown_vta["chats"][0]["routing"]["session"]["key"] = json!("retired_vta");
    let mut wrong_step = good.clone();
    wrong_step["chats"][0]["routing"]["session"]["step"] = json!(7);
    let mut renumbered = good.clone();
    renumbered["chats"][0]["messages"][0]["id"] = json!(40);
    let mut orphan = good.clone();
    orphan["chats"][0]["end_user_id"] = json!(user + 999);
    let mut bad_type = good.clone();
    bad_type["chats"][0]["created_at"] = json!(12);
    let mut bad_webhook = good.clone();
    bad_webhook["webhook"] = json!({"url": "ftp://nowhere", "primary_secret": "x"});
    let cases = [
        (json!([1, 2]), "document"),
        (json!({"chats": []}), "format"),
        (json!({"format": "ccai-emulator-snapshot/99"}), "format"),
        (
            json!({"format": "ccai-emulator-snapshot/1", "chat": []}),
            "chat",
        ),
        (unknown_vta, "chats[0].routing.session.key"),
        (wrong_step, "chats[0].routing.session.step"),
        (renumbered, "chats[0].messages[0].id"),
        (orphan, "chats[0].end_user_id"),
        (bad_type, "chats[0]"),
        (bad_webhook, "webhook"),
    ];
    for (document, place) in cases {
        let reply = load(&app, &tenant.subdomain, document.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{document}");
        assert!(
            reply
                .message()
                .starts_with(&format!("Invalid snapshot: {place}")),
            "expected {place:?} in {:?}",
            reply.message()
        );
    }
    let reply = load(&app, &tenant.subdomain, json!({})).await;
    assert!(reply.message().contains("format"), "{}", reply.body);

    let after = snapshot_of(&app, &tenant.subdomain).await;
    assert_eq!(timeless(after), timeless(good));
    let record = app.admin_get(&format!("/chats/{chat}")).await;
    assert_eq!(record["routing_state"], "task_virtual_agent");
}

#[actix_rt::test]
async fn a_snapshot_of_an_unknown_vta_key_names_the_key() {
    let app = spawn_app();
    let tenant = app.tenant("snap-key");
    let (chat, _) = tenant.open_chat().await;
    app.admin_post(
        &format!("/chats/{chat}/agent/transfer"),
        json!({"task_virtual_agent": "order_status"}),
    )
    .await;
    let mut snapshot = snapshot_of(&app, &tenant.subdomain).await;
    snapshot["chats"][0]["routing"]["session"]["key"] = json!("retired_vta");
    let reply = load(&app, &app.tenant("snap-key-2").subdomain, snapshot).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.message().contains("\"retired_vta\""),
        "{}",
        reply.body
    );
}

#[actix_rt::test]
async fn a_never_used_tenant_exports_an_empty_snapshot_and_loads_an_empty_one() {
    let app = spawn_app();
    let tenant = app.tenant("snap-empty");
    let snapshot = snapshot_of(&app, &tenant.subdomain).await;
    assert_eq!(snapshot["chats"], json!([]));
    assert_eq!(snapshot["end_users"], json!([]));
    let reply = load(
        &app,
        &tenant.subdomain,
        json!({"format": "ccai-emulator-snapshot/1"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["chats"], 0);
}
