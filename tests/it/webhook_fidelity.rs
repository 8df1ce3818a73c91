//! What a consumer's webhook receives, as the platform documents it: by default the events
//! a page documents (by name, or only that they exist: the deflection webhook and the
//! events of a chat "transferred or escalated"); the ones no page mentions opt in, per
//! tenant or by flag, and are journaled as `suppressed` otherwise. The end user's message to
//! a task virtual agent as a `server_message`, a text message's `content` as a string or an
//! object (the tenant's choice), `chat_created` before the `POST /chats` answer when asked,
//! and no `X-Emulator-Delivery-Id` when it is turned off. Also the participants' statuses in
//! the chat object.

use crate::support::receiver::Answer;
use crate::support::{spawn_app, spawn_app_with, test_config, texts, Received, WebhookReceiver};
use awc::http::Method;
use ccai_emulator::core::domain::ChatId;
use ccai_emulator::features::webhooks::creation_order::ChatCreatedOrder;
use ccai_emulator::features::webhooks::delivery_journal::{DeliveryFilter, DeliveryStatus};
use serde_json::{json, Value};

fn names(events: &[Received]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect()
}

#[actix_rt::test]
async fn the_events_a_page_documents_are_sent_by_default_and_the_others_are_journaled_as_suppressed(
) {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("documented");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;
    // The agent transfers to a task virtual agent and back ("transferred"), then ends.
    tenant.says(chat, user, "where is my order").await;
    tenant.says(chat, user, "ORD-100001").await;
    tenant
        .wait_for_record(
            chat,
            "routing_state=assigned&contains=finished%20successfully",
        )
        .await;
    tenant.says(chat, user, "bye").await; // the agent's script ends the chat
    let filter = DeliveryFilter {
        chat_id: Some(ChatId(chat)),
        ..DeliveryFilter::default()
    };
    let journal = app
        .wait_for_deliveries(
            &filter,
            crate::support::DEADLINE,
            "every event settled",
            |all| {
                all.iter().any(|d| d.event_type.name() == "chat_ended")
                    && all.iter().all(|d| {
                        matches!(
                            d.status,
                            DeliveryStatus::Delivered | DeliveryStatus::Suppressed
                        )
                    })
            },
        )
        .await;
    for delivery in &journal {
        let expected = if delivery.event_type.is_sent_by_default() {
            DeliveryStatus::Delivered
        } else {
            DeliveryStatus::Suppressed
        };
        assert_eq!(delivery.status, expected, "{}", delivery.event_type.name());
    }
    let sent = receiver.received();
    let sent: Vec<&Received> = sent.iter().filter(|event| event.chat_id == chat).collect();
    let kinds: std::collections::BTreeSet<&str> =
        sent.iter().map(|event| event.event_type.as_str()).collect();
    for name in [
        "chat_created",
        "message_received",
        "agent_joined",
        "virtual_agent_joined",
        "virtual_agent_left",
    ] {
        assert!(kinds.contains(name), "{name} is sent by default: {kinds:?}");
    }
    assert!(!kinds.contains("chat_ended"), "chat_ended stays opt-in");
    assert!(journal
        .iter()
        .any(|d| d.event_type.name() == "chat_ended" && d.status == DeliveryStatus::Suppressed));
    assert_eq!(
        sent.len(),
        journal
            .iter()
            .filter(|d| d.event_type.is_sent_by_default())
            .count()
    );

    let selection = app
        .admin_get(&format!("/tenants/{}/webhook/events", tenant.subdomain))
        .await;
    assert_eq!(selection["source"], "default");
    assert_eq!(
        selection["events"],
        json!([
            "chat_created",
            "message_received",
            "agent_joined",
            "virtual_agent_joined",
            "virtual_agent_left",
            "escalation_deflected"
        ])
    );
}

/// Whether a consumer that decodes a text `message_received`'s `body.message.content` as a
/// string (the public Go client's `Content string`) or as an object can decode `envelope`.
fn decodes(envelope: &Value, as_string: bool) -> bool {
    let message = &envelope["body"]["message"];
    if envelope["event_type"] != "message_received" || message["type"] != "text" {
        return true;
    }
    if as_string {
        message["content"].is_string()
    } else {
        message["content"]["content"].is_string()
    }
}

fn refuses_unless_a_string(envelope: &Value) -> bool {
    !decodes(envelope, true)
}

fn refuses_unless_an_object(envelope: &Value) -> bool {
    !decodes(envelope, false)
}

/// The journal's `message_received` deliveries of one chat once each has finished.
async fn settled_messages(
    app: &crate::support::TestApp,
    chat: u64,
    texts: usize,
) -> Vec<DeliveryStatus> {
    let filter = DeliveryFilter {
        chat_id: Some(ChatId(chat)),
        event_type: Some(ccai_emulator::features::webhooks::catalog::EventType::MessageReceived),
        ..DeliveryFilter::default()
    };
    app.wait_for_deliveries(
        &filter,
        crate::support::DEADLINE,
        "the texts settled",
        |all| {
            all.len() >= texts
                && all
                    .iter()
                    .all(|d| matches!(d.status, DeliveryStatus::Delivered | DeliveryStatus::Failed))
        },
    )
    .await
    .iter()
    .map(|d| d.status)
    .collect()
}

#[actix_rt::test]
async fn a_receiver_that_decodes_a_string_takes_the_default_and_one_that_decodes_an_object_takes_the_object_shape(
) {
    let app = spawn_app();
    let shape_path = |tenant: &str| format!("/tenants/{tenant}/message_content_shape");
    assert_eq!(
        app.admin_get("/health").await["fidelity"]["message_content_shape"],
        "string"
    );

    // A receiver like the Go client (a string or 400), with the default: every text arrives.
    let strings = WebhookReceiver::start();
    strings.refuse_when(refuses_unless_a_string);
    let plain = app.tenant("shape-string");
    plain.use_receiver(&strings).await;
    assert_eq!(
        app.admin_get(&shape_path(&plain.subdomain)).await["shape"],
        "string"
    );
    let (chat, user) = plain.open_chat().await;
    plain.says(chat, user, "hello as a string").await;
    let events = strings
        .wait_for_chat(chat, "the end user's text", |events| {
            events
                .iter()
                .any(|e| e.body()["message"]["content"] == "hello as a string")
        })
        .await;
    assert!(
        events
            .iter()
            .filter(|e| e.event_type == "message_received")
            .count()
            >= 2
    );
    assert!(settled_messages(&app, chat, 2)
        .await
        .iter()
        .all(|s| *s == DeliveryStatus::Delivered));

    // A receiver that decodes an object refuses the default shape (400, retried, failed) ...
    let objects = WebhookReceiver::start();
    objects.refuse_when(refuses_unless_an_object);
    let nested = app.tenant("shape-object");
    nested.use_receiver(&objects).await;
    let (refused_chat, user) = nested.open_chat().await;
    nested
        .says(refused_chat, user, "lost on an object decoder")
        .await;
    let statuses = settled_messages(&app, refused_chat, 2).await;
    assert!(
        statuses.iter().all(|s| *s == DeliveryStatus::Failed),
        "{statuses:?}"
    );
    assert!(objects.received().iter().any(|r| r.answered == 400));

    // ... and takes the object shape once its tenant asks for it.
    let bad = app
        .admin(
            Method::PUT,
            &shape_path(&nested.subdomain),
            Some(json!({"shape": "text"})),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.message().contains("string or object"),
        "{}",
        bad.message()
    );
    let set = app
        .admin(
            Method::PUT,
            &shape_path(&nested.subdomain),
            Some(json!({"shape": "object"})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["source"], "tenant");
    let (chat, user) = nested.open_chat().await;
    nested.says(chat, user, "hello as an object").await;
    let events = objects
        .wait_for_chat(chat, "the end user's text", |events| {
            events
                .iter()
                .any(|e| e.body()["message"]["content"]["content"] == "hello as an object")
        })
        .await;
    let text = events
        .iter()
        .find(|e| e.body()["message"]["content"]["content"] == "hello as an object")
        .unwrap();
    assert_eq!(text.body()["message"]["content"]["type"], "text");
    assert!(settled_messages(&app, chat, 2)
        .await
        .iter()
        .all(|s| *s == DeliveryStatus::Delivered));
    assert_eq!(
        app.admin(Method::DELETE, &shape_path(&nested.subdomain), None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.admin(Method::DELETE, &shape_path(&nested.subdomain), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin_get(&shape_path(&nested.subdomain)).await["source"],
        "default"
    );
}

#[actix_rt::test]
async fn with_the_object_flag_a_receiver_that_decodes_a_string_refuses_every_text() {
    let mut config = test_config();
    config.fidelity.webhooks.message_content_shape =
        ccai_emulator::features::webhooks::MessageContentShape::Object;
    let app = spawn_app_with(config);
    let strings = WebhookReceiver::start();
    strings.refuse_when(refuses_unless_a_string);
    let tenant = app.tenant("shape-flag");
    tenant.use_receiver(&strings).await;
    assert_eq!(
        app.admin_get("/health").await["fidelity"]["message_content_shape"],
        "object"
    );
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello").await;
    let statuses = settled_messages(&app, chat, 2).await;
    assert!(
        statuses.iter().all(|s| *s == DeliveryStatus::Failed),
        "{statuses:?}"
    );
    // Photos keep their object in both shapes: only texts are refused.
    let refused: Vec<Received> = strings
        .received()
        .into_iter()
        .filter(|r| r.chat_id == chat && r.answered == 400)
        .collect();
    assert!(!refused.is_empty());
    assert!(refused
        .iter()
        .all(|r| r.body()["message"]["type"] == "text"));
}

#[actix_rt::test]
async fn a_tenant_opts_in_to_emulator_defined_events() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("opt-in");
    tenant.use_receiver(&receiver).await;
    let path = format!("/tenants/{}/webhook/events", tenant.subdomain);
    let bad = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"events": ["chat_exploded"]})),
        )
        .await;
    assert_eq!(bad.status, 400);
    let chosen = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"events": ["chat_created", "agent_joined"]})),
        )
        .await;
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    assert_eq!(chosen.body["selection"], "custom");

    let (chat, _) = tenant.open_chat().await;
    let events = receiver
        .wait_for_chat(chat, "agent_joined", |events| {
            names(events).contains(&"agent_joined")
        })
        .await;
    assert_eq!(names(&events), ["chat_created", "agent_joined"]);

    let all = app
        .admin(Method::PUT, &path, Some(json!({"events": "all"})))
        .await;
    assert_eq!(
        all.body["events"].as_array().unwrap().len(),
        ccai_emulator::features::webhooks::catalog::CATALOG.len()
    );
    assert_eq!(app.admin(Method::DELETE, &path, None).await.status, 204);
    assert_eq!(app.admin_get(&path).await["selection"], "documented");
    assert_eq!(app.admin(Method::DELETE, &path, None).await.status, 404);
}

#[actix_rt::test]
async fn the_webhook_events_flag_sends_every_event() {
    let app = crate::support::spawn_app_with_all_events();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("all-events");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;
    receiver
        .wait_for_chat(chat, "agent_joined", |events| {
            names(events).contains(&"agent_joined")
        })
        .await;
    let health = app.admin_get("/health").await;
    assert_eq!(health["fidelity"]["webhook_events"], "all");
}

#[actix_rt::test]
async fn the_end_users_message_to_a_vta_is_a_server_message_and_participants_show_their_status() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("vta-echo");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "verify me please").await;
    let during = tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body;
    assert_eq!(during["virtual_agent"]["status"], "connected");
    assert_eq!(during["all_virtual_agents"][0]["status"], "connected");
    assert_eq!(during["all_agents"][0]["status"], "connected");

    tenant.says(chat, user, "123456").await;
    let events = receiver
        .wait_for_chat(chat, "the echo of the code", |events| {
            events
                .iter()
                .any(|event| event.body()["server_message"]["content"]["content"] == "123456")
        })
        .await;
    let echo = events
        .iter()
        .find(|event| event.body()["server_message"]["content"]["content"] == "123456")
        .unwrap();
    assert_eq!(echo.event_type, "message_received");
    assert_eq!(echo.body()["sender"]["type"], "end_user");
    assert_eq!(echo.body()["message"]["type"], "server_message");
    assert_eq!(echo.body()["message"]["visibility"], "task_virtual_agent");
    assert!(!texts(&app.transcript(chat, "agent").await).contains(&"123456".to_owned()));

    let after = app
        .admin_get(&format!("/chats/{chat}?routing_state=assigned&wait=10s"))
        .await;
    assert_eq!(after["routing_state"], "assigned", "the VTA handed back");
    let chat_object = tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body;
    assert_eq!(chat_object["virtual_agent"], Value::Null);
    assert_eq!(
        chat_object["all_virtual_agents"][0]["status"],
        "disconnected"
    );
    app.admin_post(&format!("/chats/{chat}/agent/end"), json!({}))
        .await;
    let ended = tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body;
    assert_eq!(ended["all_agents"][0]["status"], "disconnected");
}

#[actix_rt::test]
async fn before_response_delivers_chat_created_before_the_post_chats_answer() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("created-first");
    tenant.use_receiver(&receiver).await;
    let path = format!("/tenants/{}/chat_created_order", tenant.subdomain);
    let bad = app
        .admin(Method::PUT, &path, Some(json!({"order": "whenever"})))
        .await;
    assert_eq!(bad.status, 400);
    let set = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"order": "before_response"})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["source"], "tenant");

    let user = tenant.end_user("first-user").await;
    // A slow receiver: the answer must still wait for it.
    receiver.answer_next(Answer {
        status: 200,
        hang: Some(std::time::Duration::from_millis(300)),
        ..Answer::default()
    });
    let created = tenant
        .call(Method::POST, "/chats", Some(json!({"end_user_id": user})))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let chat = created.body["id"].as_u64().unwrap();
    let at_answer = receiver.received();
    assert!(
        at_answer
            .iter()
            .any(|event| event.chat_id == chat && event.event_type == "chat_created"),
        "chat_created had reached the receiver when POST /chats answered"
    );
    assert_eq!(app.admin(Method::DELETE, &path, None).await.status, 204);
    assert_eq!(app.admin_get(&path).await["order"], "after_response");
}

#[actix_rt::test]
async fn the_chat_created_order_flag_applies_to_every_tenant() {
    let mut config = test_config();
    config.fidelity.webhooks.chat_created_order = ChatCreatedOrder::BeforeResponse;
    let app = spawn_app_with(config);
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("created-first-flag");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;
    assert!(receiver
        .received()
        .iter()
        .any(|event| event.chat_id == chat && event.event_type == "chat_created"));
}

#[actix_rt::test]
async fn the_delivery_id_header_can_be_turned_off() {
    let mut config = test_config();
    config.fidelity.webhooks.delivery_id_header = false;
    let without = spawn_app_with(config);
    let with = spawn_app();
    for (app, expect_header) in [(&without, false), (&with, true)] {
        let receiver = WebhookReceiver::start();
        let tenant = app.tenant("delivery-id");
        tenant.use_receiver(&receiver).await;
        let (chat, _) = tenant.open_chat().await;
        let events = receiver
            .wait_for_chat(chat, "chat_created", |events| !events.is_empty())
            .await;
        assert_eq!(!events[0].delivery_id.is_empty(), expect_header);
        assert!(events[0].signature_valid);
    }
    assert_eq!(
        without.admin_get("/health").await["fidelity"]["webhook_delivery_id_header"],
        false
    );
}

/// The rows between the event-catalog markers of docs/fidelity.md: (name, documented,
/// source, sent by default).
fn documented_event_rows() -> Vec<(String, bool, Option<String>, bool)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/fidelity.md");
    let text = std::fs::read_to_string(path).expect("docs/fidelity.md exists");
    let start = text
        .find("<!-- event-catalog:start -->")
        .expect("the start marker");
    let end = text
        .find("<!-- event-catalog:end -->")
        .expect("the end marker");
    text[start..end]
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells[1].trim_matches('`').to_owned();
            let documented = match cells[2] {
                "documented" => true,
                "emulator's choice" => false,
                other => {
                    panic!("{name}: fidelity {other:?} is neither documented nor emulator's choice")
                }
            };
            let source = Some(cells[3].to_owned()).filter(|source| source != "—");
            let by_default = match cells[4] {
                "sent" => true,
                "opt-in" => false,
                other => panic!("{name}: by default {other:?} is neither sent nor opt-in"),
            };
            (name, documented, source, by_default)
        })
        .collect()
}

#[actix_rt::test]
async fn the_event_catalog_served_and_docs_fidelity_md_agree() {
    let app = spawn_app();
    let catalog = app.admin_get("/webhooks/events").await;
    let mut served: Vec<(String, bool, Option<String>, bool)> = catalog["events"]
        .as_array()
        .expect("a list of events")
        .iter()
        .map(|event| {
            (
                event["name"].as_str().unwrap().to_owned(),
                event["documented"].as_bool().unwrap(),
                event["source"].as_str().map(str::to_owned),
                event["sent_by_default"].as_bool().unwrap(),
            )
        })
        .collect();
    let mut written = documented_event_rows();
    served.sort();
    written.sort();
    assert!(!written.is_empty());
    assert_eq!(
        served, written,
        "GET /__admin/webhooks/events and docs/fidelity.md's event table must agree"
    );
    // An event is sent by default exactly when a page documents it (by name or not).
    assert!(served
        .iter()
        .all(
            |(_, documented, source, by_default)| *by_default == source.is_some()
                && (!*documented || source.is_some())
        ));
}
