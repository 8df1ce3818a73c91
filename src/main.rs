//! The `ccai-emulator` binary: parse flags, start logging, serve until SIGINT or SIGTERM;
//! or, as `ccai-emulator healthcheck`, probe a running emulator and exit 0 (healthy) or 1;
//! or, as `ccai-emulator webhook-receiver`, receive and verify webhooks (`webhook_receiver`);
//! or, as `ccai-emulator record`, `diff` and `replay`, record a tenant into cassettes,
//! compare cassettes with a fresh emulator, and answer from cassettes.
//! A start-up error is printed once, on stderr, naming the environment variable it came
//! from when it did (see `cli_errors`).

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use ccai_emulator::cli_errors::{self, ValueOrigins};
use ccai_emulator::features::recording::{DiffSettings, RecordSettings, ReplaySettings};
use ccai_emulator::healthcheck::HealthProbe;
use ccai_emulator::startup::recording::RunningRecorder;
use ccai_emulator::{telemetry, Cli, Config, Emulator, Invocation};

#[actix_rt::main]
async fn main() -> ExitCode {
    if let Some(code) = ccai_emulator::webhook_receiver::invoked().await {
        return code;
    }
    let (invocation, origins) = match parse_flags() {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    match invocation {
        Ok(Invocation::Serve(config)) => serve(*config, &origins).await,
        Ok(Invocation::Healthcheck(probe)) => healthcheck(probe).await,
        Ok(Invocation::Record(settings)) => record(settings).await,
        Ok(Invocation::Diff(config, settings)) => diff(*config, settings).await,
        Ok(Invocation::Replay(settings)) => replay(settings).await,
        Err(error) => {
            eprintln!("ccai-emulator: {}", origins.explain(&error));
            ExitCode::from(2)
        }
    }
}

/// The flags, and where each value came from. A function of its own so that clap's
/// command and matches (about 150 KB of heap) are freed before the server starts.
fn parse_flags() -> Result<(Result<Invocation, String>, ValueOrigins), ExitCode> {
    let command = Cli::command();
    let matches = match command.clone().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => match cli_errors::explain_clap_error(&error, &command) {
            Some(explained) => {
                eprintln!("ccai-emulator: {explained}");
                return Err(ExitCode::from(2));
            }
            None => error.exit(),
        },
    };
    let origins = ValueOrigins::new(&command, &matches);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    Ok((cli.into_invocation(), origins))
}

async fn healthcheck(probe: HealthProbe) -> ExitCode {
    match probe.check().await {
        Ok(()) => {
            println!("healthy: {}", probe.url());
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("unhealthy: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// `ccai-emulator record`: serves until SIGTERM or SIGINT, then writes what no chat claimed.
async fn record(settings: RecordSettings) -> ExitCode {
    telemetry::init(ccai_emulator::LogFormat::Pretty);
    let running = match RunningRecorder::start(&settings) {
        Ok(running) => running,
        Err(error) => {
            eprintln!("ccai-emulator record: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "ccai-emulator record listening on {address}: the Apps API at http://{address}/apps/api/v1 goes to {upstream}; \
         webhooks are taken as POST on any other path (point the tenant's webhook at your tunnel to http://{address}/webhook); \
         cassettes in {out}",
        address = running.address,
        upstream = settings.upstream,
        out = settings.out.display(),
    );
    wait_for_shutdown_signal().await;
    running.stop().await;
    println!(
        "ccai-emulator record: stopped; cassettes in {}",
        settings.out.display()
    );
    ExitCode::SUCCESS
}

/// `ccai-emulator diff`: exit 0 without differences, 1 with some, 2 when the cassettes
/// cannot be read.
async fn diff(config: Config, settings: DiffSettings) -> ExitCode {
    let report = match ccai_emulator::startup::recording::diff(&config, &settings).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("ccai-emulator diff: {error}");
            return ExitCode::from(2);
        }
    };
    let json = serde_json::to_string_pretty(&report.json()).expect("the report serialises");
    match settings.json.as_deref() {
        Some(path) if path.as_os_str() == "-" => println!("{json}"),
        Some(path) => {
            print!("{}", report.table());
            if let Err(error) = std::fs::write(path, json + "\n") {
                eprintln!(
                    "ccai-emulator diff: cannot write {}: {error}",
                    path.display()
                );
                return ExitCode::from(2);
            }
        }
        None => print!("{}", report.table()),
    }
    if report.total() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `ccai-emulator replay`: serves cassettes until SIGTERM or SIGINT.
async fn replay(settings: ReplaySettings) -> ExitCode {
    telemetry::init(ccai_emulator::LogFormat::Pretty);
    let running = match ccai_emulator::startup::recording::RunningReplay::start(&settings) {
        Ok(running) => running,
        Err(error) => {
            eprintln!("ccai-emulator replay: {error}");
            return ExitCode::from(2);
        }
    };
    println!(
        "ccai-emulator replay listening on {address}: the Apps API at http://{address}/apps/api/v1 answers from {cassettes} cassette(s) in {path}",
        address = running.address,
        cassettes = running.cassettes,
        path = settings.path.display(),
    );
    wait_for_shutdown_signal().await;
    running.stop().await;
    ExitCode::SUCCESS
}

async fn serve(config: Config, origins: &ValueOrigins) -> ExitCode {
    telemetry::init(config.log_format);
    let grace = config.shutdown_grace;
    let default_webhook = config.default_webhook.as_ref().map(|hook| hook.url.clone());
    let emulator = match Emulator::build(config) {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!(
                "ccai-emulator: {}",
                cli_errors::explain_start_error(&error, origins)
            );
            return ExitCode::FAILURE;
        }
    };
    telemetry::log_listening(
        emulator.address(),
        emulator.fixture_source(),
        default_webhook.as_deref(),
    );
    let features = emulator.features();
    let handle = emulator.handle();
    let (report_sender, report) = tokio::sync::oneshot::channel();
    actix_web::rt::spawn(async move {
        wait_for_shutdown_signal().await;
        tracing::info!(grace = ?grace, "shutdown signal received; stopping, delivering pending webhooks");
        let report = ccai_emulator::startup::stop_within(&handle, &features, grace).await;
        let _ = report_sender.send(report);
    });
    if let Err(error) = emulator.run_until_stopped().await {
        tracing::error!("server error: {error}");
        return ExitCode::FAILURE;
    }
    // The server only stops through the task above, which always sends its report.
    let Ok(report) = report.await else {
        tracing::error!("shutdown: no delivery report");
        return ExitCode::FAILURE;
    };
    if report.undelivered == 0 {
        tracing::info!("shutdown complete: every webhook delivery finished");
    } else {
        tracing::warn!(undelivered = report.undelivered, "shutdown: {report}");
    }
    ExitCode::SUCCESS
}

async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler installs");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
