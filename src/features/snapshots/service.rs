//! [`Snapshots`]: export and load of a tenant's whole state (the format lives in
//! [`super::format`]). A load is validated completely, then built as a fresh [`Tenant`] and
//! swapped in by the core, so a refused load changes nothing and chats never see a
//! half-loaded tenant. Chat and end-user ids stay unique across tenants: an id another
//! tenant holds is replaced by a fresh one, and the id counters move past every id kept.

use std::sync::Arc;

use chrono::Utc;

use super::format::{error, IdMap, LoadReport, Snapshot, SnapshotError};
use crate::core::formats::{json_depth, DOCUMENT_NESTING};
use crate::core::limits::Limit;
use crate::core::state::durability::Change;
use crate::core::state::{AppState, Tenant};
use crate::features::webhooks::Webhooks;

/// Export and load of a tenant's whole state.
pub struct Snapshots {
    state: Arc<AppState>,
    webhooks: Arc<Webhooks>,
}

impl Snapshots {
    pub fn new(state: Arc<AppState>, webhooks: Arc<Webhooks>) -> Snapshots {
        Snapshots { state, webhooks }
    }

    /// The tenant's state (empty for a tenant never used).
    pub fn export_tenant(&self, name: &str) -> Snapshot {
        let webhook = self.webhooks.target(name);
        let Some(tenant) = self.state.existing_tenant(name) else {
            return Snapshot::export(name, webhook, Vec::new(), &[], Utc::now());
        };
        let chats: Vec<_> = tenant
            .chat_ids()
            .into_iter()
            .filter_map(|id| tenant.chat(id))
            .map(|handle| handle.lock().expect("chat lock").clone())
            .collect();
        Snapshot::export(name, webhook, tenant.end_users(), &chats, Utc::now())
    }

    /// Replaces the tenant's state with the snapshot's (chats, end users, webhook target;
    /// its delivery journal is forgotten), and writes it to `--state-dir` if there is one
    /// (a failed write is logged and counted). Queued chats are picked up after the join
    /// delay.
    pub fn load_tenant(
        &self,
        name: &str,
        snapshot: &Snapshot,
    ) -> Result<LoadReport, SnapshotError> {
        let report = self.load_tenant_in_memory(name, snapshot)?;
        self.persist_whole_tenant(name);
        Ok(report)
    }

    /// Replaces everything `--state-dir` holds for the tenant by what it holds now (a
    /// failed write is logged and counted).
    fn persist_whole_tenant(&self, name: &str) {
        if !self.state.is_durable() {
            return;
        }
        let Some(tenant) = self.state.existing_tenant(name) else {
            return;
        };
        let settings = self.state.tenant_settings(name);
        let users = tenant.end_users();
        let handles: Vec<_> = tenant
            .chat_ids()
            .into_iter()
            .filter_map(|id| tenant.chat(id))
            .collect();
        let chats: Vec<_> = handles
            .iter()
            .map(|handle| handle.lock().expect("chat lock"))
            .collect();
        let mut changes = vec![
            Change::TenantsForgotten { tenant: Some(name) },
            Change::TenantSettings {
                tenant: name,
                settings: &settings,
            },
        ];
        changes.extend(
            users
                .iter()
                .map(|user| Change::EndUser { tenant: name, user }),
        );
        changes.extend(chats.iter().map(|chat| Change::Chat { tenant: name, chat }));
        let _ = self.state.record(&changes);
    }

    /// [`Self::load_tenant`] without writing to `--state-dir` (a restart's restore).
    pub fn load_tenant_in_memory(
        &self,
        name: &str,
        snapshot: &Snapshot,
    ) -> Result<LoadReport, SnapshotError> {
        if name.is_empty() {
            return Err(error("tenant", "must not be empty"));
        }
        let script = self.state.script();
        snapshot.validate(&script)?;
        if let Some(target) = &snapshot.webhook {
            self.webhooks
                .refuse_loop(target)
                .map_err(|problem| error("webhook", problem.to_string()))?;
        }
        let _installing = self.state.installing();
        let ids = self.claim_ids(name, snapshot);
        let (end_users, chats) = snapshot.restore(&script, &ids)?;
        let fresh = Tenant::new(name);
        for user in end_users {
            fresh.restore_end_user(user);
        }
        self.state.install_tenant(name, fresh, chats);
        if let Some(target) = &snapshot.webhook {
            self.webhooks
                .set_target(name, target.clone())
                .map_err(|problem| error("webhook", problem.to_string()))?;
        }
        Ok(LoadReport {
            tenant: name.to_owned(),
            end_users: snapshot.end_users.len(),
            chats: snapshot.chats.len(),
            id_map: ids,
        })
    }

    /// [`Self::load_tenant`] for `PUT /__admin/tenants/{sub}/snapshot`: a snapshot may hold
    /// no more chats than `--max-chats-per-tenant` allows, nor a chat more messages than
    /// `--max-messages-per-chat`. (Seeds are the fixtures' own and a restart's restore keeps
    /// what was accepted once, so neither is checked.)
    pub fn load_tenant_within_limits(
        &self,
        name: &str,
        snapshot: &Snapshot,
    ) -> Result<LoadReport, SnapshotError> {
        self.check_snapshot_limits(snapshot)?;
        self.load_tenant(name, snapshot)
    }

    fn check_snapshot_limits(&self, snapshot: &Snapshot) -> Result<(), SnapshotError> {
        let limits = self.state.limits();
        within(
            "chats",
            snapshot.chats.len(),
            "chats are more than a tenant",
            Limit::ChatsPerTenant,
            limits.max_chats_per_tenant,
        )?;
        within(
            "end_users",
            snapshot.end_users.len(),
            "end users are more than a tenant",
            Limit::EndUsersPerTenant,
            limits.max_end_users_per_tenant,
        )?;
        for (index, chat) in snapshot.chats.iter().enumerate() {
            within(
                &format!("chats[{index}].messages"),
                chat.messages.len(),
                "messages are more than a chat",
                Limit::MessagesPerChat,
                limits.max_messages_per_chat,
            )?;
            // What cannot be snapshotted and loaded back is not loaded.
            let nesting = |value: &serde_json::Value| json_depth(value);
            if let Some(context) = &chat.context {
                within(
                    &format!("chats[{index}].context"),
                    nesting(context),
                    "levels of nesting are more than a context",
                    Limit::JsonDepth,
                    limits.max_json_depth,
                )?;
            }
            let whole = serde_json::to_value(chat).unwrap_or_default();
            within(
                &format!("chats[{index}]"),
                nesting(&whole),
                "levels of nesting are more than a chat",
                Limit::JsonDepth,
                limits.max_json_depth + DOCUMENT_NESTING,
            )?;
        }
        Ok(())
    }

    /// Keeps each id unless another tenant holds it; the counters move past the kept ones.
    fn claim_ids(&self, name: &str, snapshot: &Snapshot) -> IdMap {
        let end_users: Vec<_> = snapshot.end_users.iter().map(|user| user.id).collect();
        let chats: Vec<_> = snapshot.chats.iter().map(|chat| chat.id).collect();
        let (end_users, chats) = self.state.claim_ids(name, &end_users, &chats);
        IdMap {
            end_users: end_users.into_iter().collect(),
            chats: chats.into_iter().collect(),
        }
    }
}

/// Refuses `count` items at `place` when they pass `most` (set by `limit`).
fn within(
    place: &str,
    count: usize,
    what: &str,
    limit: Limit,
    most: usize,
) -> Result<(), SnapshotError> {
    if count <= most {
        return Ok(());
    }
    let spec = limit.spec();
    Err(error(
        place,
        format!(
            "{count} {what} may hold (limit set by --{} / {}: {most})",
            spec.flag, spec.env
        ),
    ))
}
