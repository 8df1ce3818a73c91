//! Webhook delivery that never loses an event: retries through failures, outages and hangs,
//! per-chat ordering, `Retry-After`, redelivery, and graceful shutdown. Everything goes
//! through real HTTP to a receiver whose behaviour the test controls.

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::Duration;

use crate::support::receiver::Answer;
use crate::support::{spawn_app_with, test_config, WebhookReceiver};
use awc::http::Method;
use ccai_emulator::features::webhooks::delivery_journal::{
    Delivery, DeliveryFilter, DeliveryStatus,
};
use ccai_emulator::features::webhooks::retry::{DeliveryOrdering, RetryPolicy};
use ccai_emulator::Config;
use futures_util::future::join_all;
use serde_json::json;

/// [`config_with_retries`] with every event sent: these tests follow the emulator-defined
/// events (`agent_joined`, ...) too.
fn config_with_all_events_and_retries(schedule: Vec<Duration>, timeout: Duration) -> Config {
    let mut config = config_with_retries(schedule, timeout);
    config.fidelity = crate::support::all_events_config().fidelity;
    config
}

fn config_with_retries(schedule: Vec<Duration>, timeout: Duration) -> Config {
    Config {
        retry: RetryPolicy {
            schedule,
            timeout,
            jitter: 0.0,
            ..RetryPolicy::default()
        },
        ..test_config()
    }
}

fn tenant_filter(tenant: &str) -> DeliveryFilter {
    DeliveryFilter {
        tenant: Some(tenant.to_owned()),
        ..DeliveryFilter::default()
    }
}

fn all_delivered(deliveries: &[Delivery]) -> bool {
    deliveries
        .iter()
        .all(|delivery| delivery.status == DeliveryStatus::Delivered)
}

const CHATS: usize = 50;
const EVENTS_PER_CHAT: usize = 20;

#[actix_rt::test]
async fn a_thousand_events_across_fifty_chats_all_arrive_in_order_through_a_receiver_failing_half_the_time(
) {
    let mut config = config_with_all_events_and_retries(
        vec![Duration::from_millis(5); 40],
        Duration::from_secs(5),
    );
    config.retry.jitter = 0.5;
    let app = spawn_app_with(config);
    let receiver = WebhookReceiver::start();
    receiver.fail_at_random(0.5);
    let tenant = app.tenant("flaky");
    tenant.use_receiver(&receiver).await;

    // Each chat: chat_created, agent_joined, the greeting, then 17 end-user messages = 20.
    let chats = join_all((0..CHATS).map(|_| async {
        let (chat, user) = tenant.open_chat().await;
        for index in 0..EVENTS_PER_CHAT - 3 {
            tenant.says(chat, user, &format!("note {index}")).await;
        }
        chat
    }))
    .await;

    let total = CHATS * EVENTS_PER_CHAT;
    let filter = tenant_filter(&tenant.subdomain);
    let journal = app
        .wait_for_deliveries(
            &filter,
            Duration::from_secs(120),
            "every delivery delivered",
            |deliveries| deliveries.len() == total && all_delivered(deliveries),
        )
        .await;
    let accepted = receiver.accepted();
    let failures = receiver.received().len() - accepted.len();
    assert!(failures > 0, "the receiver really failed some requests");

    for chat in chats {
        let expected: Vec<String> = journal
            .iter()
            .filter(|delivery| delivery.chat_id.get() == chat)
            .map(|delivery| delivery.id.to_string())
            .collect();
        assert_eq!(expected.len(), EVENTS_PER_CHAT);
        // Duplicates (if any) are recognisable by delivery id: keep each id's first arrival.
        let mut seen = std::collections::HashSet::new();
        let arrived: Vec<String> = accepted
            .iter()
            .filter(|event| event.chat_id == chat && seen.insert(event.delivery_id.clone()))
            .map(|event| event.delivery_id.clone())
            .collect();
        assert_eq!(arrived, expected, "chat {chat}: every event, in order");
    }
    assert!(accepted.iter().all(|event| event.signature_valid));
    let counters = app
        .admin_get(&format!("/webhooks/stats?tenant={}", tenant.subdomain))
        .await;
    assert_eq!(counters["deliveries"], total);
    assert_eq!(counters["delivered"], total);
    assert_eq!(
        counters["failed_attempts"], failures,
        "every failed attempt is journaled"
    );
}

#[actix_rt::test]
async fn nothing_is_lost_while_the_receiver_is_down_for_two_seconds() {
    let app = spawn_app_with(config_with_all_events_and_retries(
        vec![Duration::from_millis(100); 60],
        Duration::from_secs(2),
    ));
    // A port nobody listens on: the receiver is down.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tenant = app.tenant("outage");
    let set = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/webhook", tenant.subdomain),
            Some(json!({"url": format!("http://127.0.0.1:{port}/webhooks"), "primary_secret": "outage-secret"})),
        )
        .await;
    assert_eq!(set.status, 200);
    let (chat, user) = tenant.open_chat().await;
    for text in ["one", "two", "three"] {
        // The Apps API answers while every webhook attempt fails.
        tenant.says(chat, user, text).await;
    }
    let filter = tenant_filter(&tenant.subdomain);
    app.wait_for_deliveries(
        &filter,
        Duration::from_secs(20),
        "two seconds of failed attempts",
        |deliveries| {
            deliveries.first().is_some_and(|first| {
                let (Some(start), Some(last)) = (first.attempts.first(), first.attempts.last())
                else {
                    return false;
                };
                last.at - start.at >= chrono::Duration::seconds(2)
            })
        },
    )
    .await;

    let receiver = WebhookReceiver::start_on(port, "outage-secret", None);
    let journal = app
        .wait_for_deliveries(
            &filter,
            Duration::from_secs(20),
            "all delivered after the outage",
            all_delivered,
        )
        .await;
    let first = &journal[0];
    assert!(first.attempts.len() > 10, "retried through the outage");
    assert!(first.attempts[0].error.is_some() && first.attempts[0].status_code.is_none());
    let arrived: Vec<String> = receiver
        .accepted()
        .iter()
        .map(|event| event.delivery_id.clone())
        .collect();
    let expected: Vec<String> = journal
        .iter()
        .map(|delivery| delivery.id.to_string())
        .collect();
    assert_eq!(arrived, expected, "every event, once, in order");
}

#[actix_rt::test]
async fn a_hanging_receiver_times_out_and_is_retried_while_the_api_answers() {
    let app = spawn_app_with(config_with_all_events_and_retries(
        vec![Duration::from_millis(10); 3],
        // Long enough that the calls below finish first even on a loaded machine.
        Duration::from_secs(4),
    ));
    let receiver = WebhookReceiver::start();
    receiver.answer_next(Answer {
        status: 200,
        hang: Some(Duration::from_secs(60)),
        ..Answer::default()
    });
    let tenant = app.tenant("hang");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;
    receiver.wait_for_arrivals(1).await;

    // While the first attempt hangs, Apps API calls on the same chat answer.
    for index in 0..10 {
        tenant
            .says(chat, user, &format!("still here {index}"))
            .await;
    }
    let filter = tenant_filter(&tenant.subdomain);
    let journal = app
        .emulator
        .admin_client()
        .deliveries_matching(&filter)
        .await
        .unwrap();
    assert!(
        journal[0].attempts.is_empty(),
        "the API answered while the first attempt was still waiting for the receiver"
    );

    let journal = app
        .wait_for_deliveries(
            &filter,
            Duration::from_secs(20),
            "delivery after the timeout",
            all_delivered,
        )
        .await;
    let first = &journal[0];
    assert_eq!(first.attempts.len(), 2);
    let error = first.attempts[0]
        .error
        .as_deref()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        error.contains("timeout") || error.contains("timed out"),
        "{error}"
    );
    assert_eq!(first.attempts[1].status_code, Some(200));
}

#[actix_rt::test]
async fn retry_after_is_honoured() {
    let app = spawn_app_with(config_with_retries(
        vec![Duration::from_millis(10); 3],
        Duration::from_secs(2),
    ));
    let receiver = WebhookReceiver::start();
    receiver.answer_next(Answer {
        status: 503,
        retry_after: Some("1".into()),
        ..Answer::default()
    });
    let tenant = app.tenant("later");
    tenant.use_receiver(&receiver).await;
    tenant.open_chat().await;
    let filter = DeliveryFilter {
        event_type: Some(ccai_emulator::features::webhooks::catalog::EventType::ChatCreated),
        ..tenant_filter(&tenant.subdomain)
    };
    let journal = app
        .wait_for_deliveries(
            &filter,
            Duration::from_secs(10),
            "the retried chat_created",
            all_delivered,
        )
        .await;
    let attempts = &journal[0].attempts;
    assert_eq!(attempts[0].status_code, Some(503));
    assert_eq!(attempts[0].retry_after_ms, Some(1_000));
    assert!(
        attempts[1].at - attempts[0].at >= chrono::Duration::milliseconds(1_000),
        "waited the asked second, not the 10 ms schedule"
    );
}

#[actix_rt::test]
async fn in_unordered_mode_a_retrying_event_does_not_hold_the_chat_back() {
    let mut config = config_with_all_events_and_retries(
        vec![Duration::from_millis(300)],
        Duration::from_secs(2),
    );
    config.retry.ordering = DeliveryOrdering::Unordered;
    let app = spawn_app_with(config);
    let receiver = WebhookReceiver::start();
    receiver.fail_first_of("chat_created");
    let tenant = app.tenant("unordered");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;
    let events = receiver
        .wait_for_chat(chat, "chat_created, retried", |events| {
            events
                .iter()
                .any(|event| event.event_type == "chat_created")
        })
        .await;
    let position = |name: &str| {
        events
            .iter()
            .position(|event| event.event_type == name)
            .unwrap()
    };
    assert!(
        position("agent_joined") < position("chat_created"),
        "later events went ahead"
    );
}

#[actix_rt::test]
async fn in_ordered_mode_a_retrying_event_holds_the_chats_later_events() {
    let app = spawn_app_with(config_with_all_events_and_retries(
        vec![Duration::from_millis(300)],
        Duration::from_secs(2),
    ));
    let receiver = WebhookReceiver::start();
    receiver.fail_first_of("chat_created");
    let tenant = app.tenant("ordered");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;
    let events = receiver
        .wait_for_chat(chat, "the greeting", |events| {
            events
                .iter()
                .any(|event| event.event_type == "message_received")
        })
        .await;
    let names: Vec<&str> = events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect();
    assert_eq!(names, ["chat_created", "agent_joined", "message_received"]);
}

#[actix_rt::test]
async fn a_redelivery_is_signed_afresh_with_the_same_id() {
    let app = spawn_app_with(test_config());
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("redeliver");
    tenant.use_receiver(&receiver).await;
    // The first delivery goes out with a timestamp ten minutes old...
    let faults = json!({"stale_timestamp_seconds": 600});
    app.admin(
        Method::PUT,
        &format!("/tenants/{}/webhook/faults", tenant.subdomain),
        Some(faults),
    )
    .await;
    let (chat, _) = tenant.open_chat().await;
    let first = receiver
        .wait_for_chat(chat, "chat_created", |events| {
            events.iter().any(|e| e.event_type == "chat_created")
        })
        .await
        .remove(0);
    app.admin(
        Method::DELETE,
        &format!("/tenants/{}/webhook/faults", tenant.subdomain),
        None,
    )
    .await;

    // ...and its redelivery with a fresh one, a valid signature and the same id.
    let reply = app
        .admin(
            Method::POST,
            &format!("/webhooks/deliveries/{}/redeliver", first.delivery_id),
            None,
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let again = receiver
        .wait_until("the redelivery", |events| {
            events
                .iter()
                .filter(|event| event.delivery_id == first.delivery_id)
                .count()
                == 2
        })
        .await
        .into_iter()
        .rfind(|event| event.delivery_id == first.delivery_id)
        .unwrap();
    assert!(again.signature_valid);
    assert_eq!(again.raw, first.raw);
    assert!(
        again.signature_timestamp > first.signature_timestamp,
        "a fresh timestamp"
    );
    assert_ne!(again.signature, first.signature);
}

#[actix_rt::test]
async fn shutdown_keeps_delivering_until_the_grace_period_then_reports_what_remains() {
    let app = spawn_app_with(config_with_all_events_and_retries(
        vec![Duration::from_millis(50); 1_000],
        Duration::from_secs(1),
    ));
    let receiver = WebhookReceiver::start();
    receiver.fail_at_random(1.0);
    let down = app.tenant("down");
    down.use_receiver(&receiver).await;
    let (chat, user) = down.open_chat().await;
    down.says(chat, user, "will not arrive").await;

    let report = app.emulator.shutdown(Duration::from_millis(500)).await;
    assert_eq!(report.undelivered, 4, "{report}");
    assert_eq!(
        report.by_chat,
        HashMap::from([((down.subdomain.clone(), chat), 4)])
            .into_iter()
            .collect()
    );
    assert!(report
        .to_string()
        .contains(&format!("tenant {} chat {chat}: 4", down.subdomain)));
}

#[actix_rt::test]
async fn shutdown_finishes_quickly_when_everything_is_delivered() {
    let app = spawn_app_with(crate::support::all_events_config());
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("drained");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello").await;
    let report = app.emulator.shutdown(Duration::from_secs(30)).await;
    assert_eq!(report.undelivered, 0);
    assert_eq!(receiver.accepted().len(), 4);
}
