//! Dismissed chats (SPEC A2/A3): the control plane dismisses a chat as the platform does on
//! inactivity; the end user cannot send until `PATCH /chats/{id}/resume`, which answers 400
//! "This chat is not in dismissed state" for any other chat.

use crate::support::{spawn_app, WebhookReceiver};
use awc::http::Method;

#[actix_web::test]
async fn a_dismissed_chat_is_resumed_where_it_was() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("dismiss");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;

    let not_dismissed = tenant
        .call(Method::PATCH, &format!("/chats/{chat}/resume"), None)
        .await;
    assert_eq!(not_dismissed.status, 400);
    assert_eq!(
        not_dismissed.message(),
        "This chat is not in dismissed state"
    );

    tenant.says(chat, user, "verify me").await;
    let record = app
        .admin_post(&format!("/chats/{chat}/dismiss"), serde_json::json!({}))
        .await;
    assert_eq!(
        record["status"], "va_dismissed",
        "dismissed while the VTA had the chat"
    );
    let chat_object = tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body;
    assert_eq!(chat_object["status"], "va_dismissed");
    let refused = tenant.say(chat, user, "123456").await;
    assert_eq!(refused.status, 400);
    assert!(refused.message().contains("resume"), "{}", refused.body);
    let twice = app
        .admin(Method::POST, &format!("/chats/{chat}/dismiss"), None)
        .await;
    assert_eq!(twice.status, 409);

    let resumed = tenant
        .call(Method::PATCH, &format!("/chats/{chat}/resume"), None)
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_eq!(resumed.body["status"], "assigned");
    assert_eq!(
        resumed.body["virtual_agent"]["name"], "Verification Assistant",
        "the VTA still has it"
    );
    tenant.says(chat, user, "123456").await;
    let events = receiver
        .wait_for_chat(chat, "the hand-back after resuming", |events| {
            events
                .iter()
                .any(|event| event.event_type == "virtual_agent_left")
        })
        .await;
    let names: Vec<&str> = events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect();
    let dismissed = names
        .iter()
        .position(|name| *name == "chat_dismissed")
        .unwrap();
    let resumed = names
        .iter()
        .position(|name| *name == "chat_resumed")
        .unwrap();
    assert!(dismissed < resumed);
    assert_eq!(events[dismissed].body()["status"], "va_dismissed");
}

#[actix_web::test]
async fn a_finished_chat_cannot_be_dismissed_or_resumed() {
    let app = spawn_app();
    let tenant = app.tenant("dismiss-ended");
    let (chat, _) = tenant.open_chat().await;
    app.admin_post(&format!("/chats/{chat}/agent/end"), serde_json::json!({}))
        .await;
    let dismiss = app
        .admin(Method::POST, &format!("/chats/{chat}/dismiss"), None)
        .await;
    assert_eq!(dismiss.status, 400);
    assert_eq!(dismiss.message(), "Chat is already ended");
    let resume = tenant
        .call(Method::PATCH, &format!("/chats/{chat}/resume"), None)
        .await;
    assert_eq!(resume.status, 400);
    assert_eq!(
        tenant
            .call(Method::PATCH, "/chats/99999999/resume", None)
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn a_silent_end_user_gets_the_chat_dismissed_after_the_inactivity_timeout() {
    let app = crate::support::spawn_app_with(ccai_emulator::Config {
        chat_inactivity_timeout: Some(std::time::Duration::from_secs(1)),
        ..crate::support::test_config()
    });
    let tenant = app.tenant("inactive");
    let user = tenant.end_user("silent-user").await;
    let created = tenant
        .call(
            Method::POST,
            "/chats",
            Some(serde_json::json!({"end_user_id": user})),
        )
        .await
        .body;
    assert!(
        created["timeout_at"].is_string(),
        "the deadline is shown: {created}"
    );
    let chat = created["id"].as_u64().unwrap();

    let record = app
        .admin_get(&format!("/chats/{chat}?status=dismissed&wait=10s"))
        .await;
    assert_eq!(record["status"], "dismissed");
    let chat_object = tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body;
    assert_eq!(chat_object["timeout_at"], serde_json::Value::Null);

    // Resuming starts a new deadline; writing keeps the chat alive until silence again.
    let resumed = tenant
        .call(Method::PATCH, &format!("/chats/{chat}/resume"), None)
        .await;
    assert_eq!(resumed.status, 200);
    assert!(resumed.body["timeout_at"].is_string());
    tenant.says(chat, user, "I'm back").await;
    app.admin_get(&format!("/chats/{chat}?status=dismissed&wait=10s"))
        .await;
}
