//! [`NewChat`]: everything `POST /chats` takes, for [`super::AppsClient::start_chat`].

use serde_json::{json, Map, Value};

use crate::core::domain::EndUserId;

/// A chat to start: the end user, and whichever of the language, the menu, the context for
/// the queue-selection virtual agent, a pre-chat transcript and custom data (with reserved
/// data properties) the test needs.
#[derive(Debug, Clone)]
pub struct NewChat {
    end_user_id: EndUserId,
    lang: Option<String>,
    menu_id: Option<u64>,
    context: Option<Value>,
    transcript: Option<Value>,
    custom_data: Option<Value>,
}

impl NewChat {
    /// A chat for this end user, with nothing else.
    pub fn for_end_user(end_user_id: impl Into<EndUserId>) -> NewChat {
        NewChat {
            end_user_id: end_user_id.into(),
            lang: None,
            menu_id: None,
            context: None,
            transcript: None,
            custom_data: None,
        }
    }

    /// The chat's language (`en` when not given).
    pub fn lang(mut self, lang: &str) -> NewChat {
        self.lang = Some(lang.to_owned());
        self
    }

    /// The queue menu the chat starts in.
    pub fn menu_id(mut self, menu_id: u64) -> NewChat {
        self.menu_id = Some(menu_id);
        self
    }

    /// The context for the queue-selection virtual agent (sent as `{"value": context}`).
    pub fn context(mut self, context: Value) -> NewChat {
        self.context = Some(json!({ "value": context }));
        self
    }

    /// A pre-chat transcript: an array of messages, each with its sender and content (page
    /// "Creating chats with transcripts").
    pub fn transcript(mut self, transcript: Value) -> NewChat {
        self.transcript = Some(transcript);
        self
    }

    /// Custom data and reserved data properties (`{"<key>": {"label", "value", "type"?}}`).
    pub fn custom_data(mut self, custom_data: Value) -> NewChat {
        self.custom_data = Some(custom_data);
        self
    }

    /// The body of `POST /chats`: the fields given, nothing else.
    pub(super) fn into_body(self) -> Value {
        let mut body = Map::new();
        body.insert("end_user_id".into(), json!(self.end_user_id));
        let optional = [
            ("lang", self.lang.map(Value::String)),
            ("menu_id", self.menu_id.map(Value::from)),
            ("context", self.context),
            ("transcript", self.transcript),
            ("custom_data", self.custom_data),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                body.insert(name.into(), value);
            }
        }
        Value::Object(body)
    }
}
