//! Concurrent requests on one chat never corrupt it or reorder it: every message is stored
//! once, and the webhooks arrive in the order the messages were stored.

mod support;

use futures_util::future::join_all;
use support::spawn_app;
use support::WebhookReceiver;

const MESSAGES: usize = 200;

#[actix_web::test]
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
            event.body()["message"]["content"]["content"]
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
