//! Deliveries for a tenant without a webhook target (issue 12's skip path) under the
//! delivery caps (issue 14), through real HTTP: they are journaled `skipped` (or
//! `suppressed`) without being queued or attempted; a stored payload over `--delivery-payload-cap` is trimmed at once (it is
//! finished) and cannot be redelivered; a `message_received` body, built only when read,
//! costs the journal nothing, so it is shown whole and can be redelivered in full.

use awc::http::{Method, StatusCode};
use serde_json::Value;

use crate::support::{spawn_app_with, test_config, WebhookReceiver, DEADLINE};
use ccai_emulator::core::domain::ChatId;
use ccai_emulator::core::limits::Limits;
use ccai_emulator::features::webhooks::delivery_journal::{DeliveryFilter, DeliveryStatus};

#[actix_rt::test]
async fn skipped_deliveries_keep_within_the_payload_cap_and_deferred_bodies_stay_whole() {
    let mut config = test_config();
    config.limits = Limits {
        delivery_payload_cap: 64,
        ..Limits::default()
    };
    let app = spawn_app_with(config);
    let tenant = app.tenant("no-target");
    let (chat_id, user) = tenant.open_chat().await;
    let long_text = "z".repeat(5_000);
    tenant.says(chat_id, user, &long_text).await;
    let filter = DeliveryFilter {
        chat_id: Some(ChatId(chat_id)),
        ..DeliveryFilter::default()
    };
    let deliveries = app
        .wait_for_deliveries(&filter, DEADLINE, "the skipped deliveries", |list| {
            list.iter().any(|delivery| {
                delivery.event_type.name() == "message_received" && delivery.payload_bytes > 5_000
            })
        })
        .await;
    assert!(
        deliveries.iter().all(|delivery| matches!(
            delivery.status,
            DeliveryStatus::Skipped | DeliveryStatus::Suppressed
        ) && delivery.attempts.is_empty()),
        "{deliveries:?}"
    );
    let shown = |id: String| {
        let app = &app;
        async move { app.admin_get(&format!("/webhooks/deliveries/{id}")).await }
    };

    let created = deliveries
        .iter()
        .find(|delivery| delivery.event_type.name() == "chat_created")
        .expect("a skipped chat_created");
    let created = shown(created.id.to_string()).await;
    assert_eq!(created["payload_truncated"], true, "{created}");
    assert!(created["payload_bytes"].as_u64().unwrap() > 64, "{created}");
    assert_eq!(created["payload"].as_str().unwrap().len(), 64, "{created}");
    let refused = app
        .admin(
            Method::POST,
            &format!(
                "/webhooks/deliveries/{}/redeliver",
                created["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.message().contains("--delivery-payload-cap"));

    let message = deliveries
        .iter()
        .find(|delivery| delivery.payload_bytes > 5_000)
        .unwrap();
    assert_eq!(message.status, DeliveryStatus::Skipped);
    let message = shown(message.id.to_string()).await;
    assert_eq!(message["payload_truncated"], false, "{message}");
    let text_in = |payload: &Value| payload.to_string().contains(&long_text);
    assert!(text_in(&message["payload"]), "{message}");
    let payload_bytes = message["payload_bytes"].as_u64().unwrap();
    assert!(payload_bytes > 5_000, "{message}");

    // Redelivered once a target exists: the receiver gets the whole body.
    let receiver = WebhookReceiver::start();
    tenant.use_receiver(&receiver).await;
    let redelivered = app
        .admin(
            Method::POST,
            &format!(
                "/webhooks/deliveries/{}/redeliver",
                message["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(
        redelivered.status,
        StatusCode::ACCEPTED,
        "{}",
        redelivered.body
    );
    let arrived = receiver
        .wait_until("the redelivered message", |received| !received.is_empty())
        .await;
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0].raw.len() as u64, payload_bytes);
    assert!(text_in(arrived[0].body()), "{:?}", arrived[0].body());
}
