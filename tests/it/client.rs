//! The typed in-process clients (`ccai_emulator::client`) against a real emulator, used
//! only through the crate's public API, as another crate's tests would use them.

use ccai_emulator::client::{AdminClient, ClientError, NewChat, TranscriptView};
use ccai_emulator::core::domain::escalation::EscalationStatus;
use ccai_emulator::core::domain::queues::{Availability, DeflectionChannel};
use ccai_emulator::features::webhooks::{MessageContentShape, WebhookTarget};
use ccai_emulator::{Config, Emulator};

use crate::support::{test_config, unique_subdomain, WebhookReceiver};

#[actix_rt::test]
async fn the_admin_client_drives_a_whole_chat_and_reads_every_view() {
    let emulator = Emulator::build(crate::support::all_events_config())
        .unwrap()
        .spawn();
    let admin = emulator.admin_client();
    let tenant = unique_subdomain("client");
    let apps = emulator.apps_client(&tenant, "token");
    let receiver = WebhookReceiver::start_with_secrets("first-secret", Some("second-secret"));

    assert_eq!(admin.health().await.unwrap().status, "ok");
    let target = WebhookTarget {
        url: receiver.url(),
        primary_secret: "first-secret".into(),
        secondary_secret: Some("second-secret".into()),
    };
    let config = admin.set_webhook(&tenant, &target).await.unwrap();
    assert_eq!(config.source, "tenant");
    assert_eq!(admin.webhook(&tenant).await.unwrap().webhook, target);

    let user = apps
        .upsert_end_user("client-user", Some("Cleo"))
        .await
        .unwrap();
    let chat = apps.create_chat(user.id).await.unwrap();
    let chat_id = chat.id;
    assert_eq!(apps.chat(chat_id).await.unwrap().status, "assigned");

    admin
        .say(chat_id, "Let me check that for you.")
        .await
        .unwrap();
    let record = admin.transfer(chat_id, "payment_card").await.unwrap();
    assert_eq!(record.routing_state, "task_virtual_agent");
    assert_eq!(record.task_virtual_agent.unwrap().key, "payment_card");
    apps.send_text(chat_id, user.id, "4111 1111 1111 1111")
        .await
        .unwrap();

    // Mid-task, export and load into another tenant: the session comes along.
    let snapshot = admin.export_snapshot(&tenant).await.unwrap();
    let copy = unique_subdomain("client-copy");
    let report = admin.import_snapshot(&copy, &snapshot).await.unwrap();
    let copied_chat = report.id_map.chat(chat_id).unwrap();
    let copied = admin.chat(copied_chat).await.unwrap();
    assert_eq!(copied.tenant, copy);
    assert_eq!(copied.task_virtual_agent.unwrap().step, 1);

    apps.send_text(chat_id, user.id, "11/30").await.unwrap();
    let agent_view = admin
        .transcript(chat_id, TranscriptView::Agent)
        .await
        .unwrap();
    assert!(agent_view
        .texts()
        .iter()
        .any(|text| text.contains("finished: success")));
    assert!(agent_view.texts().iter().all(|text| !text.contains("4111")));
    let end_user_view = admin
        .transcript(chat_id, TranscriptView::EndUser)
        .await
        .unwrap();
    assert!(end_user_view.texts().contains(&"4111 1111 1111 1111"));
    assert!(
        admin
            .transcript(chat_id, TranscriptView::All)
            .await
            .unwrap()
            .messages
            .len()
            > end_user_view.messages.len()
    );
    admin.end(chat_id).await.unwrap();

    receiver
        .wait_for_chat(chat_id.get(), "chat_ended", |events| {
            events.iter().any(|event| event.event_type == "chat_ended")
        })
        .await;
    let deliveries = admin.chat_deliveries(chat_id).await.unwrap();
    assert!(deliveries
        .iter()
        .all(|delivery| delivery["tenant"] == tenant.as_str()));
    assert_eq!(
        admin.deliveries(Some(&tenant)).await.unwrap().len(),
        deliveries.len()
    );
    let first = deliveries[0]["id"].as_str().unwrap();
    assert_eq!(admin.redeliver(first).await.unwrap()["id"], first);

    let rotated = admin.rotate_webhook(&tenant).await.unwrap();
    assert_eq!(rotated.webhook.primary_secret, "second-secret");
    admin.remove_webhook(&tenant).await.unwrap();
    admin.reset(Some(&tenant)).await.unwrap();
    let gone = admin.chat(chat_id).await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
    emulator.stop().await;
}

#[actix_rt::test]
async fn rejections_come_back_as_status_errors_with_the_envelope_message() {
    let emulator = Emulator::build(test_config()).unwrap().spawn();
    let apps = emulator.apps_client(&unique_subdomain("client-err"), "token");
    let user = apps.upsert_end_user("someone", None).await.unwrap();
    let chat_id = apps.create_chat(user.id).await.unwrap().id;
    apps.end_chat(chat_id, user.id).await.unwrap();
    match apps.send_text(chat_id, user.id, "hello?").await {
        Err(ClientError::Status {
            status, message, ..
        }) => {
            assert_eq!(status, 400);
            assert_eq!(message, "Chat is already ended");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    let error = emulator
        .admin_client()
        .transfer(chat_id, "nobody")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400));
    emulator.stop().await;
}

#[actix_rt::test]
async fn the_admin_client_carries_the_admin_token() {
    let emulator = Emulator::build(Config {
        admin_token: Some("letmein".into()),
        ..test_config()
    })
    .unwrap()
    .spawn();
    assert_eq!(emulator.admin_client().health().await.unwrap().status, "ok");
    let anonymous = AdminClient::new(&emulator.base_url(), None);
    assert_eq!(anonymous.health().await.unwrap_err().status(), Some(401));
    emulator.stop().await;
}

#[actix_rt::test]
async fn the_clients_escalate_and_answer_deflections() {
    let emulator = Emulator::build(test_config()).unwrap().spawn();
    let admin = emulator.admin_client();
    let tenant = unique_subdomain("client-escalations");
    let apps = emulator.apps_client(&tenant, "token");
    let user = apps.upsert_end_user("escalating-user", None).await.unwrap();
    let chat = apps
        .create_chat_with_context(user.id, serde_json::json!({"department": "not sure"}))
        .await
        .unwrap();
    let chat_id = chat.id;
    assert_eq!(chat.status, "va_assigned");

    let busy = apps.escalate(chat_id, Some("billing")).await.unwrap();
    assert_eq!(busy.deflection_reason, Some(Availability::OverCapacity));
    let kept = apps
        .choose_deflection(chat_id, busy.id, "virtual_agent")
        .await
        .unwrap();
    assert_eq!(kept.status, EscalationStatus::Deflected);

    let closed = apps.escalate(chat_id, Some("orders")).await.unwrap();
    let refused = apps
        .choose_deflection(chat_id, closed.id, "human_agent")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ClientError::Status { status: 400, .. }),
        "{refused:?}"
    );
    let ended = apps
        .end_chat_deflected(chat_id, closed.id, "email")
        .await
        .unwrap();
    assert_eq!(ended.status, "finished");

    let listed = admin.escalations(Some(&tenant)).await.unwrap();
    assert_eq!(listed.count, 2);
    assert_eq!(
        listed.escalations[1].escalation.deflection_channel,
        Some(DeflectionChannel::Email)
    );
    let queue = admin
        .set_queue_availability(&tenant, "orders", Some("available"))
        .await
        .unwrap();
    assert_eq!(queue.availability, Availability::Available);
    emulator.stop().await;
}

#[actix_rt::test]
async fn the_admin_client_reaches_the_settings_journals_and_long_polls() {
    let emulator = Emulator::build(crate::support::all_events_config())
        .unwrap()
        .spawn();
    let admin = emulator.admin_client();
    let tenant = unique_subdomain("client-more");
    let apps = emulator.apps_client(&tenant, "token");
    let receiver = WebhookReceiver::start();
    let target = WebhookTarget {
        url: receiver.url(),
        primary_secret: "secret".into(),
        secondary_secret: None,
    };
    admin.set_webhook(&tenant, &target).await.unwrap();

    // Per-tenant settings read back what was set.
    let events = admin
        .set_webhook_events(&tenant, &["message_received", "chat_ended"])
        .await
        .unwrap();
    assert_eq!(events, admin.webhook_events(&tenant).await.unwrap());
    assert!(events.to_string().contains("chat_ended"), "{events}");
    let order = admin
        .set_chat_created_order(&tenant, "before_response")
        .await
        .unwrap();
    assert!(order.to_string().contains("before_response"), "{order}");
    assert_eq!(order, admin.chat_created_order(&tenant).await.unwrap());
    let hours = admin.set_after_hours(&tenant, true).await.unwrap();
    assert_eq!(hours["after_hours"], true, "{hours}");
    assert_eq!(
        admin.after_hours(&tenant).await.unwrap()["after_hours"],
        true
    );
    admin.set_after_hours(&tenant, false).await.unwrap();
    assert_eq!(
        admin.webhook_faults(&tenant).await.unwrap_err().status(),
        Some(404)
    );
    let faults = admin
        .set_webhook_faults(&tenant, serde_json::json!({"delay_ms": 1}))
        .await
        .unwrap();
    assert_eq!(faults["faults"]["delay_ms"], 1, "{faults}");
    assert_eq!(admin.webhook_faults(&tenant).await.unwrap(), faults);

    // A chat, long-polled to its agent, then dismissed.
    let user = apps.upsert_end_user("more-user", None).await.unwrap();
    let chat = apps.create_chat(user.id).await.unwrap();
    apps.send_text(chat.id, user.id, "hello").await.unwrap();
    let assigned = admin
        .chat_when(
            chat.id,
            &[("routing_state", "assigned"), ("contains", "hello")],
            std::time::Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(assigned.routing_state, "assigned");
    let never = admin
        .chat_when(
            chat.id,
            &[("routing_state", "finished")],
            std::time::Duration::from_millis(100),
        )
        .await
        .unwrap_err();
    assert_eq!(never.status(), Some(408), "{never}");
    // The error's text says what the wait last saw.
    let said = never.to_string();
    assert!(
        said.contains("the chat was status=assigned, routing_state=assigned; the all view held"),
        "{said}"
    );
    let dismissed = admin.dismiss(chat.id).await.unwrap();
    assert_eq!(dismissed.status, "dismissed", "{dismissed:?}");

    // Journals, counters, limits, tenants and task virtual agents.
    let journal = admin.requests(Some(&tenant)).await.unwrap();
    assert!(journal["count"].as_u64().unwrap() >= 3, "{journal}");
    let deliveries = admin.chat_deliveries(chat.id).await.unwrap();
    let first = deliveries[0]["id"].as_str().unwrap();
    assert_eq!(admin.delivery(first).await.unwrap().id.to_string(), first);
    assert!(admin.webhook_stats().await.unwrap().is_object());
    let limits = admin.limits().await.unwrap();
    assert!(
        limits.to_string().contains("--max-chats-per-tenant"),
        "{limits}"
    );
    assert!(admin.tenants().await.unwrap().to_string().contains(&tenant));
    let agents = admin.task_virtual_agents().await.unwrap();
    assert!(agents.to_string().contains("payment_card"), "{agents}");
    let agent = admin.task_virtual_agent("payment_card").await.unwrap();
    assert_eq!(agent["key"], "payment_card", "{agent}");
    emulator.stop().await;
}

#[actix_rt::test]
async fn the_clients_reach_wait_times_custom_data_the_content_shape_and_the_forced_dismissal() {
    let emulator = Emulator::build(crate::support::test_config())
        .unwrap()
        .spawn();
    let admin = emulator.admin_client();
    let tenant = unique_subdomain("client-new");
    let apps = emulator.apps_client(&tenant, "token");

    // Wait times, and one tenant's figures changed and put back.
    let waits = apps
        .wait_times("en", &[("channel_type", "chat")])
        .await
        .unwrap();
    assert_eq!(waits.len(), 3, "{waits:?}");
    assert_eq!(
        (waits[0].menu_id, waits[0].chat, waits[0].voice_call),
        (1, Some(45), None)
    );
    let queue = admin
        .set_wait_time(&tenant, "general", serde_json::json!({"chat": 600}))
        .await
        .unwrap();
    assert_eq!(queue.wait_time.and_then(|figures| figures.chat), Some(600));
    let busy = apps
        .wait_times("en", &[("wait[from]", "9"), ("menu_id", "1")])
        .await
        .unwrap();
    assert_eq!(busy.iter().map(|menu| menu.wait).collect::<Vec<_>>(), [10]);
    admin.clear_wait_time(&tenant, "general").await.unwrap();
    assert_eq!(
        apps.wait_times("en", &[("menu_id", "1")]).await.unwrap()[0].chat,
        Some(45)
    );
    assert_eq!(
        apps.wait_times("", &[]).await.unwrap_err().status(),
        Some(400)
    );

    // Reserved data at creation and custom data later.
    let user = apps.upsert_end_user("client-custom", None).await.unwrap();
    let chat = apps
        .create_chat_with_custom_data(
            user.id,
            serde_json::json!({"reserved_verified_customer":
                {"label": "Verified Customer", "value": true, "type": "boolean"}}),
        )
        .await
        .unwrap();
    let sent = apps
        .send_custom_data(
            chat.id,
            serde_json::json!({"plan": {"label": "Plan", "value": "gold"}}),
        )
        .await
        .unwrap();
    assert_eq!(sent["custom_data"].as_object().unwrap().len(), 2, "{sent}");
    let view = admin
        .transcript(chat.id, TranscriptView::Agent)
        .await
        .unwrap();
    assert_eq!(view.user_profile_flags[0].flag, "verified_customer");
    assert_eq!(view.custom_data["plan"].value, "gold");

    // The content shape per tenant.
    let shape = admin
        .set_message_content_shape(&tenant, MessageContentShape::Object)
        .await
        .unwrap();
    assert_eq!(shape["shape"], "object");
    assert_eq!(admin.message_content_shape(&tenant).await.unwrap(), shape);
    admin.clear_message_content_shape(&tenant).await.unwrap();
    let cleared = admin.message_content_shape(&tenant).await.unwrap();
    assert_eq!(cleared["source"], "default", "{cleared}");
    assert_eq!(cleared["shape"], "string", "{cleared}");
    admin
        .set_message_content_shape(&tenant, MessageContentShape::Object)
        .await
        .unwrap();

    // The agent greeted, the end user has not written: dismissal waits, unless forced.
    admin
        .chat_when(
            chat.id,
            &[("routing_state", "assigned")],
            std::time::Duration::from_secs(5),
        )
        .await
        .unwrap();
    let refused = admin.dismiss(chat.id).await.unwrap_err();
    assert_eq!(refused.status(), Some(409), "{refused}");
    let forced = admin.dismiss_forced(chat.id).await.unwrap();
    assert_eq!(forced.status, "dismissed");
    emulator.stop().await;
}

#[actix_rt::test]
async fn the_apps_client_starts_a_chat_with_every_field_of_post_chats_at_once() {
    let emulator = Emulator::build(crate::support::test_config())
        .unwrap()
        .spawn();
    let admin = emulator.admin_client();
    let tenant = unique_subdomain("client-start");
    let apps = emulator.apps_client(&tenant, "token");
    let user = apps.upsert_end_user("client-start", None).await.unwrap();

    let chat = apps
        .start_chat(
            NewChat::for_end_user(user.id)
                .lang("fr")
                .menu_id(2)
                .context(serde_json::json!({"order": "A-17"}))
                .transcript(serde_json::json!([
                    {"sender": "end_user", "timestamp": "2021-03-15T12:00:00Z",
                     "content": [{"type": "text", "text": "My card was refused"}]}
                ]))
                .custom_data(serde_json::json!({"plan": {"label": "Plan", "value": "gold"}})),
        )
        .await
        .unwrap();

    let record = admin.chat(chat.id).await.unwrap();
    assert_eq!(record.lang, "fr");
    assert_eq!(record.menu.as_ref().map(|menu| menu.id), Some(2));
    assert_eq!(record.context, Some(serde_json::json!({"order": "A-17"})));
    assert_eq!(record.pre_chat.len(), 1);
    assert_eq!(record.pre_chat[0].sender, "end_user");
    assert_eq!(record.custom_data["plan"].value, "gold");
    // The short forms are the same call with fewer fields.
    let plain = apps.create_chat(user.id).await.unwrap();
    let plain = admin.chat(plain.id).await.unwrap();
    assert_eq!(plain.lang, "en");
    assert!(plain.menu.is_none() && plain.pre_chat.is_empty() && plain.custom_data.is_empty());
}
