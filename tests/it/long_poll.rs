//! Waiting without sleeping, through real HTTP: long-polls on the delivery journal, the
//! chat record and transcripts answer as soon as their condition holds, answer 408 with
//! what they saw when it never does, and refuse malformed waits and conditions with 400.

use std::time::Duration;

use crate::support::{spawn_app, spawn_app_with, test_config, texts, WebhookReceiver};
use awc::http::{Method, StatusCode};
use serde_json::Value;

#[actix_rt::test]
async fn deliveries_long_poll_answers_once_enough_are_delivered() {
    let app = crate::support::spawn_app_with_all_events();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("deliveries");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;

    let reply = app
        .admin(
            Method::GET,
            &format!("/webhooks/deliveries?chat_id={chat}&status=delivered&min_count=3&wait=5s"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let deliveries = reply.body["deliveries"].as_array().unwrap();
    assert!(deliveries.len() >= 3, "{}", reply.body);
    assert!(deliveries
        .iter()
        .all(|delivery| delivery["status"] == "delivered"));
    // The journal said "delivered" only after the receiver had answered.
    assert!(receiver.received().len() >= 3);
}

#[actix_rt::test]
async fn a_long_poll_that_is_never_satisfied_answers_408_with_what_it_saw() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("timeout");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;

    let reply = app
        .admin(
            Method::GET,
            &format!("/webhooks/deliveries?chat_id={chat}&min_count=100&wait=150ms"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.body);
    assert!(reply.message().contains("min_count=100"), "{}", reply.body);
    let count = reply.body["count"].as_u64().unwrap();
    assert!(count >= 1);
    assert_eq!(
        reply.body["deliveries"].as_array().unwrap().len() as u64,
        count
    );
    assert!(reply.body["waited_ms"].is_u64());

    // A condition without `wait` is checked once.
    let now = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}?routing_state=finished"),
            None,
        )
        .await;
    assert_eq!(now.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(now.body["routing_state"], "assigned");
    assert!(
        now.message().contains("routing_state=finished"),
        "{}",
        now.body
    );
}

#[actix_rt::test]
async fn the_chat_record_long_poll_waits_for_the_agent_to_join() {
    let app = spawn_app_with(ccai_emulator::Config {
        agent_join_delay: Some(Duration::from_millis(300)),
        ..test_config()
    });
    let tenant = app.tenant("joining");
    let (chat, _) = tenant.open_chat().await;
    let reply = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}?routing_state=assigned&status=assigned&wait=5s"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["routing_state"], "assigned");
    assert_eq!(reply.body["agent"]["first_name"], "Alex");
}

#[actix_rt::test]
async fn transcripts_long_poll_for_a_message_and_the_agent_never_sees_the_code() {
    let app = spawn_app();
    let tenant = app.tenant("transcript");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "I need to verify my account").await;
    let question = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}/transcript?view=end_user&contains=6-digit%20code&wait=5s"),
            None,
        )
        .await;
    assert_eq!(question.status, StatusCode::OK, "{}", question.body);
    tenant.says(chat, user, "481516").await;
    let handed_back = app
        .admin(
            Method::GET,
            &format!(
                "/chats/{chat}/transcript?view=agent&contains=finished%20successfully&wait=5s"
            ),
            None,
        )
        .await;
    assert_eq!(handed_back.status, StatusCode::OK, "{}", handed_back.body);
    let agent_saw = texts(handed_back.body["messages"].as_array().unwrap());
    assert!(
        agent_saw.iter().all(|text| !text.contains("481516")),
        "{agent_saw:?}"
    );
    let everything = texts(&app.transcript(chat, "all").await);
    assert!(everything.iter().any(|text| text.contains("481516")));

    let counted = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}/transcript?view=all&min_messages=2&wait=1s"),
            None,
        )
        .await;
    assert_eq!(counted.status, StatusCode::OK);
}

#[actix_rt::test]
async fn malformed_waits_and_conditions_are_400_in_the_envelope() {
    let app = spawn_app();
    let tenant = app.tenant("malformed");
    let (chat, _) = tenant.open_chat().await;
    for query in [
        format!("/chats/{chat}?wait=soon"),
        format!("/chats/{chat}?wait=61s"),
        format!("/chats/{chat}?routing_state=bogus&wait=1s"),
        format!("/chats/{chat}?status=task_virtual_agent"),
        format!("/chats/{chat}/transcript?view=agent&min_messages=many"),
        format!("/chats/{chat}/transcript?view=nobody&wait=1s"),
        "/webhooks/deliveries?wait=-1s".to_owned(),
        "/webhooks/deliveries?min_count=x".to_owned(),
    ] {
        let reply = app.admin(Method::GET, &query, None).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.body
        );
        assert!(matches!(reply.body["message"], Value::String(_)), "{query}");
    }
    let unknown = app
        .admin(
            Method::GET,
            "/chats/999999?routing_state=assigned&wait=1s",
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
