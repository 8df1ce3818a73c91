//! The `ccai-emulator` binary: parse flags, start logging, serve until SIGINT or SIGTERM;
//! or, as `ccai-emulator healthcheck`, probe a running emulator and exit 0 (healthy) or 1.

use std::process::ExitCode;

use clap::Parser;

use ccai_emulator::healthcheck::HealthProbe;
use ccai_emulator::{telemetry, Cli, Config, Emulator, Invocation};

#[actix_web::main]
async fn main() -> ExitCode {
    match Cli::parse().into_invocation() {
        Ok(Invocation::Serve(config)) => serve(*config).await,
        Ok(Invocation::Healthcheck(probe)) => healthcheck(probe).await,
        Err(error) => {
            eprintln!("ccai-emulator: {error}");
            ExitCode::from(2)
        }
    }
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

async fn serve(config: Config) -> ExitCode {
    telemetry::init(config.log_format);
    let grace = config.shutdown_grace;
    let emulator = match Emulator::build(config) {
        Ok(emulator) => emulator,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("ccai-emulator: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(address = %emulator.address(), "ccai-emulator listening");
    let state = emulator.state();
    let handle = emulator.handle();
    actix_web::rt::spawn(async move {
        wait_for_shutdown_signal().await;
        tracing::info!("shutdown signal received; stopping");
        handle.stop(true).await;
    });
    if let Err(error) = emulator.run_until_stopped().await {
        tracing::error!("server error: {error}");
        return ExitCode::FAILURE;
    }
    tracing::info!(grace = ?grace, "no longer accepting requests; delivering pending webhooks");
    let report = state.drain_webhooks(grace).await;
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
