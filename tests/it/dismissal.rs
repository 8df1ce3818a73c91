//! Dismissal as the platform documents it (pages "Dismiss Inactive Chats", "Resume a
//! chat"): a dismissed chat loses its agent but not its history; the end user's next
//! message, or `PATCH /chats/{id}/resume`, puts it back in the queue and an agent joins
//! again with everything said before; resume refuses a chat that is not dismissed, and a
//! tenant that is after hours, without changing the chat. A dismissal by hand waits until
//! both the end user and an agent have written (and, after a reactivation, the end user
//! again), unless a test forces it.

use crate::support::{spawn_app, texts, TenantClient, TestApp, WebhookReceiver};
use awc::http::Method;
use serde_json::{json, Value};

async fn chat_object(tenant: &TenantClient<'_>, chat: u64) -> Value {
    tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body
}

async fn dismiss(app: &TestApp, chat: u64) -> Value {
    app.admin_post(&format!("/chats/{chat}/dismiss"), json!({}))
        .await
}

#[actix_rt::test]
async fn an_end_user_message_brings_a_dismissed_chat_back_to_an_agent_with_its_history() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("dismiss");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "Is anyone there?").await;

    let record = dismiss(&app, chat).await;
    assert_eq!(record["status"], "dismissed");
    let dismissed = chat_object(&tenant, chat).await;
    assert_eq!(dismissed["status"], "dismissed");
    assert_eq!(dismissed["agent"], Value::Null, "the agent was removed");
    assert_eq!(dismissed["all_agents"][0]["status"], "disconnected");
    let twice = app
        .admin(Method::POST, &format!("/chats/{chat}/dismiss"), None)
        .await;
    assert_eq!(twice.status, 409);

    let reply = tenant.say(chat, user, "Sorry, I am back").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.admin_get(&format!("/chats/{chat}?routing_state=assigned&wait=10s"))
        .await;
    let back = chat_object(&tenant, chat).await;
    assert_eq!(back["status"], "assigned");
    assert_eq!(back["agent"]["status"], "connected");
    assert_eq!(back["all_agents"][0]["status"], "connected");
    let agent_view = texts(&app.transcript(chat, "agent").await);
    let first = agent_view
        .iter()
        .position(|text| text == "Is anyone there?");
    let second = agent_view
        .iter()
        .position(|text| text == "Sorry, I am back");
    assert!(
        first.is_some() && first < second,
        "the agent sees the history and the new message: {agent_view:?}"
    );

    let events = receiver
        .wait_for_chat(
            chat,
            "the end user's message after the dismissal",
            |events| {
                events
                    .iter()
                    .any(|event| event.body()["message"]["content"] == "Sorry, I am back")
            },
        )
        .await;
    assert!(
        events
            .iter()
            .all(|event| event.event_type != "chat_dismissed" && event.event_type != "chat_resumed"),
        "chat_dismissed and chat_resumed, which no page mentions, are opt-in"
    );
}

#[actix_rt::test]
async fn a_dismissal_by_hand_waits_until_both_sides_wrote_unless_forced() {
    let app = spawn_app();
    let tenant = app.tenant("dismiss-rule");
    let (chat, user) = tenant.open_chat().await;
    tenant.wait_for_record(chat, "routing_state=assigned").await;
    let path = format!("/chats/{chat}/dismiss");

    // The agent greeted; the end user has not written: the page's rule refuses it.
    let refused = app.admin(Method::POST, &path, None).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused
            .message()
            .contains("both the consumer and agent have to have sent at least one message"),
        "{}",
        refused.message()
    );
    assert!(refused.message().contains("the end user has not written"));
    assert!(refused.message().contains("?force=true"));
    assert_eq!(
        chat_object(&tenant, chat).await["status"],
        "assigned",
        "unchanged"
    );

    // A test that needs it anyway forces it.
    let forced = app
        .admin(Method::POST, &format!("{path}?force=true"), None)
        .await;
    assert_eq!(forced.status, 200, "{}", forced.body);
    assert_eq!(forced.body["status"], "dismissed");
    let bad = app
        .admin(Method::POST, &format!("{path}?force=maybe"), None)
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    // Resumed: the end user must write again before the chat may be dismissed again.
    let resumed = tenant
        .call(Method::PATCH, &format!("/chats/{chat}/resume"), None)
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    tenant.wait_for_record(chat, "routing_state=assigned").await;
    let again = app.admin(Method::POST, &path, None).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(
        again
            .message()
            .contains("a consumer has to send at least one message afterward"),
        "{}",
        again.message()
    );
    tenant.says(chat, user, "still here").await;
    let eligible = app.admin(Method::POST, &path, None).await;
    assert_eq!(eligible.status, 200, "{}", eligible.body);
    assert_eq!(eligible.body["status"], "dismissed");
}

#[actix_rt::test]
async fn a_chat_dismissed_while_a_vta_had_it_is_va_dismissed_and_goes_back_to_the_human_agent() {
    let app = spawn_app();
    let tenant = app.tenant("va-dismiss");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "verify me").await;
    assert_eq!(dismiss(&app, chat).await["status"], "va_dismissed");
    let dismissed = chat_object(&tenant, chat).await;
    assert_eq!(dismissed["status"], "va_dismissed");
    assert_eq!(dismissed["virtual_agent"], Value::Null);
    assert_eq!(dismissed["all_virtual_agents"][0]["status"], "disconnected");

    tenant.says(chat, user, "Hello again").await;
    let record = app
        .admin_get(&format!("/chats/{chat}?routing_state=assigned&wait=10s"))
        .await;
    assert_eq!(record["status"], "assigned");
    let agent_view = texts(&app.transcript(chat, "agent").await);
    assert!(
        agent_view.contains(&"verify me".to_owned())
            && agent_view.contains(&"Hello again".to_owned()),
        "{agent_view:?}"
    );
}

#[actix_rt::test]
async fn resume_reconnects_a_dismissed_chat_unless_the_tenant_is_after_hours() {
    let app = spawn_app();
    let tenant = app.tenant("resume");
    let (chat, user) = tenant.open_chat().await;
    let resume_path = format!("/chats/{chat}/resume");
    let resume = || tenant.call(Method::PATCH, &resume_path, None);

    let not_dismissed = resume().await;
    assert_eq!(not_dismissed.status, 400);
    assert_eq!(
        not_dismissed.message(),
        "This chat is not in dismissed state"
    );

    tenant.says(chat, user, "one question").await;
    dismiss(&app, chat).await;
    let hours = format!("/tenants/{}/after_hours", tenant.subdomain);
    let closed = app
        .admin(
            Method::PUT,
            &hours,
            Some(json!({"after_hours": true, "message": "We open at 9:00."})),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["after_hours"], true);
    let refused = resume().await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.message(), "We open at 9:00.");
    assert_eq!(
        chat_object(&tenant, chat).await["status"],
        "dismissed",
        "the chat is not resumed"
    );

    let open = app.admin(Method::DELETE, &hours, None).await;
    assert_eq!(open.status, 204);
    assert_eq!(app.admin_get(&hours).await["after_hours"], false);
    let resumed = resume().await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    // An agent joins again (at once: the tests' join delay is 0).
    assert_eq!(resumed.body["status"], "assigned");
    assert_eq!(resumed.body["agent"]["status"], "connected");
    let agent_view = texts(&app.transcript(chat, "agent").await);
    assert!(agent_view.contains(&"one question".to_owned()));
    assert_eq!(
        resume().await.message(),
        "This chat is not in dismissed state"
    );
}

#[actix_rt::test]
async fn resume_answers_the_after_hours_message_while_the_chats_queue_is_after_hours() {
    let app = spawn_app();
    let tenant = app.tenant("queue-hours");
    let (chat, user) = tenant
        .open_chat_with_context(json!({"department": "general"}))
        .await;
    tenant.wait_for_record(chat, "routing_state=assigned").await;
    tenant.says(chat, user, "Are you open?").await;
    dismiss(&app, chat).await;
    let resume_path = format!("/chats/{chat}/resume");
    let resume = || tenant.call(Method::PATCH, &resume_path, None);

    tenant.set_availability("general", "after_hours").await;
    let refused = resume().await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(
        refused.message(),
        ccai_emulator::core::state::DEFAULT_AFTER_HOURS_MESSAGE
    );
    assert_eq!(chat_object(&tenant, chat).await["status"], "dismissed");

    tenant.set_availability("general", "available").await;
    let resumed = resume().await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_ne!(resumed.body["status"], "dismissed");
}

#[actix_rt::test]
async fn a_finished_chat_cannot_be_dismissed_or_resumed() {
    let app = spawn_app();
    let tenant = app.tenant("dismiss-ended");
    let (chat, _) = tenant.open_chat().await;
    app.admin_post(&format!("/chats/{chat}/agent/end"), json!({}))
        .await;
    let dismissed = app
        .admin(Method::POST, &format!("/chats/{chat}/dismiss"), None)
        .await;
    assert_eq!(dismissed.status, 400);
    assert_eq!(dismissed.message(), "Chat is already ended");
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
