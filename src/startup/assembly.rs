//! Assembling the emulator from its configuration: the core's [`AppState`] with the hooks
//! each feature plugs in, and every feature's use cases, built once (outside the per-worker
//! app factory) and handed to the handlers as app data ([`Features::register`]).

use std::sync::Arc;

use actix_web::web;

use crate::config::Config;
use crate::core::domain::ContactCenter;
use crate::core::live_events::LiveEventBus;
use crate::core::state::durability::Durability;
use crate::core::state::hooks::{ChatObserver, Hooks, ScriptAttachments, TenantParts};
use crate::core::state::id_counters::IdCounters;
use crate::core::state::{AppState, StateOptions};
use crate::features::chats::Chats;
use crate::features::escalations::Escalations;
use crate::features::fixtures::Fixtures;
use crate::features::health::Overview;
use crate::features::media::{MediaBudgets, MediaFiles, MediaLibrary};
use crate::features::persistence::{self, RestoreInto, RestoreReport, StateStore};
use crate::features::requests::journal::RequestJournal;
use crate::features::requests::Requests;
use crate::features::snapshots::Snapshots;
use crate::features::webhooks::delivery_journal::DeliveryCaps;
use crate::features::webhooks::{DeliverySettings, WebhookSettings, Webhooks};
use crate::http::OpenApiDocument;

/// The core and every feature, each built once.
#[derive(Clone)]
pub struct Features {
    pub state: Arc<AppState>,
    pub live_events: Arc<LiveEventBus>,
    pub webhooks: Arc<Webhooks>,
    pub webhook_settings: Arc<WebhookSettings>,
    pub media_library: Arc<MediaLibrary>,
    pub media: Arc<MediaFiles>,
    pub requests: Arc<Requests>,
    pub chats: Arc<Chats>,
    pub escalations: Arc<Escalations>,
    pub fixtures: Arc<Fixtures>,
    pub snapshots: Arc<Snapshots>,
    pub overview: Arc<Overview>,
    pub store: Option<Arc<StateStore>>,
    pub openapi: Arc<OpenApiDocument>,
}

impl Features {
    /// Builds everything from `config`, the loaded `script` and the opened store. Must run
    /// inside a runtime (the webhook dispatcher starts here).
    pub fn build(
        config: &Config,
        script: ContactCenter,
        fixture_source: String,
        store: Option<Arc<StateStore>>,
    ) -> Features {
        let live_events = Arc::new(
            LiveEventBus::with_backlog(config.live_event_backlog).bounded(
                config.limits.live_event_backlog_bytes,
                config.limits.max_event_subscribers,
            ),
        );
        let ids = Arc::new(IdCounters::default());
        let durability = store
            .as_ref()
            .map(|store| Arc::clone(store) as Arc<dyn Durability>);
        let webhooks = Arc::new(Webhooks::start(
            DeliverySettings {
                default_target: config.default_webhook.clone(),
                retry: config.retry.clone(),
                journal_capacity: config.limits.delivery_journal_cap,
                caps: DeliveryCaps {
                    payload_bytes: config.limits.delivery_payload_cap,
                    attempts: config.limits.delivery_attempts_cap,
                },
                options: config.fidelity.webhooks.clone(),
            },
            Arc::clone(&live_events),
            durability.clone(),
        ));
        let media_library = Arc::new(MediaLibrary::new(
            config.media.clone(),
            MediaBudgets {
                per_tenant: config.limits.media_budget_per_tenant,
                total: config.limits.media_budget_total,
            },
            Arc::clone(&ids),
            durability.clone(),
        ));
        let requests = Arc::new(Requests::new(
            RequestJournal::new(
                config.limits.request_journal_cap,
                config.limits.request_journal_body_cap,
            )
            .with_entry_bytes(config.limits.request_journal_entry_bytes),
            config.limits.rate_limit,
            Arc::clone(&live_events),
        ));
        let hooks = Hooks {
            observers: vec![Arc::clone(&webhooks) as Arc<dyn ChatObserver>],
            attachments: Some(Arc::clone(&media_library) as Arc<dyn ScriptAttachments>),
            parts: vec![
                Arc::clone(&webhooks) as Arc<dyn TenantParts>,
                Arc::clone(&requests) as Arc<dyn TenantParts>,
                Arc::clone(&media_library) as Arc<dyn TenantParts>,
            ],
        };
        let state = Arc::new(AppState::new(
            StateOptions {
                script,
                auth: config.auth.clone(),
                agent_join_delay: config.agent_join_delay,
                chat_inactivity_timeout: config.chat_inactivity_timeout,
                limits: config.limits.clone(),
                live_events: Arc::clone(&live_events),
                ids,
                durability,
            },
            hooks,
        ));
        let media = Arc::new(MediaFiles::new(
            Arc::clone(&state),
            Arc::clone(&media_library),
        ));
        let chats = Arc::new(Chats::new(
            Arc::clone(&state),
            Arc::clone(&media),
            config.fidelity.mid_session_duplicate_interval,
        ));
        let overview = Arc::new(Overview {
            state: Arc::clone(&state),
            requests: Arc::clone(&requests),
            webhooks: Arc::clone(&webhooks),
            chats: Arc::clone(&chats),
            media: Arc::clone(&media_library),
            store: store.clone(),
        });
        Features {
            webhook_settings: Arc::new(WebhookSettings::new(
                Arc::clone(&state),
                Arc::clone(&webhooks),
            )),
            escalations: Arc::new(Escalations::new(Arc::clone(&state))),
            fixtures: Arc::new(Fixtures::new(
                Arc::clone(&state),
                fixture_source,
                config.watch,
            )),
            snapshots: Arc::new(Snapshots::new(Arc::clone(&state), Arc::clone(&webhooks))),
            state,
            live_events,
            webhooks,
            media_library,
            media,
            requests,
            chats,
            overview,
            store,
            openapi: Arc::new(OpenApiDocument(super::routes::openapi_document().into())),
        }
    }

    /// Reads `--state-dir` back (nothing to do without one).
    pub fn restore(&self) -> Result<RestoreReport, String> {
        let Some(store) = &self.store else {
            return Ok(RestoreReport::default());
        };
        persistence::restore(
            store,
            RestoreInto {
                state: &self.state,
                fixtures: &self.fixtures,
                snapshots: &self.snapshots,
                webhooks: &self.webhooks,
                media: &self.media_library,
            },
        )
    }

    /// Closes `--state-dir` (the emulator stopped): the folder is free for a new emulator.
    pub fn close_persistence(&self) {
        if let Some(store) = &self.store {
            store.close();
        }
    }

    /// Hands every feature to the handlers as app data.
    pub fn register(&self, config: &mut web::ServiceConfig) {
        config
            .app_data(web::Data::from(Arc::clone(&self.state)))
            .app_data(web::Data::from(Arc::clone(&self.live_events)))
            .app_data(web::Data::from(Arc::clone(&self.webhooks)))
            .app_data(web::Data::from(Arc::clone(&self.webhook_settings)))
            .app_data(web::Data::from(Arc::clone(&self.media)))
            .app_data(web::Data::from(Arc::clone(&self.requests)))
            .app_data(web::Data::from(Arc::clone(&self.chats)))
            .app_data(web::Data::from(Arc::clone(&self.escalations)))
            .app_data(web::Data::from(Arc::clone(&self.fixtures)))
            .app_data(web::Data::from(Arc::clone(&self.snapshots)))
            .app_data(web::Data::from(Arc::clone(&self.overview)))
            .app_data(web::Data::from(Arc::clone(&self.openapi)));
    }
}
