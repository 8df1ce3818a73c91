//! A start-up's restore: [`restore`] reads everything back: the id counters (so ids handed
//! out before a restart are never handed out again), the fixture uploads, every tenant
//! (through the snapshot loader, ids kept) with its settings, the stored media, and the
//! pending deliveries, which are queued again in their order.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{StateStore, StoredState};
use crate::core::state::id_counters::NextIds;
use crate::core::state::AppState;
use crate::features::fixtures::Fixtures;
use crate::features::media::MediaLibrary;
use crate::features::snapshots::{ChatSnapshot, Snapshot, Snapshots, FORMAT};
use crate::features::webhooks::Webhooks;

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

/// The features a restore fills.
pub struct RestoreInto<'a> {
    pub state: &'a Arc<AppState>,
    pub fixtures: &'a Fixtures,
    pub snapshots: &'a Snapshots,
    pub webhooks: &'a Webhooks,
    pub media: &'a MediaLibrary,
}

/// Reads the state folder back into `into`. Queued chats get their agent after the join
/// delay and inactivity timers start again. Run before serving.
pub fn restore(store: &StateStore, into: RestoreInto<'_>) -> Result<RestoreReport, String> {
    let stored = store.load().map_err(|error| error.to_string())?;
    let mut report = RestoreReport::default();
    let counter = |name: &str| stored.counters.get(name).copied().unwrap_or(0);
    into.state.ids().move_past(NextIds {
        chat: counter("chat"),
        end_user: counter("end_user"),
        escalation: counter("escalation"),
        media: counter("media"),
    });
    report.fixture_uploads = restore_fixture_uploads(into.fixtures, &stored)?;
    let names: BTreeSet<&str> = stored
        .tenants
        .iter()
        .map(|tenant| tenant.name.as_str())
        .chain(stored.end_users.iter().map(|user| user.tenant.as_str()))
        .chain(stored.chats.iter().map(|chat| chat.tenant.as_str()))
        .collect();
    for name in names {
        report.chats += restore_tenant(&into, name, &stored)?;
        report.tenants += 1;
    }
    report.messages = stored.chats.iter().map(|chat| chat.messages.len()).sum();
    for media in &stored.media {
        into.media
            .restore(&media.tenant, &media.record, media.bytes.clone().into())
            .map_err(|error| format!("media {}: {error}", media.key))?;
    }
    report.media = stored.media.len();
    report.pending_deliveries = into.webhooks.resume(&stored.deliveries)?;
    Ok(report)
}

/// Task virtual agents first (the contact center may name them), then the contact center.
fn restore_fixture_uploads(fixtures: &Fixtures, stored: &StoredState) -> Result<usize, String> {
    let mut uploads: Vec<&(String, String)> = stored.fixture_uploads.iter().collect();
    uploads.sort_by_key(|(key, _)| key == "contact_center");
    for (key, document) in &uploads {
        let document: Value = serde_json::from_str(document)
            .map_err(|error| format!("fixture upload {key}: {error}"))?;
        let outcome = match key.strip_prefix("vta/") {
            Some(vta) => fixtures
                .install_task_virtual_agent(vta, document)
                .map(|_| ()),
            None => fixtures.install_contact_center(document).map(|_| ()),
        };
        outcome.map_err(|error| {
            format!("the fixture upload {key} does not fit the fixtures now loaded: {error}")
        })?;
    }
    Ok(uploads.len())
}

/// One tenant, through the snapshot loader (which keeps ids); answers its chat count.
fn restore_tenant(
    into: &RestoreInto<'_>,
    name: &str,
    stored: &StoredState,
) -> Result<usize, String> {
    let place = |what: String| format!("tenant {name:?}: {what}");
    let settings: Map<String, Value> = match stored
        .tenants
        .iter()
        .find(|tenant| tenant.name == name)
        .and_then(|tenant| tenant.settings.as_deref())
    {
        Some(text) => {
            serde_json::from_str(text).map_err(|error| place(format!("settings: {error}")))?
        }
        None => Map::new(),
    };
    let mut snapshot = Snapshot {
        format: FORMAT.to_owned(),
        tenant: Some(name.to_owned()),
        exported_at: None,
        webhook: None,
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
            restored.messages.push(
                serde_json::from_str(message).map_err(|error| {
                    place(format!("chat {} message {position}: {error}", chat.id))
                })?,
            );
        }
        snapshot.chats.push(restored);
    }
    let chats = snapshot.chats.len();
    into.snapshots
        .load_tenant_in_memory(name, &snapshot)
        .map_err(|error| place(format!("{error} (start with the fixtures this state was written with, or another --state-dir)")))?;
    into.state
        .apply_tenant_settings(name, &settings)
        .map_err(place)?;
    // Carrying out no effects applies the inactivity rule: a chat's timer starts again
    // (nothing is written: the chat is as the database has it).
    into.state.rearm_timers(name);
    Ok(chats)
}
