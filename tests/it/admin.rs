//! The control plane basics: health, webhook targets (set, read, rotate, remove, reject
//! bad URLs), reset, the chat record, agent actions, the VTA list, and the delivery journal
//! with redelivery.

use crate::support::{spawn_app, spawn_app_with, test_config, WebhookReceiver};
use awc::http::{Method, StatusCode};
use serde_json::json;

#[actix_rt::test]
async fn health_is_ok_once_serving() {
    let app = spawn_app();
    let health = app.admin_get("/health").await;
    assert_eq!(health["status"], "ok");
}

#[actix_rt::test]
async fn webhook_targets_are_set_read_rotated_and_removed() {
    let app = spawn_app();
    let path = "/tenants/hooks/webhook";
    let bad = app
        .admin(
            Method::PUT,
            path,
            Some(json!({"url": "not a url", "primary_secret": "s"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.message().contains("not a valid URL"), "{}", bad.body);
    let ftp = app
        .admin(
            Method::PUT,
            path,
            Some(json!({"url": "ftp://x.test/", "primary_secret": "s"})),
        )
        .await;
    assert_eq!(ftp.status, StatusCode::BAD_REQUEST);
    let no_secret = app
        .admin(
            Method::PUT,
            path,
            Some(json!({"url": "http://127.0.0.1:9/"})),
        )
        .await;
    assert_eq!(no_secret.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.admin(Method::GET, path, None).await.status,
        StatusCode::NOT_FOUND
    );

    let set = app
        .admin(
            Method::PUT,
            path,
            Some(json!({"url": "http://127.0.0.1:9/hook", "primary_secret": "one", "secondary_secret": "two"})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK);
    let read = app.admin_get(&format!("{path}?reveal_secrets=true")).await;
    assert_eq!(read["webhook"]["primary_secret"], "one");
    let rotated = app
        .admin_post(&format!("{path}/rotate?reveal_secrets=true"), json!({}))
        .await;
    assert_eq!(rotated["webhook"]["primary_secret"], "two");
    assert!(rotated["webhook"].get("secondary_secret").is_none());
    let again = app
        .admin(Method::POST, &format!("{path}/rotate"), Some(json!({})))
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.admin(Method::DELETE, path, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.admin(Method::DELETE, path, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[actix_rt::test]
async fn the_process_wide_default_webhook_serves_tenants_without_their_own() {
    let receiver = WebhookReceiver::start_with_secrets("default-secret", None);
    let app = spawn_app_with(ccai_emulator::Config {
        default_webhook: Some(ccai_emulator::features::webhooks::WebhookTarget {
            url: receiver.url(),
            primary_secret: "default-secret".into(),
            secondary_secret: None,
        }),
        ..test_config()
    });
    let tenant = app.tenant("defaulted");
    let (chat, _) = tenant.open_chat().await;
    let events = receiver
        .wait_for_chat(chat, "chat_created", |events| {
            events.iter().any(|e| e.event_type == "chat_created")
        })
        .await;
    assert!(events.iter().all(|event| event.signature_valid));
    assert!(
        !events[0].signature.contains("secondary="),
        "no secondary secret, no secondary signature"
    );
    let read = app
        .admin_get(&format!("/tenants/{}/webhook", tenant.subdomain))
        .await;
    assert_eq!(read["source"], "default");
}

#[actix_rt::test]
async fn agent_actions_drive_the_chat_and_reset_forgets_a_tenant() {
    let app = spawn_app();
    let tenant = app.tenant("drive");
    let (chat, user) = tenant.open_chat().await;

    let record = app
        .admin_post(
            &format!("/chats/{chat}/agent/messages"),
            json!({"text": "Hello from the agent"}),
        )
        .await;
    assert_eq!(record["routing_state"], "assigned");
    let unknown = app
        .admin(
            Method::POST,
            &format!("/chats/{chat}/agent/transfer"),
            Some(json!({"task_virtual_agent": "nope"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let record = app
        .admin_post(
            &format!("/chats/{chat}/agent/transfer"),
            json!({"task_virtual_agent": "order_status"}),
        )
        .await;
    assert_eq!(record["routing_state"], "task_virtual_agent");
    assert_eq!(record["task_virtual_agent"]["key"], "order_status");
    let twice = app
        .admin(
            Method::POST,
            &format!("/chats/{chat}/agent/transfer"),
            Some(json!({"task_virtual_agent": "order_status"})),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    let record = app
        .admin_post(&format!("/chats/{chat}/agent/end"), json!({}))
        .await;
    assert_eq!(record["routing_state"], "finished");
    assert_eq!(
        tenant.say(chat, user, "hello?").await.status,
        StatusCode::BAD_REQUEST
    );

    let reset = app
        .admin(
            Method::POST,
            &format!("/reset?tenant={}", tenant.subdomain),
            None,
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(
        tenant
            .call(Method::GET, &format!("/chats/{chat}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin(Method::GET, &format!("/chats/{chat}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[actix_rt::test]
async fn a_bad_transcript_view_is_400_and_an_unknown_chat_404() {
    let app = spawn_app();
    let tenant = app.tenant("views");
    let (chat, _) = tenant.open_chat().await;
    let bad = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}/transcript?view=supervisor"),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.message().contains("supervisor"));
    assert_eq!(
        app.admin(Method::GET, "/chats/99999999/transcript", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[actix_rt::test]
async fn the_shipped_task_virtual_agents_are_listed_and_one_can_be_uploaded() {
    let app = spawn_app();
    let list = app.admin_get("/task_virtual_agents").await;
    let keys: Vec<&str> = list["task_virtual_agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|vta| vta["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["one_time_code", "order_status", "payment_card"]);

    let broken = app
        .admin(
            Method::PUT,
            "/task_virtual_agents/pin",
            Some(
                json!({"id": 90, "name": "PIN", "on_success": "ok", "on_failure": "no",
            "steps": [{"capture": "pin", "ask": "PIN?", "pattern": "[0-9]{4"}]}),
            ),
        )
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(
        broken.message().contains("steps[0].pattern"),
        "{}",
        broken.body
    );
    let created = app
        .admin(Method::PUT, "/task_virtual_agents/pin", Some(json!({"id": 90, "name": "PIN Assistant", "on_success": "PIN ok.", "on_failure": "no",
            "steps": [{"capture": "pin", "ask": "Your 4-digit PIN?", "pattern": "[0-9]{4}"}]})))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let tenant = app.tenant("pin");
    let (chat, user) = tenant.open_chat().await;
    app.admin_post(
        &format!("/chats/{chat}/agent/transfer"),
        json!({"task_virtual_agent": "pin"}),
    )
    .await;
    tenant.says(chat, user, "1234").await;
    let record = app.admin_get(&format!("/chats/{chat}")).await;
    assert_eq!(
        record["routing_state"], "assigned",
        "the uploaded VTA ran and handed back"
    );
}

#[actix_rt::test]
async fn exhausted_deliveries_stay_in_the_journal_and_redeliver_with_the_same_id() {
    // It follows the emulator-defined agent_joined, so it opts in to every event.
    let app = crate::support::spawn_app_with_all_events();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("journal");
    tenant.use_receiver(&receiver).await;
    // The first delivery fails every scheduled attempt (1 + 5 retries in tests).
    receiver.respond_next_with(&[500; 6]);
    let (chat, _) = tenant.open_chat().await;
    receiver
        .wait_for_chat(
            chat,
            "agent_joined, after the failed chat_created",
            |events| {
                events
                    .iter()
                    .any(|event| event.event_type == "agent_joined")
            },
        )
        .await;

    let failed = app
        .admin_get(&format!(
            "/webhooks/deliveries?tenant={}&status=failed",
            tenant.subdomain
        ))
        .await;
    assert_eq!(failed["count"], 1, "{failed}");
    let delivery = &failed["deliveries"][0];
    assert_eq!(delivery["event_type"], "chat_created");
    assert_eq!(delivery["attempts"].as_array().unwrap().len(), 6);
    assert_eq!(delivery["attempts"][0]["status_code"], 500);
    let id = delivery["id"].as_str().unwrap().to_owned();

    let bad_filter = app
        .admin(Method::GET, "/webhooks/deliveries?status=lost", None)
        .await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);

    app.admin_post(&format!("/webhooks/deliveries/{id}/redeliver"), json!({}))
        .await;
    let events = receiver
        .wait_for_chat(chat, "the redelivered chat_created", |events| {
            events
                .iter()
                .any(|event| event.event_type == "chat_created")
        })
        .await;
    let redelivered = events
        .iter()
        .find(|event| event.event_type == "chat_created")
        .unwrap();
    assert_eq!(redelivered.delivery_id, id);
    assert!(redelivered.signature_valid);
    let first_attempt = receiver
        .received()
        .into_iter()
        .find(|event| event.delivery_id == id)
        .unwrap();
    assert_eq!(
        first_attempt.raw, redelivered.raw,
        "the same bytes, signed afresh"
    );
    let unknown = app
        .admin(
            Method::POST,
            "/webhooks/deliveries/not-an-id/redeliver",
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
