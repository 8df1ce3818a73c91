//! Waits that explain their timeouts, through real HTTP: a long-poll that runs out answers
//! 408 whose `message` says what it last saw (the chat's state and its last messages in
//! the asked view; the deliveries that did arrive and where the awaited ones stand) and
//! whose `last_seen` holds the same as data; waiting for an event the tenant's selection
//! leaves out says it was journaled as suppressed and how to enable it.

use awc::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{spawn_app, WebhookReceiver};

#[actix_rt::test]
async fn a_chat_wait_that_runs_out_names_the_state_and_the_last_messages_of_its_view() {
    let app = spawn_app();
    let tenant = app.tenant("explained");
    let (chat, user) = tenant.open_chat().await;
    for text in ["first", "second", "third", "fourth"] {
        tenant.says(chat, user, text).await;
    }

    let reply = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}/transcript?view=end_user&contains=refund&wait=50ms"),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.body);
    let message = reply.message();
    assert!(message.contains("contains=\"refund\""), "{message}");
    assert!(
        message.contains("the chat was status=assigned, routing_state=assigned"),
        "{message}"
    );
    let held = reply.body["messages"].as_array().unwrap().len();
    assert!(
        message.contains(&format!(
            "the end_user view held {held} messages, the last 3: "
        )),
        "{message}"
    );
    assert!(message.contains("end_user: \"fourth\""), "{message}");
    assert!(
        !message.contains("\"first\""),
        "only the last three: {message}"
    );
    let last_seen = &reply.body["last_seen"];
    assert_eq!(last_seen["status"], "assigned");
    assert_eq!(last_seen["view"], "end_user");
    assert_eq!(last_seen["messages"], held);
    assert_eq!(last_seen["last_messages"].as_array().unwrap().len(), 3);
    assert_eq!(last_seen["hidden_in_view"], json!(null));
}

#[actix_rt::test]
async fn waiting_in_the_agent_view_for_what_only_the_task_virtual_agent_saw_says_so() {
    let app = spawn_app();
    let tenant = app.tenant("hidden");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "I need to verify my account").await;
    app.wait_for_chat(chat, "routing_state=task_virtual_agent")
        .await;
    tenant.says(chat, user, "481516").await;

    let reply = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}/transcript?view=agent&contains=481516&wait=50ms"),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.body);
    let everything = app.transcript(chat, "all").await;
    let code = everything
        .iter()
        .find(|message| message["body"]["text"] == "481516")
        .expect("the full record has the code");
    let message = reply.message();
    assert!(
        message.contains(&format!(
            "\"481516\" is in message #{} of the full record, which the agent view does not show",
            code["id"]
        )),
        "{message}"
    );
    assert!(!message.contains("end_user: \"481516\""), "{message}");
    assert_eq!(reply.body["last_seen"]["hidden_in_view"], code["id"]);
}

#[actix_rt::test]
async fn waiting_for_an_event_the_selection_leaves_out_says_it_was_suppressed_and_how_to_enable_it()
{
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("suppressed");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;
    // No page mentions an event for a chat's end: it is journaled, not sent.
    app.admin_post(&format!("/chats/{chat}/agent/end"), json!({}))
        .await;
    let journaled = app
        .admin(
            Method::GET,
            &format!("/webhooks/deliveries?chat_id={chat}&event_type=chat_ended&status=suppressed&wait=5s"),
            None,
        )
        .await;
    assert_eq!(journaled.status, StatusCode::OK, "{}", journaled.body);

    let reply = app
        .admin(
            Method::GET,
            &format!("/webhooks/deliveries?chat_id={chat}&event_type=chat_ended&status=delivered&wait=50ms"),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.body);
    let message = reply.message();
    let sub = &tenant.subdomain;
    for expected in [
        "waiting for min_count=1: 0 matched",
        "1 other is for these filters: 1 suppressed",
        "chat_ended is not sent by default (no page of the platform mentions it; the default sends chat_created, message_received, agent_joined, virtual_agent_joined, virtual_agent_left, escalation_deflected)",
        "1 chat_ended event was journaled as suppressed",
        &format!("enable it with PUT /__admin/tenants/{sub}/webhook/events {{\"events\":[\"chat_created\",\"message_received\",\"agent_joined\",\"virtual_agent_joined\",\"virtual_agent_left\",\"escalation_deflected\",\"chat_ended\"]}}"),
        &format!("for chat {chat} (any event), the last"),
    ] {
        assert!(message.contains(expected), "{expected:?} not in {message}");
    }
    let left_out = &reply.body["last_seen"]["left_out_by_selection"][0];
    assert_eq!(left_out["tenant"], sub.as_str());
    assert_eq!(left_out["event_type"], "chat_ended");
    assert_eq!(left_out["suppressed"], 1);
    assert_eq!(reply.body["last_seen"]["matched"], 0);
    assert_eq!(reply.body["last_seen"]["awaited"]["suppressed"], 1);

    // Following the advice makes the next one arrive.
    let enabled = app
        .admin(
            Method::PUT,
            &format!("/tenants/{sub}/webhook/events"),
            Some(json!({"events": ["chat_created", "message_received", "chat_ended"]})),
        )
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);
    let (second, _) = tenant.open_chat().await;
    app.admin_post(&format!("/chats/{second}/agent/end"), json!({}))
        .await;
    let delivered = app
        .admin(
            Method::GET,
            &format!("/webhooks/deliveries?chat_id={second}&event_type=chat_ended&status=delivered&wait=5s"),
            None,
        )
        .await;
    assert_eq!(delivered.status, StatusCode::OK, "{}", delivered.body);
}

#[actix_rt::test]
async fn a_tenant_selection_of_its_own_is_named_in_the_explanation() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("custom");
    tenant.use_receiver(&receiver).await;
    let sub = &tenant.subdomain;
    app.admin(
        Method::PUT,
        &format!("/tenants/{sub}/webhook/events"),
        Some(json!({"events": ["chat_created"]})),
    )
    .await;
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello").await;

    let reply = app
        .admin(
            Method::GET,
            &format!("/webhooks/deliveries?tenant={sub}&event_type=message_received&status=delivered&wait=50ms"),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.body);
    let message = reply.message();
    assert!(
        message.contains(&format!(
            "message_received is left out by the tenant {sub}'s event selection (custom: chat_created)"
        )),
        "{message}"
    );
    assert!(
        message.contains("[\"chat_created\",\"message_received\"]"),
        "{message}"
    );
}

#[actix_rt::test]
async fn a_delivery_wait_that_runs_out_says_where_the_awaited_ones_stand() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    receiver.respond_next_with(&[503; 12]);
    let tenant = app.tenant("failing");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;
    let failed = app
        .admin(
            Method::GET,
            &format!(
                "/webhooks/deliveries?chat_id={chat}&event_type=chat_created&status=failed&wait=5s"
            ),
            None,
        )
        .await;
    assert_eq!(failed.status, StatusCode::OK, "{}", failed.body);

    let reply = app
        .admin(
            Method::GET,
            &format!("/webhooks/deliveries?chat_id={chat}&event_type=chat_created&status=delivered&wait=50ms"),
            None,
        )
        .await;

    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.body);
    let message = reply.message();
    assert!(
        message.contains("1 other is for these filters: 1 failed"),
        "{message}"
    );
    assert!(
        message.contains("chat_created chat") && message.contains("failed (last answer 503)"),
        "{message}"
    );
    assert!(!message.contains("not sent by default"), "{message}");
    assert_eq!(reply.body["last_seen"]["awaited"]["failed"], 1);
}
