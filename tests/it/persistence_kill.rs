//! `kill -9` under load against the real binary with `--state-dir`: clients keep posting
//! messages to several chats while a real receiver takes the webhooks; the process is
//! killed mid-stream and started again on the same folder. Every message that was
//! acknowledged is in its chat, in order, and every one of them reaches the receiver as a
//! signed `message_received` (delivered before the kill, or pending and delivered after
//! the restart: the receiver fails half of the first process's attempts, whose retries
//! wait longer than the first process lives); new ids are above every id handed out
//! before.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::persistence::StateDir;
use crate::support::binary::EmulatorProcess;
use crate::support::{basic, texts, WebhookReceiver, DEADLINE};

const CHATS: usize = 4;
/// Acknowledged messages (all chats together) before the kill.
const BEFORE_KILL: usize = 120;

fn client() -> awc::Client {
    awc::Client::builder().timeout(DEADLINE).finish()
}

async fn post(base: &str, path: &str, body: Value) -> Result<Value, String> {
    let mut response = client()
        .post(format!("{base}/apps/api/v1{path}"))
        .insert_header(("Authorization", basic("acme", "token")))
        .send_json(&body)
        .await
        .map_err(|error| error.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{path}: {}", response.status()));
    }
    response.json().await.map_err(|error| error.to_string())
}

async fn get(base: &str, path: &str) -> Value {
    client()
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("the emulator answers")
        .json()
        .limit(64 * 1024 * 1024)
        .await
        .expect("JSON")
}

/// Opens a chat for a new end user; answers (chat id, end user id).
async fn open_chat(base: &str, identifier: &str) -> (u64, u64) {
    let user = post(base, "/end_users", json!({"identifier": identifier}))
        .await
        .expect("the end user is created")["id"]
        .as_u64()
        .unwrap();
    let chat = post(base, "/chats", json!({"end_user_id": user}))
        .await
        .expect("the chat opens")["id"]
        .as_u64()
        .unwrap();
    (chat, user)
}

#[actix_rt::test]
async fn after_kill_9_every_acknowledged_message_and_its_webhook_is_accounted_for() {
    let dir = StateDir::new();
    let receiver = WebhookReceiver::start();
    let state_dir = dir.path().display().to_string();
    let url = receiver.url();
    let env = [
        ("CCAI_EMU_STATE_DIR", state_dir.as_str()),
        ("CCAI_EMU_WEBHOOK_URL", url.as_str()),
        (
            "CCAI_EMU_WEBHOOK_PRIMARY_SECRET",
            receiver.primary_secret.as_str(),
        ),
        // Long waits: a failed first attempt is still waiting to be retried at the kill.
        ("CCAI_EMU_WEBHOOK_RETRY_SCHEDULE", "5s,5s,5s,5s,5s"),
    ];
    // Half the first process's deliveries fail, so some are pending when it is killed.
    receiver.fail_at_random(0.5);
    let first = EmulatorProcess::start(&env);
    let base = first.base_url();
    let mut chats = Vec::new();
    for index in 0..CHATS {
        chats.push(open_chat(&base, &format!("kill-9-user-{index}")).await);
    }

    // Steady load: one client per chat, each message acknowledged before the next.
    let acknowledged: Rc<RefCell<Vec<Vec<String>>>> =
        Rc::new(RefCell::new(vec![Vec::new(); CHATS]));
    let (enough_tx, enough) = tokio::sync::watch::channel(false);
    let mut clients = Vec::new();
    for (index, &(chat, user)) in chats.iter().enumerate() {
        let acknowledged = Rc::clone(&acknowledged);
        let base = base.clone();
        let enough_tx = enough_tx.clone();
        clients.push(actix_rt::spawn(async move {
            for sequence in 0.. {
                let text = format!("chat {chat} message {sequence}");
                let body = json!({"from_user_id": user, "message": {"type": "text", "content": {"text": text}}});
                if post(&base, &format!("/chats/{chat}/message"), body).await.is_err() {
                    return; // the process is gone
                }
                let total = {
                    let mut acknowledged = acknowledged.borrow_mut();
                    acknowledged[index].push(text);
                    acknowledged.iter().map(Vec::len).sum::<usize>()
                };
                if total >= BEFORE_KILL {
                    let _ = enough_tx.send(true);
                }
            }
        }));
    }
    let mut enough = enough;
    tokio::time::timeout(DEADLINE, enough.wait_for(|reached| *reached))
        .await
        .expect("the load reaches the kill point")
        .unwrap();
    first.kill_9();
    for client in clients {
        tokio::time::timeout(DEADLINE, client)
            .await
            .expect("each client stops when the process is gone")
            .unwrap();
    }
    let acknowledged = acknowledged.borrow().clone();
    assert!(acknowledged.iter().map(Vec::len).sum::<usize>() >= BEFORE_KILL);

    receiver.fail_at_random(0.0);
    let second = EmulatorProcess::start(&env);
    let restored: Value = second
        .start_up
        .iter()
        .find(|line| line.contains("state restored"))
        .map(|line| serde_json::from_str(line).unwrap())
        .expect("the start-up says what it restored");
    assert!(
        restored["pending_deliveries"].as_u64().unwrap_or_default() > 0,
        "some deliveries were pending at the kill: {restored}"
    );
    let base = second.base_url();
    for (index, &(chat, _)) in chats.iter().enumerate() {
        let record = get(&base, &format!("/__admin/chats/{chat}")).await;
        let stored: Vec<String> = texts(record["messages"].as_array().expect("the chat is back"))
            .into_iter()
            .filter(|text| text.starts_with(&format!("chat {chat} message ")))
            .collect();
        // Everything acknowledged is stored, in order; at most the one message whose answer
        // the kill cut off may follow it.
        assert_eq!(
            &stored[..acknowledged[index].len()],
            acknowledged[index].as_slice(),
            "chat {chat}"
        );
        assert!(
            stored.len() <= acknowledged[index].len() + 1,
            "chat {chat}: {stored:?}"
        );
    }
    let wanted: BTreeSet<String> = acknowledged.iter().flatten().cloned().collect();
    let text_of = |received: &crate::support::Received| {
        received.body()["message"]["content"]
            .as_str()
            .map(str::to_owned)
    };
    receiver
        .wait_until_within(
            Duration::from_secs(30),
            "a signed message_received for every acknowledged message",
            |received| {
                let delivered: BTreeSet<String> = received
                    .iter()
                    .filter(|r| {
                        r.accepted() && r.signature_valid && r.event_type == "message_received"
                    })
                    .filter_map(text_of)
                    .collect();
                wanted.is_subset(&delivered)
            },
        )
        .await;
    let health = get(&base, "/__admin/health").await;
    assert_eq!(health["persistence"]["failed_writes"], 0, "{health}");

    let highest_chat = chats.iter().map(|(chat, _)| *chat).max().unwrap();
    let highest_user = chats.iter().map(|(_, user)| *user).max().unwrap();
    let (chat, user) = open_chat(&base, "after-the-restart").await;
    assert!(chat > highest_chat, "{chat} > {highest_chat}");
    assert!(user > highest_user, "{user} > {highest_user}");
    second.kill_9();
}
