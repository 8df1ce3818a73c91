//! The webhook use cases of the control plane: each tenant's target (or the default), its
//! injected faults, the delivery journal and redelivery, and the drain at shutdown.

use std::time::Duration;

use super::AppState;
use crate::core::domain::DeliveryId;
use crate::features::webhooks::delivery_journal::{
    Delivery, DeliveryCaps, DeliveryCounters, DeliveryFilter,
};
use crate::features::webhooks::faults::FaultInjection;
use crate::features::webhooks::{DrainReport, WebhookError, WebhookTarget};

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

impl AppState {
    pub fn set_webhook_target(
        &self,
        tenant: &str,
        target: WebhookTarget,
    ) -> Result<(), WebhookError> {
        self.webhooks.set_target(tenant, target)?;
        self.persist_settings(tenant);
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
        self.persist_settings(tenant);
        Ok(removed)
    }

    /// The secondary secret becomes the primary one.
    pub fn rotate_webhook_secret(&self, tenant: &str) -> Result<WebhookTarget, WebhookError> {
        let rotated = self.webhooks.rotate(tenant)?;
        self.persist_settings(tenant);
        Ok(rotated)
    }

    pub fn set_webhook_faults(
        &self,
        tenant: &str,
        faults: FaultInjection,
    ) -> Result<(), WebhookError> {
        self.webhooks.set_faults(tenant, faults)?;
        self.persist_settings(tenant);
        Ok(())
    }

    pub fn webhook_faults(&self, tenant: &str) -> Result<FaultInjection, WebhookError> {
        self.webhooks.faults(tenant).ok_or(WebhookError::NoFaults)
    }

    pub fn clear_webhook_faults(&self, tenant: &str) -> Result<(), WebhookError> {
        self.webhooks.clear_faults(tenant)?;
        self.persist_settings(tenant);
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

    /// Records where the emulator listens: webhook targets pointing there are refused (a
    /// loop), the default one included.
    pub fn set_own_address(&self, address: std::net::SocketAddr) -> Result<(), WebhookError> {
        self.webhooks.set_own_address(address);
        match self.webhooks.default_target() {
            Some(target) => self.webhooks.refuse_loop(target),
            None => Ok(()),
        }
    }

    /// Deliveries kept in the journal, and its cap.
    pub fn delivery_journal_size(&self) -> (usize, usize) {
        self.webhooks.journal_size()
    }

    /// What each delivery may keep.
    pub fn delivery_caps(&self) -> DeliveryCaps {
        self.webhooks.caps()
    }

    /// Keeps delivering pending webhooks for up to `grace`; says what is still undelivered.
    pub async fn drain_webhooks(&self, grace: Duration) -> DrainReport {
        self.webhooks.drain(grace).await
    }
}
