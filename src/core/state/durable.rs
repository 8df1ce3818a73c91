//! Writing the state through to the opt-in database (`--state-dir`, see
//! `crate::features::persistence`) and reading it back at start-up. Each use case that changes
//! something writes it here before it answers: a chat (header and new messages) under the
//! chat's lock, an end user, a tenant's settings, an eviction or a reset, a fixture upload.
//! Every write also raises the id counters, so ids handed out before a restart are never
//! handed out again. Without `--state-dir` every method returns at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{AppState, StateError, Tenant};
use crate::core::domain::queues::Availability;
use crate::core::domain::{Chat, ChatId, EndUser};
use crate::features::media::MediaRecord;
use crate::features::persistence::{
    PersistenceError, PersistenceStats, StateStore, StoredState, Writer,
};
use crate::features::snapshots::format::{ChatSnapshot, Snapshot, FORMAT};
use crate::features::webhooks::creation_order::ChatCreatedOrder;
use crate::features::webhooks::event_selection::{EventSelection, EventSelectionDto};
use crate::features::webhooks::faults::FaultInjection;
use crate::features::webhooks::WebhookTarget;

/// A tenant's settings as stored: only what the tenant set for itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct StoredSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    webhook: Option<WebhookTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    faults: Option<FaultInjection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    events: Option<EventSelectionDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chat_created_order: Option<ChatCreatedOrder>,
    /// The after-hours message, when the tenant is after hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after_hours: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    queue_availability: BTreeMap<String, Availability>,
}

/// What a start-up restored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub tenants: usize,
    pub chats: usize,
    pub messages: usize,
    pub pending_deliveries: usize,
    pub fixture_uploads: usize,
    pub media: usize,
}

fn not_written(error: PersistenceError) -> StateError {
    StateError::NotPersisted(format!(
        "The change was made but could not be written to the state directory, so it will not survive a restart ({error})"
    ))
}

impl AppState {
    fn store(&self) -> Option<&Arc<StateStore>> {
        self.store.as_ref()
    }

    /// Where the state is kept, and how the writes went (`None`: in memory only).
    pub fn persistence_stats(&self) -> Option<PersistenceStats> {
        self.store().map(|store| store.stats())
    }

    /// Closes `--state-dir` (the emulator stopped): the folder is free for a new emulator.
    pub fn close_persistence(&self) {
        if let Some(store) = self.store() {
            store.close();
        }
    }

    /// One transaction of `changes`, with the id counters raised.
    fn write(
        &self,
        changes: impl FnOnce(&mut Writer<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), StateError> {
        let Some(store) = self.store() else {
            return Ok(());
        };
        store
            .write(|writer| {
                changes(writer)?;
                writer.counter("chat", self.next_chat_id.load(Ordering::Relaxed))?;
                writer.counter("end_user", self.next_end_user_id.load(Ordering::Relaxed))?;
                writer.counter(
                    "escalation",
                    self.next_escalation_id.load(Ordering::Relaxed),
                )?;
                writer.counter("media", self.media.next_media_id())
            })
            .map_err(not_written)
    }

    /// Writes a chat as it is now (called under its lock), unless it was evicted or its
    /// tenant reset meanwhile.
    pub(super) fn persist_chat(&self, tenant: &Arc<Tenant>, chat: &Chat) -> Result<(), StateError> {
        if self.store.is_none() || !tenant.chats.contains_key(&chat.id) {
            return Ok(());
        }
        if !self
            .existing_tenant(&tenant.name)
            .is_some_and(|live| Arc::ptr_eq(&live, tenant))
        {
            return Ok(());
        }
        let header = ChatSnapshot::header_of(chat);
        self.write(|writer| writer.chat(&tenant.name, chat.id.get(), &header, &chat.messages))
    }

    pub(super) fn persist_end_user(&self, tenant: &str, user: &EndUser) -> Result<(), StateError> {
        self.write(|writer| writer.end_user(tenant, user.id.get(), user))
    }

    /// Registers a new tenant.
    pub(super) fn persist_tenant(&self, tenant: &str) -> Result<(), StateError> {
        self.write(|writer| writer.tenant(tenant))
    }

    /// Writes the tenant's settings as they are now. A settings change is already made
    /// when this runs: a failed write is logged and counted (`failed_writes`).
    pub(super) fn persist_settings(&self, tenant: &str) {
        if self.store.is_none() {
            return;
        }
        let settings = self.stored_settings(tenant);
        let _ = self.write(|writer| writer.tenant_settings(tenant, &settings));
    }

    fn stored_settings(&self, tenant: &str) -> StoredSettings {
        let (events, events_source) = self.event_selection(tenant);
        let (order, order_source) = self.chat_created_order(tenant);
        StoredSettings {
            webhook: self.webhooks.target(tenant),
            faults: self.webhooks.faults(tenant),
            events: (events_source == "tenant").then(|| match events {
                EventSelection::Only(_) => {
                    EventSelectionDto::List(events.names().into_iter().map(str::to_owned).collect())
                }
                named => EventSelectionDto::Named(named.name().to_owned()),
            }),
            chat_created_order: (order_source == "tenant").then_some(order),
            after_hours: self.after_hours_message(tenant),
            queue_availability: self
                .existing_tenant(tenant)
                .map(|tenant| tenant.availability_overrides())
                .unwrap_or_default(),
        }
    }

    /// Forgets evicted chats.
    pub(super) fn persist_evicted(&self, chat_ids: &[ChatId]) {
        let _ = self.write(|writer| {
            chat_ids
                .iter()
                .try_for_each(|id| writer.delete_chat(id.get()))
        });
    }

    /// Forgets a reset tenant (or all of them).
    pub(super) fn persist_reset(&self, tenant: Option<&str>) {
        let _ = self.write(|writer| writer.delete_tenant(tenant));
    }

    /// Replaces everything stored for the tenant by what it holds now (a snapshot load).
    pub(super) fn persist_whole_tenant(&self, name: &str) -> Result<(), StateError> {
        if self.store.is_none() {
            return Ok(());
        }
        let Some(tenant) = self.existing_tenant(name) else {
            return Ok(());
        };
        let settings = self.stored_settings(name);
        let users = tenant.end_users();
        let chats: Vec<_> = tenant
            .chat_ids()
            .into_iter()
            .filter_map(|id| tenant.chat(id))
            .collect();
        self.write(|writer| {
            writer.delete_tenant(Some(name))?;
            writer.tenant_settings(name, &settings)?;
            for user in &users {
                writer.end_user(name, user.id.get(), user)?;
            }
            for handle in &chats {
                let chat = handle.lock().expect("chat lock");
                writer.chat(
                    name,
                    chat.id.get(),
                    &ChatSnapshot::header_of(&chat),
                    &chat.messages,
                )?;
            }
            Ok(())
        })
    }

    /// Keeps a run-time fixture upload (`contact_center` or `vta/{key}`).
    pub(super) fn persist_fixture_upload(
        &self,
        key: &str,
        document: &serde_json::Value,
    ) -> Result<(), StateError> {
        self.write(|writer| writer.fixture_upload(key, document))
    }

    /// Reads the state folder back: the id counters, the fixture uploads, every tenant
    /// (through the snapshot loader, ids kept), their settings and media, and the pending
    /// deliveries, which are queued again in their order. Queued chats get their agent
    /// after the join delay and inactivity timers start again. Run before serving.
    pub fn restore(self: &Arc<Self>) -> Result<RestoreReport, String> {
        let Some(store) = self.store().cloned() else {
            return Ok(RestoreReport::default());
        };
        let stored = store.load().map_err(|error| error.to_string())?;
        let mut report = RestoreReport::default();
        self.restore_counters(&stored);
        report.fixture_uploads = self.restore_fixture_uploads(&stored)?;
        let names: BTreeSet<&str> = stored
            .tenants
            .iter()
            .map(|tenant| tenant.name.as_str())
            .chain(stored.end_users.iter().map(|user| user.tenant.as_str()))
            .chain(stored.chats.iter().map(|chat| chat.tenant.as_str()))
            .collect();
        for name in names {
            report.chats += self.restore_tenant(name, &stored)?;
            report.tenants += 1;
        }
        report.messages = stored.chats.iter().map(|chat| chat.messages.len()).sum();
        report.media = self.restore_media(&stored)?;
        report.pending_deliveries = self.webhooks.resume(&stored.deliveries)?;
        Ok(report)
    }

    fn restore_counters(&self, stored: &StoredState) {
        let counter = |name: &str| stored.counters.get(name).copied().unwrap_or(0);
        self.next_chat_id
            .fetch_max(counter("chat"), Ordering::Relaxed);
        self.next_end_user_id
            .fetch_max(counter("end_user"), Ordering::Relaxed);
        self.next_escalation_id
            .fetch_max(counter("escalation"), Ordering::Relaxed);
        self.media.move_media_ids_past(counter("media"));
    }

    /// Task virtual agents first (the contact center may name them), then the contact center.
    fn restore_fixture_uploads(&self, stored: &StoredState) -> Result<usize, String> {
        let mut uploads: Vec<&(String, String)> = stored.fixture_uploads.iter().collect();
        uploads.sort_by_key(|(key, _)| key == "contact_center");
        for (key, document) in &uploads {
            let document: serde_json::Value = serde_json::from_str(document)
                .map_err(|error| format!("fixture upload {key}: {error}"))?;
            let outcome = match key.strip_prefix("vta/") {
                Some(vta) => self.install_task_virtual_agent(vta, document).map(|_| ()),
                None => self.install_contact_center(document).map(|_| ()),
            };
            outcome.map_err(|error| {
                format!("the fixture upload {key} does not fit the fixtures now loaded: {error}")
            })?;
        }
        Ok(uploads.len())
    }

    /// One tenant, through the snapshot loader (which keeps ids); answers its chat count.
    fn restore_tenant(self: &Arc<Self>, name: &str, stored: &StoredState) -> Result<usize, String> {
        let place = |what: String| format!("tenant {name:?}: {what}");
        let settings: StoredSettings = match stored
            .tenants
            .iter()
            .find(|tenant| tenant.name == name)
            .and_then(|tenant| tenant.settings.as_deref())
        {
            Some(text) => {
                serde_json::from_str(text).map_err(|error| place(format!("settings: {error}")))?
            }
            None => StoredSettings::default(),
        };
        let mut snapshot = Snapshot {
            format: FORMAT.to_owned(),
            tenant: Some(name.to_owned()),
            exported_at: None,
            webhook: settings.webhook.clone(),
            end_users: Vec::new(),
            chats: Vec::new(),
        };
        for user in stored.end_users.iter().filter(|user| user.tenant == name) {
            snapshot.end_users.push(
                serde_json::from_str(&user.doc)
                    .map_err(|error| place(format!("end user {}: {error}", user.id)))?,
            );
        }
        for chat in stored.chats.iter().filter(|chat| chat.tenant == name) {
            let mut restored: ChatSnapshot = serde_json::from_str(&chat.doc)
                .map_err(|error| place(format!("chat {}: {error}", chat.id)))?;
            for (position, message) in chat.messages.iter().enumerate() {
                restored
                    .messages
                    .push(serde_json::from_str(message).map_err(|error| {
                        place(format!("chat {} message {position}: {error}", chat.id))
                    })?);
            }
            snapshot.chats.push(restored);
        }
        let chats = snapshot.chats.len();
        self.load_tenant_in_memory(name, &snapshot)
            .map_err(|error| place(format!("{error} (start with the fixtures this state was written with, or another --state-dir)")))?;
        self.apply_settings(name, settings).map_err(place)?;
        // Carrying out no effects applies the inactivity rule: a chat's timer starts again
        // (nothing is written: the chat is as the database has it).
        if let Some(tenant) = self.existing_tenant(name) {
            let script = self.script();
            for id in tenant.chat_ids() {
                if let Some(handle) = tenant.chat(id) {
                    let mut chat = handle.lock().expect("chat lock");
                    self.carry_out(&tenant, &handle, &mut chat, Vec::new(), &script);
                }
            }
        }
        Ok(chats)
    }

    fn apply_settings(&self, name: &str, settings: StoredSettings) -> Result<(), String> {
        if let Some(faults) = settings.faults {
            self.webhooks
                .set_faults(name, faults)
                .map_err(|error| format!("faults: {error}"))?;
        }
        if let Some(events) = settings.events {
            let selection =
                EventSelection::try_from(events).map_err(|error| format!("events: {error}"))?;
            self.webhooks.set_event_selection(name, selection);
        }
        if let Some(order) = settings.chat_created_order {
            self.webhooks.set_chat_created_order(name, order);
        }
        if let Some(message) = settings.after_hours {
            self.after_hours.close(name, Some(message));
        }
        if let Some(tenant) = self.existing_tenant(name) {
            for (queue, availability) in settings.queue_availability {
                tenant.set_availability(&queue, Some(availability));
            }
        }
        Ok(())
    }

    /// Keeps a stored file (`bytes`: `None` when only its record changed).
    pub(super) fn persist_media(
        &self,
        record: &MediaRecord,
        bytes: Option<&[u8]>,
    ) -> Result<(), StateError> {
        self.write(|writer| {
            writer.media(&record.key, &record.tenant, record.chat_id, record, bytes)
        })
    }

    pub(super) fn persist_media_removed(&self, key: &str) {
        let _ = self.write(|writer| writer.delete_media(key));
    }

    fn restore_media(&self, stored: &StoredState) -> Result<usize, String> {
        for media in &stored.media {
            self.media
                .restore(&media.tenant, &media.record, media.bytes.clone().into())
                .map_err(|error| format!("media {}: {error}", media.key))?;
        }
        Ok(stored.media.len())
    }
}
