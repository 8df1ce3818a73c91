//! Scenario helpers, so a test reads as a specification: [`TenantClient::chat_with_agent`]
//! opens a chat and waits (a long-poll, no polling) until the human agent has it;
//! [`ChatWithAgent`] then says what happens next: the end user says something, the agent
//! says something or transfers to a task virtual agent, and what each party sees.

use ccai_emulator::client::TranscriptView;
use ccai_emulator::features::chats::wire::ChatRecord;

use super::TenantClient;

/// A chat the simulated human agent has joined.
pub struct ChatWithAgent<'a> {
    pub tenant: &'a TenantClient<'a>,
    pub id: u64,
    /// The end user's id.
    pub user: u64,
}

impl<'a> TenantClient<'a> {
    /// A new end user's chat, once the agent has joined it.
    pub async fn chat_with_agent(&'a self) -> ChatWithAgent<'a> {
        let (id, user) = self.open_chat().await;
        self.app.wait_for_chat(id, "routing_state=assigned").await;
        ChatWithAgent {
            tenant: self,
            id,
            user,
        }
    }
}

impl ChatWithAgent<'_> {
    /// The end user sends `text` (it must be accepted).
    pub async fn end_user_says(&self, text: &str) {
        self.tenant.says(self.id, self.user, text).await;
    }

    /// The human agent hands the chat to the task virtual agent `key`.
    pub async fn transfer_to(&self, key: &str) -> ChatRecord {
        self.tenant
            .app
            .admin
            .transfer(self.id, key)
            .await
            .unwrap_or_else(|error| panic!("transfer to {key}: {error}"))
    }

    /// Waits (long-poll) until the chat record meets `condition`, e.g.
    /// `routing_state=assigned` or `contains=done`.
    pub async fn wait_until(&self, condition: &str) -> serde_json::Value {
        self.tenant.app.wait_for_chat(self.id, condition).await
    }

    /// The texts `view` shows, in order.
    pub async fn texts_seen_by(&self, view: TranscriptView) -> Vec<String> {
        let transcript = self
            .tenant
            .app
            .admin
            .transcript(self.id, view)
            .await
            .expect("the transcript answers");
        transcript.texts().into_iter().map(str::to_owned).collect()
    }
}
