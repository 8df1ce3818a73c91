//! Concurrent requests on one chat never corrupt it or reorder it: every message is stored
//! once, and the webhooks arrive in the order the messages were stored. Concurrent uploads
//! to the script (task virtual agents, contact center) never lose one another's update.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::support::spawn_app;
use crate::support::WebhookReceiver;
use awc::http::{Method, StatusCode};
use futures_util::future::join_all;
use serde_json::{json, Value};

const MESSAGES: usize = 200;

#[actix_rt::test]
async fn two_hundred_concurrent_messages_are_all_stored_and_their_webhooks_keep_that_order() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("burst");
    tenant.use_receiver(&receiver).await;
    let (chat, user) = tenant.open_chat().await;

    let sends = (0..MESSAGES).map(|index| {
        let tenant = &tenant;
        async move {
            tenant
                .say(chat, user, &format!("burst message {index}"))
                .await
        }
    });
    let replies = join_all(sends).await;
    assert!(
        replies.iter().all(|reply| reply.status == 200),
        "every send succeeds"
    );

    let stored: Vec<String> = app
        .transcript(chat, "all")
        .await
        .iter()
        .filter(|message| message["sender"]["type"] == "end_user")
        .map(|message| message["body"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored.len(), MESSAGES, "200 stored messages");
    let mut unique = stored.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), MESSAGES, "each stored once");

    let events = receiver
        .wait_for_chat(chat, "200 end-user webhooks", |events| {
            events
                .iter()
                .filter(|event| event.body()["sender"]["type"] == "end_user")
                .count()
                >= MESSAGES
        })
        .await;
    let delivered: Vec<String> = events
        .iter()
        .filter(|event| event.body()["sender"]["type"] == "end_user")
        .map(|event| {
            event.body()["message"]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(delivered, stored, "webhooks arrive in the stored order");
    let ids: Vec<u64> = events
        .iter()
        .filter_map(|event| event.body()["message"]["message_id"].as_u64())
        .collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "message ids ascend"
    );
}

#[actix_rt::test]
async fn concurrent_uploads_of_task_virtual_agents_and_the_contact_center_lose_no_update() {
    const UPLOADS: usize = 24;
    let app = spawn_app();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/task_virtual_agents/one_time_code.json");
    let vta: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut contact_center = app.admin_get("/contact_center").await;
    contact_center["agent"]["name"] = json!("Concurrent Casey");

    let vta_uploads = (0..UPLOADS).map(|index| {
        let (app, vta) = (&app, vta.clone());
        async move {
            app.admin(
                Method::PUT,
                &format!("/task_virtual_agents/concurrent_{index}"),
                Some(vta),
            )
            .await
        }
    });
    let contact_center_uploads = (0..UPLOADS / 4).map(|_| {
        let (app, document) = (&app, contact_center.clone());
        async move {
            app.admin(Method::PUT, "/contact_center", Some(document))
                .await
        }
    });
    let (vta_replies, contact_center_replies) =
        futures_util::future::join(join_all(vta_uploads), join_all(contact_center_uploads)).await;
    for reply in vta_replies {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    for reply in contact_center_replies {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    let listed = app.admin_get("/task_virtual_agents").await;
    let keys: BTreeSet<&str> = listed["task_virtual_agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|vta| vta["key"].as_str())
        .collect();
    for index in 0..UPLOADS {
        let key = format!("concurrent_{index}");
        assert!(keys.contains(key.as_str()), "{key} was lost: {keys:?}");
    }
    assert_eq!(
        app.admin_get("/contact_center").await["agent"]["name"],
        "Concurrent Casey"
    );
}
