//! [`AppsClient`]: the emulated Apps API as one tenant's consumer backend calls it.

use awc::http::Method;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use super::{ClientError, Http, NewChat};
use crate::core::domain::{ChatId, EndUserId};
use crate::core::wire::apps::{Chat, EndUser, MessageAccepted};
use crate::core::wire::escalations::Escalation;
use crate::features::escalations::wire::WaitTime;

/// A client of `/apps/api/v1` for one tenant (Basic auth: subdomain and token).
#[derive(Clone)]
pub struct AppsClient {
    http: Http,
}

impl AppsClient {
    /// `base_url` is the emulator's (`http://host:port`), without the API path.
    pub fn new(base_url: &str, subdomain: &str, token: &str) -> AppsClient {
        let credentials = STANDARD.encode(format!("{subdomain}:{token}"));
        AppsClient {
            http: Http::new(
                &format!(
                    "{}{}",
                    base_url.trim_end_matches('/'),
                    crate::core::wire::APPS_API_BASE
                ),
                Some(format!("Basic {credentials}")),
            ),
        }
    }

    /// Creates the end user, or updates the one with this identifier.
    pub async fn upsert_end_user(
        &self,
        identifier: &str,
        name: Option<&str>,
    ) -> Result<EndUser, ClientError> {
        let body = json!({"identifier": identifier, "name": name});
        self.http.call(Method::POST, "/end_users", Some(body)).await
    }

    /// Starts a chat; answers the platform's chat object.
    pub async fn create_chat(
        &self,
        end_user_id: impl Into<EndUserId>,
    ) -> Result<Chat, ClientError> {
        self.start_chat(NewChat::for_end_user(end_user_id)).await
    }

    /// Starts a chat with a `context` for the queue-selection virtual agent.
    pub async fn create_chat_with_context(
        &self,
        end_user_id: impl Into<EndUserId>,
        context: serde_json::Value,
    ) -> Result<Chat, ClientError> {
        self.start_chat(NewChat::for_end_user(end_user_id).context(context))
            .await
    }

    /// Starts a chat with custom data and reserved data properties
    /// (`{"<key>": {"label", "value", "type"?}}`).
    pub async fn create_chat_with_custom_data(
        &self,
        end_user_id: impl Into<EndUserId>,
        custom_data: serde_json::Value,
    ) -> Result<Chat, ClientError> {
        self.start_chat(NewChat::for_end_user(end_user_id).custom_data(custom_data))
            .await
    }

    /// Starts a chat with whichever fields of `POST /chats` it gives (language, menu,
    /// context, pre-chat transcript, custom data).
    pub async fn start_chat(&self, chat: NewChat) -> Result<Chat, ClientError> {
        self.http
            .call(Method::POST, "/chats", Some(chat.into_body()))
            .await
    }

    /// Adds custom data and reserved data properties to a chat that began
    /// (`POST /chats/{id}/custom_data` with `{"signed": false, "data": ...}`); answers
    /// `{chat_id, custom_data}` with the chat's whole custom data.
    pub async fn send_custom_data(
        &self,
        chat_id: impl Into<ChatId>,
        data: serde_json::Value,
    ) -> Result<serde_json::Value, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let body = json!({"signed": false, "data": data});
        self.http
            .call(
                Method::POST,
                &format!("/chats/{chat_id}/custom_data"),
                Some(body),
            )
            .await
    }

    /// `GET /wait_times?lang=...`, narrowed by `filters` (`("channel_type", "chat")`,
    /// `("menu_id", "2")`, `("wait[from]", "5")`, ...).
    pub async fn wait_times(
        &self,
        lang: &str,
        filters: &[(&str, &str)],
    ) -> Result<Vec<WaitTime>, ClientError> {
        let mut pairs = vec![format!("lang={}", super::encode(lang))];
        pairs.extend(
            filters
                .iter()
                .map(|(name, value)| format!("{}={}", super::encode(name), super::encode(value))),
        );
        self.http
            .call(
                Method::GET,
                &format!("/wait_times?{}", pairs.join("&")),
                None,
            )
            .await
    }

    /// The platform's chat object.
    pub async fn chat(&self, chat_id: impl Into<ChatId>) -> Result<Chat, ClientError> {
        let chat_id: ChatId = chat_id.into();
        self.http
            .call(Method::GET, &format!("/chats/{chat_id}"), None)
            .await
    }

    /// The end user sends a text message; answers the stored message's id and visibility.
    pub async fn send_text(
        &self,
        chat_id: impl Into<ChatId>,
        from_user_id: impl Into<EndUserId>,
        text: &str,
    ) -> Result<MessageAccepted, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let from_user_id: EndUserId = from_user_id.into();
        let body = json!({
            "from_user_id": from_user_id,
            "message": {"type": "text", "content": {"text": text}},
        });
        self.http
            .call(
                Method::POST,
                &format!("/chats/{chat_id}/message"),
                Some(body),
            )
            .await
    }

    /// The end user ends the chat.
    pub async fn end_chat(
        &self,
        chat_id: impl Into<ChatId>,
        by_user_id: impl Into<EndUserId>,
    ) -> Result<Chat, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let by_user_id: EndUserId = by_user_id.into();
        let body = json!({"status": "finished", "finished_by_user_id": by_user_id});
        self.http
            .call(Method::PATCH, &format!("/chats/{chat_id}"), Some(body))
            .await
    }

    /// Asks the queue-selection virtual agent to escalate (to `queue_id`, or the default
    /// queue); answers the escalation.
    pub async fn escalate(
        &self,
        chat_id: impl Into<ChatId>,
        queue_id: Option<&str>,
    ) -> Result<Escalation, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let body = queue_id.map(|queue_id| json!({ "queue_id": queue_id }));
        self.http
            .call(Method::POST, &format!("/chats/{chat_id}/escalations"), body)
            .await
    }

    /// Answers a deflected escalation with `human_agent` (keep waiting) or `virtual_agent`.
    pub async fn choose_deflection(
        &self,
        chat_id: impl Into<ChatId>,
        escalation_id: u64,
        channel: &str,
    ) -> Result<Escalation, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let path = format!("/chats/{chat_id}/escalations/{escalation_id}");
        let body = json!({ "deflection_channel": channel });
        self.http.call(Method::PATCH, &path, Some(body)).await
    }

    /// The end user ends the chat choosing a deflection that ends it (`email`,
    /// `external_link`).
    pub async fn end_chat_deflected(
        &self,
        chat_id: impl Into<ChatId>,
        escalation_id: u64,
        channel: &str,
    ) -> Result<Chat, ClientError> {
        let chat_id: ChatId = chat_id.into();
        let body = json!({"chat": {"status": "finished", "escalation_id": escalation_id,
                                   "deflection_channel": channel}});
        self.http
            .call(Method::PATCH, &format!("/chats/{chat_id}"), Some(body))
            .await
    }
}
