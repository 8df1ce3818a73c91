//! Each tenant's clock on the control plane: read it, move it forward (timers that fall due
//! fire at once, in order), set it back to real time. The clock itself and its timers are
//! the core's (`crate::core::state::clock`); this feature is its HTTP face and wire shape.

pub mod http;
mod wire;

pub use wire::{ClockAdvance, TenantClockAnswer};
