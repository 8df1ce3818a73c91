//! [`TenantClient`]: one tenant's consumer backend, speaking the Apps API through the
//! emulator's typed [`AppsClient`]; [`TenantClient::call`] stays for the tests that check
//! raw statuses and envelopes.

use awc::http::Method;
use serde_json::{json, Value};

use ccai_emulator::client::AppsClient;
use ccai_emulator::features::webhooks::WebhookTarget;

use super::{basic, unique_subdomain, Reply, TestApp, WebhookReceiver};

/// A consumer's view of one tenant.
pub struct TenantClient<'a> {
    pub app: &'a TestApp,
    pub subdomain: String,
    pub token: String,
    /// The typed Apps API client, authenticated as this tenant.
    pub apps: AppsClient,
}

impl<'a> TenantClient<'a> {
    pub fn new(app: &'a TestApp, subdomain: String, token: &str) -> TenantClient<'a> {
        TenantClient {
            apps: app.emulator.apps_client(&subdomain, token),
            app,
            subdomain,
            token: token.to_owned(),
        }
    }

    pub fn auth(&self) -> String {
        basic(&self.subdomain, &self.token)
    }

    /// A raw Apps API call (path relative to `/apps/api/v1`).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let path = format!("/apps/api/v1{path}");
        self.app.send(method, &path, Some(&self.auth()), body).await
    }

    /// Points this tenant's webhooks at `receiver`.
    pub async fn use_receiver(&self, receiver: &WebhookReceiver) {
        let target = WebhookTarget {
            url: receiver.url(),
            primary_secret: receiver.primary_secret.clone(),
            secondary_secret: receiver.secondary_secret.clone(),
        };
        self.app
            .admin
            .set_webhook(&self.subdomain, &target)
            .await
            .expect("the webhook target is set");
    }

    /// Upserts the end user `identifier`; answers its id.
    pub async fn end_user(&self, identifier: &str) -> u64 {
        self.apps
            .upsert_end_user(identifier, Some("Test User"))
            .await
            .expect("the end user is upserted")
            .id
            .get()
    }

    /// A new end user and a chat (the agent joins at once: join delay 0 in tests).
    pub async fn open_chat(&self) -> (u64, u64) {
        let user = self.end_user(&unique_subdomain("user")).await;
        let chat = self.apps.create_chat(user).await.expect("the chat opens");
        (chat.id.get(), user)
    }

    /// The end user sends `text`; the raw answer (for tests of refusals).
    pub async fn say(&self, chat_id: u64, user: u64, text: &str) -> Reply {
        let body =
            json!({"from_user_id": user, "message": {"type": "text", "content": {"text": text}}});
        self.call(
            Method::POST,
            &format!("/chats/{chat_id}/message"),
            Some(body),
        )
        .await
    }

    /// The end user sends `text`, which must be accepted.
    pub async fn says(&self, chat_id: u64, user: u64, text: &str) {
        if let Err(error) = self.apps.send_text(chat_id, user, text).await {
            panic!("{text:?}: {error}");
        }
    }
}
