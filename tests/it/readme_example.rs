//! The Rust example of docs/testing.md ("A complete Rust example"), kept here verbatim
//! (apart from this comment) so it is compiled and run: if it breaks, docs/testing.md is wrong.

use std::time::Duration;

use ccai_emulator::{Config, Emulator};
use serde_json::{json, Value};

#[actix_rt::test]
async fn the_one_time_code_never_reaches_the_human_agent() {
    // An emulator of our own on a free port, with the agent joining at once.
    let emulator = Emulator::build(Config {
        bind: "127.0.0.1:0".into(),
        agent_join_delay: Some(Duration::ZERO),
        ..Config::default()
    })
    .expect("the emulator starts")
    .spawn();
    let api = emulator.api_url();
    let admin = format!("{}/__admin", emulator.base_url());
    let http = awc::Client::default();
    // A tenant (Basic-auth username) of this test's own: nothing is shared with other tests.
    let tenant = "otp-never-reaches-agent";

    let post = |path: String, body: Value| {
        let request = http
            .post(format!("{api}{path}"))
            .basic_auth(tenant, "any-token");
        async move {
            let mut response = request.send_json(&body).await.unwrap();
            assert!(
                response.status().is_success(),
                "POST {path}: {}",
                response.status()
            );
            response.json::<Value>().await.unwrap()
        }
    };
    // GET on the control plane; long-polls answer 200 when the condition holds, 408 if not.
    let admin_get = |path: String| {
        let request = http.get(format!("{admin}{path}"));
        async move {
            let mut response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "GET {path}");
            response.json::<Value>().limit(1 << 22).await.unwrap()
        }
    };

    // What your backend would do: upsert the end user, open a chat, relay messages.
    let user = post("/end_users".into(), json!({"identifier": "customer-42"})).await["id"].clone();
    let chat = post("/chats".into(), json!({"end_user_id": user})).await["id"]
        .as_u64()
        .unwrap();
    let say = |text: &str| {
        post(
            format!("/chats/{chat}/message"),
            json!({"from_user_id": user, "message": {"type": "text", "content": {"text": text}}}),
        )
    };
    say("I need to verify my account").await;

    // Wait (no sleep) until the verification VTA has asked for the code.
    admin_get(format!(
        "/chats/{chat}/transcript?view=end_user&contains=6-digit&wait=5s"
    ))
    .await;
    say("481516").await;

    // Wait until the VTA has handed back, then look at what the human agent saw.
    let agent_view = admin_get(format!(
        "/chats/{chat}/transcript?view=agent&contains=finished%20successfully&wait=5s"
    ))
    .await;
    assert!(!agent_view["messages"].to_string().contains("481516"));

    // The VTA's question went out as a message_received webhook (a server_message).
    let deliveries = admin_get(format!(
        "/webhooks/deliveries?chat_id={chat}&event_type=message_received&min_count=4&wait=5s"
    ))
    .await;
    assert!(deliveries["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|delivery| delivery["payload"]["body"]["server_message"].is_object()));

    // And the request journal shows exactly what the backend sent.
    let sent = admin_get(format!(
        "/requests?tenant={tenant}&path=/apps/api/v1/chats/{chat}/message"
    ))
    .await;
    assert_eq!(sent["count"], 2);
    assert_eq!(
        sent["requests"][1]["body"]["message"]["content"]["text"],
        "481516"
    );

    emulator.stop().await;
}
