//! What a transition asks its caller to do: [`Effect`]s (publish a [`Happening`], set a
//! timer for a deferred [`Trigger`]), and the [`ChatError`] it refuses with.

use std::time::Duration;

use super::chat::VirtualAgentParticipant;
use super::contact_center::HumanAgent;
use super::ids::{EndUserId, MessageId};
use super::routing_state::EndedBy;
use super::vta::Handback;

/// Something that happened to a chat that the consumer is told about by webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    ChatCreated,
    /// A message the end user can see was added (by id).
    MessageAdded {
        message_id: MessageId,
    },
    AgentJoined {
        agent: HumanAgent,
    },
    VirtualAgentJoined {
        virtual_agent: VirtualAgentParticipant,
    },
    VirtualAgentLeft {
        virtual_agent: VirtualAgentParticipant,
        handback: Handback,
    },
    ChatEnded {
        by: EndedBy,
    },
    ChatDismissed,
    ChatResumed,
    /// The queue could not take the chat; the end user is offered deflection options.
    EscalationDeflected {
        escalation_id: u64,
    },
    /// An escalation changed (taken by an agent, a deflection chosen, canceled).
    EscalationUpdated {
        escalation_id: u64,
    },
}

/// A deferred transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    AgentJoins,
    /// A delayed agent rule (by its index in the script) acts now.
    AgentRule {
        rule: usize,
    },
    /// The end user's inactivity deadline may have passed.
    InactivityCheck,
}

/// What a transition that adds a message answers: the new message's id, and the effects.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageSent {
    pub message_id: MessageId,
    pub effects: Vec<Effect>,
}

/// What the caller must do after a transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Publish(Happening),
    Schedule {
        after: Duration,
        trigger: Trigger,
    },
    /// The agent attaches the script's media file `file`: the state stores the bytes,
    /// gives them a media id, then adds the message (`Chat::agent_attaches`).
    AttachFile {
        file: String,
    },
}

/// A transition that the chat's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    #[error("Chat is already ended")]
    Finished,
    #[error("from_user_id {given} is not this chat's end user")]
    NotTheChatsEndUser { given: EndUserId },
    #[error("No human agent has joined this chat yet")]
    NoAgentAssigned,
    #[error("A task virtual agent is already active in this chat")]
    TaskVirtualAgentAlreadyActive,
    #[error("Unknown task virtual agent {0:?}")]
    UnknownTaskVirtualAgent(String),
    #[error("This chat is not in dismissed state")]
    NotDismissed,
    /// The tenant is outside its hours of operation: its after-hours message.
    #[error("{0}")]
    AfterHours(String),
    #[error("This chat is already dismissed")]
    AlreadyDismissed,
    /// A dismissal by hand that the platform's eligibility rule does not allow yet (the
    /// message names the rule and the way to force it).
    #[error("{0}")]
    NotEligibleForDismissal(String),
    /// A request the chat's escalation state does not allow, with a message naming why.
    #[error("{0}")]
    Invalid(String),
}
