//! Every deflection option through real HTTP (issue 9), on the shipped fixtures' queues
//! (`billing` over capacity, `orders` after hours): email and external link end the chat
//! with `PATCH /chats/{id}`; keep waiting (`human_agent`, over capacity only) puts the
//! chat in the queue and the agent picks it up when the queue becomes available;
//! continue with the virtual agent; and every wrong call is a 400 naming the problem that
//! leaves the chat as it was.

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{spawn_app, spawn_app_with_all_events, TenantClient, WebhookReceiver};

async fn deflected(tenant: &TenantClient<'_>, department: &str) -> (u64, u64, u64) {
    let (chat, user) = tenant
        .open_chat_with_context(json!({ "department": department }))
        .await;
    let escalation = tenant.last_escalation(chat).await;
    assert_eq!(escalation["status"], "deflecting", "{escalation}");
    (chat, user, escalation["id"].as_u64().unwrap())
}

fn assert_400(reply: &crate::support::Reply, needle: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.message().contains(needle),
        "{:?} does not say {needle:?}",
        reply.message()
    );
}

#[actix_rt::test]
async fn email_ends_the_chat_with_the_deflection_recorded() {
    // chat_ended, which no page mentions, is opt-in.
    let app = spawn_app_with_all_events();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("email");
    tenant.use_receiver(&receiver).await;
    let (chat, user, escalation) = deflected(&tenant, "billing").await;

    let reply = tenant
        .call(
            Method::PATCH,
            &format!("/chats/{chat}"),
            Some(json!({"finished_by_user_id": user, "chat": {
                "status": "finished", "escalation_id": escalation, "deflection_channel": "email"}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "finished");
    let recorded = tenant.last_escalation(chat).await;
    assert_eq!(recorded["status"], "deflected");
    assert_eq!(recorded["deflection_channel"], "email");
    receiver
        .wait_for_chat(chat, "chat_ended", |events| {
            events.iter().any(|event| event.event_type == "chat_ended")
        })
        .await;
}

#[actix_rt::test]
async fn external_link_ends_an_after_hours_chat() {
    let app = spawn_app();
    let tenant = app.tenant("link");
    let (chat, _, escalation) = deflected(&tenant, "orders").await;
    assert_eq!(
        tenant.last_escalation(chat).await["deflection_reason"],
        "after_hours"
    );
    let reply = tenant
        .update_chat(
            chat,
            json!({"status": "finished", "escalation_id": escalation, "deflection_channel": "external_link"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let recorded = tenant.last_escalation(chat).await;
    assert_eq!(recorded["deflection_channel"], "external_link");
    assert_eq!(recorded["status"], "deflected");
}

#[actix_rt::test]
async fn keep_waiting_queues_the_chat_until_the_queue_opens_then_the_agent_picks_it_up() {
    // Default settings: agent_joined (the chat "escalated" to the agent) is sent.
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("wait");
    tenant.use_receiver(&receiver).await;
    let (chat, _, escalation) = deflected(&tenant, "billing").await;

    let reply = tenant.choose(chat, escalation, "human_agent").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "escalating");
    assert_eq!(reply.body["deflection_channel"], "human_agent");
    let object = tenant.chat_object(chat).await;
    assert_eq!(object["status"], "queued");
    let queues = app
        .admin_get(&format!("/tenants/{}/queues", tenant.subdomain))
        .await;
    let billing = &queues["queues"][1];
    assert_eq!(billing["id"], "billing");
    assert_eq!(billing["waiting_chats"], json!([chat]));
    // Still over capacity: nobody comes (checked once, without waiting).
    let still = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}?routing_state=assigned"),
            None,
        )
        .await;
    assert_eq!(still.status, StatusCode::REQUEST_TIMEOUT);

    tenant.set_availability("billing", "available").await;
    let record = tenant.wait_for_record(chat, "routing_state=assigned").await;
    assert_eq!(record["agent"]["name"], "Alex Rivera");
    assert_eq!(record["escalations"][0]["status"], "escalated");
    assert_eq!(
        record["escalations"][0]["deflection_channel"],
        "human_agent"
    );
    receiver
        .wait_for_chat(chat, "agent_joined after the queue opened", |events| {
            events
                .iter()
                .any(|event| event.event_type == "agent_joined")
        })
        .await;
}

#[actix_rt::test]
async fn continuing_with_the_virtual_agent_keeps_the_chat_with_it() {
    let app = spawn_app();
    let tenant = app.tenant("continue");
    let (chat, user, escalation) = deflected(&tenant, "billing").await;

    let reply = tenant.choose(chat, escalation, "virtual_agent").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "deflected");
    assert_eq!(reply.body["deflection_channel"], "virtual_agent");
    assert_eq!(tenant.chat_object(chat).await["status"], "va_assigned");

    // The virtual agent goes on, and a later answer escalates again.
    tenant.says(chat, user, "actually a general question").await;
    let record = tenant.wait_for_record(chat, "routing_state=assigned").await;
    let escalations = record["escalations"].as_array().unwrap();
    assert_eq!(escalations.len(), 2);
    assert_eq!(escalations[1]["queue"]["id"], "general");
    assert_eq!(escalations[1]["status"], "escalated");
}

#[actix_rt::test]
async fn every_invalid_deflection_is_a_400_naming_the_problem() {
    let app = spawn_app();
    let tenant = app.tenant("invalid");
    let (billing, _, billing_escalation) = deflected(&tenant, "billing").await;
    let (orders, _, orders_escalation) = deflected(&tenant, "orders").await;
    let (plain, _) = tenant.open_chat().await;

    let finish_with = |escalation: Value, channel: &str| json!({"status": "finished", "escalation_id": escalation, "deflection_channel": channel});
    assert_400(
        &tenant
            .update_chat(plain, finish_with(json!(5), "email"))
            .await,
        &format!("Chat {plain} has no escalation"),
    );
    assert_400(
        &tenant
            .update_chat(plain, json!({"deflection_channel": "email"}))
            .await,
        "has no escalation",
    );
    assert_400(
        &tenant
            .update_chat(billing, finish_with(json!(orders_escalation), "email"))
            .await,
        &format!("escalation_id {orders_escalation} does not belong to chat {billing}"),
    );
    assert_400(
        &tenant
            .update_chat(
                billing,
                finish_with(json!(billing_escalation), "external_link"),
            )
            .await,
        "external_link was not offered",
    );
    assert_400(
        &tenant
            .choose(orders, orders_escalation, "human_agent")
            .await,
        "only allowed when the reason is over_capacity",
    );
    assert_400(
        &tenant.choose(billing, billing_escalation, "email").await,
        "ends the chat",
    );
    assert_400(
        &tenant
            .choose(billing, billing_escalation, "carrier_pigeon")
            .await,
        "is not one of email, human_agent, external_link, virtual_agent",
    );
    assert_400(
        &tenant
            .choose(billing, orders_escalation, "virtual_agent")
            .await,
        "does not belong to chat",
    );
    assert_400(
        &tenant
            .update_chat(
                billing,
                json!({"status": "finished", "deflection_channel": "email"}),
            )
            .await,
        "needs the escalation_id it answers",
    );
    assert_400(
        &tenant
            .update_chat(
                billing,
                json!({"status": "finished", "escalation_id": billing_escalation}),
            )
            .await,
        "needs a deflection_channel",
    );
    assert_400(
        &tenant
            .update_chat(
                billing,
                finish_with(json!(billing_escalation), "human_agent"),
            )
            .await,
        "keeps the chat open",
    );

    // Nothing changed: both chats still wait for a choice.
    for (chat, escalation) in [(billing, billing_escalation), (orders, orders_escalation)] {
        assert_eq!(tenant.chat_object(chat).await["status"], "va_assigned");
        let recorded = tenant.last_escalation(chat).await;
        assert_eq!(recorded["id"], escalation);
        assert_eq!(recorded["status"], "deflecting");
    }
    // Once chosen, the same choice cannot be made twice.
    assert_eq!(
        tenant
            .choose(billing, billing_escalation, "virtual_agent")
            .await
            .status,
        StatusCode::OK
    );
    assert_400(
        &tenant
            .choose(billing, billing_escalation, "virtual_agent")
            .await,
        "is deflected: it is not waiting for a deflection choice",
    );
}

#[actix_rt::test]
async fn a_deflected_chat_keeps_its_escalation_through_a_snapshot() {
    let app = spawn_app();
    let source = app.tenant("snap-from");
    let copy = app.tenant("snap-to");
    let (_, _, escalation) = deflected(&source, "billing").await;
    let snapshot = app
        .admin_get(&format!("/tenants/{}/snapshot", source.subdomain))
        .await;
    let loaded = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/snapshot", copy.subdomain),
            Some(snapshot),
        )
        .await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.body);
    let chat = loaded.body["id_map"]["chats"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .as_u64()
        .unwrap();
    assert_eq!(copy.chat_object(chat).await["status"], "va_assigned");
    let reply = copy
        .update_chat(
            chat,
            json!({"status": "finished", "escalation_id": escalation, "deflection_channel": "email"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        copy.last_escalation(chat).await["deflection_channel"],
        "email"
    );
}

#[actix_rt::test]
async fn ending_the_chat_without_choosing_cancels_the_escalation() {
    let app = spawn_app();
    let tenant = app.tenant("cancel");
    let (chat, _, _) = deflected(&tenant, "orders").await;
    let reply = tenant
        .update_chat(chat, json!({"status": "finished"}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let escalation = tenant.last_escalation(chat).await;
    assert_eq!(escalation["status"], "canceled");
    assert_eq!(escalation["deflection_channel"], json!(null));
    assert_400(
        &tenant
            .update_chat(
                chat,
                json!({"status": "finished", "escalation_id": escalation["id"], "deflection_channel": "email"}),
            )
            .await,
        "Chat is already ended",
    );
}
