//! The integration tests, as one binary: each module is one area of the emulator,
//! exercised against the real server (in-process on port 0, or the real binary) with a
//! real webhook receiver; [`support`] is the one harness they share.

mod admin;
mod architecture;
mod binary_shutdown;
mod client;
mod concurrency;
mod console;
mod deflections;
mod dismissal;
mod escalations;
mod fault_injection;
mod fixture_errors;
mod fixtures_runtime;
mod healthcheck;
mod inactivity_dismissal;
mod live_events;
mod long_poll;
mod media_attachments;
mod media_refusals;
mod media_uploads;
mod mid_session_authentication;
mod openapi;
mod persistence;
mod persistence_kill;
mod pre_chat_transcript;
mod rate_limit;
mod readme_example;
mod rejections;
mod request_journal;
mod robustness;
mod robustness_http;
mod robustness_shutdown;
mod seeds;
mod skipped_deliveries;
mod snapshots;
mod start_up_and_logs;
mod state_bounds;
mod support;
mod tenants;
mod vta_flows;
mod webhook_delivery;
mod webhook_fidelity;
mod webhook_receiver;
