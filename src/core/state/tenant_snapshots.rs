//! Export and load of a tenant's whole state (the format lives in `crate::features::snapshots::format`).
//! A load is validated completely, then built as a fresh [`Tenant`] and swapped in, so a
//! refused load changes nothing and chats never see a half-loaded tenant. Chat and end-user
//! ids stay unique across tenants: an id another tenant holds is replaced by a fresh one,
//! and the id counters move past every id kept.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;

use super::{AppState, Tenant};
use crate::core::domain::{ChatId, EndUserId, RoutingState, Trigger};
use crate::features::snapshots::format::{error, IdMap, LoadReport, Snapshot, SnapshotError};

impl AppState {
    /// The tenant's state (empty for a tenant never used).
    pub fn export_tenant(&self, name: &str) -> Snapshot {
        let webhook = self.webhooks.target(name);
        let Some(tenant) = self.existing_tenant(name) else {
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
        self: &Arc<Self>,
        name: &str,
        snapshot: &Snapshot,
    ) -> Result<LoadReport, SnapshotError> {
        let report = self.load_tenant_in_memory(name, snapshot)?;
        let _ = self.persist_whole_tenant(name);
        Ok(report)
    }

    /// [`Self::load_tenant`] without writing to `--state-dir` (a restart's restore).
    pub(super) fn load_tenant_in_memory(
        self: &Arc<Self>,
        name: &str,
        snapshot: &Snapshot,
    ) -> Result<LoadReport, SnapshotError> {
        if name.is_empty() {
            return Err(error("tenant", "must not be empty"));
        }
        let script = self.script();
        snapshot.validate(&script)?;
        if let Some(target) = &snapshot.webhook {
            self.webhooks
                .refuse_loop(target)
                .map_err(|problem| error("webhook", problem.to_string()))?;
        }
        let _loading = self.loading.lock().expect("loading lock");
        let ids = self.claim_ids(name, snapshot);
        let (end_users, chats) = snapshot.restore(&script, &ids)?;
        let fresh = Arc::new(Tenant::new(name));
        for user in end_users {
            fresh.restore_end_user(user);
        }
        let mut queued = Vec::new();
        let mut finished = Vec::new();
        for chat in chats {
            // Escalation ids stay unique: new ones start above every loaded one.
            if let Some(highest) = chat
                .escalations
                .iter()
                .map(|escalation| escalation.id)
                .max()
            {
                self.next_escalation_id
                    .fetch_max(highest + 1, std::sync::atomic::Ordering::Relaxed);
            }
            if matches!(chat.routing, RoutingState::Queued) {
                queued.push(chat.id);
            }
            if chat.is_finished() {
                finished.push(chat.id);
            }
            fresh.chats.insert(chat.id, Arc::new(Mutex::new(chat)));
        }
        self.tenants.insert(name.to_owned(), Arc::clone(&fresh));
        self.chat_owners.retain(|_, owner| owner != name);
        for id in ids.chats.values() {
            self.chat_owners.insert(*id, name.to_owned());
        }
        // Restored finished chats count against the retention like any other.
        self.forget_finished(Some(name));
        for id in finished {
            self.chat_finished(name, id);
        }
        self.webhooks.forget(Some(name));
        // Snapshots carry no file bytes: the tenant's old media goes with its old chats.
        self.media.forget(Some(name));
        if let Some(target) = &snapshot.webhook {
            self.webhooks
                .set_target(name, target.clone())
                .map_err(|problem| error("webhook", problem.to_string()))?;
        }
        for id in queued {
            self.schedule(&fresh, id, script.join_delay, Trigger::AgentJoins);
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
        self: &Arc<Self>,
        name: &str,
        snapshot: &Snapshot,
    ) -> Result<LoadReport, SnapshotError> {
        self.check_snapshot_limits(snapshot)?;
        self.load_tenant(name, snapshot)
    }

    fn check_snapshot_limits(&self, snapshot: &Snapshot) -> Result<(), SnapshotError> {
        let limits = self.state_limits;
        within(
            "chats",
            snapshot.chats.len(),
            "chats are more than a tenant",
            "--max-chats-per-tenant",
            limits.max_chats_per_tenant,
        )?;
        within(
            "end_users",
            snapshot.end_users.len(),
            "end users are more than a tenant",
            "--max-end-users-per-tenant",
            limits.max_end_users_per_tenant,
        )?;
        for (index, chat) in snapshot.chats.iter().enumerate() {
            within(
                &format!("chats[{index}].messages"),
                chat.messages.len(),
                "messages are more than a chat",
                "--max-messages-per-chat",
                limits.max_messages_per_chat,
            )?;
        }
        Ok(())
    }

    /// Keeps each id unless another tenant holds it; the counters move past the kept ones.
    fn claim_ids(&self, name: &str, snapshot: &Snapshot) -> IdMap {
        let held_elsewhere: HashSet<EndUserId> = self
            .tenants
            .iter()
            .filter(|entry| entry.key() != name)
            .flat_map(|entry| entry.value().end_users())
            .map(|user| user.id)
            .collect();
        let mut ids = IdMap::default();
        move_past(
            &self.next_end_user_id,
            snapshot.end_users.iter().map(|user| user.id.get()),
        );
        for user in &snapshot.end_users {
            let id = if held_elsewhere.contains(&user.id) {
                EndUserId(self.next_end_user_id.fetch_add(1, Ordering::Relaxed))
            } else {
                user.id
            };
            ids.end_users.insert(user.id, id);
        }
        move_past(
            &self.next_chat_id,
            snapshot.chats.iter().map(|chat| chat.id.get()),
        );
        for chat in &snapshot.chats {
            let taken = self
                .chat_owners
                .get(&chat.id)
                .is_some_and(|owner| owner.value() != name);
            let id = if taken {
                ChatId(self.next_chat_id.fetch_add(1, Ordering::Relaxed))
            } else {
                chat.id
            };
            ids.chats.insert(chat.id, id);
        }
        ids
    }
}

/// Refuses `count` items at `place` when they pass `limit` (set by `flag`).
fn within(
    place: &str,
    count: usize,
    what: &str,
    flag: &str,
    limit: usize,
) -> Result<(), SnapshotError> {
    if count <= limit {
        return Ok(());
    }
    Err(error(
        place,
        format!(
            "{count} {what} may hold (limit set by {flag} / {}: {limit})",
            crate::core::limits::env_twin(flag)
        ),
    ))
}

/// Makes sure the counter never hands out one of `ids` again.
fn move_past(counter: &AtomicU64, ids: impl Iterator<Item = u64>) {
    if let Some(highest) = ids.max() {
        counter.fetch_max(highest.saturating_add(1), Ordering::Relaxed);
    }
}
