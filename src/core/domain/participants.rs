//! A virtual agent as a participant of a chat (a task virtual agent, or the
//! queue-selection virtual agent): a leaf type, so the script's and the routing state's
//! modules can name it without depending on the chat.

use serde::{Deserialize, Serialize};

/// A virtual agent as a participant of a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VirtualAgentParticipant {
    pub id: u64,
    pub key: String,
    pub name: String,
    pub avatar_url: Option<String>,
}
