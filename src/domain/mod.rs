//! The pure domain of the emulator: chats, their routing state machine, the scripted
//! contact center (human agents and task virtual agents) and the rules that turn an end
//! user's message into replies and hand-backs. Nothing here does I/O, reads the clock or
//! knows about HTTP: callers pass `now` in and get back the effects to carry out
//! (webhook-worthy happenings and timers), which keeps every rule unit-testable.

pub mod agent_script;
pub mod card;
pub mod chat;
pub mod contact_center;
pub mod dismissal;
pub mod effects;
pub mod routing;
pub mod routing_state;
pub mod task_transfer;
pub mod template;
#[cfg(test)]
pub(crate) mod testing;
pub mod vta;

pub use chat::{Chat, EndUser, Message, MessageBody, Sender, Visibility};
pub use contact_center::{ContactCenter, HumanAgent, TaskVirtualAgent};
pub use effects::{ChatError, Effect, Happening, Trigger};
pub use routing::NewChat;
pub use routing_state::{EndedBy, RoutingState};
