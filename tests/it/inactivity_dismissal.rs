//! Automatic dismissal with `--chat-inactivity-timeout`, by the rules of the platform's page
//! "Dismiss Inactive Chats": only once both the end user and an agent have written, timed
//! from the agent's latest message (the chat object's `timeout_at` shows the deadline, null
//! while the chat is not eligible), and after a reactivation only once the end user has
//! written again.

use std::time::Duration;

use crate::support::{spawn_app_with, test_config, TenantClient, TestApp};
use awc::http::Method;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

const THRESHOLD: Duration = Duration::from_secs(3);

fn app() -> TestApp {
    spawn_app_with(ccai_emulator::Config {
        chat_inactivity_timeout: Some(THRESHOLD),
        ..test_config()
    })
}

async fn timeout_at(tenant: &TenantClient<'_>, chat: u64) -> Value {
    tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body["timeout_at"]
        .clone()
}

/// The agent says `text` and returns when the record stored it.
async fn agent_says(app: &TestApp, chat: u64, text: &str) -> DateTime<Utc> {
    let record = app
        .admin_post(
            &format!("/chats/{chat}/agent/messages"),
            json!({"text": text}),
        )
        .await;
    let last = record["messages"]
        .as_array()
        .and_then(|messages| messages.last())
        .cloned()
        .expect("the agent's message is stored");
    assert_eq!(last["body"]["text"], text);
    last["at"].as_str().unwrap().parse().unwrap()
}

fn deadline_after(at: DateTime<Utc>) -> Value {
    let deadline = at + chrono::Duration::from_std(THRESHOLD).unwrap();
    json!(deadline.to_rfc3339_opts(SecondsFormat::Secs, true))
}

#[actix_rt::test]
async fn a_chat_is_eligible_only_once_both_have_written_and_is_timed_from_the_agents_latest_message(
) {
    let app = app();
    let tenant = app.tenant("inactive");
    let (chat, user) = tenant.open_chat().await;
    // The agent has greeted; the end user has said nothing: not eligible.
    agent_says(&app, chat, "Are you there?").await;
    assert_eq!(timeout_at(&tenant, chat).await, Value::Null);

    tenant.says(chat, user, "Yes, one moment").await;
    assert_eq!(
        timeout_at(&tenant, chat).await,
        Value::Null,
        "the end user wrote last: the agent owes the answer"
    );
    agent_says(&app, chat, "Take your time").await;
    let latest = agent_says(&app, chat, "I am here when you are ready").await;
    assert_eq!(timeout_at(&tenant, chat).await, deadline_after(latest));

    let record = app
        .admin_get(&format!("/chats/{chat}?status=dismissed&wait=10s"))
        .await;
    assert_eq!(record["status"], "dismissed");
    assert_eq!(timeout_at(&tenant, chat).await, Value::Null);
}

#[actix_rt::test]
async fn after_a_resume_the_chat_is_dismissed_again_only_once_the_end_user_has_written() {
    let app = app();
    let tenant = app.tenant("inactive-again");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello").await;
    agent_says(&app, chat, "How can I help?").await;
    app.admin_get(&format!("/chats/{chat}?status=dismissed&wait=10s"))
        .await;

    let resumed = tenant
        .call(Method::PATCH, &format!("/chats/{chat}/resume"), None)
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    app.admin_get(&format!("/chats/{chat}?routing_state=assigned&wait=10s"))
        .await;
    agent_says(&app, chat, "Welcome back").await;
    assert_eq!(
        timeout_at(&tenant, chat).await,
        Value::Null,
        "not eligible until the end user writes after the reactivation"
    );

    tenant.says(chat, user, "thanks").await;
    let latest = agent_says(&app, chat, "Anything else?").await;
    assert_eq!(timeout_at(&tenant, chat).await, deadline_after(latest));
    app.admin_get(&format!("/chats/{chat}?status=dismissed&wait=10s"))
        .await;
}
