//! Test helpers shared by the domain's unit tests: a queued chat of end user
//! [`END_USER`] opened on a given script.

use chrono::Utc;

use super::chat::{Chat, EndUser};
use super::ids::{ChatId, EndUserId};
use super::routing::NewChat;
use super::ContactCenter;

/// The end user of [`queued_chat`].
pub const END_USER: EndUserId = EndUserId(7);

/// Chat 1 of end user [`END_USER`], just opened (queued) on `script`.
pub fn queued_chat(script: &ContactCenter) -> Chat {
    let now = Utc::now();
    let end_user = EndUser {
        id: END_USER,
        identifier: "u".into(),
        name: None,
        email: None,
        phone: None,
        created_at: now,
    };
    let new = NewChat {
        id: ChatId(1),
        end_user,
        lang: "en".into(),
        menu: None,
        context: None,
    };
    Chat::open(new, script, now).0
}
