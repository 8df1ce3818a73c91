//! `ccai-emulator webhook-receiver`: a small consumer of the emulator's webhooks that checks
//! every signature and prints each event as a JSON line, so a compose stack (or a first try)
//! needs no other image or language: the same `FROM scratch` image runs it. It does what
//! `examples/webhook_receiver.py` does: a `POST` on any path is accepted (200) when one
//! signature of `X-Signature` (`primary=<sig> secondary=<sig>`) matches one of its secrets
//! over `X-Signature-Timestamp` + the raw body, and refused with 401 otherwise (which the
//! emulator retries); each arrival prints
//! `{"verified": bool, "duplicate": bool, "answered": status, "delivery_id": "...",
//! "event": {...}}` on stdout. To watch the emulator retry, `--fail-status 503` (`FAIL_STATUS`)
//! answers 503 to every verified request instead of 200, and `--fail-count 2` (`FAIL_COUNT`)
//! only to the first two.
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

use crate::features::webhooks::signing::sign;

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
    /// Answer this status instead of 200 to verified requests, to watch the emulator retry
    /// (300 to 599; empty: never fail, as docker-compose.yml passes it when unset).
    #[arg(long = "fail-status", env = "FAIL_STATUS", value_parser = fail_status)]
    pub fail_status_given: Option<Unset<u16>>,
    /// Only to the first N verified requests, then 200 again (default: every one; empty: the
    /// same).
    #[arg(long = "fail-count", env = "FAIL_COUNT", value_parser = fail_count, requires = "fail_status_given")]
    pub fail_count_given: Option<Unset<u64>>,
}

/// A flag's value, or `None` when it was given empty (an environment twin set to `""`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unset<T>(pub Option<T>);

impl ReceiverArgs {
    /// The status to fail with, if any.
    pub fn fail_status(&self) -> Option<u16> {
        self.fail_status_given.and_then(|given| given.0)
    }

    /// How many verified requests to fail (`None`: every one).
    pub fn fail_count(&self) -> Option<u64> {
        self.fail_count_given.and_then(|given| given.0)
    }
}

fn fail_status(text: &str) -> Result<Unset<u16>, String> {
    if text.is_empty() {
        return Ok(Unset(None));
    }
    match text.parse::<u16>() {
        Ok(status) if (300..=599).contains(&status) => Ok(Unset(Some(status))),
        _ => Err(format!("{text:?} is not a status from 300 to 599")),
    }
}

fn fail_count(text: &str) -> Result<Unset<u64>, String> {
    if text.is_empty() {
        return Ok(Unset(None));
    }
    text.parse::<u64>()
        .map(|count| Unset(Some(count)))
        .map_err(|_| format!("{text:?} is not a whole number"))
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
    let (fail_status, fail_count) = (args.fail_status(), args.fail_count());
    let secrets: Vec<String> = args.secrets.into_iter().filter(|s| !s.is_empty()).collect();
    if secrets.is_empty() {
        eprintln!("ccai-emulator {SUBCOMMAND}: --secret (or WEBHOOK_SECRETS) names no secret");
        return ExitCode::from(2);
    }
    let receiver = web::Data::new(Receiver {
        secrets,
        seen: Mutex::new(HashSet::new()),
        failing: Mutex::new(fail_status.map(|status| (status, fail_count))),
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
    let failing = match (fail_status, fail_count) {
        (Some(status), Some(count)) => {
            format!(", answering {status} to the first {count} verified request(s)")
        }
        (Some(status), None) => format!(", answering {status} to every verified request"),
        _ => String::new(),
    };
    println!(
        "ccai-emulator {SUBCOMMAND} listening on {}, secrets: {count}{failing}",
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
    /// The status to fail verified requests with, and how many failures are left (`None`:
    /// every one).
    failing: Mutex<Option<(u16, Option<u64>)>>,
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

    /// 200, or the failure status while failures are left (counted down under the lock).
    fn status_for_verified(&self) -> u16 {
        let mut failing = self.failing.lock().unwrap_or_else(|e| e.into_inner());
        match &mut *failing {
            Some((_, Some(0))) | None => 200,
            Some((status, Some(left))) => {
                *left -= 1;
                *status
            }
            Some((status, None)) => *status,
        }
    }

    /// Whether the event was accepted before (by its payload's ids); an accepted one (`2xx`)
    /// is remembered, so the retry of a failed one is no duplicate.
    fn seen_before(&self, event: &serde_json::Value, accepted: bool) -> bool {
        let text =
            |value: Option<&serde_json::Value>| value.map_or(String::new(), |v| v.to_string());
        let key = (
            text(event.get("event_type")),
            text(event.get("chat_id")),
            text(event.pointer("/body/message/message_id")),
        );
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let before = seen.contains(&key);
        if accepted {
            seen.insert(key);
        }
        before
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
    let status = if verified {
        receiver.status_for_verified()
    } else {
        401
    };
    let duplicate = receiver.seen_before(&event, status == 200);
    println!(
        "{}",
        serde_json::json!({
            "verified": verified,
            "duplicate": duplicate,
            "answered": status,
            "delivery_id": header("x-emulator-delivery-id"),
            "event": event,
        })
    );
    let body = match status {
        200 => "ok",
        401 => "bad signature",
        _ => "failing on purpose",
    };
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED)).body(body)
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
