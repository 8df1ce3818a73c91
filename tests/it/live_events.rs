//! Live events over Server-Sent Events, read through real HTTP: every kind of event for
//! one tenant, kind filters, keep-alive comments, and a lagging subscriber that is told so
//! and keeps receiving.

use std::collections::BTreeSet;

use crate::support::{spawn_app, spawn_app_with, test_config, EventStream, WebhookReceiver};
use awc::http::{Method, StatusCode};

#[actix_rt::test]
async fn one_tenants_stream_carries_requests_chat_changes_messages_and_deliveries() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("live");
    let other = app.tenant("other");
    let mut stream = EventStream::open(&app, &format!("tenant={}", tenant.subdomain)).await;
    assert!(
        stream.content_type.starts_with("text/event-stream"),
        "{}",
        stream.content_type
    );

    tenant.use_receiver(&receiver).await;
    other.open_chat().await;
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello from the stream test").await;

    let events = stream
        .until(|seen| {
            let kinds: BTreeSet<&str> = seen.iter().map(|event| event.event.as_str()).collect();
            kinds.len() == 4
                && seen.iter().any(|event| {
                    event.event == "request"
                        && event.data["data"]["path"]
                            == format!("/apps/api/v1/chats/{chat}/message")
                })
        })
        .await;
    assert!(events
        .iter()
        .all(|event| event.data["tenant"] == tenant.subdomain.as_str()));
    let ids: Vec<u64> = events
        .iter()
        .map(|event| event.id.expect("an id"))
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    let chat_event = events.iter().find(|event| event.event == "chat").unwrap();
    assert_eq!(chat_event.data["chat_id"], chat);
    let request = events
        .iter()
        .find(|event| event.event == "request")
        .unwrap();
    assert_eq!(
        request.data["data"]["headers"]["authorization"],
        "Basic [redacted]"
    );
}

#[actix_rt::test]
async fn the_kind_filter_keeps_only_the_kinds_asked_for() {
    let app = spawn_app();
    let tenant = app.tenant("kinds");
    let mut stream =
        EventStream::open(&app, &format!("tenant={}&kind=message", tenant.subdomain)).await;
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "only messages please").await;
    let events = stream
        .until(|seen| {
            seen.iter()
                .any(|event| event.data["data"]["body"]["text"] == "only messages please")
        })
        .await;
    assert!(
        events.iter().all(|event| event.event == "message"),
        "{events:?}"
    );
}

#[actix_rt::test]
async fn an_idle_stream_gets_keep_alive_comments() {
    let app = spawn_app();
    let mut stream = EventStream::open(&app, "tenant=nobody-here&keepalive=50ms").await;
    stream.until_comment("keep-alive").await;
    assert_eq!(stream.comments[0], "connected");
}

#[actix_rt::test]
async fn a_lagging_subscriber_is_told_and_the_stream_goes_on() {
    // One worker: the stream cannot be written while a request is being handled, and
    // opening a chat publishes more than 4 events (created, joined, greeting, and a
    // delivery for each) within one request, so the subscriber must fall 4 behind.
    let app = spawn_app_with(ccai_emulator::Config {
        live_event_backlog: 4,
        workers: Some(1),
        ..test_config()
    });
    let tenant = app.tenant("flood");
    let mut stream = EventStream::open(&app, &format!("tenant={}", tenant.subdomain)).await;
    for _ in 0..3 {
        tenant.open_chat().await;
    }
    let seen = stream
        .until(|seen| seen.iter().any(|event| event.event == "lagged"))
        .await;
    let lagged = seen.last().unwrap();
    assert!(
        lagged.data["missed"].as_u64().unwrap() > 0,
        "{:?}",
        lagged.data
    );
    tenant.end_user("after-the-flood").await;
    stream
        .until(|seen| {
            seen.iter()
                .any(|event| event.data["data"]["body"]["identifier"] == "after-the-flood")
        })
        .await;
}

#[actix_rt::test]
async fn bad_filters_are_400_in_the_envelope() {
    let app = spawn_app();
    for query in [
        "kind=message,gossip",
        "keepalive=0s",
        "keepalive=soon",
        "keepalive=5m",
    ] {
        let reply = app
            .admin(Method::GET, &format!("/events?{query}"), None)
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(reply.body["message"].is_string(), "{query}");
    }
}
