//! The shared core every feature builds on: the pure domain, the tenants and their chats
//! with the transitions carried out under each chat's lock, the wire shapes of the platform,
//! the live event bus, the limits, and how times and sizes are written.

pub mod domain;
pub mod formats;
pub mod limits;
pub mod live_events;
pub mod state;
pub mod wire;
