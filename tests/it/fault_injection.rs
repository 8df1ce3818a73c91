//! Fault injection, per tenant through /__admin: each kind is observed at a real receiver,
//! so a consumer can test its own verification and de-duplication code.

use crate::support::{spawn_app, TenantClient, TestApp, WebhookReceiver, DEADLINE};
use awc::http::{Method, StatusCode};
use ccai_emulator::features::webhooks::delivery_journal::DeliveryFilter;
use serde_json::{json, Value};

async fn set_faults(app: &TestApp, tenant: &TenantClient<'_>, faults: Value) {
    let reply = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/webhook/faults", tenant.subdomain),
            Some(faults),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// A tenant with a receiver and the given faults, and one chat opened (3 events).
async fn chat_with_faults<'a>(
    app: &'a TestApp,
    prefix: &str,
    faults: Value,
) -> (WebhookReceiver, TenantClient<'a>, u64) {
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant(prefix);
    tenant.use_receiver(&receiver).await;
    set_faults(app, &tenant, faults).await;
    let (chat, _) = tenant.open_chat().await;
    (receiver, tenant, chat)
}

#[actix_rt::test]
async fn delayed_webhooks_arrive_late() {
    let app = spawn_app();
    let (receiver, tenant, chat) = chat_with_faults(
        &app,
        "late",
        json!({"delay_ms": 300, "delay_jitter_ms": 100}),
    )
    .await;
    let events = receiver
        .wait_for_chat(chat, "chat_created", |events| !events.is_empty())
        .await;
    let filter = DeliveryFilter {
        tenant: Some(tenant.subdomain.clone()),
        ..DeliveryFilter::default()
    };
    app.wait_for_deliveries(&filter, DEADLINE, "the journaled attempt", |deliveries| {
        deliveries
            .first()
            .is_some_and(|first| !first.attempts.is_empty())
    })
    .await;
    let journal = app
        .admin_get(&format!(
            "/webhooks/deliveries?tenant={}&event_type=chat_created",
            tenant.subdomain
        ))
        .await;
    let created_at: chrono::DateTime<chrono::Utc> = journal["deliveries"][0]["created_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(events[0].arrived_at - created_at >= chrono::Duration::milliseconds(300));
    let faults = journal["deliveries"][0]["attempts"][0]["faults"][0]
        .as_str()
        .unwrap();
    assert!(faults.starts_with("delayed "), "{faults}");
}

#[actix_rt::test]
async fn duplicated_webhooks_arrive_twice_with_the_same_delivery_id() {
    let app = crate::support::spawn_app_with_all_events();
    let (receiver, _, chat) =
        chat_with_faults(&app, "twice", json!({"duplicate_probability": 1.0})).await;
    let events = receiver
        .wait_for_chat(chat, "six requests for three events", |events| {
            events.len() == 6
        })
        .await;
    for pair in events.chunks(2) {
        assert_eq!(
            pair[0].delivery_id, pair[1].delivery_id,
            "a duplicate keeps its delivery id"
        );
        assert_eq!(pair[0].raw, pair[1].raw);
        assert!(pair[0].signature_valid && pair[1].signature_valid);
    }
}

#[actix_rt::test]
async fn bad_signatures_fail_verification() {
    let app = crate::support::spawn_app_with_all_events();
    let (receiver, _, chat) =
        chat_with_faults(&app, "badsig", json!({"bad_signature": true})).await;
    let events = receiver
        .wait_for_chat(chat, "three events", |events| events.len() == 3)
        .await;
    assert!(events.iter().all(|event| !event.signature_valid));
    assert!(
        events
            .iter()
            .all(|event| event.signature.contains("secondary=")),
        "the header keeps its shape"
    );
}

#[actix_rt::test]
async fn stale_timestamps_are_old_but_correctly_signed() {
    let app = crate::support::spawn_app_with_all_events();
    let (receiver, _, chat) =
        chat_with_faults(&app, "stale", json!({"stale_timestamp_seconds": 900})).await;
    let events = receiver
        .wait_for_chat(chat, "three events", |events| events.len() == 3)
        .await;
    for event in events {
        let signed_at: chrono::DateTime<chrono::Utc> = event.signature_timestamp.parse().unwrap();
        assert!(
            event.arrived_at - signed_at >= chrono::Duration::seconds(899),
            "{}",
            event.signature_timestamp
        );
        assert!(event.signature_valid, "signed over the stale timestamp");
    }
}

#[actix_rt::test]
async fn primary_only_signatures_omit_the_secondary() {
    let app = crate::support::spawn_app_with_all_events();
    let (receiver, _, chat) =
        chat_with_faults(&app, "primary", json!({"primary_only": true})).await;
    let events = receiver
        .wait_for_chat(chat, "three events", |events| events.len() == 3)
        .await;
    assert!(
        receiver.secondary_secret.is_some(),
        "a secondary secret is configured"
    );
    for event in events {
        assert!(event.signature.starts_with("primary=") && !event.signature.contains("secondary="));
        assert!(event.signature_valid);
    }
}

#[actix_rt::test]
async fn faults_are_read_cleared_and_validated() {
    let app = spawn_app();
    let tenant = app.tenant("faults");
    let path = format!("/tenants/{}/webhook/faults", tenant.subdomain);
    assert_eq!(
        app.admin(Method::GET, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    let bad = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"duplicate_probability": 2})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.message().contains("duplicate_probability"));
    let unknown = app
        .admin(Method::PUT, &path, Some(json!({"explode": true})))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    set_faults(&app, &tenant, json!({"primary_only": true})).await;
    assert_eq!(app.admin_get(&path).await["faults"]["primary_only"], true);
    assert_eq!(
        app.admin(Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.admin(Method::GET, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
}
