//! ccai-emulator: a local stand-in for the Contact Center AI Platform chat Apps API.
//!
//! The emulator accepts the Apps API under `/apps/api/v1` (Basic auth, one isolated tenant
//! per subdomain), routes each chat between a simulated human agent and scripted task
//! virtual agents, and sends signed webhooks; `/__admin` is its control plane (snapshots of
//! a tenant's state, fixtures at run time, an OpenAPI document). It runs as a binary or
//! in-process, driven by the typed clients of [`client`]:
//!
//! ```no_run
//! # async fn example() -> Result<(), ccai_emulator::StartError> {
//! use ccai_emulator::{Config, Emulator};
//! let emulator = Emulator::build(Config { bind: "127.0.0.1:0".into(), ..Config::default() })?.spawn();
//! println!("Apps API at {}", emulator.api_url());
//! emulator.stop().await;
//! # Ok(()) }
//! ```

// In layer order, lowest first: a module imports only from the modules above it (and its
// own layer); `tests/it/architecture.rs` checks this. See docs/architecture.md.
pub mod admin;
pub mod api;
pub mod cli_errors;
pub mod client;
pub mod config;
pub mod domain;
pub mod formats;
pub mod healthcheck;
pub mod http;
pub mod limits;
pub mod live_events;
pub mod media;
pub mod openapi;
pub mod persistence;
pub mod rate_limiter;
pub mod request_journal;
pub mod script_loader;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tenant_snapshot;
pub mod webhook_receiver;
pub mod webhooks;
pub mod wire;

pub use config::{Cli, Config, FixtureSource, Invocation, LogFormat};
pub use startup::{Emulator, RunningEmulator, StartError};
