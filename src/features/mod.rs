//! The emulator's features, each in its own folder with its routes, wire shapes and logic
//! over the shared core.

pub mod chats;
pub mod clock;
pub mod console;
pub mod escalations;
pub mod fixtures;
pub mod health;
pub mod media;
pub mod persistence;
pub mod recording;
pub mod requests;
pub mod snapshots;
pub mod webhooks;
