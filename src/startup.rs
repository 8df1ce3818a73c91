//! Building and running the emulator. [`Emulator::build`] loads the fixtures and binds
//! first (so port 0 works and the port is known before serving), then
//! [`Emulator::spawn`] serves in the background for in-process tests, or
//! [`Emulator::run_until_stopped`] serves in the foreground for the binary. Shared state
//! is built once here, outside the per-worker app factory: the script, the seeded tenants
//! (`seeds/*.json`) and, with `--watch`, the thread that reloads the fixture folder.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::Logger;
use actix_web::{web, App, HttpServer};

use crate::admin;
use crate::after_hours::AfterHours;
use crate::api::mid_session::DuplicateGuard;
use crate::api::{self, error, AuthPolicy};
use crate::client::{AdminClient, AppsClient};
use crate::config::{Config, FixtureSource};
use crate::domain::ContactCenter;
use crate::events::EventBus;
use crate::fixtures::watch::{self, FixtureStatus, FixtureWatcher};
use crate::fixtures::{self, seeds, FixtureError};
use crate::journal::RequestJournal;
use crate::rate_limit::RateLimiter;
use crate::store::Store;
use crate::webhooks::{DrainReport, Webhooks};

/// What every handler can reach.
pub struct AppState {
    pub store: Arc<Store>,
    pub auth: AuthPolicy,
    pub admin_token: Option<String>,
    pub started: Instant,
    /// Every Apps API request received.
    pub requests: Arc<RequestJournal>,
    /// The per-tenant limit on the Apps API, if on.
    pub rate_limit: Option<RateLimiter>,
    /// The largest accepted request body.
    pub max_body_bytes: usize,
    /// Load and reload status of the fixtures.
    pub fixtures: Arc<FixtureStatus>,
    /// `--agent-join-delay`, which wins over any script's own delay.
    pub agent_join_delay: Option<Duration>,
    /// Which tenants are after hours (`PATCH /chats/{id}/resume` answers their message).
    pub after_hours: Arc<AfterHours>,
    /// Refuses a repeated mid-session authentication within the duplicate interval.
    pub mid_session: DuplicateGuard,
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("fixture error: {0}")]
    Fixtures(#[from] FixtureError),
    #[error(
        "--watch needs a fixture folder (--fixtures DIR, or ./fixtures), not the embedded fixtures"
    )]
    WatchNeedsFolder,
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
}

/// A bound, not yet serving, emulator.
pub struct Emulator {
    server: Server,
    address: SocketAddr,
    store: Arc<Store>,
    watcher: Option<FixtureWatcher>,
    admin_token: Option<String>,
}

/// An emulator serving in the background of the current runtime.
pub struct RunningEmulator {
    address: SocketAddr,
    handle: ServerHandle,
    store: Arc<Store>,
    admin_token: Option<String>,
    /// Stops polling the fixture folder when dropped.
    _watcher: Option<FixtureWatcher>,
}

/// Where fixtures come from once `FixtureSource::Default` is decided.
enum ResolvedSource {
    Folder(PathBuf),
    Embedded,
}

impl ResolvedSource {
    fn of(source: &FixtureSource) -> ResolvedSource {
        match source {
            FixtureSource::Folder(folder) => ResolvedSource::Folder(folder.clone()),
            FixtureSource::Default if Path::new("fixtures").is_dir() => {
                ResolvedSource::Folder(PathBuf::from("fixtures"))
            }
            FixtureSource::Embedded | FixtureSource::Default => ResolvedSource::Embedded,
        }
    }

    fn script(&self, join_delay: Option<Duration>) -> Result<ContactCenter, FixtureError> {
        let mut script = match self {
            ResolvedSource::Folder(folder) => fixtures::load_folder(folder)?,
            ResolvedSource::Embedded => fixtures::embedded()?,
        };
        if let Some(delay) = join_delay {
            script.join_delay = delay;
        }
        Ok(script)
    }

    fn seeds(&self) -> Result<Vec<seeds::Seed>, FixtureError> {
        match self {
            ResolvedSource::Folder(folder) => seeds::in_folder(folder),
            ResolvedSource::Embedded => seeds::embedded(),
        }
    }

    fn name(&self) -> String {
        match self {
            ResolvedSource::Folder(folder) => folder.display().to_string(),
            ResolvedSource::Embedded => "embedded".to_owned(),
        }
    }
}

/// Loads the contact-center script the configuration points at.
pub fn load_script(config: &Config) -> Result<ContactCenter, FixtureError> {
    ResolvedSource::of(&config.fixtures).script(config.agent_join_delay)
}

/// Loads each seed into its tenant; a problem names the seed file and the place in it.
fn load_seeds(store: &Arc<Store>, seeds: &[seeds::Seed]) -> Result<(), FixtureError> {
    for seed in seeds {
        store
            .load_tenant(&seed.tenant, &seed.snapshot)
            .map_err(|error| seed.error(error.place, error.problem))?;
    }
    Ok(())
}

/// Starts polling the folder when `--watch` asks for it.
fn watch_fixtures(
    config: &Config,
    source: &ResolvedSource,
    store: &Arc<Store>,
    status: &Arc<FixtureStatus>,
) -> Result<Option<FixtureWatcher>, StartError> {
    if !config.watch {
        return Ok(None);
    }
    let ResolvedSource::Folder(folder) = source else {
        return Err(StartError::WatchNeedsFolder);
    };
    let store = Arc::clone(store);
    let reload_from = ResolvedSource::Folder(folder.clone());
    let join_delay = config.agent_join_delay;
    Ok(Some(watch::start(
        folder.clone(),
        config.watch_interval,
        Arc::clone(status),
        move || {
            store.replace_script(reload_from.script(join_delay)?);
            Ok(())
        },
    )))
}

impl Emulator {
    /// Loads fixtures and binds. Must be called inside an actix (tokio) runtime.
    pub fn build(config: Config) -> Result<Emulator, StartError> {
        let source = ResolvedSource::of(&config.fixtures);
        if config.watch && matches!(source, ResolvedSource::Embedded) {
            return Err(StartError::WatchNeedsFolder);
        }
        let script = source.script(config.agent_join_delay)?;
        let seeds = source.seeds()?;
        let events = Arc::new(EventBus::with_backlog(config.live_event_backlog));
        let webhooks = Webhooks::start_with(
            config.default_webhook.clone(),
            config.retry.clone(),
            config.delivery_journal_cap,
            Arc::clone(&events),
            config.fidelity.webhooks.clone(),
        );
        let store = Arc::new(
            Store::new(script, webhooks, events)
                .with_inactivity_timeout(config.chat_inactivity_timeout),
        );
        load_seeds(&store, &seeds)?;
        let status = Arc::new(FixtureStatus::new(source.name(), config.watch));
        let watcher = watch_fixtures(&config, &source, &store, &status)?;
        let listener = TcpListener::bind(&config.bind).map_err(|source| StartError::Bind {
            address: config.bind.clone(),
            source,
        })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            address: config.bind.clone(),
            source,
        })?;
        let state = web::Data::new(AppState {
            store: Arc::clone(&store),
            auth: config.auth.clone(),
            admin_token: config.admin_token.clone(),
            started: Instant::now(),
            requests: Arc::new(RequestJournal::new(
                config.request_journal_cap,
                config.request_journal_body_cap,
            )),
            rate_limit: config.rate_limit.map(RateLimiter::new),
            max_body_bytes: config.max_body_bytes,
            fixtures: status,
            agent_join_delay: config.agent_join_delay,
            after_hours: Arc::new(AfterHours::default()),
            mid_session: DuplicateGuard::new(config.fidelity.mid_session_duplicate_interval),
        });
        let max_body = config.max_body_bytes;
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(Logger::new("%a \"%r\" %s %Dms"))
                .app_data(state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .error_handler(error::json_error),
                )
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .configure(api::configure)
                .configure(admin::configure)
                .default_service(web::to(error::route_not_found))
        })
        .disable_signals()
        .shutdown_timeout(5);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .map_err(|source| StartError::Bind {
                address: config.bind.clone(),
                source,
            })?
            .run();
        Ok(Emulator {
            server,
            address,
            store,
            watcher,
            admin_token: config.admin_token,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn store(&self) -> Arc<Store> {
        Arc::clone(&self.store)
    }

    /// Serves until the server is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _watcher = self.watcher;
        self.server.await
    }

    /// Serves in the background of the current runtime.
    pub fn spawn(self) -> RunningEmulator {
        let handle = self.server.handle();
        let running = RunningEmulator {
            address: self.address,
            handle,
            store: self.store,
            admin_token: self.admin_token,
            _watcher: self.watcher,
        };
        actix_web::rt::spawn(self.server);
        running
    }
}

impl RunningEmulator {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The Apps API base, `http://127.0.0.1:<port>/apps/api/v1`.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.base_url(), api::BASE_PATH)
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn store(&self) -> Arc<Store> {
        Arc::clone(&self.store)
    }

    /// A typed client of this emulator's control plane (with its admin token, if any).
    pub fn admin_client(&self) -> AdminClient {
        AdminClient::new(&self.base_url(), self.admin_token.as_deref())
    }

    /// A typed client of this emulator's Apps API as tenant `subdomain`.
    pub fn apps_client(&self, subdomain: &str, token: &str) -> AppsClient {
        AppsClient::new(&self.base_url(), subdomain, token)
    }

    /// Stops serving (waiting for requests in flight).
    pub async fn stop(self) {
        self.handle.stop(true).await;
    }

    /// Stops serving, then keeps delivering pending webhooks for up to `grace`, and says
    /// what is still undelivered: what the binary does on SIGTERM.
    pub async fn shutdown(&self, grace: Duration) -> DrainReport {
        self.handle.stop(true).await;
        self.store.webhooks.drain(grace).await
    }
}
