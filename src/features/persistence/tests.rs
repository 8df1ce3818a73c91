//! The store's unit tests: one process per folder, messages appended once, a failed
//! transaction writes nothing and fails what was queued behind it, and the next change of
//! a chat writes again what the database lacks.

use chrono::Utc;

use super::*;
use crate::core::domain::testing::{queued_chat, END_USER};
use crate::core::domain::{Chat, MessageBody};
use crate::features::fixtures::loader;

fn temporary_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ccai-emu-{name}-{}", uuid::Uuid::new_v4().simple()))
}

fn says(chat: &mut Chat, text: &str) {
    let script = loader::embedded().expect("embedded fixtures");
    chat.end_user_sends(
        END_USER,
        MessageBody::Text { text: text.into() },
        &script,
        Utc::now(),
    )
    .expect("the end user may write");
}

fn write(store: &StateStore, chat: &Chat) -> Result<(), DurabilityError> {
    store
        .submit(
            &[Change::Chat {
                tenant: "acme",
                chat,
            }],
            None,
        )?
        .committed_blocking()
}

fn stored_texts(dir: &Path) -> Vec<String> {
    let store = StateStore::open(dir).expect("the store opens again");
    let stored = store.load().unwrap();
    stored
        .chats
        .iter()
        .flat_map(|chat| chat.messages.iter().cloned())
        .collect()
}

#[test]
fn a_second_store_on_the_same_folder_is_refused_while_the_first_is_open() {
    let dir = temporary_dir("store-lock");
    let first = StateStore::open(&dir).expect("the first store opens");
    let error = StateStore::open(&dir).expect_err("the folder is taken");
    assert!(error.problem.contains("another emulator"), "{error}");
    drop(first);
    StateStore::open(&dir).expect("free again once the first is closed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn messages_are_appended_once_and_a_failed_transaction_writes_nothing() {
    let dir = temporary_dir("store-append");
    let script = loader::embedded().expect("embedded fixtures");
    let store =
        StateStore::open_with(&dir, Some(FaultPoint::FailCommit("never written".into()))).unwrap();
    let mut chat = queued_chat(&script);
    says(&mut chat, "one");
    write(&store, &chat).unwrap();
    says(&mut chat, "two");
    write(&store, &chat).unwrap();
    says(&mut chat, "never written");
    let refused = write(&store, &chat);
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(store.stats().failed_writes, 1);
    // The next change writes again what the failed one did not.
    says(&mut chat, "three");
    let mut closing = chat.clone();
    closing
        .messages
        .retain(|message| !format!("{message:?}").contains("never written"));
    write(&store, &closing).unwrap();
    assert_eq!(store.stats().commits, 3);
    drop(store);
    let texts = stored_texts(&dir);
    assert_eq!(texts.len(), 3, "{texts:?}");
    for (text, expected) in texts.iter().zip(["one", "two", "three"]) {
        assert!(text.contains(expected), "{text} should hold {expected}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn submissions_queued_together_commit_together_in_order() {
    let dir = temporary_dir("store-group");
    let script = loader::embedded().expect("embedded fixtures");
    let store = StateStore::open(&dir).unwrap();
    let mut chat = queued_chat(&script);
    let mut tickets = Vec::new();
    for index in 0..50 {
        says(&mut chat, &format!("message {index}"));
        tickets.push(
            store
                .submit(
                    &[Change::Chat {
                        tenant: "acme",
                        chat: &chat,
                    }],
                    None,
                )
                .unwrap(),
        );
    }
    for ticket in &tickets {
        ticket.committed_blocking().expect("committed");
    }
    assert!(
        store.stats().commits <= 50,
        "at most one commit per submission: {:?}",
        store.stats()
    );
    drop(store);
    let texts = stored_texts(&dir);
    assert_eq!(texts.len(), 50);
    assert!(texts[49].contains("message 49"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_chat_header_is_written_again_only_when_it_changed() {
    let script = loader::embedded().expect("embedded fixtures");
    let mut chat = queued_chat(&script);
    let mut queue = queue::Queue::new(queue::Marks::default());
    // How many header rows the submission of the chat as it is now holds.
    let headers_written = |queue: &mut queue::Queue, chat: &Chat| {
        let changes = [Change::Chat {
            tenant: "acme",
            chat,
        }];
        let headers = queue::Queue::headers_of(&changes);
        queue.submit(&changes, headers, None).unwrap();
        let ops = &queue.items.last().unwrap().ops;
        ops.iter()
            .filter(|op| matches!(op, writer::Op::ChatHeader { .. }))
            .count()
    };
    assert_eq!(headers_written(&mut queue, &chat), 1);
    says(&mut chat, "a message leaves the header as it was");
    assert_eq!(headers_written(&mut queue, &chat), 0);
    chat.lang = "fr".into();
    assert_eq!(headers_written(&mut queue, &chat), 1);
    // Nothing was committed: after a failed transaction the header is written again.
    queue.failed();
    assert_eq!(headers_written(&mut queue, &chat), 1);
}
