//! When `chat_created` goes out relative to the `POST /chats` answer. The platform says it
//! may arrive before or after the answer (page "Chat platform API Guide"), so a consumer
//! must cope with both. `after_response` (the default) answers at once and delivers in the
//! background; `before_response` holds the answer until the webhook has been delivered, or
//! its first attempt has finished or been given up (at most the webhook timeout);
//! `random` picks one of the two for each chat. Set for the process
//! (`--chat-created-order`) or per tenant (`PUT /__admin/tenants/{sub}/chat_created_order`).

use serde::{Deserialize, Serialize};

/// The `chat_created` ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatCreatedOrder {
    #[default]
    AfterResponse,
    BeforeResponse,
    Random,
}

impl ChatCreatedOrder {
    /// Whether this chat's answer waits for the webhook (`random` draws).
    pub fn answer_waits(self) -> bool {
        match self {
            ChatCreatedOrder::AfterResponse => false,
            ChatCreatedOrder::BeforeResponse => true,
            ChatCreatedOrder::Random => rand::random(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_after_response_never_waits_and_random_draws_both() {
        assert!(!ChatCreatedOrder::AfterResponse.answer_waits());
        assert!(ChatCreatedOrder::BeforeResponse.answer_waits());
        let draws: Vec<bool> = (0..200)
            .map(|_| ChatCreatedOrder::Random.answer_waits())
            .collect();
        assert!(draws.contains(&true) && draws.contains(&false));
        assert_eq!(ChatCreatedOrder::default(), ChatCreatedOrder::AfterResponse);
    }
}
