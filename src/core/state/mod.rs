//! The emulator's one owner of mutable state, [`AppState`]: the tenants and their chats,
//! the contact-center script, the webhook subsystem and the live event bus (both private),
//! the request journal, the rate limiter, the fixture status and the start-up overrides.
//! Every use case a handler needs is one method here that takes its locks in one place;
//! handlers parse, call one method and render. Nothing here knows about HTTP.
//!
//! The methods are grouped by what they concern: [`chats`] (the chat transitions, which lock
//! the one chat they change and carry out the domain's effects under that lock, see
//! [`effects`]), [`script`]
//! (the contact-center script), [`escalations`] (queues, escalations, deflections),
//! [`webhook_settings`], [`requests`] (request journal and
//! rate limit) and [`tenant_snapshots`].

mod access;
pub mod after_hours;
mod chats;
mod duplicate_guard;
mod durable;
mod effects;
pub mod escalations;
mod fidelity;
mod limit_settings;
mod limits;
mod media;
pub mod mid_session;
mod requests;
mod script;
mod tenant;
mod tenant_snapshots;
mod webhook_settings;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};

use crate::core::domain::{ChatError, ChatId, ContactCenter, TaskVirtualAgent};
use crate::core::limits::Limits;
use crate::core::live_events::{LiveEvent, LiveEventBus};
use crate::features::fixtures::loader::watch::{FixtureStatus, StatusReport};
use crate::features::media::{MediaConfig, MediaError, MediaStore};
use crate::features::persistence::StateStore;
use crate::features::requests::journal::{JournalStats, RequestJournal};
use crate::features::requests::rate_limiter::RateLimiter;
use crate::features::webhooks::delivery_journal::DeliveryCaps;
use crate::features::webhooks::policy::RetryPolicy;
use crate::features::webhooks::{WebhookOptions, WebhookTarget, Webhooks};
use after_hours::AfterHours;
use duplicate_guard::DuplicateGuard;

pub use access::{constant_time_eq, AuthPolicy};
pub use chats::{ChatRequest, OwnedChat, PostedMessage, TenantOverview};
pub use durable::RestoreReport;
pub use fidelity::{
    FidelityOptions, TenantAfterHours, TenantChatCreatedOrder, TenantEventSelection,
};
pub use limit_settings::{ChatStats, StateLimits};
pub use requests::RateLimited;
pub use script::StoredTaskVirtualAgent;
pub use tenant::{EndUserFields, Tenant};
pub use webhook_settings::{TargetSource, TenantWebhook};

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
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error("Tenant limit reached: {existing} tenants exist and {allowed} are allowed; POST /__admin/reset frees them")]
    TooManyTenants { existing: usize, allowed: usize },
    #[error("Media not found")]
    MediaNotFound,
    #[error(transparent)]
    Media(#[from] MediaError),
    /// `--state-dir` could not be written (the message says what happened).
    #[error("{0}")]
    NotPersisted(String),
}

/// What the state is built from (the parts of the configuration it owns).
pub struct StateOptions {
    pub script: ContactCenter,
    pub auth: AuthPolicy,
    pub default_webhook: Option<WebhookTarget>,
    pub retry: RetryPolicy,
    pub delivery_journal_cap: usize,
    pub live_event_backlog: usize,
    pub request_journal_cap: usize,
    pub request_journal_body_cap: usize,
    /// Apps API requests per second per tenant; `None`: no limit.
    pub rate_limit: Option<u32>,
    /// Where the fixtures came from, and whether the folder is watched.
    pub fixture_source: String,
    pub watching_fixtures: bool,
    /// `--agent-join-delay`, which wins over any script's own delay.
    pub agent_join_delay: Option<Duration>,
    /// Dismiss chats whose end user has left an agent's message unanswered this long.
    pub chat_inactivity_timeout: Option<Duration>,
    /// Retention of finished chats and the caps on chats and messages.
    pub state_limits: StateLimits,
    /// The robustness limits (tenants, journals, deliveries, body read time).
    pub limits: Limits,
    /// Where webhooks may differ from the platform (defaults follow it).
    pub webhook_options: WebhookOptions,
    /// A repeated mid-session authentication within this is a duplicate (zero: off).
    pub mid_session_duplicate_interval: Duration,
    /// Upload-form expiry and the media budgets.
    pub media: MediaConfig,
    /// The opt-in database (`--state-dir`); `None` keeps everything in memory.
    pub store: Option<Arc<StateStore>>,
}

/// Start-up settings that change the script every use case runs on.
#[derive(Debug, Clone, Copy)]
struct Overrides {
    agent_join_delay: Option<Duration>,
    inactivity_timeout: Option<Duration>,
}

/// Everything mutable in the emulator.
pub struct AppState {
    tenants: DashMap<String, Arc<Tenant>>,
    /// Which tenant owns each chat id (ids are unique across tenants).
    chat_owners: DashMap<ChatId, String>,
    next_chat_id: AtomicU64,
    next_end_user_id: AtomicU64,
    next_escalation_id: AtomicU64,
    /// Written only under its write lock, read-modify-write included.
    script: RwLock<Arc<ContactCenter>>,
    /// Serialises snapshot loads, so two loads never claim the same free id.
    loading: Mutex<()>,
    /// Serialises tenant admissions, so concurrent new subdomains respect the limit.
    admitting: Mutex<()>,
    limits: Limits,
    webhooks: Webhooks,
    live_events: Arc<LiveEventBus>,
    request_journal: RequestJournal,
    rate_limiter: Option<RateLimiter>,
    fixture_status: FixtureStatus,
    auth: AuthPolicy,
    overrides: Overrides,
    state_limits: StateLimits,
    finished: Mutex<limit_settings::FinishedChats>,
    started: Instant,
    /// Which tenants are after hours (`PATCH /chats/{id}/resume` answers their message).
    after_hours: AfterHours,
    /// Refuses a repeated mid-session authentication within the duplicate interval.
    mid_session: DuplicateGuard,
    /// Every uploaded and attached file, within its budgets.
    media: MediaStore,
    /// Where the state is written through to, with `--state-dir`.
    store: Option<Arc<StateStore>>,
}

/// What `GET /__admin/health` reports (`Health`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub uptime_seconds: u64,
    pub tenants: usize,
    pub request_journal: JournalStats,
    pub rate_limit_per_second: Option<u32>,
    /// Chats held and evicted, and their limits.
    pub chats: ChatStats,
    /// Where the emulator differs from the platform only on request (see docs/fidelity.md).
    pub fidelity: FidelityOptions,
    /// Media budgets and usage.
    pub media: serde_json::Value,
    /// `--state-dir` and how its writes went; `null` when the state is in memory only.
    pub persistence: Option<crate::features::persistence::PersistenceStats>,
}

impl AppState {
    /// Builds the state and starts the webhook dispatcher. Must run inside a runtime.
    pub fn new(options: StateOptions) -> AppState {
        let live_events = Arc::new(LiveEventBus::with_backlog(options.live_event_backlog));
        let webhooks = Webhooks::start_with(
            options.default_webhook,
            options.retry,
            options.delivery_journal_cap,
            DeliveryCaps {
                payload_bytes: options.limits.delivery_payload_cap,
                attempts: options.limits.delivery_attempts_cap,
            },
            Arc::clone(&live_events),
            options.webhook_options,
        );
        if let Some(store) = &options.store {
            webhooks.persist_to(Arc::clone(store));
        }
        let overrides = Overrides {
            agent_join_delay: options.agent_join_delay,
            inactivity_timeout: options
                .chat_inactivity_timeout
                .filter(|timeout| !timeout.is_zero()),
        };
        AppState {
            tenants: DashMap::new(),
            chat_owners: DashMap::new(),
            next_chat_id: AtomicU64::new(1),
            next_end_user_id: AtomicU64::new(1001),
            next_escalation_id: AtomicU64::new(1),
            script: RwLock::new(Arc::new(overrides.applied_to(options.script))),
            loading: Mutex::new(()),
            admitting: Mutex::new(()),
            webhooks,
            live_events,
            request_journal: RequestJournal::new(
                options.request_journal_cap,
                options.request_journal_body_cap,
            )
            .with_entry_bytes(options.limits.request_journal_entry_bytes),
            rate_limiter: options.rate_limit.map(RateLimiter::new),
            fixture_status: FixtureStatus::new(options.fixture_source, options.watching_fixtures),
            auth: options.auth,
            overrides,
            state_limits: options.state_limits,
            finished: Mutex::default(),
            started: Instant::now(),
            limits: options.limits,
            after_hours: AfterHours::default(),
            mid_session: DuplicateGuard::new(options.mid_session_duplicate_interval),
            media: MediaStore::new(options.media),
            store: options.store,
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

    /// Whether any non-empty credentials are admitted (`--auth open`).
    pub fn auth_is_open(&self) -> bool {
        self.auth.is_open()
    }

    /// The robustness limits this state was built with.
    pub fn limits(&self) -> &Limits {
        &self.limits
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
        self.persist_tenant(name)?;
        Ok(tenant)
    }

    /// How many tenants exist.
    pub fn tenant_count(&self) -> usize {
        self.tenants.len()
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

    /// Forgets one tenant (or all): chats, end users, webhook targets, deliveries and
    /// journaled requests. Pending timers find their chat gone and do nothing.
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
        self.webhooks.forget(tenant);
        self.request_journal.forget(tenant);
        self.forget_finished(tenant);
        self.after_hours.forget(tenant);
        self.media.forget(tenant);
        self.persist_reset(tenant);
    }

    pub fn health(&self) -> Health {
        Health {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime_seconds: self.started.elapsed().as_secs(),
            tenants: self.tenant_names().len(),
            request_journal: self.request_journal.stats(),
            rate_limit_per_second: self.rate_limiter.as_ref().map(RateLimiter::per_second),
            chats: self.chat_stats(),
            fidelity: self.fidelity_options(),
            media: self.media.usage(),
            persistence: self.persistence_stats(),
        }
    }

    /// Load and reload status of the fixtures.
    pub fn fixture_status(&self) -> StatusReport {
        self.fixture_status.report()
    }

    /// A stream of every live event from now on (for Server-Sent Events).
    pub fn subscribe_live_events(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.live_events.subscribe()
    }

    /// Shutdown has started: every event stream ends and every long-poll answers now.
    pub fn close_streams(&self) {
        self.live_events.close_streams();
    }

    /// Becomes `true` when shutdown starts.
    pub fn watch_closing(&self) -> watch::Receiver<bool> {
        self.live_events.closing()
    }

    /// A counter that moves whenever anything is published: long-polls wait on it.
    pub fn watch_changes(&self) -> watch::Receiver<u64> {
        self.live_events.changes()
    }

    /// The task virtual agents of the running script.
    pub fn task_virtual_agents(&self) -> Vec<Arc<TaskVirtualAgent>> {
        self.script()
            .task_virtual_agents
            .values()
            .cloned()
            .collect()
    }
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
