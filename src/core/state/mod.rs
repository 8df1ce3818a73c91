//! [`AppState`]: what truly spans the features. It holds the tenants (their end users and
//! chats), which tenant owns each chat, the id counters, the contact-center script, the
//! live event bus and the retention of finished chats, and it carries out every chat
//! transition under that chat's lock ([`transitions`], [`carry_out`]). It knows no feature:
//! it reaches them through the [`hooks`] start-up hands it (webhooks hear every
//! happening, media stores a script's attachments, each feature's per-tenant state is
//! forgotten on a reset and persisted with the tenant's settings), and it writes every
//! change through one [`durability`] path. The use cases live in the features, which
//! call these methods. Nothing here knows about HTTP.

mod access;
mod after_hours;
mod bounds;
mod carry_out;
pub mod chat_memory;
pub mod clock;
pub mod durability;
pub mod hooks;
pub mod id_counters;
pub mod retention;
mod tenant;
mod transitions;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use serde_json::{json, Map, Value};

use crate::core::domain::queues::Availability;
use crate::core::domain::wait_times::WaitFigures;
use crate::core::domain::{
    Chat, ChatError, ChatId, ContactCenter, EndUserId, RoutingState, Trigger,
};
use crate::core::limits::Limits;
use crate::core::live_events::LiveEventBus;
use chat_memory::ChatMemory;
use durability::{Change, Durability, DurabilityError};
use hooks::Hooks;
use id_counters::IdCounters;
use retention::{ChatStats, Retention};

pub use access::{constant_time_eq, AuthPolicy, BearerTenant};
pub use after_hours::{AfterHours, DEFAULT_MESSAGE as DEFAULT_AFTER_HOURS_MESSAGE};
pub use tenant::{EndUserFields, Tenant};
pub use transitions::OwnedChat;

/// Why a use case was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("Not Found")]
    ChatNotFound,
    #[error("End user not found")]
    EndUserNotFound,
    #[error("{0}")]
    Invalid(String),
    /// A configured bound on the state was reached (the message names its flag).
    #[error("{0}")]
    LimitReached(String),
    /// Something to store is larger than a configured bound allows (the message names it).
    #[error("{0}")]
    TooLarge(String),
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error("Tenant limit reached: {existing} tenants exist and {allowed} are allowed; POST /__admin/reset frees them")]
    TooManyTenants { existing: usize, allowed: usize },
    /// `--state-dir` could not be written (the message says what happened).
    #[error("{0}")]
    NotPersisted(String),
}

/// The refusal for a change that was made but could not be written to `--state-dir`.
fn not_written(error: DurabilityError) -> StateError {
    StateError::NotPersisted(format!(
        "The change was made but could not be written to the state directory, so it will not survive a restart ({error})"
    ))
}

/// What the state is built from.
pub struct StateOptions {
    pub script: ContactCenter,
    pub auth: AuthPolicy,
    /// `--agent-join-delay`, which wins over any script's own delay.
    pub agent_join_delay: Option<Duration>,
    /// Dismiss chats whose end user has left an agent's message unanswered this long.
    pub chat_inactivity_timeout: Option<Duration>,
    /// Every limit (the state checks tenants, chats, messages and end users, and retains
    /// finished chats by them).
    pub limits: Limits,
    pub live_events: Arc<LiveEventBus>,
    pub ids: Arc<IdCounters>,
    /// `--state-dir`'s database; `None` keeps everything in memory.
    pub durability: Option<Arc<dyn Durability>>,
}

/// Start-up settings that change the script every use case runs on.
#[derive(Debug, Clone, Copy)]
struct Overrides {
    agent_join_delay: Option<Duration>,
    inactivity_timeout: Option<Duration>,
}

/// What spans the features: tenants, chats and their transitions.
pub struct AppState {
    tenants: DashMap<String, Arc<Tenant>>,
    /// Which tenant owns each chat id (ids are unique across tenants).
    chat_owners: DashMap<ChatId, String>,
    ids: Arc<IdCounters>,
    /// Written only under its write lock, read-modify-write included.
    script: RwLock<Arc<ContactCenter>>,
    overrides: Overrides,
    /// Serialises tenant installs (snapshot loads), so two never claim the same free id.
    installing: Mutex<()>,
    /// Serialises tenant admissions, so concurrent new subdomains respect the limit.
    admitting: Mutex<()>,
    limits: Limits,
    retention: Retention,
    live_events: Arc<LiveEventBus>,
    auth: AuthPolicy,
    started: Instant,
    /// Which tenants are after hours (`PATCH /chats/{id}/resume` answers their message).
    after_hours: AfterHours,
    hooks: Hooks,
    durability: Option<Arc<dyn Durability>>,
    /// What the stored chats cost, within the chat budgets.
    chat_memory: ChatMemory,
}

impl AppState {
    /// Builds the state. Timers are set on the runtime the transitions run on.
    pub fn new(options: StateOptions, hooks: Hooks) -> AppState {
        let overrides = Overrides {
            agent_join_delay: options.agent_join_delay,
            inactivity_timeout: options
                .chat_inactivity_timeout
                .filter(|timeout| !timeout.is_zero()),
        };
        AppState {
            tenants: DashMap::new(),
            chat_owners: DashMap::new(),
            ids: options.ids,
            script: RwLock::new(Arc::new(overrides.applied_to(options.script))),
            overrides,
            installing: Mutex::new(()),
            admitting: Mutex::new(()),
            retention: Retention::new(&options.limits),
            limits: options.limits,
            live_events: options.live_events,
            auth: options.auth,
            started: Instant::now(),
            after_hours: AfterHours::default(),
            hooks,
            durability: options.durability,
            chat_memory: ChatMemory::default(),
        }
    }

    /// The tenant `subdomain` when `token` is admitted. A tenant not seen before is not
    /// created: it is served as an empty, unregistered tenant, and only a use case that
    /// stores something registers it ([`Self::admit_tenant`]).
    pub fn authenticate(&self, subdomain: &str, token: &str) -> Option<Arc<Tenant>> {
        self.auth.admits(subdomain, token).then(|| {
            self.existing_tenant(subdomain)
                .unwrap_or_else(|| Arc::new(Tenant::new(subdomain)))
        })
    }

    /// The tenant a bearer token stands for (see [`AuthPolicy::bearer_tenant`]).
    pub fn bearer_tenant(&self, token: &str, host_subdomain: Option<&str>) -> BearerTenant {
        self.auth.bearer_tenant(token, host_subdomain)
    }

    /// Whether any non-empty credentials are admitted (`--auth open`).
    pub fn auth_is_open(&self) -> bool {
        self.auth.is_open()
    }

    /// Every limit this state was built with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn ids(&self) -> &IdCounters {
        &self.ids
    }

    pub fn live_events(&self) -> &LiveEventBus {
        &self.live_events
    }

    /// Which tenants are after hours.
    pub fn after_hours(&self) -> &AfterHours {
        &self.after_hours
    }

    /// How long the state has existed.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// The tenant, registered now if it is new and fewer than `--max-tenants` exist; past
    /// the limit a new subdomain is refused and nothing is created.
    pub fn admit_tenant(&self, name: &str) -> Result<Arc<Tenant>, StateError> {
        if let Some(tenant) = self.existing_tenant(name) {
            return Ok(tenant);
        }
        let _admitting = self.admitting.lock().expect("admission lock");
        let allowed = self.limits.max_tenants;
        if self.tenants.len() >= allowed && !self.tenants.contains_key(name) {
            return Err(StateError::TooManyTenants {
                existing: self.tenants.len(),
                allowed,
            });
        }
        let tenant = self.tenant(name);
        self.record(&[Change::TenantAdmitted { tenant: name }])?;
        Ok(tenant)
    }

    /// The tenant, created on first use.
    pub fn tenant(&self, name: &str) -> Arc<Tenant> {
        if let Some(tenant) = self.tenants.get(name) {
            return Arc::clone(tenant.value());
        }
        Arc::clone(
            self.tenants
                .entry(name.to_owned())
                .or_insert_with(|| Arc::new(Tenant::new(name)))
                .value(),
        )
    }

    pub fn existing_tenant(&self, name: &str) -> Option<Arc<Tenant>> {
        self.tenants
            .get(name)
            .map(|tenant| Arc::clone(tenant.value()))
    }

    pub fn tenant_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .tenants
            .iter()
            .map(|entry| entry.key().clone())
            .collect();
        names.sort();
        names
    }

    /// Forgets one tenant (or all): chats, end users and everything each feature keeps for
    /// it (webhook targets, deliveries, journaled requests, media). Pending timers find
    /// their chat gone and do nothing.
    pub fn reset(&self, tenant: Option<&str>) {
        match tenant {
            Some(name) => {
                self.tenants.remove(name);
                self.chat_owners.retain(|_, owner| owner != name);
            }
            None => {
                self.tenants.clear();
                self.chat_owners.clear();
            }
        }
        self.retention.forget(tenant);
        self.chat_memory.release_tenant(tenant);
        self.live_events.forget_tenant(tenant);
        self.after_hours.forget(tenant);
        for part in &self.hooks.parts {
            part.forget(tenant);
        }
        let _ = self.record(&[Change::TenantsForgotten { tenant }]);
    }

    /// The current contact-center script.
    pub fn script(&self) -> Arc<ContactCenter> {
        Arc::clone(&self.script.read().expect("script lock"))
    }

    /// Replaces the script with what `change` makes of the current one, under the script's
    /// write lock (so two concurrent changes never lose one another's update), with the
    /// start-up overrides applied; answers the new script. A refused change keeps the
    /// current one.
    pub fn change_script<E>(
        &self,
        change: impl FnOnce(&ContactCenter) -> Result<ContactCenter, E>,
    ) -> Result<Arc<ContactCenter>, E> {
        let mut current = self.script.write().expect("script lock");
        let script = change(&current)?;
        *current = Arc::new(self.overrides.applied_to(script));
        self.live_events.notify_change();
        Ok(Arc::clone(&current))
    }

    /// Writes `changes` to `--state-dir` (with the id counters) before the caller answers:
    /// submits them and blocks until they are committed; nothing to do without one.
    pub fn record(&self, changes: &[Change<'_>]) -> Result<(), StateError> {
        let Some(durability) = &self.durability else {
            return Ok(());
        };
        durability
            .submit(changes, Some(self.ids.peek()))
            .and_then(|ticket| ticket.committed_blocking())
            .map_err(not_written)
    }

    /// Submits `changes` to `--state-dir` without waiting (a failure is logged and counted
    /// by the store): for changes nobody answers for, such as evictions.
    fn record_detached(&self, changes: &[Change<'_>]) {
        if let Some(durability) = &self.durability {
            let _ = durability.submit(changes, Some(self.ids.peek()));
        }
    }

    /// Whether changes are written to `--state-dir`.
    pub fn is_durable(&self) -> bool {
        self.durability.is_some()
    }

    /// The tenant's settings document: the core's own settings (after hours, queue
    /// availability and wait-time figures) and every feature's (see [`hooks::TenantParts`]).
    pub fn tenant_settings(&self, name: &str) -> Map<String, Value> {
        let mut settings = Map::new();
        if let Some(message) = self.after_hours.message_for(name) {
            settings.insert("after_hours".into(), json!(message));
        }
        if let Some(tenant) = self.existing_tenant(name) {
            let offset = tenant.clock().offset_ms();
            if offset != 0 {
                settings.insert("clock_offset_ms".into(), json!(offset));
            }
            let availability = tenant.availability_overrides();
            if !availability.is_empty() {
                settings.insert("queue_availability".into(), json!(availability));
            }
            let wait_figures = tenant.wait_figure_overrides();
            if !wait_figures.is_empty() {
                settings.insert("queue_wait_times".into(), json!(wait_figures));
            }
        }
        for part in &self.hooks.parts {
            settings.extend(part.settings(name));
        }
        settings
    }

    /// Applies a settings document read back from `--state-dir`.
    pub fn apply_tenant_settings(
        &self,
        name: &str,
        settings: &Map<String, Value>,
    ) -> Result<(), String> {
        for part in &self.hooks.parts {
            part.apply_settings(name, settings)?;
        }
        if let Some(message) = settings.get("after_hours").and_then(Value::as_str) {
            self.after_hours.close(name, Some(message.to_owned()));
        }
        if let Some(availability) = settings.get("queue_availability") {
            let availability: BTreeMap<String, Availability> =
                serde_json::from_value(availability.clone())
                    .map_err(|error| format!("queue_availability: {error}"))?;
            if let Some(tenant) = self.existing_tenant(name) {
                for (queue, availability) in availability {
                    tenant.set_availability(&queue, Some(availability));
                }
            }
        }
        if let Some(offset) = settings.get("clock_offset_ms").and_then(Value::as_i64) {
            if let Some(tenant) = self.existing_tenant(name) {
                tenant.clock().set_offset_ms(offset);
            }
        }
        if let Some(figures) = settings.get("queue_wait_times") {
            let figures: BTreeMap<String, WaitFigures> = serde_json::from_value(figures.clone())
                .map_err(|error| format!("queue_wait_times: {error}"))?;
            if let Some(tenant) = self.existing_tenant(name) {
                for (queue, figures) in figures {
                    tenant.set_wait_figures(&queue, Some(figures));
                }
            }
        }
        Ok(())
    }

    /// A tenant's settings changed: they are written to `--state-dir`. A settings change
    /// is already made when this runs, so a failed write is logged and counted only.
    pub fn settings_changed(&self, tenant: &str) {
        if self.durability.is_none() {
            return;
        }
        let settings = self.tenant_settings(tenant);
        let _ = self.record(&[Change::TenantSettings {
            tenant,
            settings: &settings,
        }]);
    }

    /// Swaps in `fresh` as tenant `name`, with its chats (ids already claimed through
    /// [`Self::claim_chat_id`] and [`Self::claim_end_user_id`]): the old tenant's chats and
    /// finished-chat entries are forgotten, and each feature forgets what belonged to the
    /// replaced state ([`hooks::TenantParts::replaced`]); the after-hours switch stays;
    /// queued chats get their agent after the join delay. Run under [`Self::installing`].
    pub fn install_tenant(self: &Arc<Self>, name: &str, fresh: Tenant, chats: Vec<Chat>) {
        let script = self.script();
        if let Some(old) = self.existing_tenant(name) {
            // The tenant's clock is its own, like its after-hours switch: a load keeps it.
            fresh.clock().set_offset_ms(old.clock().offset_ms());
        }
        let fresh = Arc::new(fresh);
        let mut queued = Vec::new();
        let mut finished = Vec::new();
        for chat in chats {
            // Escalation ids stay unique: new ones start above every loaded one.
            self.ids
                .move_escalations_past(chat.escalations.iter().map(|escalation| escalation.id));
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
        self.chat_memory.release_tenant(Some(name));
        for id in fresh.chat_ids() {
            if let Some(handle) = fresh.chat(id) {
                let bytes = chat_memory::chat_bytes(&handle.lock().expect("chat lock"));
                self.chat_memory.open(name, id, bytes);
            }
        }
        for id in fresh.chat_ids() {
            self.chat_owners.insert(id, name.to_owned());
        }
        // Installed finished chats count against the retention like any other.
        self.retention.forget(Some(name));
        for id in finished {
            self.chat_finished(name, id);
        }
        for part in &self.hooks.parts {
            part.replaced(name);
        }
        for id in queued {
            self.schedule(&fresh, id, script.join_delay, Trigger::AgentJoins);
        }
    }

    /// Holds tenant installs off each other while a caller claims ids and installs.
    pub fn installing(&self) -> std::sync::MutexGuard<'_, ()> {
        self.installing.lock().expect("install lock")
    }

    /// The ids a tenant being installed keeps (run under [`Self::installing`]): each
    /// end-user and chat id itself, unless another tenant holds it (then a fresh one); the
    /// counters move past every id given. Answers the old-to-new maps.
    pub fn claim_ids(
        &self,
        name: &str,
        end_users: &[EndUserId],
        chats: &[ChatId],
    ) -> (HashMap<EndUserId, EndUserId>, HashMap<ChatId, ChatId>) {
        let held_elsewhere: HashSet<EndUserId> = self
            .tenants
            .iter()
            .filter(|entry| entry.key() != name)
            .flat_map(|entry| entry.value().end_users())
            .map(|user| user.id)
            .collect();
        self.ids
            .move_end_users_past(end_users.iter().map(|id| id.get()));
        let end_users = end_users
            .iter()
            .map(|&id| {
                let kept = if held_elsewhere.contains(&id) {
                    self.ids.next_end_user()
                } else {
                    id
                };
                (id, kept)
            })
            .collect();
        self.ids.move_chats_past(chats.iter().map(|id| id.get()));
        let chats = chats
            .iter()
            .map(|&id| {
                let taken = self
                    .chat_owners
                    .get(&id)
                    .is_some_and(|owner| owner.value() != name);
                (id, if taken { self.ids.next_chat() } else { id })
            })
            .collect();
        (end_users, chats)
    }

    /// Chats held and evicted, and their limits (for `/__admin/health`).
    pub fn chat_stats(&self) -> ChatStats {
        let stored = self
            .tenants
            .iter()
            .map(|tenant| tenant.value().chats.len())
            .sum();
        self.retention.stats(stored, &self.limits)
    }

    /// The most tenants' end users, chats and one chat's messages held (for
    /// `/__admin/limits`). Chats are locked one at a time, after the maps are released.
    pub fn largest_usage(&self) -> Usage {
        let mut usage = Usage {
            tenants: self.tenants.len(),
            ..Usage::default()
        };
        let mut handles = Vec::new();
        for tenant in self.tenants.iter() {
            usage.most_chats = usage.most_chats.max(tenant.chats.len());
            usage.most_end_users = usage.most_end_users.max(tenant.end_user_count());
            handles.extend(tenant.chats.iter().map(|chat| Arc::clone(chat.value())));
        }
        usage.most_messages = handles
            .iter()
            .filter_map(|chat| chat.lock().ok().map(|chat| chat.messages.len()))
            .max()
            .unwrap_or(0);
        usage
    }
}

/// How much of the state's bounds is in use (see [`AppState::largest_usage`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub tenants: usize,
    pub most_end_users: usize,
    pub most_chats: usize,
    pub most_messages: usize,
}

impl Overrides {
    /// The script with the start-up overrides applied (the one place they are applied).
    fn applied_to(&self, mut script: ContactCenter) -> ContactCenter {
        if let Some(delay) = self.agent_join_delay {
            script.join_delay = delay;
        }
        script.end_user_inactivity_timeout = self.inactivity_timeout;
        script
    }
}
