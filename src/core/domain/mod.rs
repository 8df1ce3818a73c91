//! The pure domain of the emulator: chats, their routing state machine, the scripted
//! contact center (human agents and task virtual agents) and the rules that turn an end
//! user's message into replies and hand-backs. Nothing here does I/O, reads the clock or
//! knows about HTTP: callers pass `now` and the script in, and every transition gives the
//! whole answer: the ids it created and every effect to carry out (webhook-worthy
//! [`Happening`]s in order, and timers for deferred [`Trigger`]s), which keeps every rule
//! unit-testable. The inactivity rule is the one exception to "the transition's own
//! answer": its deadline depends on the chat after every in-place trigger ran, so the
//! caller asks `inactivity_timer` once a transition's effects are carried out.
//!
//! | Transition (on [`Chat`]) | What it answers | File |
//! |---|---|---|
//! | `Chat::open` | the chat; created, agent-join timer | `routing.rs` |
//! | `fire(trigger)` | the deferred transition's effects | `routing.rs` |
//! | `agent_joins` | joined, greeting, answer to a waiting question | `routing.rs` |
//! | `end_user_sends` | the new [`MessageId`]; to the VTA or the agent's rules; a dismissed chat reactivated | `routing.rs` |
//! | `agent_says` | the new [`MessageId`] | `routing.rs` |
//! | `transfer_to_vta` | VTA joined and its first question | `routing.rs` (`task_transfer.rs`) |
//! | `authenticate_end_user` | a note to the agent | `routing.rs` |
//! | `end` | chat ended | `routing.rs` |
//! | `dismiss`, `dismiss_if_inactive` | chat dismissed | `dismissal.rs` |
//! | `resume` | chat resumed, agent-join timer | `dismissal.rs` |
//! | `inactivity_timer` (after any transition) | the dismissal deadline, its timer | `dismissal.rs` |
//! | agent rules (`run_agent_rules`, `apply_agent_rule`) | say, transfer, end, delays | `agent_script.rs` |
//! | VTA turns (`apply_vta_turn`) | re-ask, next step, hand-back | `task_transfer.rs`, `vta.rs` |
//!
//! The types: [`chat`] (the chat and its messages), [`routing_state`], [`effects`],
//! [`ids`], [`contact_center`] (the script), [`vta`] (a VTA session's steps),
//! [`template`] and [`card`] (rendering and card checks).

pub mod agent_script;
pub mod card;
pub mod chat;
pub mod contact_center;
pub mod custom_data;
pub mod dismissal;
pub mod effects;
pub mod escalation;
pub mod escalation_record;
pub mod ids;
pub mod participants;
pub mod pre_chat;
pub mod queue_selection;
pub mod queues;
pub mod routing;
pub mod routing_state;
pub mod task_transfer;
pub mod template;
#[cfg(test)]
pub(crate) mod testing;
pub mod vta;
pub mod wait_times;

pub use chat::{Chat, EndUser, Message, MessageBody, Sender, Visibility};
pub use contact_center::{ContactCenter, HumanAgent, TaskVirtualAgent};
pub use effects::{ChatError, Effect, Happening, MessageSent, Trigger};
pub use ids::{ChatId, DeliveryId, EndUserId, MessageId};
pub use routing::NewChat;
pub use routing_state::{EndedBy, RoutingState};
