//! Where each tenant's webhooks go: its own [`WebhookTarget`] (URL and signing secrets) or
//! the process-wide default, and the faults injected into its deliveries
//! ([`WebhookTargets`]); and [`WebhookError`], why a target or delivery request was refused.

use std::sync::Arc;

use dashmap::DashMap;
use serde::{Deserialize, Serialize};

use super::content_shape::MessageContentShape;
use super::creation_order::ChatCreatedOrder;
use super::delivery_journal::DeliveryCaps;
use super::event_selection::EventSelection;
use super::faults::FaultInjection;
use super::http::loopback::OwnAddress;
use crate::core::domain::DeliveryId;
use crate::core::state::durability::Durability;

/// Where a tenant's webhooks go and the secrets they are signed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookTarget {
    #[schema(format = "uri")]
    pub url: String,
    pub primary_secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_secret: Option<String>,
}

/// Why a webhook target or delivery request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    InvalidTarget(String),
    #[error("No webhook is configured for this tenant")]
    NoTarget,
    #[error("There is no secondary secret to rotate to")]
    NoSecondarySecret,
    #[error("No delivery has the id {0}")]
    UnknownDelivery(DeliveryId),
    #[error("Delivery {0} was skipped and its chat has since been evicted, so its body can no longer be built")]
    BodyGone(DeliveryId),
    #[error("{0}")]
    InvalidFaults(String),
    #[error("No faults are configured for this tenant")]
    NoFaults,
    #[error("Delivery {id} cannot be sent again: its payload of {bytes} bytes was trimmed to {kept} bytes when it finished")]
    PayloadTrimmed {
        id: DeliveryId,
        bytes: usize,
        kept: usize,
    },
}

/// Process-wide delivery options that differ from what the platform does only on request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOptions {
    /// Which events tenants receive unless they choose (`--webhook-events`).
    pub events: EventSelection,
    /// When `chat_created` goes out unless a tenant chooses (`--chat-created-order`).
    pub chat_created_order: ChatCreatedOrder,
    /// Send `X-Emulator-Delivery-Id` (the platform sends no such header).
    pub delivery_id_header: bool,
    /// How a text `message_received` carries its text unless a tenant chooses
    /// (`--message-content-shape`).
    pub message_content_shape: MessageContentShape,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        WebhookOptions {
            events: EventSelection::Documented,
            chat_created_order: ChatCreatedOrder::AfterResponse,
            delivery_id_header: true,
            message_content_shape: MessageContentShape::String,
        }
    }
}

/// A tenant's webhook target and whether it is the tenant's own or the default, as the
/// control plane answers it (`WebhookConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookConfig {
    pub tenant: String,
    /// `tenant` or `default`.
    #[schema(schema_with = crate::core::wire::text_values::source)]
    pub source: String,
    pub webhook: WebhookTarget,
    /// `false`: the secrets read `"[redacted]"` (ask with `?reveal_secrets=true`).
    #[serde(default)]
    pub secrets_revealed: bool,
}

/// What replaces a secret in an answer that did not ask for it.
pub const REDACTED: &str = "[redacted]";

impl WebhookConfig {
    /// The answer for `target`, its secrets redacted unless `reveal` (emulator's choice).
    pub fn answer(tenant: &str, source: &str, mut target: WebhookTarget, reveal: bool) -> Self {
        if !reveal {
            target.primary_secret = REDACTED.to_owned();
            if let Some(secondary) = target.secondary_secret.as_mut() {
                *secondary = REDACTED.to_owned();
            }
        }
        WebhookConfig {
            tenant: tenant.to_owned(),
            source: source.to_owned(),
            webhook: target,
            secrets_revealed: reveal,
        }
    }
}

/// Per-tenant targets, faults, event selections, `chat_created` orders and message
/// content shapes, plus the
/// process-wide defaults.
#[derive(Default)]
pub struct WebhookTargets {
    pub(super) targets: DashMap<String, WebhookTarget>,
    pub(super) default: Option<WebhookTarget>,
    pub(super) faults: DashMap<String, FaultInjection>,
    /// The emulator's own address, to refuse targets that loop back into it.
    pub(super) own_address: Arc<OwnAddress>,
    /// What each delivery may keep.
    pub(super) caps: Option<DeliveryCaps>,
    pub(super) options: WebhookOptions,
    pub(super) event_selections: DashMap<String, EventSelection>,
    pub(super) chat_created_orders: DashMap<String, ChatCreatedOrder>,
    pub(super) message_content_shapes: DashMap<String, MessageContentShape>,
    /// Where pending deliveries are written, with `--state-dir`.
    pub(super) durability: Option<Arc<dyn Durability>>,
}

impl WebhookTargets {
    /// The tenant's own target, or else the default.
    pub fn resolve(&self, tenant: &str) -> Option<WebhookTarget> {
        self.targets
            .get(tenant)
            .map(|target| target.clone())
            .or_else(|| self.default.clone())
    }

    pub fn faults(&self, tenant: &str) -> Option<FaultInjection> {
        self.faults.get(tenant).map(|faults| faults.clone())
    }

    /// What each delivery may keep.
    pub fn caps(&self) -> DeliveryCaps {
        // Lazily: building the default limits parses every limit's default (once per
        // delivery journaled, it was about 6% of an ingest request's instructions).
        self.caps.unwrap_or_else(|| {
            let limits = crate::core::limits::Limits::default();
            DeliveryCaps {
                payload_bytes: limits.delivery_payload_cap,
                attempts: limits.delivery_attempts_cap,
            }
        })
    }

    pub fn delivery_id_header(&self) -> bool {
        self.options.delivery_id_header
    }
}
