//! The bounds on stored chats, through real HTTP: finished chats beyond
//! `--retain-finished-chats` (or older than `--retain-finished-chats-for`) are evicted
//! oldest first with their messages and counted on `/__admin/health`; a tenant at
//! `--max-chats-per-tenant` and a chat at `--max-messages-per-chat` are answered 409 in the
//! envelope, naming the flag, as is a new end user past `--max-end-users-per-tenant`; a
//! snapshot over any of these caps is refused; and nothing acknowledged is lost below the
//! caps.

use std::time::{Duration, Instant};

use crate::support::*;
use awc::http::{Method, StatusCode};
use ccai_emulator::core::limits::Limits;
use ccai_emulator::Config;

fn with_limits(limits: Limits) -> Config {
    Config {
        limits,
        ..test_config()
    }
}

async fn finish(tenant: &TenantClient<'_>, chat: u64) {
    let reply = tenant
        .call(
            Method::PATCH,
            &format!("/chats/{chat}"),
            Some(serde_json::json!({"status": "finished"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// `/__admin/health`'s chat counters (the fixtures' seed tenants count too, so tests
/// compare before and after).
async fn chat_counters(app: &TestApp) -> serde_json::Value {
    app.admin_get("/health").await["chats"].clone()
}

/// One entry of `/__admin/limits`, by name: its limit and use.
async fn limit_and_use(app: &TestApp, name: &str) -> (serde_json::Value, serde_json::Value) {
    let limits = app.admin_get("/limits").await;
    let entry = limits["limits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|limit| limit["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {limits}"))
        .clone();
    (entry["limit"].clone(), entry["used"].clone())
}

async fn chat_status(tenant: &TenantClient<'_>, chat: u64) -> StatusCode {
    tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .status
}

#[actix_rt::test]
async fn finished_chats_past_the_retention_count_are_evicted_oldest_first_and_counted() {
    let app = spawn_app_with(with_limits(Limits {
        retain_finished_chats: 2,
        ..Limits::default()
    }));
    let tenant = app.tenant("retain");
    let before = chat_counters(&app).await;
    let mut chats = Vec::new();
    for index in 0..4 {
        let (chat, user) = tenant.open_chat().await;
        tenant.says(chat, user, &format!("hello {index}")).await;
        chats.push(chat);
    }
    let (open, _) = tenant.open_chat().await;
    for chat in &chats {
        finish(&tenant, *chat).await;
    }
    for evicted in &chats[..2] {
        assert_eq!(chat_status(&tenant, *evicted).await, StatusCode::NOT_FOUND);
        let record = app
            .admin(Method::GET, &format!("/chats/{evicted}"), None)
            .await;
        assert_eq!(record.status, StatusCode::NOT_FOUND);
    }
    for kept in chats[2..].iter().chain([&open]) {
        assert_eq!(chat_status(&tenant, *kept).await, StatusCode::OK);
    }
    let kept = texts(&app.transcript(chats[3], "end_user").await);
    assert!(kept.contains(&"hello 3".to_owned()), "{kept:?}");
    let after = chat_counters(&app).await;
    let evicted = after["evicted"].as_u64().unwrap() - before["evicted"].as_u64().unwrap();
    // Oldest first: the seed tenants' finished chats (if any) went before ours.
    let earlier = before["finished_retained"].as_u64().unwrap();
    assert_eq!(evicted, earlier + 4 - 2, "{before} -> {after}");
    assert_eq!(after["finished_retained"], 2);
    assert_eq!(after["retain_finished_chats"], 2);
}

#[actix_rt::test]
async fn finished_chats_older_than_the_retention_age_are_evicted_without_traffic() {
    let app = spawn_app_with(with_limits(Limits {
        retain_finished_for: Some(Duration::from_millis(50)),
        ..Limits::default()
    }));
    let tenant = app.tenant("aged");
    let (chat, _) = tenant.open_chat().await;
    let (open, _) = tenant.open_chat().await;
    finish(&tenant, chat).await;
    let started = Instant::now();
    while chat_status(&tenant, chat).await != StatusCode::NOT_FOUND {
        assert!(
            started.elapsed() < DEADLINE,
            "chat {chat} was never evicted"
        );
        actix_web::rt::task::yield_now().await;
    }
    assert_eq!(chat_status(&tenant, open).await, StatusCode::OK);
    assert_eq!(chat_counters(&app).await["retain_finished_for_seconds"], 0);
}

#[actix_rt::test]
async fn a_tenant_at_its_chat_limit_gets_409_until_a_finished_chat_makes_room() {
    let app = spawn_app_with(with_limits(Limits {
        max_chats_per_tenant: 2,
        ..Limits::default()
    }));
    let tenant = app.tenant("capped");
    let before = chat_counters(&app).await;
    let (first, user) = tenant.open_chat().await;
    tenant.open_chat().await;
    let refused = tenant
        .call(
            Method::POST,
            "/chats",
            Some(serde_json::json!({"end_user_id": user})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.message().contains("--max-chats-per-tenant"),
        "{}",
        refused.body
    );
    assert_eq!(
        limit_and_use(&app, "chats_per_tenant").await,
        (2.into(), 2.into())
    );
    // Another tenant is not affected.
    app.tenant("other").open_chat().await;
    finish(&tenant, first).await;
    let (third, _) = tenant.open_chat().await;
    assert_eq!(chat_status(&tenant, third).await, StatusCode::OK);
    assert_eq!(chat_status(&tenant, first).await, StatusCode::NOT_FOUND);
    let after = chat_counters(&app).await;
    let evicted = after["evicted"].as_u64().unwrap() - before["evicted"].as_u64().unwrap();
    assert_eq!(evicted, 1, "{before} -> {after}");
    assert_eq!(after["max_chats_per_tenant"], 2);
}

#[actix_rt::test]
async fn a_chat_at_its_message_limit_gets_409_and_keeps_every_acknowledged_message() {
    let app = spawn_app_with(with_limits(Limits {
        max_messages_per_chat: 5,
        ..Limits::default()
    }));
    let tenant = app.tenant("long");
    let (chat, user) = tenant.open_chat().await;
    let mut acknowledged = Vec::new();
    let refusal = loop {
        let text = format!("message {}", acknowledged.len());
        let reply = tenant.say(chat, user, &text).await;
        if reply.status != StatusCode::OK {
            break reply;
        }
        acknowledged.push(text);
        assert!(acknowledged.len() <= 5, "the cap was never applied");
    };
    assert_eq!(refusal.status, StatusCode::CONFLICT, "{}", refusal.body);
    assert!(
        refusal.message().contains("--max-messages-per-chat"),
        "{}",
        refusal.body
    );
    assert!(!acknowledged.is_empty());
    let stored = texts(&app.transcript(chat, "end_user").await);
    let from_user: Vec<&String> = stored
        .iter()
        .filter(|text| text.starts_with("message "))
        .collect();
    assert_eq!(from_user, acknowledged.iter().collect::<Vec<_>>());
    let health = app.admin_get("/health").await;
    assert_eq!(health["chats"]["max_messages_per_chat"], 5);
    // The answers that follow the last acknowledged message may go past the cap.
    let (limit, used) = limit_and_use(&app, "messages_per_chat").await;
    assert_eq!(limit, 5);
    assert!(used.as_u64().unwrap() >= 5, "{used}");
}

#[actix_rt::test]
async fn below_the_caps_every_acknowledged_message_is_kept_in_order_while_others_are_evicted() {
    let app = spawn_app_with(with_limits(Limits {
        retain_finished_chats: 1,
        max_chats_per_tenant: 50,
        max_messages_per_chat: 1_000,
        ..Limits::default()
    }));
    let tenant = app.tenant("busy");
    let before = chat_counters(&app).await;
    let mut chats = Vec::new();
    for _ in 0..4 {
        chats.push(tenant.open_chat().await);
    }
    let senders = chats.iter().map(|(chat, user)| {
        let tenant = &tenant;
        async move {
            let mut acknowledged = Vec::new();
            for index in 0..25 {
                let text = format!("chat {chat} message {index}");
                let reply = tenant.say(*chat, *user, &text).await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
                acknowledged.push(text);
            }
            acknowledged
        }
    });
    // Meanwhile other chats of the same tenant open and finish, and are evicted.
    let churn = async {
        for _ in 0..10 {
            let (chat, _) = tenant.open_chat().await;
            finish(&tenant, chat).await;
        }
    };
    let (sent, ()) =
        futures_util::future::join(futures_util::future::join_all(senders), churn).await;
    for ((chat, _), acknowledged) in chats.iter().zip(sent) {
        let stored: Vec<String> = texts(&app.transcript(*chat, "end_user").await)
            .into_iter()
            .filter(|text| text.starts_with("chat "))
            .collect();
        assert_eq!(stored, acknowledged, "chat {chat}");
    }
    // Ten finished, one retained: all but one of them and of those retained before go.
    let after = chat_counters(&app).await;
    let evicted = after["evicted"].as_u64().unwrap() - before["evicted"].as_u64().unwrap();
    let earlier = before["finished_retained"].as_u64().unwrap();
    assert_eq!(evicted, earlier + 10 - 1, "{before} -> {after}");
}

#[actix_rt::test]
async fn a_snapshot_over_the_chat_or_message_caps_is_refused_naming_the_flag() {
    let app = spawn_app_with(with_limits(Limits {
        max_chats_per_tenant: 1,
        max_messages_per_chat: 3,
        ..Limits::default()
    }));
    // The demo seed holds two chats: over a cap of one.
    let demo = app.admin_get("/tenants/demo/snapshot").await;
    let path = format!("/tenants/{}/snapshot", unique_subdomain("capped"));
    let refused = app.admin(Method::PUT, &path, Some(demo.clone())).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.message().contains("--max-chats-per-tenant"),
        "{}",
        refused.body
    );
    // One chat, but with more messages than a chat may hold.
    let mut one_chat = demo.clone();
    let chats = one_chat["chats"].as_array_mut().unwrap();
    chats.retain(|chat| chat["messages"].as_array().unwrap().len() > 3);
    chats.truncate(1);
    assert_eq!(
        chats.len(),
        1,
        "the demo seed has a chat with more than 3 messages"
    );
    let refused = app.admin(Method::PUT, &path, Some(one_chat)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.message().contains("chats[0].messages")
            && refused.message().contains("--max-messages-per-chat"),
        "{}",
        refused.body
    );
}

#[actix_rt::test]
async fn a_tenant_at_its_end_user_limit_gets_409_for_a_new_identifier_but_updates_go_on() {
    let app = spawn_app_with(with_limits(Limits {
        max_end_users_per_tenant: 2,
        ..Limits::default()
    }));
    let tenant = app.tenant("few-users");
    let upsert = |identifier: &'static str, name: &'static str| {
        let tenant = &tenant;
        async move {
            tenant
                .call(
                    Method::POST,
                    "/end_users",
                    Some(serde_json::json!({"identifier": identifier, "name": name})),
                )
                .await
        }
    };
    assert!(upsert("first", "Ann").await.status.is_success());
    assert!(upsert("second", "Bo").await.status.is_success());
    let refused = upsert("third", "Cy").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.message().contains("--max-end-users-per-tenant"),
        "{}",
        refused.body
    );
    let updated = upsert("first", "Ann Updated").await;
    assert!(updated.status.is_success(), "{}", updated.body);
    assert_eq!(updated.body["name"], "Ann Updated");
    // Another tenant has its own allowance.
    app.tenant("other-users").end_user("someone").await;
    assert_eq!(
        limit_and_use(&app, "end_users_per_tenant").await,
        (2.into(), 2.into())
    );
    assert_eq!(chat_counters(&app).await["max_end_users_per_tenant"], 2);
}

/// A JSON value nested `depth` deep: `{"a": {"a": ... {}}}`.
fn nested(depth: usize) -> serde_json::Value {
    (1..depth).fold(
        serde_json::json!({}),
        |inner, _| serde_json::json!({ "a": inner }),
    )
}

async fn open_chat_with_context(
    tenant: &TenantClient<'_>,
    user: u64,
    context: serde_json::Value,
) -> crate::support::Reply {
    tenant
        .call(
            Method::POST,
            "/chats",
            Some(serde_json::json!({"end_user_id": user, "context": {"value": context}})),
        )
        .await
}

#[actix_rt::test]
async fn a_context_too_deep_to_snapshot_is_refused_at_the_door_and_the_rest_round_trips() {
    let app = spawn_app();
    let tenant = app.tenant("deep");
    let user = tenant.end_user("deep-user").await;
    // 125 deep parses, but a snapshot holding it could never be loaded back.
    for depth in [125, 33] {
        let reply = open_chat_with_context(&tenant, user, nested(depth)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{depth}: {}",
            reply.body
        );
        assert!(
            reply.message().contains("--max-json-depth"),
            "{}",
            reply.body
        );
        assert!(reply.message().contains("context"), "{}", reply.body);
    }
    let reply = open_chat_with_context(&tenant, user, nested(32)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let path = format!("/tenants/{}/snapshot", tenant.subdomain);
    let snapshot = app.admin_get(&path).await;
    let loaded = app.admin(Method::PUT, &path, Some(snapshot.clone())).await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.body);
    // A snapshot cannot bring in what the door refuses.
    let mut deeper = snapshot;
    deeper["chats"][0]["context"] = nested(60);
    let refused = app.admin(Method::PUT, &path, Some(deeper)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.message().contains("--max-json-depth"),
        "{}",
        refused.body
    );
}

#[actix_rt::test]
async fn a_message_over_the_maximum_size_is_refused_naming_the_flag() {
    let app = spawn_app();
    let (limit, _) = limit_and_use(&app, "message_bytes").await;
    let limit = limit.as_u64().unwrap() as usize;
    let tenant = app.tenant("big-message");
    let (chat, user) = tenant.open_chat().await;
    let reply = tenant.say(chat, user, &"x".repeat(limit)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = tenant.say(chat, user, &"x".repeat(limit + 1)).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert!(
        reply.message().contains("--max-message-bytes"),
        "{}",
        reply.body
    );
    assert!(
        reply.message().contains("CCAI_EMU_MAX_MESSAGE_BYTES"),
        "{}",
        reply.body
    );
    // Counted in bytes, not characters.
    let reply = tenant.say(chat, user, &"é".repeat(limit / 2 + 1)).await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    // The agent's messages and a pre-chat transcript have the same bound.
    let agent = app
        .admin(
            Method::POST,
            &format!("/chats/{chat}/agent/messages"),
            Some(serde_json::json!({"text": "y".repeat(limit + 1)})),
        )
        .await;
    assert_eq!(
        agent.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        agent.body
    );
    let transcript = tenant
        .call(
            Method::POST,
            "/chats",
            Some(serde_json::json!({"end_user_id": user, "transcript": [
                {"sender": "end_user", "timestamp": "2021-03-15 12:00:00Z",
                 "content": [{"type": "text", "text": "z".repeat(limit + 1)}]}
            ]})),
        )
        .await;
    assert_eq!(
        transcript.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        transcript.body
    );
}

#[actix_rt::test]
async fn stored_chat_content_has_a_memory_budget_per_tenant_and_in_total() {
    let app = spawn_app_with(with_limits(Limits {
        chat_budget_per_tenant: 200 * 1024,
        chat_budget_total: 300 * 1024,
        ..Limits::default()
    }));
    let tenant = app.tenant("chatty");
    let (chat, user) = tenant.open_chat().await;
    let text = "m".repeat(10 * 1024);
    let mut acknowledged = 0;
    let refusal = loop {
        let reply = tenant.say(chat, user, &text).await;
        if reply.status != StatusCode::OK {
            break reply;
        }
        acknowledged += 1;
        assert!(acknowledged <= 20, "the budget was never applied");
    };
    assert_eq!(refusal.status, StatusCode::CONFLICT, "{}", refusal.body);
    assert!(
        refusal.message().contains("--chat-budget-per-tenant"),
        "{}",
        refusal.body
    );
    assert!(
        acknowledged >= 15,
        "only {acknowledged} messages of 10 KiB in 200 KiB"
    );
    let (limit, used) = limit_and_use(&app, "chat_budget_per_tenant_bytes").await;
    assert_eq!(limit, 200 * 1024);
    let used = used.as_u64().unwrap();
    assert!(
        used > acknowledged * 10 * 1024 && used <= 200 * 1024 + 20 * 1024,
        "{used}"
    );
    // Smaller messages fill what is left; then not even a chat fits.
    while tenant.say(chat, user, &"k".repeat(1024)).await.status == StatusCode::OK {}
    let refused = tenant
        .call(
            Method::POST,
            "/chats",
            Some(serde_json::json!({"end_user_id": user})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    // Another tenant writes until the total is reached.
    let other = app.tenant("chatty-too");
    let (other_chat, other_user) = other.open_chat().await;
    let refusal = loop {
        let reply = other.say(other_chat, other_user, &text).await;
        if reply.status != StatusCode::OK {
            break reply;
        }
    };
    assert_eq!(refusal.status, StatusCode::CONFLICT, "{}", refusal.body);
    assert!(
        refusal.message().contains("--chat-budget-total"),
        "{}",
        refusal.body
    );
    let (_, total) = limit_and_use(&app, "chat_budget_total_bytes").await;
    assert!(total.as_u64().unwrap() <= 300 * 1024 + 20 * 1024, "{total}");
    // A finished chat makes room: it is evicted for the new content.
    finish(&tenant, chat).await;
    let (next, next_user) = tenant.open_chat().await;
    let reply = tenant.say(next, next_user, &text).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(chat_status(&tenant, chat).await, StatusCode::NOT_FOUND);
    // A reset frees the tenant's share.
    let reset = app
        .admin(
            Method::POST,
            &format!("/reset?tenant={}", tenant.subdomain),
            None,
        )
        .await;
    assert!(reset.status.is_success(), "{}", reset.body);
    let (_, used) = limit_and_use(&app, "chat_budget_per_tenant_bytes").await;
    assert!(used.as_u64().unwrap() < 200 * 1024, "{used}");
}
