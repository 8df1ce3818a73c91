//! The outbox promise, step by step, with `--fault-point` instead of a random `kill -9`: a
//! message, the webhook deliveries it causes and the ids it takes are committed in one
//! transaction before any of them is answered or sent. The process dies right before that
//! transaction commits (the message and its webhook must both be gone, and its id free
//! again) or right after it (both must come back: the message in its chat, the webhook
//! sent after the restart).

use std::time::Duration;

use serde_json::{json, Value};

use crate::persistence::StateDir;
use crate::support::binary::EmulatorProcess;
use crate::support::{basic, texts, Received, WebhookReceiver, DEADLINE};

fn client() -> awc::Client {
    awc::Client::builder().timeout(DEADLINE).finish()
}

async fn post(base: &str, path: &str, body: Value) -> Result<Value, String> {
    let mut response = client()
        .post(format!("{base}/apps/api/v1{path}"))
        .insert_header(("Authorization", basic("acme", "token")))
        .send_json(&body)
        .await
        .map_err(|error| error.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{path}: {}", response.status()));
    }
    response.json().await.map_err(|error| error.to_string())
}

async fn record(base: &str, chat: u64) -> Value {
    client()
        .get(format!("{base}/__admin/chats/{chat}"))
        .send()
        .await
        .expect("the emulator answers")
        .json()
        .await
        .expect("JSON")
}

fn message(user: u64, text: &str) -> Value {
    json!({"from_user_id": user, "message": {"type": "text", "content": {"text": text}}})
}

/// The text of a `message_received` webhook.
fn text_of(received: &Received) -> Option<String> {
    received.body()["message"]["content"]
        .as_str()
        .map(str::to_owned)
}

fn env_for<'a>(
    dir: &'a str,
    receiver: &'a WebhookReceiver,
    url: &'a str,
    fault: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("CCAI_EMU_STATE_DIR", dir),
        ("CCAI_EMU_WEBHOOK_URL", url),
        (
            "CCAI_EMU_WEBHOOK_PRIMARY_SECRET",
            receiver.primary_secret.as_str(),
        ),
    ];
    if let Some(fault) = fault {
        env.push(("CCAI_EMU_FAULT_POINT", fault));
    }
    env
}

/// Opens a chat and sends one message, waiting for its webhook; answers (chat, end user).
async fn chat_with_one_message(base: &str, receiver: &WebhookReceiver) -> (u64, u64) {
    let user = post(
        base,
        "/end_users",
        json!({"identifier": "fault-point-user"}),
    )
    .await
    .unwrap()["id"]
        .as_u64()
        .unwrap();
    let chat = post(base, "/chats", json!({"end_user_id": user}))
        .await
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    post(
        base,
        &format!("/chats/{chat}/message"),
        message(user, "written first"),
    )
    .await
    .expect("the first message is acknowledged");
    receiver
        .wait_for_chat(chat, "the first message's webhook", |received| {
            received
                .iter()
                .any(|r| text_of(r).as_deref() == Some("written first"))
        })
        .await;
    (chat, user)
}

#[actix_rt::test]
async fn a_message_lost_before_its_commit_sends_no_webhook_and_leaves_its_id_free() {
    let dir = StateDir::new();
    let receiver = WebhookReceiver::start();
    let state_dir = dir.path().display().to_string();
    let url = receiver.url();
    let first = EmulatorProcess::start(&env_for(
        &state_dir,
        &receiver,
        &url,
        Some("abort-before-commit:NEVER-COMMITTED"),
    ));
    let base = first.base_url();
    let (chat, user) = chat_with_one_message(&base, &receiver).await;
    let before = record(&base, chat).await["messages"]
        .as_array()
        .unwrap()
        .len();
    let lost = post(
        &base,
        &format!("/chats/{chat}/message"),
        message(user, "NEVER-COMMITTED"),
    )
    .await;
    assert!(lost.is_err(), "the process died before answering: {lost:?}");
    first.assert_dies();

    let second = EmulatorProcess::start(&env_for(&state_dir, &receiver, &url, None));
    let base = second.base_url();
    let stored = record(&base, chat).await;
    let stored_texts = texts(stored["messages"].as_array().unwrap());
    assert!(
        !stored_texts.iter().any(|text| text == "NEVER-COMMITTED"),
        "{stored_texts:?}"
    );
    assert_eq!(stored["messages"].as_array().unwrap().len(), before);
    let next = post(
        &base,
        &format!("/chats/{chat}/message"),
        message(user, "after the restart"),
    )
    .await
    .expect("acknowledged");
    // The lost message's id is free again, and only the real message ever carried it.
    let id = next["id"].as_u64().expect("the message's id");
    assert_eq!(id as usize, before + 1, "{next}");
    let received = receiver
        .wait_for_chat(chat, "the next message's webhook", |received| {
            received
                .iter()
                .any(|r| text_of(r).as_deref() == Some("after the restart"))
        })
        .await;
    assert!(
        !receiver
            .received()
            .iter()
            .any(|r| text_of(r).as_deref() == Some("NEVER-COMMITTED")),
        "a webhook went out for a message the store never held"
    );
    let with_id: Vec<_> = received
        .iter()
        .filter(|r| r.body()["message"]["message_id"].as_u64() == Some(id))
        .filter_map(text_of)
        .collect();
    assert_eq!(with_id, ["after the restart"]);
    second.kill_9();
}

#[actix_rt::test]
async fn a_message_committed_before_a_crash_is_kept_and_its_webhook_sent_after_the_restart() {
    let dir = StateDir::new();
    let receiver = WebhookReceiver::start();
    let state_dir = dir.path().display().to_string();
    let url = receiver.url();
    let first = EmulatorProcess::start(&env_for(
        &state_dir,
        &receiver,
        &url,
        Some("abort-after-commit:COMMITTED-THEN-LOST"),
    ));
    let base = first.base_url();
    let (chat, user) = chat_with_one_message(&base, &receiver).await;
    let cut_off = post(
        &base,
        &format!("/chats/{chat}/message"),
        message(user, "COMMITTED-THEN-LOST"),
    )
    .await;
    assert!(cut_off.is_err(), "the process died before answering");
    first.assert_dies();
    assert!(
        !receiver
            .received()
            .iter()
            .any(|r| text_of(r).as_deref() == Some("COMMITTED-THEN-LOST")),
        "nothing is sent before the sender hears of the commit"
    );

    let second = EmulatorProcess::start(&env_for(&state_dir, &receiver, &url, None));
    let base = second.base_url();
    let stored = texts(record(&base, chat).await["messages"].as_array().unwrap());
    assert!(
        stored.iter().any(|text| text == "COMMITTED-THEN-LOST"),
        "{stored:?}"
    );
    receiver
        .wait_until_within(
            Duration::from_secs(20),
            "the committed message's webhook, after the restart",
            |received| {
                received
                    .iter()
                    .any(|r| r.accepted() && text_of(r).as_deref() == Some("COMMITTED-THEN-LOST"))
            },
        )
        .await;
    second.kill_9();
}
