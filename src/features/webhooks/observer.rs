//! How the webhooks feature plugs into the core (`crate::core::state::hooks`): as a
//! [`ChatObserver`] it turns each happening of a chat into a journaled delivery, written
//! with the change that caused it and sent, in the chat's order, once that is committed; as [`TenantParts`] it forgets a tenant's targets, faults, choices and
//! deliveries on a reset, and keeps the tenant's own settings (target, faults, event
//! selection, `chat_created` order, message content shape) in the tenant's settings document for `--state-dir`.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use super::catalog::{self, EventType};
use super::content_shape::MessageContentShape;
use super::creation_order::ChatCreatedOrder;
use super::delivery_journal::Payload;
use super::event_selection::{EventSelection, EventSelectionDto};
use super::faults::FaultInjection;
use super::{WebhookTarget, Webhooks};
use crate::core::domain::{Chat, ChatId, Happening};
use crate::core::state::durability::Outbox;
use crate::core::state::hooks::{ChatObserver, TenantParts};
use crate::core::state::Tenant;

impl ChatObserver for Webhooks {
    /// Queues the happening's webhook. Bodies are built only for a target: without one
    /// the journal gets a `skipped` entry, whose `message_received` body is built only if
    /// someone reads it, and nothing is queued.
    fn happened(
        &self,
        tenant: &Tenant,
        handle: &Arc<Mutex<Chat>>,
        chat: &Chat,
        happening: &Happening,
        outbox: &mut Outbox,
    ) {
        // The body's times are the tenant's (its clock may have been moved).
        let now = tenant.now();
        let shape = self.message_content_shape(&tenant.name).0;
        if self.has_target(&tenant.name) {
            if let Some(event) = catalog::event_for(happening, chat, now, shape) {
                self.publish(&tenant.name, event, outbox);
            }
            return;
        }
        if let Happening::MessageAdded { message_id } = happening {
            if chat.message(*message_id).is_some() {
                let payload = Payload::Deferred {
                    chat: Arc::downgrade(handle),
                    message_id: *message_id,
                    at: now,
                    shape,
                };
                self.skip(&tenant.name, chat.id, EventType::MessageReceived, payload);
            }
        } else if let Some(event) = catalog::event_for(happening, chat, now, shape) {
            let payload = Payload::Bytes(event.payload.into());
            self.skip(&tenant.name, chat.id, event.event_type, payload);
        }
    }
}

impl TenantParts for Webhooks {
    fn forget(&self, tenant: Option<&str>) {
        Webhooks::forget(self, tenant);
    }

    fn forget_chat(&self, _tenant: &str, _chat_id: ChatId) {}

    fn settings(&self, tenant: &str) -> Map<String, Value> {
        let mut settings = Map::new();
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                settings.insert(key.to_owned(), value);
            }
        };
        put("webhook", self.target(tenant).and_then(to_json));
        put("faults", self.faults(tenant).and_then(to_json));
        let (events, source) = self.event_selection(tenant);
        put(
            "events",
            (source == "tenant")
                .then(|| match events {
                    EventSelection::Only(_) => EventSelectionDto::List(
                        events.names().into_iter().map(str::to_owned).collect(),
                    ),
                    named => EventSelectionDto::Named(named.name().to_owned()),
                })
                .and_then(to_json),
        );
        let (order, source) = self.chat_created_order(tenant);
        put(
            "chat_created_order",
            (source == "tenant").then_some(order).and_then(to_json),
        );
        let (shape, source) = self.message_content_shape(tenant);
        put(
            "message_content_shape",
            (source == "tenant").then_some(shape).and_then(to_json),
        );
        settings
    }

    fn apply_settings(&self, tenant: &str, settings: &Map<String, Value>) -> Result<(), String> {
        if let Some(target) = read::<WebhookTarget>(settings, "webhook")? {
            self.set_target(tenant, target)
                .map_err(|error| format!("webhook: {error}"))?;
        }
        if let Some(faults) = read::<FaultInjection>(settings, "faults")? {
            self.set_faults(tenant, faults)
                .map_err(|error| format!("faults: {error}"))?;
        }
        if let Some(events) = read::<EventSelectionDto>(settings, "events")? {
            let selection =
                EventSelection::try_from(events).map_err(|error| format!("events: {error}"))?;
            self.set_event_selection(tenant, selection);
        }
        if let Some(order) = read::<ChatCreatedOrder>(settings, "chat_created_order")? {
            self.set_chat_created_order(tenant, order);
        }
        if let Some(shape) = read::<MessageContentShape>(settings, "message_content_shape")? {
            self.set_message_content_shape(tenant, shape);
        }
        Ok(())
    }
}

fn to_json(value: impl serde::Serialize) -> Option<Value> {
    serde_json::to_value(value).ok()
}

fn read<T: serde::de::DeserializeOwned>(
    settings: &Map<String, Value>,
    key: &str,
) -> Result<Option<T>, String> {
    settings
        .get(key)
        .map(|value| {
            serde_json::from_value(value.clone()).map_err(|error| format!("{key}: {error}"))
        })
        .transpose()
}
