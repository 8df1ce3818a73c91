//! The [`Webhooks`] side of each tenant's choices: its event selection (see
//! [`super::event_selection`]), its message content shape ([`super::content_shape`]), its `chat_created` order and the wait that
//! `before_response` needs (see [`super::creation_order`]), and the process-wide options as
//! the control plane reports them.

use std::time::Duration;

use super::catalog::EventType;
use super::content_shape::MessageContentShape;
use super::creation_order::ChatCreatedOrder;
use super::delivery_journal::{DeliveryFilter, DeliveryStatus};
use super::event_selection::EventSelection;
use super::{WebhookOptions, Webhooks};
use crate::core::domain::ChatId;

impl Webhooks {
    /// The events the tenant receives, and whether that is its own choice (`tenant`) or
    /// the process default (`default`).
    pub fn event_selection(&self, tenant: &str) -> (EventSelection, &'static str) {
        match self.webhook_targets.event_selections.get(tenant) {
            Some(selection) => (selection.clone(), "tenant"),
            None => (self.webhook_targets.options.events.clone(), "default"),
        }
    }

    pub fn set_event_selection(&self, tenant: &str, selection: EventSelection) {
        self.webhook_targets
            .event_selections
            .insert(tenant.to_owned(), selection);
    }

    /// Back to the process default; false when the tenant had no choice of its own.
    pub fn clear_event_selection(&self, tenant: &str) -> bool {
        self.webhook_targets
            .event_selections
            .remove(tenant)
            .is_some()
    }

    /// The process-wide options (the defaults tenants have not overridden).
    pub fn options(&self) -> &WebhookOptions {
        &self.webhook_targets.options
    }
}

impl Webhooks {
    /// How a text `message_received` carries its text for the tenant, and whether that is
    /// its own choice (`tenant`) or the process default (`default`).
    pub fn message_content_shape(&self, tenant: &str) -> (MessageContentShape, &'static str) {
        match self.webhook_targets.message_content_shapes.get(tenant) {
            Some(shape) => (*shape, "tenant"),
            None => (
                self.webhook_targets.options.message_content_shape,
                "default",
            ),
        }
    }

    pub fn set_message_content_shape(&self, tenant: &str, shape: MessageContentShape) {
        self.webhook_targets
            .message_content_shapes
            .insert(tenant.to_owned(), shape);
    }

    /// Back to the process default; false when the tenant had no shape of its own.
    pub fn clear_message_content_shape(&self, tenant: &str) -> bool {
        self.webhook_targets
            .message_content_shapes
            .remove(tenant)
            .is_some()
    }
}

impl Webhooks {
    /// The tenant's `chat_created` order, and whether it is its own (`tenant`) or the
    /// process default (`default`).
    pub fn chat_created_order(&self, tenant: &str) -> (ChatCreatedOrder, &'static str) {
        match self.webhook_targets.chat_created_orders.get(tenant) {
            Some(order) => (*order, "tenant"),
            None => (self.webhook_targets.options.chat_created_order, "default"),
        }
    }

    pub fn set_chat_created_order(&self, tenant: &str, order: ChatCreatedOrder) {
        self.webhook_targets
            .chat_created_orders
            .insert(tenant.to_owned(), order);
    }

    /// Back to the process default; false when the tenant had no order of its own.
    pub fn clear_chat_created_order(&self, tenant: &str) -> bool {
        self.webhook_targets
            .chat_created_orders
            .remove(tenant)
            .is_some()
    }

    /// Waits until the chat's `chat_created` delivery has had its first attempt (or needs
    /// none: skipped, suppressed), or `limit` has passed.
    pub async fn wait_for_chat_created(&self, tenant: &str, chat_id: ChatId, limit: Duration) {
        let filter = DeliveryFilter {
            tenant: Some(tenant.to_owned()),
            chat_id: Some(chat_id),
            event_type: Some(EventType::ChatCreated),
            status: None,
        };
        let mut changes = self.events.changes();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let attempted = self.journal.list(&filter).iter().all(|delivery| {
                delivery.status != DeliveryStatus::Pending || !delivery.attempts.is_empty()
            });
            if attempted {
                return;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return;
            }
        }
    }
}
