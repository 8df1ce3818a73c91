//! What a wait on a chat last saw, for the 408 that ends it: the chat's status and routing
//! state, how many messages the asked view held and the last few of them, and, when the
//! awaited text is in the full record but not in the asked view, that it is hidden there
//! (the task virtual agent's data never reaches the agent's view). Pure: it reads a chat.

use serde_json::json;

use crate::core::domain::chat::{MessageBody, Sender, View};
use crate::core::domain::{Chat, Message};
use crate::http::waiting::Explanation;

/// How many of the last messages a report quotes.
pub const LAST_MESSAGES: usize = 3;
/// How much of each quoted message's text.
const QUOTE_CHARS: usize = 60;

/// The report on `chat` as `view` shows it; `contains` is the awaited text, if any.
pub fn last_seen(chat: &Chat, view: View, contains: Option<&str>) -> Explanation {
    let view_name = match view {
        View::EndUser => "end_user",
        View::Agent => "agent",
        View::All => "all",
    };
    let shown: Vec<&Message> = chat.transcript(view).collect();
    let last = &shown[shown.len().saturating_sub(LAST_MESSAGES)..];
    let quoted: Vec<String> = last.iter().map(|message| quote(message)).collect();
    let mut text = format!(
        "the chat was status={}, routing_state={}; the {view_name} view held {} message{}",
        chat.status(),
        chat.routing.name(),
        shown.len(),
        if shown.len() == 1 { "" } else { "s" },
    );
    if !quoted.is_empty() {
        text.push_str(&format!(
            ", the last {}: {}",
            quoted.len(),
            quoted.join("; ")
        ));
    }
    let hidden = contains.and_then(|needle| hidden_match(chat, view, needle));
    if let Some(message) = hidden {
        text.push_str(&format!(
            "; {:?} is in message #{} of the full record, which the {view_name} view does not show",
            contains.unwrap_or_default(),
            message.id.get()
        ));
    }
    Explanation {
        text,
        last_seen: json!({
            "status": chat.status(),
            "routing_state": chat.routing.name(),
            "view": view_name,
            "messages": shown.len(),
            "last_messages": last,
            "hidden_in_view": hidden.map(|message| message.id.get()),
        }),
    }
}

/// The first message holding `needle` that `view` leaves out (none when the view shows all).
fn hidden_match<'a>(chat: &'a Chat, view: View, needle: &str) -> Option<&'a Message> {
    if view == View::All {
        return None;
    }
    chat.transcript(View::All).find(|message| {
        !view.shows(message) && text_of(message).is_some_and(|text| text.contains(needle))
    })
}

/// `#4 agent Alex: "How can I help?"`, the text cut to [`QUOTE_CHARS`].
fn quote(message: &Message) -> String {
    let who = match &message.sender {
        Sender::EndUser { .. } => "end_user".to_owned(),
        Sender::Agent { name, .. } => format!("agent {name}"),
        Sender::TaskVirtualAgent { key, .. } => format!("task_virtual_agent {key}"),
        Sender::VirtualAgent { name, .. } => format!("virtual_agent {name}"),
        Sender::System => "system".to_owned(),
    };
    let what = match (&message.body, text_of(message)) {
        (_, Some(text)) => format!("{:?}", cut(text)),
        (MessageBody::Photo { media_id }, _) => format!("photo {media_id}"),
        (MessageBody::Video { media_id }, _) => format!("video {media_id}"),
        (MessageBody::Attachment { filename, .. }, _) => format!("attachment {filename:?}"),
        _ => "(no text)".to_owned(),
    };
    format!("#{} {who}: {what}", message.id.get())
}

fn text_of(message: &Message) -> Option<&str> {
    match &message.body {
        MessageBody::Text { text } | MessageBody::Notice { text } => Some(text),
        _ => None,
    }
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
