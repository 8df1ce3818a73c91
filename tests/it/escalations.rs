//! Queue selection and escalations through real HTTP (issue 9): a chat's `context` or the
//! end user's answer picks the queue; an available queue gets the agent, an over-capacity
//! or after-hours queue deflects the escalation with a signed, journaled
//! `escalation_deflected` webhook; `POST /chats/{id}/escalations`; and two tenants with
//! different availability for the same queue at once. The shipped fixtures are used:
//! `general` is available, `billing` over capacity, `orders` after hours.

use awc::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{spawn_app, texts, WebhookReceiver};

#[actix_rt::test]
async fn a_matching_context_routes_the_chat_to_an_available_queue_and_the_agent_joins() {
    let app = spawn_app();
    let tenant = app.tenant("route");
    let (chat, _) = tenant
        .open_chat_with_context(json!({"department": "general", "order": 7}))
        .await;

    let record = tenant.wait_for_record(chat, "routing_state=assigned").await;
    assert_eq!(record["queue"], "general");
    let escalation = &record["escalations"][0];
    assert_eq!(escalation["status"], "escalated");
    assert_eq!(escalation["reason"], "by_virtual_agent");
    assert_eq!(escalation["queue"]["id"], "general");
    assert_eq!(escalation["deflection_reason"], json!(null));
    let said = texts(&app.transcript(chat, "end_user").await);
    assert!(
        said[0].starts_with("Connecting you to General support"),
        "{said:?}"
    );
    assert!(said[1].starts_with("Hi, I'm Alex"), "{said:?}");
    let object = tenant.chat_object(chat).await;
    assert_eq!(object["status"], "assigned");
    assert_eq!(object["agent"]["name"], "Alex Rivera");
}

#[actix_rt::test]
async fn without_a_context_match_the_virtual_agent_asks_and_the_answer_routes_the_chat() {
    let app = spawn_app();
    let tenant = app.tenant("ask");
    let (chat, user) = tenant
        .open_chat_with_context(json!({"department": "not sure"}))
        .await;

    let object = tenant.chat_object(chat).await;
    assert_eq!(object["status"], "va_assigned");
    assert_eq!(object["virtual_agent"]["name"], "Routing Assistant");
    assert_eq!(object["agent"], json!(null));
    assert!(tenant.escalations(chat).await.is_empty());

    tenant.says(chat, user, "no idea").await;
    let said = texts(&app.transcript(chat, "end_user").await);
    assert!(
        said.last().unwrap().starts_with("Sorry, I didn't get that"),
        "{said:?}"
    );

    tenant.says(chat, user, "It's about my delivery").await;
    let escalation = tenant.last_escalation(chat).await;
    assert_eq!(escalation["queue"]["id"], "orders");
    assert_eq!(escalation["reason"], "by_end_user_message");
    assert_eq!(escalation["status"], "deflecting");
    assert_eq!(escalation["deflection_reason"], "after_hours");
    assert_eq!(
        escalation["deflection_options"],
        json!(["email", "external_link", "virtual_agent"]),
        "keep waiting is not offered when the queue is closed"
    );
    assert_eq!(
        escalation["external_link_url"],
        "https://example.invalid/orders/faq"
    );
    let said = texts(&app.transcript(chat, "end_user").await);
    assert!(
        said.last().unwrap().contains("is closed right now"),
        "{said:?}"
    );
}

#[actix_rt::test]
async fn an_over_capacity_deflection_is_a_signed_and_journaled_webhook() {
    // Default settings: the guide's deflection webhook is sent without opting in.
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("deflect");
    tenant.use_receiver(&receiver).await;
    let user = tenant.end_user("deflected-user").await;
    let created = tenant
        .call(
            Method::POST,
            "/chats",
            Some(json!({"end_user_id": user, "context": {"value": {"department": "billing"}}})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let chat = created.body["id"].as_u64().unwrap();

    let events = receiver
        .wait_for_chat(chat, "escalation_deflected", |events| {
            events
                .iter()
                .any(|event| event.event_type == "escalation_deflected")
        })
        .await;
    let deflected = events
        .iter()
        .find(|event| event.event_type == "escalation_deflected")
        .unwrap();
    assert!(deflected.signature_valid, "{}", deflected.signature);
    let escalation = &deflected.body()["escalation"];
    let id = tenant.last_escalation(chat).await["id"].clone();
    assert_eq!(escalation["id"], id);
    assert_eq!(escalation["chat_id"], chat);
    assert_eq!(escalation["status"], "deflecting");
    assert_eq!(escalation["deflection_reason"], "over_capacity");
    assert_eq!(
        escalation["deflection_options"],
        json!(["email", "human_agent", "virtual_agent"])
    );
    // The virtual agent's message came first, as a message_received from a virtual agent.
    let first = &events[events
        .iter()
        .position(|e| e.event_type == "message_received")
        .unwrap()];
    assert_eq!(first.body()["sender"]["type"], "virtual_agent");

    let journal = app
        .admin_get(&format!(
            "/webhooks/deliveries?chat_id={chat}&event_type=escalation_deflected&status=delivered&min_count=1&wait=10s"
        ))
        .await;
    assert_eq!(
        journal["deliveries"][0]["payload"]["body"]["escalation"]["id"],
        id
    );
    let catalog = app.admin_get("/webhooks/events").await;
    let row = catalog["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == "escalation_deflected")
        .cloned()
        .expect("in the event catalog");
    assert_eq!(row["documented"], false);
    assert_eq!(row["sent_by_default"], true);
    // chat_created tells the status the POST /chats answer gave: the virtual agent has it.
    let created_event = events
        .iter()
        .find(|event| event.event_type == "chat_created")
        .expect("chat_created");
    assert_eq!(created.body["status"], "va_assigned");
    assert_eq!(
        created_event.body()["chat"]["status"],
        created.body["status"]
    );

    // The documented flow from the webhook alone: leave an email, naming the escalation.
    let ended = tenant
        .call(
            Method::PATCH,
            &format!("/chats/{chat}"),
            Some(json!({"finished_by_user_id": user, "chat": {
                "status": "finished",
                "escalation_id": escalation["id"],
                "deflection_channel": "email"}})),
        )
        .await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(ended.body["status"], "finished");
}

#[actix_rt::test]
async fn the_consumer_can_ask_the_virtual_agent_to_escalate() {
    let app = spawn_app();
    let tenant = app.tenant("ask-escalate");
    let (chat, _) = tenant
        .open_chat_with_context(json!({"department": "not sure"}))
        .await;
    let path = format!("/chats/{chat}/escalations");

    let unknown = tenant
        .call(Method::POST, &path, Some(json!({"queue_id": "nope"})))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.message().contains("\"nope\" is not a known queue"),
        "{}",
        unknown.body
    );

    let wrong_type = tenant
        .call(Method::POST, &path, Some(json!({"queue_id": 5})))
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong_type.message().contains("invalid type"),
        "{}",
        wrong_type.body
    );

    let reply = tenant
        .call(Method::POST, &path, Some(json!({"queue_id": "billing"})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["reason"], "by_end_user_ask");
    assert_eq!(reply.body["status"], "deflecting");
    assert_eq!(reply.body["queue"]["id"], "billing");

    let again = tenant.call(Method::POST, &path, None).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        again
            .message()
            .contains("still waiting for a deflection choice"),
        "{}",
        again.body
    );

    // Without a body the default queue is used; a chat with the human agent cannot escalate.
    let (plain, _) = tenant.open_chat().await;
    let refused = tenant
        .call(Method::POST, &format!("/chats/{plain}/escalations"), None)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.message().contains("held by the virtual agent"),
        "{}",
        refused.body
    );
    let (other, _) = tenant
        .open_chat_with_context(json!({"department": "not sure"}))
        .await;
    let default = tenant
        .call(Method::POST, &format!("/chats/{other}/escalations"), None)
        .await;
    assert_eq!(default.status, StatusCode::OK, "{}", default.body);
    assert_eq!(default.body["queue"]["id"], "general");
    assert_eq!(default.body["status"], "escalated", "{}", default.body);
}

#[actix_rt::test]
async fn two_tenants_see_different_availability_of_the_same_queue_at_once() {
    let app = spawn_app();
    let open = app.tenant("open-billing");
    let busy = app.tenant("busy-billing");
    let queue = open.set_availability("billing", "available").await;
    assert_eq!(queue["availability"], "available");
    assert_eq!(queue["default_availability"], "over_capacity");

    let (open_chat, _) = open
        .open_chat_with_context(json!({"department": "billing"}))
        .await;
    let (busy_chat, _) = busy
        .open_chat_with_context(json!({"department": "billing"}))
        .await;

    open.wait_for_record(open_chat, "routing_state=assigned")
        .await;
    assert_eq!(open.last_escalation(open_chat).await["status"], "escalated");
    assert_eq!(busy.chat_object(busy_chat).await["status"], "va_assigned");
    assert_eq!(
        busy.last_escalation(busy_chat).await["status"],
        "deflecting"
    );

    let queues = app
        .admin_get(&format!("/tenants/{}/queues", busy.subdomain))
        .await;
    let billing = queues["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|queue| queue["id"] == "billing")
        .cloned()
        .unwrap();
    assert_eq!(billing["availability"], "over_capacity");
    let listed = app
        .admin_get(&format!(
            "/escalations?tenant={}&status=deflecting",
            busy.subdomain
        ))
        .await;
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["escalations"][0]["chat_id"], busy_chat);

    let bad = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/queues/billing", busy.subdomain),
            Some(json!({"availability": "closed"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.message().contains("\"closed\" is not one of"),
        "{}",
        bad.body
    );
}

#[actix_rt::test]
async fn a_context_about_something_else_leaves_the_chat_to_the_human_agent() {
    let app = spawn_app();
    let tenant = app.tenant("other-context");
    let (chat, _) = tenant.open_chat_with_context(json!({"plan": "gold"})).await;
    let record = tenant.wait_for_record(chat, "routing_state=assigned").await;
    assert_eq!(record["queue"], json!(null));
    assert_eq!(record["escalations"], json!([]));
    assert_eq!(record["context"], json!({"plan": "gold"}));
}
