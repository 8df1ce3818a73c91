//! [`WebhookSettings`]: the webhook use cases of the control plane: each tenant's target
//! (or the default), its injected faults, its event selection, `chat_created` order and
//! message content shape (the choices where the emulator may differ from the platform,
//! see `docs/fidelity.md`), the delivery journal and redelivery. A change to a tenant's settings is written to
//! `--state-dir` with the tenant's other settings.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::content_shape::MessageContentShape;
use super::creation_order::ChatCreatedOrder;
use super::delivery_journal::{Delivery, DeliveryCaps, DeliveryCounters, DeliveryFilter};
use super::event_selection::EventSelection;
use super::faults::FaultInjection;
use super::{wait_report, WebhookError, WebhookTarget, Webhooks};
use crate::core::domain::{ChatId, DeliveryId};
use crate::core::live_events::LiveEventBus;
use crate::core::state::AppState;
use crate::http::waiting::Explanation;

/// Where a tenant's webhook target comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetSource {
    /// Set for this tenant.
    Tenant,
    /// The process-wide default (`--webhook-url`).
    Default,
}

impl TargetSource {
    pub fn name(self) -> &'static str {
        match self {
            TargetSource::Tenant => "tenant",
            TargetSource::Default => "default",
        }
    }
}

/// The target a tenant's webhooks go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantWebhook {
    pub source: TargetSource,
    pub target: WebhookTarget,
}

/// A tenant's webhook event selection as the control plane answers it
/// (`TenantEventSelection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantEventSelection {
    pub tenant: String,
    /// `tenant` (its own) or `default` (`--webhook-events`).
    #[schema(schema_with = crate::core::wire::text_values::source)]
    pub source: String,
    /// `documented`, `all` or `custom`.
    #[schema(schema_with = selections)]
    pub selection: String,
    /// The selected event names, in catalog order.
    pub events: Vec<String>,
}

/// A tenant's `chat_created` order as the control plane answers it
/// (`TenantChatCreatedOrder`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantChatCreatedOrder {
    pub tenant: String,
    /// `tenant` (its own) or `default` (`--chat-created-order`).
    #[schema(schema_with = crate::core::wire::text_values::source)]
    pub source: String,
    pub order: ChatCreatedOrder,
}

/// A tenant's message content shape as the control plane answers it
/// (`TenantMessageContentShape`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantMessageContentShape {
    pub tenant: String,
    /// `tenant` (its own) or `default` (`--message-content-shape`).
    #[schema(schema_with = crate::core::wire::text_values::source)]
    pub source: String,
    pub shape: MessageContentShape,
}

fn selections() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&["documented", "all", "custom"])
}

/// The webhook use cases.
pub struct WebhookSettings {
    state: Arc<AppState>,
    webhooks: Arc<Webhooks>,
}

impl WebhookSettings {
    pub fn new(state: Arc<AppState>, webhooks: Arc<Webhooks>) -> WebhookSettings {
        WebhookSettings { state, webhooks }
    }

    /// The bus the journal's long-polls wait on.
    pub fn live_events(&self) -> &LiveEventBus {
        self.state.live_events()
    }

    pub fn set_webhook_target(
        &self,
        tenant: &str,
        target: WebhookTarget,
    ) -> Result<(), WebhookError> {
        self.webhooks.set_target(tenant, target)?;
        self.state.settings_changed(tenant);
        Ok(())
    }

    /// The tenant's own target, or else the default.
    pub fn webhook_target(&self, tenant: &str) -> Result<TenantWebhook, WebhookError> {
        match self.webhooks.target(tenant) {
            Some(target) => Ok(TenantWebhook {
                source: TargetSource::Tenant,
                target,
            }),
            None => Ok(TenantWebhook {
                source: TargetSource::Default,
                target: self
                    .webhooks
                    .default_target()
                    .cloned()
                    .ok_or(WebhookError::NoTarget)?,
            }),
        }
    }

    pub fn remove_webhook_target(&self, tenant: &str) -> Result<WebhookTarget, WebhookError> {
        let removed = self
            .webhooks
            .remove_target(tenant)
            .ok_or(WebhookError::NoTarget)?;
        self.state.settings_changed(tenant);
        Ok(removed)
    }

    /// The secondary secret becomes the primary one.
    pub fn rotate_webhook_secret(&self, tenant: &str) -> Result<WebhookTarget, WebhookError> {
        let rotated = self.webhooks.rotate(tenant)?;
        self.state.settings_changed(tenant);
        Ok(rotated)
    }

    pub fn set_webhook_faults(
        &self,
        tenant: &str,
        faults: FaultInjection,
    ) -> Result<(), WebhookError> {
        self.webhooks.set_faults(tenant, faults)?;
        self.state.settings_changed(tenant);
        Ok(())
    }

    pub fn webhook_faults(&self, tenant: &str) -> Result<FaultInjection, WebhookError> {
        self.webhooks.faults(tenant).ok_or(WebhookError::NoFaults)
    }

    pub fn clear_webhook_faults(&self, tenant: &str) -> Result<(), WebhookError> {
        self.webhooks.clear_faults(tenant)?;
        self.state.settings_changed(tenant);
        Ok(())
    }

    /// The journaled deliveries that match.
    pub fn deliveries(&self, filter: &DeliveryFilter) -> Vec<Delivery> {
        self.webhooks.deliveries(filter)
    }

    pub fn delivery_counters(&self, filter: &DeliveryFilter) -> DeliveryCounters {
        self.webhooks.counters(filter)
    }

    pub fn delivery(&self, id: DeliveryId) -> Result<Delivery, WebhookError> {
        self.webhooks
            .delivery(id)
            .ok_or(WebhookError::UnknownDelivery(id))
    }

    /// Sends a delivery again (same id, fresh signature), behind its chat's queued events.
    pub fn redeliver(&self, id: DeliveryId) -> Result<Delivery, WebhookError> {
        self.webhooks.redeliver(id)
    }

    /// Deliveries kept in the journal, and its cap.
    pub fn delivery_journal_size(&self) -> (usize, usize) {
        self.webhooks.journal_size()
    }

    /// What a wait on the journal with `filter` saw, for its 408 (see `wait_report`).
    pub fn explain_wait(&self, filter: &DeliveryFilter) -> Explanation {
        let around = self.webhooks.deliveries(&DeliveryFilter {
            tenant: filter.tenant.clone(),
            chat_id: filter.chat_id,
            event_type: None,
            status: None,
        });
        wait_report::last_seen(
            filter,
            &around,
            |tenant| self.webhooks.event_selection(tenant),
            &self.webhooks.options().events,
        )
    }

    /// What each delivery may keep.
    pub fn delivery_caps(&self) -> DeliveryCaps {
        self.webhooks.caps()
    }

    /// The tenant's event selection, as the control plane answers it.
    pub fn tenant_event_selection(&self, tenant: &str) -> TenantEventSelection {
        let (selection, source) = self.webhooks.event_selection(tenant);
        TenantEventSelection {
            tenant: tenant.to_owned(),
            source: source.to_owned(),
            selection: selection.name().to_owned(),
            events: selection.names().into_iter().map(str::to_owned).collect(),
        }
    }

    pub fn set_event_selection(&self, tenant: &str, selection: EventSelection) {
        self.webhooks.set_event_selection(tenant, selection);
        self.state.settings_changed(tenant);
    }

    /// Back to the default; false when the tenant had no selection of its own.
    pub fn clear_event_selection(&self, tenant: &str) -> bool {
        let cleared = self.webhooks.clear_event_selection(tenant);
        self.state.settings_changed(tenant);
        cleared
    }

    /// The tenant's `chat_created` order, as the control plane answers it.
    pub fn tenant_chat_created_order(&self, tenant: &str) -> TenantChatCreatedOrder {
        let (order, source) = self.webhooks.chat_created_order(tenant);
        TenantChatCreatedOrder {
            tenant: tenant.to_owned(),
            source: source.to_owned(),
            order,
        }
    }

    pub fn set_chat_created_order(&self, tenant: &str, order: ChatCreatedOrder) {
        self.webhooks.set_chat_created_order(tenant, order);
        self.state.settings_changed(tenant);
    }

    /// Back to the default; false when the tenant had no order of its own.
    pub fn clear_chat_created_order(&self, tenant: &str) -> bool {
        let cleared = self.webhooks.clear_chat_created_order(tenant);
        self.state.settings_changed(tenant);
        cleared
    }

    /// The tenant's message content shape, as the control plane answers it.
    pub fn tenant_message_content_shape(&self, tenant: &str) -> TenantMessageContentShape {
        let (shape, source) = self.webhooks.message_content_shape(tenant);
        TenantMessageContentShape {
            tenant: tenant.to_owned(),
            source: source.to_owned(),
            shape,
        }
    }

    pub fn set_message_content_shape(&self, tenant: &str, shape: MessageContentShape) {
        self.webhooks.set_message_content_shape(tenant, shape);
        self.state.settings_changed(tenant);
    }

    /// Back to the default; false when the tenant had no shape of its own.
    pub fn clear_message_content_shape(&self, tenant: &str) -> bool {
        let cleared = self.webhooks.clear_message_content_shape(tenant);
        self.state.settings_changed(tenant);
        cleared
    }

    /// With the tenant's order `before_response` (or `random` drawing it), waits until the
    /// chat's `chat_created` has been delivered or its first attempt has ended (at most the
    /// webhook timeout and a second), so that `POST /chats` answers after it.
    pub async fn chat_created_before_answer(&self, tenant: &str, chat_id: ChatId) {
        if self.webhooks.chat_created_order(tenant).0.answer_waits() {
            let limit = self.webhooks.attempt_timeout() + std::time::Duration::from_secs(1);
            self.webhooks
                .wait_for_chat_created(tenant, chat_id, limit)
                .await;
        }
    }
}
