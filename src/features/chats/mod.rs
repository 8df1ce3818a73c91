//! End users, chats and messages: the Apps API's chat endpoints and the control plane's
//! chat record, views and simulated human agent ([`Chats`] holds the use cases).

mod duplicate_guard;
pub mod http;
mod service;
mod wait_report;
pub mod wire;

pub use service::{
    ChatRequest, Chats, PostedMessage, TenantOverview, DUPLICATE_REQUEST, MISSING_IDENTIFIER,
};
