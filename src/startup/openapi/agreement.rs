//! The wire structs and the OpenAPI schemas of the same name agree: each struct is
//! serialised from a real value (a chat taken through a VTA hand-back, a delivery, ...)
//! and its keys must be exactly the schema's properties, so a field renamed on one side
//! only fails here. Nested objects must use only properties their schema names.

use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;
use serde_json::{json, Value};

use crate::core::domain::{
    Chat, ChatId, ContactCenter, Effect, EndUser, EndUserId, Happening, MessageBody, NewChat,
};
use crate::core::wire::apps::{self, MessageAccepted};
use crate::features::chats::wire::{ChatRecord, Transcript};
use crate::features::escalations::TenantAfterHours;
use crate::features::fixtures::loader::watch::StatusReport;
use crate::features::fixtures::loader::{self, FixtureError};
use crate::features::health::{FidelityOptions, Health};
use crate::features::requests::journal::JournalStats;
use crate::features::webhooks::catalog::{self, EventType};
use crate::features::webhooks::creation_order::ChatCreatedOrder;
use crate::features::webhooks::delivery_journal::{
    Delivery, DeliveryAttempt, DeliveryCounters, DeliveryList, DeliveryStatus,
};
use crate::features::webhooks::faults::FaultInjection;
use crate::features::webhooks::wire::EventVirtualAgent;
use crate::features::webhooks::{TenantChatCreatedOrder, TenantEventSelection};
use crate::features::webhooks::{WebhookConfig, WebhookTarget};

fn schemas() -> Value {
    super::document()["components"]["schemas"].clone()
}

/// The schema behind `$ref` / `allOf` wrappers.
fn resolve<'a>(schemas: &'a Value, schema: &'a Value) -> &'a Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return resolve(schemas, &schemas[name]);
    }
    if let Some(first) = schema["allOf"].get(0) {
        return resolve(schemas, first);
    }
    schema
}

/// Nested objects: every key must be a property of its schema (recursively).
fn check_nested(
    schemas: &Value,
    schema: &Value,
    value: &Value,
    path: &str,
    problems: &mut Vec<String>,
) {
    let schema = resolve(schemas, schema);
    match value {
        Value::Object(object) => {
            let Some(properties) = schema["properties"].as_object() else {
                return;
            };
            for (key, item) in object {
                match properties.get(key) {
                    None => problems.push(format!("{path}.{key} is not in the schema")),
                    Some(property) => {
                        check_nested(schemas, property, item, &format!("{path}.{key}"), problems)
                    }
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                check_nested(
                    schemas,
                    &schema["items"],
                    item,
                    &format!("{path}[{index}]"),
                    problems,
                );
            }
        }
        _ => {}
    }
}

/// The problems of `value` (serialised) against the schema `name`: its keys must be the
/// schema's properties exactly.
fn disagreements(schemas: &Value, name: &str, value: &Value) -> Vec<String> {
    let schema = resolve(schemas, &schemas[name]);
    let Some(properties) = schema["properties"].as_object() else {
        return vec![format!("{name}: no such object schema")];
    };
    let Some(object) = value.as_object() else {
        return vec![format!(
            "{name}: the struct does not serialise to an object"
        )];
    };
    let mut problems = Vec::new();
    for key in object.keys().filter(|key| !properties.contains_key(*key)) {
        problems.push(format!("{name}.{key} is serialised but not in the schema"));
    }
    for key in properties.keys().filter(|key| !object.contains_key(*key)) {
        problems.push(format!("{name}.{key} is in the schema but not serialised"));
    }
    check_nested(schemas, schema, value, name, &mut problems);
    problems
}

fn agree(schemas: &Value, name: &str, value: impl Serialize, problems: &mut Vec<String>) {
    let value = serde_json::to_value(value).expect("wire structs serialise");
    problems.extend(disagreements(schemas, name, &value));
}

/// A chat taken through every transition that makes a webhook, with its happenings.
fn a_full_chat() -> (Chat, Vec<Happening>, Vec<(Chat, &'static str)>) {
    let mut script: ContactCenter = loader::embedded().expect("embedded fixtures");
    script.end_user_inactivity_timeout = Some(std::time::Duration::from_secs(60));
    let now = Utc::now();
    let end_user = EndUser {
        id: EndUserId(7),
        identifier: "ann".into(),
        name: Some("Ann".into()),
        email: Some("ann@example.com".into()),
        phone: Some("+100".into()),
        created_at: now,
    };
    let new = NewChat {
        id: ChatId(1),
        end_user,
        lang: "en".into(),
        menu: Some((1, "Support".into())),
        context: Some(json!({"order": 1})),
    };
    let (mut chat, mut effects) = Chat::open(new, &script, now);
    effects.extend(chat.agent_joins(&script, now));
    let text = |text: &str| MessageBody::Text { text: text.into() };
    effects.extend(
        chat.end_user_sends(EndUserId(7), text("hello"), &script, now)
            .unwrap()
            .effects,
    );
    effects.extend(chat.transfer_to_vta("one_time_code", &script, now).unwrap());
    let mut states = vec![(chat.clone(), "in a VTA")];
    effects.extend(
        chat.end_user_sends(EndUserId(7), text("481516"), &script, now)
            .unwrap()
            .effects,
    );
    effects.extend(chat.dismiss(now).unwrap());
    states.push((chat.clone(), "dismissed"));
    effects.extend(chat.resume(script.join_delay).unwrap());
    effects.extend(chat.end(crate::core::domain::EndedBy::Agent, now).unwrap());
    let happenings = effects
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::Publish(happening) => Some(happening),
            Effect::Schedule { .. } | Effect::AttachFile { .. } => None,
        })
        .collect();
    (chat, happenings, states)
}

/// The media wire structs, from a real upload form and stored record.
fn media_shapes(schemas: &Value, problems: &mut Vec<String>) {
    use crate::features::media::upload_policy::{PolicySigner, UploadTarget};
    use crate::features::media::wire::{AttachmentStored, Media, UploadForm};
    use crate::features::media::{MediaKind, MediaRecord};
    let target = UploadTarget {
        tenant: "acme".into(),
        chat_id: 3,
        kind: MediaKind::Photo,
    };
    let now = Utc::now();
    let fields = PolicySigner::random().grant(&target, now, now);
    let form = UploadForm {
        url: "http://emulator/__storage/bucket".into(),
        fields,
    };
    agree(schemas, "UploadForm", form, problems);
    let record = MediaRecord {
        media_id: Some(1),
        tenant: "acme".into(),
        chat_id: 3,
        kind: MediaKind::Photo,
        key: "chats/3/photos/a.jpg".into(),
        content_type: "image/jpeg".into(),
        filename: Some("a.jpg".into()),
        size: 10,
        stored_at: now,
    };
    agree(
        schemas,
        "Media",
        Media::of(&record, "http://x".into()),
        problems,
    );
    let stored = AttachmentStored {
        media_id: 2,
        message_id: 4,
        chat_id: ChatId(3),
        filename: "guide.pdf".into(),
        content_type: "application/pdf".into(),
        size: 10,
        url: "http://x".into(),
    };
    agree(schemas, "AttachmentStored", stored, problems);
}

fn body_schema(event_type: EventType) -> &'static str {
    match event_type {
        EventType::ChatCreated => "ChatCreated",
        EventType::MessageReceived => "MessageReceived",
        EventType::AgentJoined => "AgentJoined",
        EventType::VirtualAgentJoined => "VirtualAgentJoined",
        EventType::VirtualAgentLeft => "VirtualAgentLeft",
        EventType::ChatEnded => "ChatEnded",
        EventType::ChatDismissed | EventType::ChatResumed => "StatusChanged",
        EventType::EscalationDeflected => "EscalationDeflected",
    }
}

#[test]
fn every_wire_struct_agrees_with_its_openapi_schema() {
    let schemas = schemas();
    let mut problems = Vec::new();
    let (chat, happenings, states) = a_full_chat();
    for (state, _) in &states {
        agree(&schemas, "Chat", apps::Chat::of(state), &mut problems);
        agree(
            &schemas,
            "ChatRecord",
            ChatRecord::of(state, "acme"),
            &mut problems,
        );
    }
    let object = apps::Chat::of(&states[0].0);
    agree(&schemas, "Agent", object.agent.clone(), &mut problems);
    agree(
        &schemas,
        "VirtualAgent",
        object.virtual_agent.clone(),
        &mut problems,
    );
    agree(
        &schemas,
        "EndUser",
        apps::EndUser::of(&chat.end_user),
        &mut problems,
    );
    let message = &chat.messages[0];
    agree(&schemas, "Message", message, &mut problems);
    let accepted = MessageAccepted {
        id: message.id,
        chat_id: chat.id,
        created_at: "2026-01-01T00:00:00Z".into(),
        visibility: message.visibility,
    };
    agree(&schemas, "MessageAccepted", accepted, &mut problems);
    let transcript = Transcript::of(&chat, crate::core::domain::chat::View::All, "all");
    agree(&schemas, "Transcript", transcript, &mut problems);
    let participant = chat.virtual_agents[0].clone();
    let virtual_agent = EventVirtualAgent::of(&participant, "connected");
    agree(&schemas, "EventVirtualAgent", virtual_agent, &mut problems);

    let mut bodies_seen = std::collections::BTreeSet::new();
    let mut payload = Vec::new();
    for happening in &happenings {
        let event = catalog::event_for(happening, &chat, Utc::now()).expect("an event");
        let envelope: Value = serde_json::from_slice(&event.payload).unwrap();
        problems.extend(disagreements(&schemas, "WebhookEvent", &envelope));
        let name = body_schema(event.event_type);
        problems.extend(
            disagreements(&schemas, name, &envelope["body"])
                .into_iter()
                .filter(
                    // A body's optional parts (a server message, a media id) come and go by case.
                    |problem| !problem.contains("but not serialised"),
                ),
        );
        bodies_seen.insert(name);
        payload = event.payload;
    }
    assert_eq!(bodies_seen.len(), 7, "every body was made: {bodies_seen:?}");

    let target = WebhookTarget {
        url: "http://127.0.0.1:9/hook".into(),
        primary_secret: "p".into(),
        secondary_secret: Some("s".into()),
    };
    agree(&schemas, "WebhookTarget", &target, &mut problems);
    let config = WebhookConfig {
        tenant: "acme".into(),
        source: "tenant".into(),
        webhook: target,
        secrets_revealed: false,
    };
    agree(&schemas, "WebhookConfig", config, &mut problems);
    let attempt = DeliveryAttempt {
        at: Utc::now(),
        url: "http://127.0.0.1:9/hook".into(),
        signature_timestamp: "2026-01-01T00:00:00Z".into(),
        status_code: Some(503),
        latency_ms: 3,
        error: None,
        response_body: Some("busy".into()),
        retry_after_ms: Some(1_000),
        faults: vec!["delayed 5 ms".into()],
    };
    agree(&schemas, "DeliveryAttempt", &attempt, &mut problems);
    let delivery = Delivery {
        id: crate::core::domain::DeliveryId::new(),
        tenant: "acme".into(),
        chat_id: chat.id,
        event_type: EventType::ChatEnded,
        created_at: Utc::now(),
        status: DeliveryStatus::Retrying,
        attempts: vec![attempt],
        payload: crate::features::webhooks::delivery_journal::Payload::Bytes(Arc::from(payload)),
        payload_bytes: 2,
        payload_truncated: false,
        attempts_dropped: 0,
        cancelled: false,
    };
    agree(&schemas, "Delivery", &delivery, &mut problems);
    agree(
        &schemas,
        "DeliveryCounters",
        DeliveryCounters::default(),
        &mut problems,
    );
    let list = DeliveryList {
        count: 1,
        counters: DeliveryCounters::default(),
        deliveries: vec![delivery],
    };
    agree(&schemas, "DeliveryList", list, &mut problems);
    let faults = FaultInjection {
        delay_ms: Some(1),
        delay_jitter_ms: Some(1),
        duplicate_probability: Some(0.5),
        bad_signature: true,
        stale_timestamp_seconds: Some(600),
        primary_only: true,
    };
    agree(&schemas, "FaultInjection", faults, &mut problems);
    media_shapes(&schemas, &mut problems);
    let health = Health {
        status: "ok".into(),
        version: "0".into(),
        uptime_seconds: 1,
        tenants: 1,
        request_journal: JournalStats {
            stored: 1,
            cap: 2,
            body_cap: 3,
            entry_bytes: 4,
            evicted: 0,
        },
        rate_limit_per_second: Some(10),
        fidelity: FidelityOptions {
            webhook_events: "documented".into(),
            chat_created_order: ChatCreatedOrder::AfterResponse,
            webhook_delivery_id_header: true,
            mid_session_duplicate_interval_ms: 1000,
        },
        media: crate::features::media::MediaLibrary::new(
            crate::features::media::MediaConfig::default(),
            crate::features::media::MediaBudgets {
                per_tenant: 1,
                total: 2,
            },
            std::sync::Arc::default(),
            None,
        )
        .usage(),
        chats: crate::core::state::retention::ChatStats {
            stored: 3,
            finished_retained: 1,
            evicted: 2,
            retain_finished_chats: 1_000,
            retain_finished_for_seconds: Some(3_600),
            max_chats_per_tenant: 10_000,
            max_messages_per_chat: 10_000,
            max_end_users_per_tenant: 100_000,
        },
        persistence: Some(crate::features::persistence::PersistenceStats {
            state_dir: "/state".into(),
            file: "/state/state.sqlite3".into(),
            commits: 3,
            failed_writes: 0,
        }),
    };
    agree(&schemas, "Health", health, &mut problems);
    let status = StatusReport {
        source: "embedded".into(),
        watching: false,
        loaded_at: Utc::now(),
        reloads: 0,
        last_error: Some(FixtureError {
            file: "contact_center.json".into(),
            place: "agent".into(),
            problem: "missing".into(),
        }),
    };
    agree(&schemas, "FixtureStatus", status, &mut problems);
    agree(
        &schemas,
        "EventCatalog",
        catalog::EVENT_CATALOG,
        &mut problems,
    );
    let selection = TenantEventSelection {
        tenant: "acme".into(),
        source: "default".into(),
        selection: "documented".into(),
        events: vec!["chat_created".into()],
    };
    agree(&schemas, "TenantEventSelection", selection, &mut problems);
    let order = TenantChatCreatedOrder {
        tenant: "acme".into(),
        source: "tenant".into(),
        order: ChatCreatedOrder::Random,
    };
    agree(&schemas, "TenantChatCreatedOrder", order, &mut problems);
    let hours = TenantAfterHours {
        tenant: "acme".into(),
        after_hours: true,
        message: Some("We are closed".into()),
    };
    agree(&schemas, "TenantAfterHours", hours, &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_field_renamed_on_one_side_only_is_caught() {
    let schemas = schemas();
    let (chat, _, _) = a_full_chat();
    let mut object = serde_json::to_value(apps::Chat::of(&chat)).unwrap();
    assert!(disagreements(&schemas, "Chat", &object).is_empty());
    let status = object.as_object_mut().unwrap().remove("status").unwrap();
    object["state"] = status;
    let problems = disagreements(&schemas, "Chat", &object);
    assert!(
        problems
            .iter()
            .any(|problem| problem.contains("Chat.state is serialised"))
            && problems
                .iter()
                .any(|problem| problem.contains("Chat.status is in the schema")),
        "{problems:?}"
    );
    let mut nested = serde_json::to_value(ChatRecord::of(&chat, "acme")).unwrap();
    nested["end_user"]["nickname"] = json!("x");
    assert!(disagreements(&schemas, "ChatRecord", &nested)
        .iter()
        .any(|problem| problem.contains("end_user.nickname")));
}

/// The queue shapes: a chat routed by its context to an over-capacity queue (deflected,
/// with a pre-chat transcript), and its escalation object, webhook body and lists.
#[test]
fn the_escalation_shapes_agree_with_their_schemas() {
    use crate::core::domain::escalation::QueueDesk;
    use crate::core::domain::pre_chat::parse_transcript;
    use crate::core::wire::escalations::{
        Escalation, EscalationList, QueueList, TenantEscalation, TenantQueue,
    };

    let schemas = schemas();
    let script: ContactCenter = loader::embedded().expect("embedded fixtures");
    let now = Utc::now();
    let end_user = EndUser {
        id: EndUserId(7),
        identifier: "ann".into(),
        name: None,
        email: None,
        phone: None,
        created_at: now,
    };
    let new = NewChat {
        id: ChatId(2),
        end_user,
        lang: "en".into(),
        menu: None,
        context: Some(json!({"department": "billing"})),
    };
    let (mut chat, mut effects) = Chat::open(new, &script, now);
    chat.pre_chat = parse_transcript(&json!([{"sender": "end_user", "timestamp": "2021-03-15 12:00:00Z",
        "content": [{"type": "text", "text": "hi"},
                    {"type": "media", "media": {"type": "image", "url": "https://x.invalid/a.jpg"}}]}]))
    .unwrap();
    let availability = |queue: &crate::core::domain::queues::Queue| queue.availability;
    let next_id = || 1;
    let desk = QueueDesk {
        availability: &availability,
        next_escalation_id: &next_id,
    };
    chat.start_queue_selection(&script, &desk, now, &mut effects);
    assert_eq!(chat.status(), "va_assigned");

    let mut problems = Vec::new();
    agree(&schemas, "Chat", apps::Chat::of(&chat), &mut problems);
    agree(
        &schemas,
        "ChatRecord",
        ChatRecord::of(&chat, "acme"),
        &mut problems,
    );
    let transcript = Transcript::of(&chat, crate::core::domain::chat::View::Agent, "agent");
    agree(&schemas, "Transcript", transcript, &mut problems);
    let escalation = Escalation::of(&chat.escalations[0], chat.id);
    agree(&schemas, "Escalation", &escalation, &mut problems);
    let deflected = effects
        .iter()
        .find_map(|effect| match effect {
            Effect::Publish(happening @ Happening::EscalationDeflected { .. }) => Some(happening),
            _ => None,
        })
        .expect("the escalation was deflected");
    let event = catalog::event_for(deflected, &chat, now).expect("an event");
    let envelope: Value = serde_json::from_slice(&event.payload).unwrap();
    problems.extend(disagreements(&schemas, "WebhookEvent", &envelope));
    problems.extend(disagreements(
        &schemas,
        "EscalationDeflected",
        &envelope["body"],
    ));
    let listed = TenantEscalation {
        tenant: "acme".into(),
        escalation,
    };
    agree(&schemas, "TenantEscalation", &listed, &mut problems);
    let list = EscalationList {
        count: 1,
        escalations: vec![listed],
    };
    agree(&schemas, "EscalationList", list, &mut problems);
    let queue = TenantQueue::of(
        &script.queues[1],
        script.queues[1].availability,
        vec![chat.id],
    );
    agree(&schemas, "Queue", &queue, &mut problems);
    let queues = QueueList {
        tenant: "acme".into(),
        queues: vec![queue],
    };
    agree(&schemas, "QueueList", queues, &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
}
