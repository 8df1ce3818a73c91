//! The servers and runs of the recording feature: `ccai-emulator record` (the proxy and
//! webhook target in front of a tenant), `ccai-emulator diff` (each cassette replayed
//! through an in-process recorder in front of a fresh in-process emulator, then compared)
//! and `ccai-emulator replay` (cassettes answered as fixtures).

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};

use super::Emulator;
use crate::config::Config;
use crate::core::state::AuthPolicy;
use crate::features::recording::http::fixtures::{replay_routes, Replay, WebhookOut};
use crate::features::recording::http::proxy::Proxy;
use crate::features::recording::http::replayer::{self, ReplayPlan};
use crate::features::recording::http::target::Target;
use crate::features::recording::http::{client, recorder_routes};
use crate::features::recording::playback::Playback;
use crate::features::recording::{
    report, Cassette, CassetteDiff, DiffReport, DiffSettings, Json, RecordSettings, Recorder,
    RecorderOptions, ReplaySettings,
};
use crate::features::webhooks::WebhookTarget;

/// The largest request or webhook body the recorder reads.
const MAX_BODY_BYTES: usize = 64 << 20;

/// A recorder serving on `listener`: the Apps API proxied to `upstream`, webhooks taken
/// on any other path and forwarded to `forward`.
fn serve_recorder(
    listener: TcpListener,
    recorder: Arc<Recorder>,
    upstream: &str,
    forward: Option<String>,
    upstream_timeout: Duration,
    workers: usize,
) -> std::io::Result<Server> {
    let upstream = upstream.to_owned();
    // awc's client is not Send: each worker makes its own.
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(Proxy::new(
                Arc::clone(&recorder),
                &upstream,
                upstream_timeout,
            )))
            .app_data(web::Data::new(Target {
                recorder: Arc::clone(&recorder),
                forward: forward.clone(),
                client: client::client(upstream_timeout),
            }))
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .configure(recorder_routes)
    })
    .workers(workers)
    .disable_signals()
    .shutdown_timeout(2)
    .listen(listener)?
    .run())
}

/// A running `ccai-emulator record`.
pub struct RunningRecorder {
    pub address: SocketAddr,
    pub recorder: Arc<Recorder>,
    handle: ServerHandle,
}

impl RunningRecorder {
    /// Binds and starts serving in the background of the current runtime.
    pub fn start(settings: &RecordSettings) -> Result<RunningRecorder, String> {
        let recorder = Arc::new(Recorder::new(RecorderOptions {
            out: Some(settings.out.clone()),
            primary_secret: settings.primary_secret.clone(),
            secondary_secret: settings.secondary_secret.clone(),
            order_hold: settings.order_hold,
            provenance: Json::object(vec![
                ("source", Json::str("tenant")),
                (
                    "recorded_at",
                    Json::from(chrono::Utc::now().format("%Y-%m-%d").to_string()),
                ),
                ("region", Json::from(settings.region.as_str())),
            ]),
            title: "Recorded from a CCAI Platform tenant by ccai-emulator record".to_owned(),
            literals: Vec::new(),
        })?);
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|error| format!("cannot listen on {}: {error}", settings.bind))?;
        let address = listener
            .local_addr()
            .map_err(|error| format!("cannot listen on {}: {error}", settings.bind))?;
        let server = serve_recorder(
            listener,
            Arc::clone(&recorder),
            &settings.upstream,
            settings.forward.clone(),
            settings.upstream_timeout,
            2,
        )
        .map_err(|error| format!("cannot listen on {}: {error}", settings.bind))?;
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Ok(RunningRecorder {
            address,
            recorder,
            handle,
        })
    }

    /// Stops serving (requests and webhooks in flight finish), then writes what no chat
    /// claimed.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.recorder.finish();
    }
}

/// Replays every cassette at `settings.path` against a fresh emulator configured by
/// `config` (its address, authentication and webhook target are the diff's own) and
/// compares; an error is a cassette that cannot be read.
pub async fn diff(config: &Config, settings: &DiffSettings) -> Result<DiffReport, String> {
    let cassettes = Cassette::read_all(&settings.path)?;
    let mut report = DiffReport::default();
    for cassette in &cassettes {
        let file = cassette.path.display().to_string();
        report
            .cassettes
            .push(diff_one(config, settings, cassette, file).await);
    }
    Ok(report)
}

/// The secrets a cassette's webhooks were checked with: the primary always; the
/// secondary when the cassette checked one (`None` for a secret it did not have).
fn secrets_like(cassette: &Cassette) -> (String, Option<String>, bool) {
    let verdict = |name: &str| {
        cassette
            .webhooks()
            .first()
            .and_then(|hook| hook.get("signatures"))
            .and_then(|signatures| signatures.get(name))
            .and_then(Json::as_str)
            .map(str::to_owned)
    };
    let random = || uuid::Uuid::new_v4().simple().to_string();
    let secondary = verdict("secondary");
    let sends_secondary = !matches!(secondary.as_deref(), Some("absent"));
    let checks_secondary = !secondary
        .as_deref()
        .is_some_and(|verdict| verdict.starts_with("not checked"));
    (random(), sends_secondary.then(random), checks_secondary)
}

async fn diff_one(
    config: &Config,
    settings: &DiffSettings,
    cassette: &Cassette,
    file: String,
) -> CassetteDiff {
    let mut outcome = CassetteDiff {
        name: cassette.name.clone(),
        file,
        expected: Json::Null,
        differences: Vec::new(),
        exchanges: cassette.exchanges().len(),
        webhooks: cassette.webhooks().len(),
        notes: Vec::new(),
        error: None,
    };
    let source = cassette
        .document
        .get("provenance")
        .and_then(|provenance| provenance.get("source"))
        .and_then(Json::as_str);
    if source == Some("docs") {
        outcome.error = Some(
            "written from a documentation page, with matchers and without its requests' bodies: it cannot be replayed (the parity suite checks it)".to_owned(),
        );
        return outcome;
    }
    match replay_one(config, settings, cassette).await {
        Ok((replayed, skipped, notes)) => {
            let (expected, differences) = report::differences(
                &cassette.document,
                &skipped.not_replayed,
                &skipped.made_up_uploads,
                &replayed,
            );
            outcome.expected = expected;
            outcome.differences = differences;
            outcome.notes = notes;
        }
        Err(error) => outcome.error = Some(error),
    }
    outcome
}

/// What a replay could not do as recorded: exchanges it did not send, files it made up.
struct Skipped {
    not_replayed: Vec<usize>,
    made_up_uploads: Vec<(usize, u64)>,
}

/// Replays one cassette; answers the replay's document, what it could not replay as
/// recorded, and notes on that.
async fn replay_one(
    config: &Config,
    settings: &DiffSettings,
    cassette: &Cassette,
) -> Result<(Json, Skipped, Vec<String>), String> {
    let subdomain = format!("diff-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let token = uuid::Uuid::new_v4().simple().to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let (primary, secondary, checks_secondary) = secrets_like(cassette);
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|error| format!("cannot listen on 127.0.0.1: {error}"))?;
    let recorder_address = listener
        .local_addr()
        .map_err(|error| format!("cannot listen on 127.0.0.1: {error}"))?;
    let mut fresh = config.clone();
    fresh.bind = "127.0.0.1:0".to_owned();
    fresh.auth = AuthPolicy::Strict(HashMap::from([(subdomain.clone(), token.clone())]));
    fresh.default_webhook = Some(WebhookTarget {
        url: format!("http://{recorder_address}/webhook"),
        primary_secret: primary.clone(),
        secondary_secret: secondary.clone(),
    });
    fresh.state_dir = None;
    fresh.fault_point = None;
    fresh.watch = false;
    fresh.workers = Some(fresh.workers.unwrap_or(2).min(2));
    let emulator = Emulator::build(fresh)
        .map_err(|error| format!("the fresh emulator did not start: {error}"))?
        .spawn();
    let recorder = Arc::new(Recorder::new(RecorderOptions {
        out: None,
        primary_secret: Some(primary),
        secondary_secret: secondary.filter(|_| checks_secondary),
        order_hold: Duration::from_millis(cassette.order_hold_ms().unwrap_or(500)),
        provenance: Json::object(vec![("source", Json::str("emulator"))]),
        title: "replayed by ccai-emulator diff".to_owned(),
        literals: vec![(nonce.clone(), "<run>".to_owned())],
    })?);
    let server = serve_recorder(
        listener,
        Arc::clone(&recorder),
        &emulator.base_url(),
        None,
        Duration::from_secs(60),
        2,
    )
    .map_err(|error| format!("cannot serve the replay's recorder: {error}"))?;
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let tape = "replay".to_owned();
    let plan = ReplayPlan {
        cassette,
        api_url: format!(
            "http://{recorder_address}{}",
            crate::core::wire::APPS_API_BASE
        ),
        subdomain,
        token,
        tape: tape.clone(),
        grace: settings.grace,
        settle: settings.settle,
        nonce,
    };
    let features = emulator.features();
    let replayed = replayer::replay(&plan, &recorder, Some(&features.webhooks)).await;
    handle.stop(false).await;
    emulator.stop().await;
    let outcome = replayed?;
    let document = recorder
        .document(&tape)
        .map(|(document, _)| document)
        .unwrap_or_else(|| {
            Json::object(vec![
                ("exchanges", Json::Array(Vec::new())),
                ("webhooks", Json::Array(Vec::new())),
            ])
        });
    let notes = outcome
        .notes
        .iter()
        .map(|(index, note)| format!("exchanges[{index}]: {note}"))
        .collect();
    let skipped = Skipped {
        not_replayed: outcome.not_replayed,
        made_up_uploads: outcome.made_up_uploads,
    };
    Ok((document, skipped, notes))
}

/// A running `ccai-emulator replay`.
pub struct RunningReplay {
    pub address: SocketAddr,
    pub cassettes: usize,
    handle: ServerHandle,
}

impl RunningReplay {
    /// Reads the cassettes, binds and starts serving in the background.
    pub fn start(settings: &ReplaySettings) -> Result<RunningReplay, String> {
        let cassettes = Cassette::read_all(&settings.path)?;
        let count = cassettes.len();
        let playback = Arc::new(Playback::new(cassettes));
        let webhooks = match (&settings.webhook_url, &settings.primary_secret) {
            (Some(url), Some(primary)) => Some(WebhookOut {
                url: url.clone(),
                primary_secret: primary.clone(),
                secondary_secret: settings.secondary_secret.clone(),
            }),
            _ => None,
        };
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|error| format!("cannot listen on {}: {error}", settings.bind))?;
        let address = listener
            .local_addr()
            .map_err(|error| format!("cannot listen on {}: {error}", settings.bind))?;
        let replay = web::Data::new(Replay { playback, webhooks });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(replay.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .configure(replay_routes)
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(2)
        .listen(listener)
        .map_err(|error| format!("cannot listen on {}: {error}", settings.bind))?
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Ok(RunningReplay {
            address,
            cassettes: count,
            handle,
        })
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}
