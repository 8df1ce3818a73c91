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
//!
//! The layout (a shared [`core`], the [`http`] toolkit, one folder per feature under
//! [`features`], and [`startup`] assembling them) is described in `docs/architecture.md`.

pub mod cli_errors;
pub mod client;
pub mod config;
pub mod core;
pub mod features;
pub mod healthcheck;
pub mod http;
pub mod startup;
pub mod telemetry;
pub mod webhook_receiver;

pub use config::{Cli, Config, FixtureSource, Invocation, LogFormat};
pub use startup::{Emulator, RunningEmulator, StartError};
