//! Building and running the emulator. [`Emulator::build`] loads the fixtures and binds
//! first (so port 0 works and the port is known before serving), then
//! [`Emulator::spawn`] serves in the background for in-process tests, or
//! [`Emulator::run_until_stopped`] serves in the foreground for the binary. Shared state
//! is built once here, outside the per-worker app factory: the script, the seeded tenants
//! (`seeds/*.json`) and, with `--watch`, the thread that reloads the fixture folder.
//! [`routes`] assembles the two HTTP surfaces.

mod assembly;
pub mod recording;
mod routes;
mod serve;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::web;

use crate::client::{AdminClient, AppsClient};
use crate::config::{Config, FixtureSource};
use crate::core::domain::ContactCenter;
use crate::core::wire::APPS_API_BASE;
use crate::features::fixtures::loader::watch::{self, FixtureWatcher};
use crate::features::fixtures::loader::{self, seeds, FixtureError};
use crate::features::persistence::StateStore;
use crate::features::webhooks::DrainReport;
use crate::http::HttpSettings;

pub use assembly::Features;
pub use routes::all_endpoints;

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("fixture error: {0}")]
    Fixtures(#[from] FixtureError),
    #[error(
        "--watch needs a fixture folder (--fixtures DIR, or ./fixtures), not the embedded fixtures"
    )]
    WatchNeedsFolder,
    #[error("{0}")]
    Config(String),
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
    features: Features,
    watcher: Option<FixtureWatcher>,
    admin_token: Option<String>,
    /// `embedded`, or the fixture folder's path.
    fixture_source: String,
}

/// An emulator serving in the background of the current runtime.
pub struct RunningEmulator {
    address: SocketAddr,
    handle: ServerHandle,
    features: Features,
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

    /// The script as the fixtures have it (the state applies the start-up overrides).
    fn script(&self) -> Result<ContactCenter, FixtureError> {
        match self {
            ResolvedSource::Folder(folder) => loader::load_folder(folder),
            ResolvedSource::Embedded => loader::embedded(),
        }
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

/// Loads each seed into its tenant; a problem names the seed file and the place in it.
/// Loads each seed into its tenant, except into a tenant `--state-dir` restored (the
/// state kept across the restart wins over the seed it may have started from).
fn load_seeds(features: &Features, seeds: &[seeds::Seed]) -> Result<(), FixtureError> {
    for seed in seeds {
        if features.state.existing_tenant(&seed.tenant).is_some() {
            tracing::info!(tenant = %seed.tenant, "seed not loaded: the tenant was restored from --state-dir");
            continue;
        }
        features
            .snapshots
            .load_tenant(&seed.tenant, &seed.snapshot)
            .map_err(|error| seed.error(error.place, error.problem))?;
    }
    Ok(())
}

/// Starts polling the folder when `--watch` asks for it.
fn watch_fixtures(
    config: &Config,
    source: &ResolvedSource,
    features: &Features,
) -> Result<Option<FixtureWatcher>, StartError> {
    if !config.watch {
        return Ok(None);
    }
    let ResolvedSource::Folder(folder) = source else {
        return Err(StartError::WatchNeedsFolder);
    };
    let fixtures = Arc::clone(&features.fixtures);
    let reload_from = ResolvedSource::Folder(folder.clone());
    Ok(Some(watch::start(
        folder.clone(),
        config.watch_interval,
        move || fixtures.reload_script(reload_from.script()),
    )))
}

/// With a retention age, evicts expired finished chats every second (or every `age`, if
/// shorter) even when no traffic arrives; stops with the state.
fn sweep_finished_chats(features: &Features, age: Option<Duration>) {
    let Some(age) = age else { return };
    let state = Arc::downgrade(&features.state);
    let every = age.clamp(Duration::from_millis(10), Duration::from_secs(1));
    actix_rt::spawn(async move {
        loop {
            actix_rt::time::sleep(every).await;
            let Some(state) = state.upgrade() else { return };
            state.evict_expired_chats();
        }
    });
}

impl Emulator {
    /// Loads fixtures and binds. Must be called inside an actix (tokio) runtime.
    pub fn build(config: Config) -> Result<Emulator, StartError> {
        let source = ResolvedSource::of(&config.fixtures);
        if config.watch && matches!(source, ResolvedSource::Embedded) {
            return Err(StartError::WatchNeedsFolder);
        }
        let script = source.script()?;
        let seeds = source.seeds()?;
        let store = match &config.state_dir {
            Some(dir) => Some(Arc::new(
                StateStore::open_with(dir, config.fault_point.clone())
                    .map_err(|error| StartError::Config(error.to_string()))?,
            )),
            None => None,
        };
        let features = Features::build(&config, script, source.name(), store);
        let restored = features
            .restore()
            .map_err(|problem| StartError::Config(format!("--state-dir: {problem}")))?;
        if let Some(stats) = features.store.as_ref().map(|store| store.stats()) {
            tracing::info!(state_dir = %stats.state_dir, tenants = restored.tenants, chats = restored.chats, messages = restored.messages, pending_deliveries = restored.pending_deliveries, fixture_uploads = restored.fixture_uploads, media = restored.media, "state restored");
        }
        sweep_finished_chats(&features, config.limits.retain_finished_for);
        let watcher = watch_fixtures(&config, &source, &features)?;
        let listener = TcpListener::bind(&config.bind).map_err(|source| StartError::Bind {
            address: config.bind.clone(),
            source,
        })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            address: config.bind.clone(),
            source,
        })?;
        features
            .webhooks
            .set_own_address(address)
            .map_err(|error| StartError::Config(format!("--webhook-url: {error}")))?;
        // After the address is known, so a seed's webhook target that loops back is refused.
        load_seeds(&features, &seeds)?;
        let settings = web::Data::new(HttpSettings {
            admin_token: config.admin_token.clone(),
            max_body_bytes: config.limits.max_body_bytes,
        });
        let mount = routes::configure(config.limits.max_body_bytes);
        // Connections still open at the end of the grace are closed: the grace is a total.
        let shutdown_timeout = config.shutdown_grace.as_secs_f64().ceil().max(1.0) as u64;
        let server = serve::serve(
            listener,
            address,
            serve::ServeOptions {
                workers: config.workers,
                shutdown_timeout_seconds: shutdown_timeout,
                access_log: config.access_log,
            },
            features.clone(),
            settings,
            mount,
        )
        .map_err(|source| StartError::Bind {
            address: config.bind.clone(),
            source,
        })?;
        Ok(Emulator {
            server,
            address,
            features,
            watcher,
            admin_token: config.admin_token,
            fixture_source: source.name(),
        })
    }

    /// Where the fixtures were loaded from: `embedded`, or the folder's path.
    pub fn fixture_source(&self) -> &str {
        &self.fixture_source
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

    /// The emulator's core and features (the binary drains its webhooks at shutdown).
    pub fn features(&self) -> Features {
        self.features.clone()
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
            features: self.features,
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
        format!("{}{APPS_API_BASE}", self.base_url())
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The emulator's core and features, for in-process callers that drive it directly.
    pub fn features(&self) -> Features {
        self.features.clone()
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
        self.features.close_persistence();
    }

    /// Stops serving, then keeps delivering pending webhooks for up to `grace` in all, and
    /// says what is still undelivered: what the binary does on SIGTERM.
    pub async fn shutdown(&self, grace: Duration) -> DrainReport {
        stop_within(&self.handle, &self.features, grace).await
    }
}

/// The shutdown sequence, `grace` in total: event streams and long-polls are answered at
/// once, the server stops accepting and finishes the requests in flight, and pending
/// webhooks keep being delivered until nothing is pending or the grace is over. Returns
/// what is still undelivered.
pub async fn stop_within(
    handle: &ServerHandle,
    features: &Features,
    grace: Duration,
) -> DrainReport {
    let deadline = tokio::time::Instant::now() + grace;
    features.live_events.close_streams();
    let _ = tokio::time::timeout_at(deadline, handle.stop(true)).await;
    let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
    let report = features.webhooks.drain(remaining).await;
    features.close_persistence();
    report
}
