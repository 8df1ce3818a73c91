//! The per-tenant choices where the emulator may differ from the platform (see
//! `docs/fidelity.md`): the webhook event selection, the `chat_created` order, and the
//! "after hours" switch that `PATCH /chats/{id}/resume` obeys; and the process-wide
//! options as `/__admin/health` reports them.

use serde::{Deserialize, Serialize};

use super::AppState;
use crate::core::domain::ChatId;
use crate::features::webhooks::creation_order::ChatCreatedOrder;
use crate::features::webhooks::event_selection::EventSelection;

/// A tenant's webhook event selection as the control plane answers it
/// (`TenantEventSelection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantEventSelection {
    pub tenant: String,
    /// `tenant` (its own) or `default` (`--webhook-events`).
    pub source: String,
    /// `documented`, `all` or `custom`.
    pub selection: String,
    /// The selected event names, in catalog order.
    pub events: Vec<String>,
}

/// A tenant's `chat_created` order as the control plane answers it
/// (`TenantChatCreatedOrder`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantChatCreatedOrder {
    pub tenant: String,
    /// `tenant` (its own) or `default` (`--chat-created-order`).
    pub source: String,
    pub order: ChatCreatedOrder,
}

/// A tenant's after-hours switch as the control plane answers it (`TenantAfterHours`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantAfterHours {
    pub tenant: String,
    pub after_hours: bool,
    /// The message `PATCH /chats/{id}/resume` answers while after hours.
    pub message: Option<String>,
}

impl AppState {
    /// The events the tenant receives, and `tenant` or `default` for where that comes from.
    pub fn event_selection(&self, tenant: &str) -> (EventSelection, &'static str) {
        self.webhooks.event_selection(tenant)
    }

    /// The tenant's event selection, as the control plane answers it.
    pub fn tenant_event_selection(&self, tenant: &str) -> TenantEventSelection {
        let (selection, source) = self.event_selection(tenant);
        TenantEventSelection {
            tenant: tenant.to_owned(),
            source: source.to_owned(),
            selection: selection.name().to_owned(),
            events: selection.names().into_iter().map(str::to_owned).collect(),
        }
    }

    /// The tenant's `chat_created` order, as the control plane answers it.
    pub fn tenant_chat_created_order(&self, tenant: &str) -> TenantChatCreatedOrder {
        let (order, source) = self.chat_created_order(tenant);
        TenantChatCreatedOrder {
            tenant: tenant.to_owned(),
            source: source.to_owned(),
            order,
        }
    }

    /// The tenant's after-hours switch, as the control plane answers it.
    pub fn tenant_after_hours(&self, tenant: &str) -> TenantAfterHours {
        let message = self.after_hours_message(tenant);
        TenantAfterHours {
            tenant: tenant.to_owned(),
            after_hours: message.is_some(),
            message,
        }
    }

    pub fn set_event_selection(&self, tenant: &str, selection: EventSelection) {
        self.webhooks.set_event_selection(tenant, selection);
        self.persist_settings(tenant);
    }

    /// Back to the default; false when the tenant had no selection of its own.
    pub fn clear_event_selection(&self, tenant: &str) -> bool {
        let cleared = self.webhooks.clear_event_selection(tenant);
        self.persist_settings(tenant);
        cleared
    }

    /// The tenant's `chat_created` order, and `tenant` or `default`.
    pub fn chat_created_order(&self, tenant: &str) -> (ChatCreatedOrder, &'static str) {
        self.webhooks.chat_created_order(tenant)
    }

    pub fn set_chat_created_order(&self, tenant: &str, order: ChatCreatedOrder) {
        self.webhooks.set_chat_created_order(tenant, order);
        self.persist_settings(tenant);
    }

    /// Back to the default; false when the tenant had no order of its own.
    pub fn clear_chat_created_order(&self, tenant: &str) -> bool {
        let cleared = self.webhooks.clear_chat_created_order(tenant);
        self.persist_settings(tenant);
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

    /// The tenant's after-hours message, when it is after hours.
    pub fn after_hours_message(&self, tenant: &str) -> Option<String> {
        self.after_hours.message_for(tenant)
    }

    /// Puts the tenant after hours (`Some(message)`, or the default message) or back within
    /// hours (`None` with `after_hours` false).
    pub fn set_after_hours(&self, tenant: &str, after_hours: bool, message: Option<String>) {
        if after_hours {
            self.after_hours.close(tenant, message);
        } else {
            self.after_hours.open(tenant);
        }
        self.persist_settings(tenant);
    }

    /// The process-wide options, as `/__admin/health` reports them.
    pub fn fidelity_options(&self) -> FidelityOptions {
        let options = self.webhooks.options();
        FidelityOptions {
            webhook_events: options.events.name().to_owned(),
            chat_created_order: options.chat_created_order,
            webhook_delivery_id_header: options.delivery_id_header,
            mid_session_duplicate_interval_ms: self.mid_session.interval().as_millis() as u64,
        }
    }
}

/// Where the emulator differs from the platform only on request, process-wide
/// (`/__admin/health`'s `fidelity`, `FidelityOptions`; see `docs/fidelity.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FidelityOptions {
    /// `documented`, `all` or `custom` (`--webhook-events`).
    pub webhook_events: String,
    pub chat_created_order: ChatCreatedOrder,
    pub webhook_delivery_id_header: bool,
    pub mid_session_duplicate_interval_ms: u64,
}
