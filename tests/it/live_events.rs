//! Live events over Server-Sent Events, read through real HTTP: every kind of event for
//! one tenant, kind filters, keep-alive comments; and the bounds: a subscriber too far
//! behind is dropped with a final event, the backlog held for slow subscribers is bounded in
//! bytes and forgotten with a reset tenant, and subscribers are capped.

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
async fn a_subscriber_too_far_behind_is_dropped_with_a_final_event() {
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
    let seen = stream.until_end().await;
    let last = seen.last().expect("a final event");
    assert_eq!(last.event, "dropped", "{seen:?}");
    assert!(
        last.data["message"]
            .as_str()
            .unwrap_or_default()
            .contains("reconnect"),
        "{:?}",
        last.data
    );
    // A new subscription starts from now.
    let mut again = EventStream::open(&app, &format!("tenant={}", tenant.subdomain)).await;
    tenant.end_user("after-the-flood").await;
    again
        .until(|seen| {
            seen.iter()
                .any(|event| event.data["data"]["body"]["identifier"] == "after-the-flood")
        })
        .await;
}

/// `used` of one limit on `/__admin/limits`.
async fn used(app: &crate::support::TestApp, name: &str) -> u64 {
    let limits = app.admin_get("/limits").await;
    limits["limits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|limit| limit["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {limits}"))["used"]
        .as_u64()
        .unwrap()
}

#[actix_rt::test]
async fn a_stalled_subscriber_holds_at_most_the_backlog_bytes_and_is_dropped() {
    let app = spawn_app_with(ccai_emulator::Config {
        limits: ccai_emulator::core::limits::Limits {
            live_event_backlog_bytes: 1024 * 1024,
            ..Default::default()
        },
        ..test_config()
    });
    let tenant = app.tenant("stalled");
    // Opened, then not read while 20 MiB of messages go by: far more than the sockets
    // between the two hold, so the subscriber falls behind by more than the backlog.
    let mut stalled =
        EventStream::open(&app, &format!("tenant={}&kind=message", tenant.subdomain)).await;
    let (chat, user) = tenant.open_chat().await;
    let text = "s".repeat(60 * 1024);
    for _ in 0..350 {
        tenant.says(chat, user, &text).await;
        assert!(used(&app, "live_event_backlog_bytes").await <= 1024 * 1024 + 128 * 1024);
    }
    let seen = stalled.until_end().await;
    let last = seen.last().expect("a final event");
    assert_eq!(
        last.event,
        "dropped",
        "{:?}",
        &seen[seen.len().saturating_sub(2)..]
    );
    assert!(
        last.data["message"]
            .as_str()
            .unwrap_or_default()
            .contains("--live-event-backlog-bytes"),
        "{:?}",
        last.data
    );
    assert!(
        seen.len() < 350,
        "it was never behind: {} events",
        seen.len()
    );
}

#[actix_rt::test]
async fn a_reset_forgets_the_tenants_events_held_for_slow_subscribers() {
    let app = spawn_app();
    let tenant = app.tenant("forgotten");
    let _stalled = EventStream::open(&app, "kind=message").await;
    let (chat, user) = tenant.open_chat().await;
    let text = "f".repeat(60 * 1024);
    for _ in 0..100 {
        tenant.says(chat, user, &text).await;
    }
    let held = used(&app, "live_event_backlog_bytes").await;
    assert!(
        held >= 2 * 1024 * 1024,
        "only {held} bytes held for the stalled subscriber"
    );
    let reset = app
        .admin(
            Method::POST,
            &format!("/reset?tenant={}", tenant.subdomain),
            None,
        )
        .await;
    assert!(reset.status.is_success(), "{}", reset.body);
    let after = used(&app, "live_event_backlog_bytes").await;
    assert!(
        after < 256 * 1024,
        "{after} bytes still held after the reset"
    );
}

#[actix_rt::test]
async fn past_the_subscriber_limit_a_new_stream_is_refused_naming_the_flag() {
    let app = spawn_app_with(ccai_emulator::Config {
        limits: ccai_emulator::core::limits::Limits {
            max_event_subscribers: 2,
            ..Default::default()
        },
        ..test_config()
    });
    // A stream whose client left is noticed at its next write: a keep-alive, here soon.
    let first = EventStream::open(&app, "keepalive=50ms").await;
    let _second = EventStream::open(&app, "kind=chat").await;
    let refused = match EventStream::try_open(&app, "kind=message").await {
        Ok(_) => panic!("a third subscriber was admitted"),
        Err(refusal) => refusal,
    };
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.body
    );
    assert!(
        refused.message().contains("--max-event-subscribers"),
        "{}",
        refused.body
    );
    assert_eq!(used(&app, "event_subscribers").await, 2);
    // Once one leaves, there is room again.
    drop(first);
    let deadline = std::time::Instant::now() + crate::support::DEADLINE;
    loop {
        if EventStream::try_open(&app, "").await.is_ok() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the subscriber that left still counts"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
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
