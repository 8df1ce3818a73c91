//! The web console and the live event stream.

pub mod http;
