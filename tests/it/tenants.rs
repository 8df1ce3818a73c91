//! Tenants are isolated: two subdomains running the same flow never see each other's end
//! users, chats or webhooks.

use crate::support::WebhookReceiver;
use awc::http::Method;
use serde_json::json;

#[actix_rt::test]
async fn two_tenants_running_the_same_flow_see_only_their_own_data_and_webhooks() {
    let app = crate::support::spawn_app_with_all_events();
    let receiver_a = WebhookReceiver::start_with_secrets("secret-a", None);
    let receiver_b = WebhookReceiver::start_with_secrets("secret-b", None);
    let a = app.tenant("alpha");
    let b = app.tenant("beta");
    a.use_receiver(&receiver_a).await;
    b.use_receiver(&receiver_b).await;

    // The same identifier in both tenants is two different end users.
    let user_a = a.end_user("shared-identifier").await;
    let user_b = b.end_user("shared-identifier").await;
    assert_ne!(user_a, user_b);
    assert_eq!(
        a.end_user("shared-identifier").await,
        user_a,
        "upsert keeps the id"
    );

    let mut chats = Vec::new();
    for (tenant, user) in [(&a, user_a), (&b, user_b)] {
        let reply = tenant
            .call(Method::POST, "/chats", Some(json!({"end_user_id": user})))
            .await;
        let chat = reply.body["id"].as_u64().unwrap();
        tenant.says(chat, user, "please verify me").await;
        tenant.says(chat, user, "111222").await;
        chats.push(chat);
    }
    let (chat_a, chat_b) = (chats[0], chats[1]);

    let done = |events: &[crate::support::Received]| {
        events
            .iter()
            .any(|event| event.event_type == "virtual_agent_left")
    };
    let events_a = receiver_a
        .wait_for_chat(chat_a, "tenant a's hand-back", done)
        .await;
    let events_b = receiver_b
        .wait_for_chat(chat_b, "tenant b's hand-back", done)
        .await;
    assert!(events_a.iter().all(|event| event.signature_valid));
    assert!(events_b.iter().all(|event| event.signature_valid));
    assert!(
        receiver_a
            .received()
            .iter()
            .all(|event| event.chat_id == chat_a),
        "a got only its chat"
    );
    assert!(
        receiver_b
            .received()
            .iter()
            .all(|event| event.chat_id == chat_b),
        "b got only its chat"
    );

    // Neither tenant can read the other's chat or end user.
    assert_eq!(
        a.call(Method::GET, &format!("/chats/{chat_b}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        b.call(Method::GET, &format!("/chats/{chat_a}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        a.call(Method::GET, &format!("/end_users?id={user_b}"), None)
            .await
            .status,
        404
    );
    assert_eq!(a.say(chat_b, user_b, "sneaky").await.status, 404);

    // The journal, filtered by tenant, holds only that tenant's deliveries.
    let journal = app
        .admin_get(&format!("/webhooks/deliveries?tenant={}", a.subdomain))
        .await;
    let deliveries = journal["deliveries"].as_array().unwrap();
    assert!(!deliveries.is_empty());
    assert!(deliveries
        .iter()
        .all(|delivery| delivery["chat_id"] == chat_a));
}
