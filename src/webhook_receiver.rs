//! `ccai-emulator webhook-receiver`: a small consumer of the emulator's webhooks that checks
//! every signature and prints each event as a JSON line, so a compose stack (or a first try)
//! needs no other image or language: the same `FROM scratch` image runs it. It does what
//! `examples/webhook_receiver.py` does: a `POST` on any path is accepted (200) when one
//! signature of `X-Signature` (`primary=<sig> secondary=<sig>`) matches one of its secrets
//! over `X-Signature-Timestamp` + the raw body, and refused with 401 otherwise (which the
//! emulator retries); each arrival prints
//! `{"verified": bool, "duplicate": bool, "delivery_id": "...", "event": {...}}` on stdout.
//! A `GET` on any path answers `{"status":"ok"}`, so `ccai-emulator healthcheck --bind
//! <its address>` probes it too. SIGTERM or SIGINT stops it with exit code 0.
//!
//! The binary's `main` hands its arguments here before its own parsing (see [`invoked`]).

use std::collections::HashSet;
use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use clap::Parser;
use subtle::ConstantTimeEq;

use crate::webhooks::signing::sign;

/// The subcommand's name: `ccai-emulator webhook-receiver ...`.
pub const SUBCOMMAND: &str = "webhook-receiver";

/// The largest body it reads; a webhook is a few kilobytes.
const MAX_BODY_BYTES: usize = 1 << 20;

/// Receive the emulator's webhooks, verify their signatures and print each event as a JSON
/// line (for compose stacks and first tries; see docs/docker.md).
#[derive(Debug, Parser)]
#[command(name = "ccai-emulator webhook-receiver", version)]
pub struct ReceiverArgs {
    /// Address to listen on (host:port); port 0 picks a free one.
    #[arg(long, env = "WEBHOOK_RECEIVER_BIND", default_value = "0.0.0.0:9000")]
    pub bind: String,
    /// A secret a signature may be made with (repeat, or comma-separate in the env).
    #[arg(
        long = "secret",
        env = "WEBHOOK_SECRETS",
        value_delimiter = ',',
        required = true
    )]
    pub secrets: Vec<String>,
}

/// `Some(exit code)` when the command line is `ccai-emulator webhook-receiver ...` (the
/// receiver ran, or its flags were wrong); `None` for every other command line.
pub async fn invoked() -> Option<ExitCode> {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).and_then(|arg| arg.to_str()) != Some(SUBCOMMAND) {
        return None;
    }
    let parsed = ReceiverArgs::try_parse_from(
        std::iter::once(OsString::from(format!("ccai-emulator {SUBCOMMAND}")))
            .chain(args.into_iter().skip(2)),
    );
    Some(match parsed {
        Ok(receiver) => run(receiver).await,
        Err(error) => {
            let _ = error.print();
            ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
        }
    })
}

/// Serves until SIGTERM or SIGINT.
pub async fn run(args: ReceiverArgs) -> ExitCode {
    let secrets: Vec<String> = args.secrets.into_iter().filter(|s| !s.is_empty()).collect();
    if secrets.is_empty() {
        eprintln!("ccai-emulator {SUBCOMMAND}: --secret (or WEBHOOK_SECRETS) names no secret");
        return ExitCode::from(2);
    }
    let receiver = web::Data::new(Receiver {
        secrets,
        seen: Mutex::new(HashSet::new()),
    });
    let count = receiver.secrets.len();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(receiver.clone())
            .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
            .default_service(web::to(answer))
    })
    .workers(1)
    .disable_signals()
    .bind(&args.bind);
    let server = match server {
        Ok(server) => server,
        Err(error) => {
            eprintln!(
                "ccai-emulator {SUBCOMMAND}: cannot listen on {}: {error}",
                args.bind
            );
            return ExitCode::FAILURE;
        }
    };
    let address = server.addrs().first().copied();
    let server = server.run();
    let handle = server.handle();
    println!(
        "ccai-emulator {SUBCOMMAND} listening on {}, secrets: {count}",
        address.map_or(args.bind.clone(), |address| address.to_string())
    );
    actix_web::rt::spawn(async move {
        wait_for_stop_signal().await;
        handle.stop(true).await;
    });
    match server.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ccai-emulator {SUBCOMMAND}: {error}");
            ExitCode::FAILURE
        }
    }
}

struct Receiver {
    secrets: Vec<String>,
    /// (event type, chat id, message id) of every event seen: the platform sends no
    /// delivery id, so a consumer de-duplicates by the payload's own ids.
    seen: Mutex<HashSet<(String, String, String)>>,
}

impl Receiver {
    /// One signature of the header matches one of the secrets (compared in constant time).
    fn verified(&self, header: &str, timestamp: &str, body: &[u8]) -> bool {
        let given: Vec<&str> = header
            .split_whitespace()
            .filter_map(|part| part.split_once('=').map(|(_, signature)| signature))
            .collect();
        self.secrets.iter().any(|secret| {
            let expected = sign(secret, timestamp, body);
            given
                .iter()
                .any(|signature| bool::from(signature.as_bytes().ct_eq(expected.as_bytes())))
        })
    }

    fn first_time(&self, event: &serde_json::Value) -> bool {
        let text =
            |value: Option<&serde_json::Value>| value.map_or(String::new(), |v| v.to_string());
        let key = (
            text(event.get("event_type")),
            text(event.get("chat_id")),
            text(event.pointer("/body/message/message_id")),
        );
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key)
    }
}

async fn answer(
    request: HttpRequest,
    body: web::Bytes,
    receiver: web::Data<Receiver>,
) -> HttpResponse {
    if request.method() != actix_web::http::Method::POST {
        return HttpResponse::Ok().json(serde_json::json!({"status": "ok"}));
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let verified = receiver.verified(
        &header("x-signature"),
        &header("x-signature-timestamp"),
        &body,
    );
    let event: serde_json::Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&body).into_owned()));
    let duplicate = !receiver.first_time(&event);
    println!(
        "{}",
        serde_json::json!({
            "verified": verified,
            "duplicate": duplicate,
            "delivery_id": header("x-emulator-delivery-id"),
            "event": event,
        })
    );
    if verified {
        HttpResponse::Ok().body("ok")
    } else {
        HttpResponse::build(StatusCode::UNAUTHORIZED).body("bad signature")
    }
}

async fn wait_for_stop_signal() {
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
