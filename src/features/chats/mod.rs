//! End users, chats and messages: the Apps API's chat endpoints and the control plane's
//! chat record, views and simulated human agent.

pub mod admin_routes;
pub mod chat_routes;
pub mod end_user_routes;
