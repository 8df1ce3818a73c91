//! The pre-chat transcript a consumer may pass to `POST /chats`: what the end
//! user and an earlier agent said before this chat, shown to the human agent before the
//! live messages and marked pre-chat. The platform does not publish the field's format;
//! the emulator accepts the mobile SDKs' documented "external chat transfer" shape
//!: `[{"sender": "end_user" | "agent", "timestamp": "2021-03-15 12:00:00Z",
//! "content": [{"type": "text", "text": "..."}, {"type": "media", "media": {"type":
//! "image" | "video", "url": "..."}}]}]`, and the sender `virtual_agent` (a bot that
//! handed over), which the public Go client declares. Validation names the place of a
//! problem, e.g. `transcript[1].content[0].text`.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One entry of a pre-chat transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreChatMessage {
    /// `end_user`, `agent` or `virtual_agent`.
    #[schema(schema_with = sender_schema)]
    pub sender: String,
    /// `2021-03-15 12:00:00Z` (the SDKs' form) or RFC 3339.
    #[schema(value_type = String, example = "2021-03-15 12:00:00Z")]
    pub timestamp: DateTime<Utc>,
    pub content: Vec<PreChatContent>,
}

impl PreChatMessage {
    /// The texts of its parts (a media part's URL counts as its text).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.content.iter().map(|part| match part {
            PreChatContent::Text { text } => text.as_str(),
            PreChatContent::Media { media } => media.url.as_str(),
        })
    }
}

/// One part of a pre-chat entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PreChatContent {
    Text { text: String },
    Media { media: PreChatMedia },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreChatMedia {
    /// `image` or `video`.
    #[serde(rename = "type")]
    #[schema(schema_with = media_kind_schema)]
    pub kind: String,
    pub url: String,
}

/// The senders a pre-chat entry may have.
pub const SENDERS: [&str; 3] = ["end_user", "agent", "virtual_agent"];

fn sender_schema() -> utoipa::openapi::Object {
    text_schema(&SENDERS)
}

fn media_kind_schema() -> utoipa::openapi::Object {
    text_schema(&["image", "video"])
}

fn text_schema(values: &[&str]) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// Reads and checks a `transcript`; the error is `"<place>: <problem>"`.
pub fn parse_transcript(value: &Value) -> Result<Vec<PreChatMessage>, String> {
    let entries = value
        .as_array()
        .ok_or("transcript: must be a list of messages")?;
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| parse_entry(&format!("transcript[{index}]"), entry))
        .collect()
}

fn parse_entry(place: &str, entry: &Value) -> Result<PreChatMessage, String> {
    let object = entry
        .as_object()
        .ok_or_else(|| format!("{place}: must be an object with sender, timestamp and content"))?;
    if let Some(unknown) = object
        .keys()
        .find(|key| !["sender", "timestamp", "content"].contains(&key.as_str()))
    {
        return Err(format!(
            "{place}.{unknown}: is not a transcript field (known: sender, timestamp, content)"
        ));
    }
    let sender = match object.get("sender").and_then(Value::as_str) {
        Some(sender) if SENDERS.contains(&sender) => sender.to_owned(),
        Some(other) => {
            return Err(format!(
                "{place}.sender: {other:?} is not one of {}",
                SENDERS.join(", ")
            ))
        }
        None => {
            return Err(format!(
                "{place}.sender: is required ({})",
                SENDERS.join(", ")
            ))
        }
    };
    let timestamp = object
        .get("timestamp")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{place}.timestamp: is required, like \"2021-03-15 12:00:00Z\""))?;
    let timestamp = parse_timestamp(timestamp).ok_or_else(|| {
        format!("{place}.timestamp: {timestamp:?} is not a UTC time like \"2021-03-15 12:00:00Z\"")
    })?;
    let parts = object
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{place}.content: is required: a list of text or media parts"))?;
    if parts.is_empty() {
        return Err(format!("{place}.content: must not be empty"));
    }
    let content = parts
        .iter()
        .enumerate()
        .map(|(index, part)| parse_part(&format!("{place}.content[{index}]"), part))
        .collect::<Result<_, _>>()?;
    Ok(PreChatMessage {
        sender,
        timestamp,
        content,
    })
}

fn parse_part(place: &str, part: &Value) -> Result<PreChatContent, String> {
    match part.get("type").and_then(Value::as_str) {
        Some("text") => match part.get("text").and_then(Value::as_str) {
            Some(text) if !text.trim().is_empty() => Ok(PreChatContent::Text {
                text: text.to_owned(),
            }),
            _ => Err(format!("{place}.text: must be a non-empty string")),
        },
        Some("media") => {
            let media = part
                .get("media")
                .ok_or_else(|| format!("{place}.media: is required for a media part"))?;
            let kind = match media.get("type").and_then(Value::as_str) {
                Some(kind @ ("image" | "video")) => kind.to_owned(),
                _ => return Err(format!("{place}.media.type: must be image or video")),
            };
            let url = match media.get("url").and_then(Value::as_str) {
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                    url.to_owned()
                }
                _ => return Err(format!("{place}.media.url: must be an http(s) URL")),
            };
            Ok(PreChatContent::Media {
                media: PreChatMedia { kind, url },
            })
        }
        Some(other) => Err(format!("{place}.type: {other:?} is not one of text, media")),
        None => Err(format!("{place}.type: is required (text or media)")),
    }
}

/// `2021-03-15 12:00:00Z` (the SDKs' form) or RFC 3339.
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    let naive = text.strip_suffix('Z')?;
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|at| at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_sdk_shape_is_accepted() {
        let transcript = parse_transcript(&json!([
            {"sender": "end_user", "timestamp": "2021-03-15 12:00:00Z",
             "content": [{"type": "text", "text": "Hi"},
                         {"type": "media", "media": {"type": "image", "url": "https://x.invalid/a.jpg"}}]},
            {"sender": "agent", "timestamp": "2021-03-15T12:00:05Z",
             "content": [{"type": "text", "text": "Hello"}]},
            {"sender": "virtual_agent", "timestamp": "2021-03-15T12:00:06Z",
             "content": [{"type": "text", "text": "Handing you over"}]}
        ]))
        .unwrap();
        assert_eq!(transcript.len(), 3);
        assert_eq!(transcript[2].sender, "virtual_agent");
        assert_eq!(transcript[0].content.len(), 2);
    }

    #[test]
    fn a_wrong_shape_names_its_place() {
        let error = parse_transcript(&json!([
            {"sender": "end_user", "timestamp": "2021-03-15 12:00:00Z",
             "content": [{"type": "text", "text": "ok"}, {"type": "txt"}]}
        ]))
        .unwrap_err();
        assert!(
            error.starts_with("transcript[0].content[1].type:"),
            "{error}"
        );
        let error = parse_transcript(&json!([{"sender": "bot"}])).unwrap_err();
        assert!(error.starts_with("transcript[0].sender:"), "{error}");
        let error = parse_transcript(&json!({"a": 1})).unwrap_err();
        assert!(error.starts_with("transcript:"), "{error}");
    }
}
