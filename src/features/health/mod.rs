//! Health, reset, the limits report and the OpenAPI document: the control plane's view of
//! every feature at once ([`Overview`]).

pub mod http;
mod overview;
pub mod wire;

pub use overview::{FidelityOptions, Health, Overview};
