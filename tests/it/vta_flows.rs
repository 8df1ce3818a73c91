//! The task-virtual-agent flow end to end, for each shipped VTA: through real
//! HTTP, with a real receiver that verifies every webhook signature.

use awc::http::Method;
use ccai_emulator::client::TranscriptView;
use serde_json::{json, Value};

use crate::support::{spawn_app, texts, Received, WebhookReceiver};

fn server_messages(events: &[Received]) -> Vec<String> {
    events
        .iter()
        .filter(|event| {
            event.event_type == "message_received"
                && event.body()["message"]["type"] == "server_message"
        })
        .map(|event| {
            event.body()["server_message"]["content"]["content"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

fn handback(events: &[Received]) -> Option<Value> {
    events
        .iter()
        .find(|event| event.event_type == "virtual_agent_left")
        .map(|event| event.body().clone())
}

fn has_server_message(events: &[Received], fragment: &str) -> bool {
    server_messages(events)
        .iter()
        .any(|text| text.contains(fragment))
}

#[actix_rt::test]
async fn one_time_code_reasks_a_wrong_code_then_hands_back_success() {
    let app = crate::support::spawn_app_with_all_events();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("otp");
    tenant.use_receiver(&receiver).await;
    let chat = tenant.chat_with_agent().await;

    chat.end_user_says("Hi, I need to verify my account").await;
    receiver
        .wait_for_chat(chat.id, "the code question", |events| {
            has_server_message(events, "6-digit code")
        })
        .await;
    let state = tenant.apps.chat(chat.id).await.unwrap();
    assert_eq!(
        state.virtual_agent.map(|vta| vta.name).as_deref(),
        Some("Verification Assistant")
    );
    assert_eq!(state.agent.map(|agent| agent.id), Some(501));

    chat.end_user_says("12345").await;
    receiver
        .wait_for_chat(chat.id, "the re-ask", |events| {
            has_server_message(events, "exactly 6 digits")
        })
        .await;
    chat.end_user_says("481-516").await;
    let events = receiver
        .wait_for_chat(chat.id, "the hand-back", |events| {
            handback(events).is_some()
        })
        .await;

    let handback = handback(&events).unwrap();
    assert_eq!(handback["outcome"], "success");
    assert_eq!(handback["captured"], json!(["code"]));
    assert!(has_server_message(&events, "has been verified"));
    assert!(
        events.iter().all(|event| event.signature_valid),
        "every webhook is signed"
    );
    let state = tenant.apps.chat(chat.id).await.unwrap();
    assert_eq!(state.virtual_agent, None, "the VTA has handed back");
    assert_eq!(state.status, "assigned");
    chat.wait_until("routing_state=assigned").await;
    let seen_by_agent = chat.texts_seen_by(TranscriptView::Agent).await;
    assert!(
        seen_by_agent.iter().all(|text| !text.contains("481")),
        "{seen_by_agent:?}"
    );

    let agent_view = app.transcript(chat.id, "agent").await;
    let raw = serde_json::to_string(&agent_view).unwrap();
    for secret in ["12345", "481-516", "481516"] {
        assert!(!raw.contains(secret), "agent saw {secret}: {raw}");
    }
    assert!(
        !raw.contains("task_virtual_agent"),
        "agent saw VTA traffic: {raw}"
    );
    assert!(texts(&agent_view)
        .iter()
        .any(|text| text.contains("finished: success")));
}

#[actix_rt::test]
async fn one_time_code_task_fails_after_three_wrong_answers() {
    let app = crate::support::spawn_app_with_all_events();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("otp-fail");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;

    tenant.says(chat, user, "my login code please").await;
    for wrong in ["abc", "12", "1234567"] {
        tenant.says(chat, user, wrong).await;
    }
    let events = receiver
        .wait_for_chat(chat, "the failed hand-back", |events| {
            handback(events).is_some()
        })
        .await;
    let handback = handback(&events).unwrap();
    assert_eq!(handback["outcome"], "failure");
    assert_eq!(handback["captured"], json!([]));
    let replies = server_messages(&events);
    assert!(replies
        .iter()
        .any(|text| text.contains("That doesn't look right")));
    assert!(replies
        .iter()
        .any(|text| text.contains("still not a 6-digit code")));
    assert!(replies.last().unwrap().contains("couldn't verify the code"));

    let agent_view = texts(&app.transcript(chat, "agent").await);
    assert!(agent_view
        .iter()
        .any(|text| text.contains("finished: failure") && text.contains("Failed at: code")));
    assert!(
        agent_view
            .iter()
            .any(|text| text.contains("could not complete")),
        "{agent_view:?}"
    );
    // After the hand-back the agent has the chat again: the end user reaches the agent.
    let reply = tenant.say(chat, user, "ok thanks").await;
    assert_eq!(reply.body["visibility"], "everyone");
}

#[actix_rt::test]
async fn payment_card_is_luhn_checked_and_only_ever_masked_to_the_agent() {
    let app = crate::support::spawn_app_with_all_events();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("card");
    tenant.use_receiver(&receiver).await;
    let chat = tenant.chat_with_agent().await;

    chat.transfer_to("payment_card").await;
    chat.end_user_says("4111 1111 1111 1112").await;
    receiver
        .wait_for_chat(chat.id, "the Luhn re-ask", |events| {
            has_server_message(events, "isn't valid")
        })
        .await;
    chat.end_user_says("4111 1111 1111 1111").await;
    chat.end_user_says("13/29").await;
    chat.end_user_says("04/29").await;
    let events = receiver
        .wait_for_chat(chat.id, "the hand-back", |events| {
            handback(events).is_some()
        })
        .await;

    assert_eq!(handback(&events).unwrap()["outcome"], "success");
    let replies = server_messages(&events);
    assert!(
        replies
            .iter()
            .any(|text| text == "Thanks, card **** **** **** 1111 noted."),
        "{replies:?}"
    );
    assert!(replies
        .iter()
        .any(|text| text.contains("MM/YY, for example")));
    assert!(replies
        .last()
        .unwrap()
        .contains("**** **** **** 1111 (expires 04/29)"));

    let agent_view = app.transcript(chat.id, "agent").await;
    let raw = serde_json::to_string(&agent_view).unwrap();
    for secret in [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111 1111 1111 1112",
    ] {
        assert!(!raw.contains(secret), "agent saw the card: {raw}");
    }
    assert!(
        raw.contains("card_number: **** **** **** 1111"),
        "agent sees the mask: {raw}"
    );
    let chat_object = tenant.apps.chat(chat.id).await.unwrap();
    assert!(!serde_json::to_string(&chat_object)
        .unwrap()
        .contains("4111"));
    // The full record keeps what the end user typed; only the agent's view filters it.
    let record = app.admin_get(&format!("/chats/{}", chat.id)).await;
    assert!(record.to_string().contains("4111 1111 1111 1111"));
}

#[actix_rt::test]
async fn order_status_is_looked_up_in_fixture_data() {
    let app = crate::support::spawn_app_with_all_events();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("order");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;

    tenant.says(chat, user, "Where is my order?").await;
    tenant.says(chat, user, "ORD-999999").await;
    receiver
        .wait_for_chat(chat, "the not-found reply", |events| {
            has_server_message(events, "couldn't find order ORD-999999")
        })
        .await;
    tenant.says(chat, user, "  ord-100001 ").await;
    let events = receiver
        .wait_for_chat(chat, "the hand-back", |events| handback(events).is_some())
        .await;

    let replies = server_messages(&events);
    assert!(
        replies
            .iter()
            .any(|text| text.starts_with("Order ORD-100001 is shipped: it left our warehouse")),
        "{replies:?}"
    );
    let agent_view = texts(&app.transcript(chat, "agent").await);
    assert!(
        agent_view
            .iter()
            .any(|text| text.contains("order_number: ORD-100001")),
        "{agent_view:?}"
    );
}

#[actix_rt::test]
async fn vta_reply_arrives_as_signed_server_message_webhook() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("shape");
    tenant.use_receiver(&receiver).await;
    let chat = tenant.chat_with_agent().await;
    chat.transfer_to("one_time_code").await;
    let events = receiver
        .wait_for_chat(chat.id, "the code question", |events| {
            has_server_message(events, "6-digit code")
        })
        .await;
    let event = events
        .iter()
        .find(|event| has_server_message(std::slice::from_ref(event), "6-digit code"))
        .unwrap();

    let body = event.body();
    assert_eq!(
        body["sender"],
        json!({"id": 71, "type": "task_virtual_agent", "status": "connected"})
    );
    assert_eq!(body["message"]["type"], "server_message");
    assert_eq!(body["message"]["visibility"], "task_virtual_agent");
    assert!(body["message"]["message_id"].as_u64().is_some());
    assert_eq!(body["server_message"]["content"]["type"], "text");
    assert_eq!(event.envelope["chat_id"], chat.id);
    assert!(event.envelope["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(event.signature.starts_with("primary=") && event.signature.contains(" secondary="));
    assert!(event.signature_valid);
    assert!(!event.delivery_id.is_empty());
}

#[actix_rt::test]
async fn both_content_shapes_are_accepted() {
    let app = spawn_app();
    let tenant = app.tenant("shapes");
    let (chat, user) = tenant.open_chat().await;
    let object = tenant
        .call(
            Method::POST,
            &format!("/chats/{chat}/message"),
            Some(json!({"from_user_id": user, "message": {"type": "text", "content": {"text": "as an object"}}})),
        )
        .await;
    let plain = tenant
        .call(
            Method::POST,
            &format!("/chats/{chat}/message"),
            Some(json!({"from_user_id": user, "message": {"type": "text", "content": "as a plain string"}})),
        )
        .await;
    assert_eq!(object.status, 200, "{}", object.body);
    assert_eq!(plain.status, 200, "{}", plain.body);
    let view = texts(&app.transcript(chat, "agent").await);
    assert!(
        view.contains(&"as an object".to_owned()) && view.contains(&"as a plain string".to_owned())
    );
}

#[actix_rt::test]
async fn end_user_view_shows_vta_traffic_and_agent_view_shows_only_the_outcome() {
    let app = spawn_app();
    let tenant = app.tenant("views");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "verify me").await;
    tenant.says(chat, user, "654321").await;

    let end_user = texts(&app.transcript(chat, "end_user").await);
    assert!(end_user.contains(&"654321".to_owned()));
    assert!(end_user
        .iter()
        .any(|text| text.contains("has been verified")));
    assert!(
        !end_user
            .iter()
            .any(|text| text.contains("finished: success")),
        "the agent's note is the agent's"
    );

    let agent = texts(&app.transcript(chat, "agent").await);
    assert!(!agent.contains(&"654321".to_owned()));
    assert!(!agent.iter().any(|text| text.contains("6-digit code")));
    assert!(agent.iter().any(|text| text.contains("finished: success")));

    let all = texts(&app.transcript(chat, "all").await);
    assert!(all.len() > agent.len() && all.len() > end_user.len());
}

#[actix_rt::test]
async fn a_question_asked_while_queued_is_answered_when_the_agent_joins() {
    let app = crate::support::spawn_app_with(ccai_emulator::Config {
        agent_join_delay: Some(std::time::Duration::from_millis(200)),
        ..crate::support::test_config()
    });
    let tenant = app.tenant("queued");
    let (chat, user) = tenant.open_chat().await;
    let queued = app.admin_get(&format!("/chats/{chat}")).await;
    assert_eq!(queued["routing_state"], "queued");
    tenant.says(chat, user, "Can you check my order?").await;

    let record = app
        .admin_get(&format!(
            "/chats/{chat}?routing_state=task_virtual_agent&wait=5s"
        ))
        .await;
    assert_eq!(record["task_virtual_agent"]["key"], "order_status");
    let agent_view = texts(&app.transcript(chat, "agent").await);
    assert_eq!(
        agent_view[0], "Can you check my order?",
        "asked before the agent joined"
    );
    assert!(agent_view[1].starts_with("Hi, I'm Alex"));
}
