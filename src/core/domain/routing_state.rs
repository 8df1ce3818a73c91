//! Where a chat is routed ([`RoutingState`]) and who ended it ([`EndedBy`]): the state the
//! transitions of [`super::routing`] move between.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::contact_center::{HumanAgent, TaskVirtualAgent};
use super::participants::VirtualAgentParticipant;
use super::vta::VtaSession;

/// Where a chat is routed.
#[derive(Debug, Clone)]
pub enum RoutingState {
    /// Waiting for a human agent.
    Queued,
    /// A human agent has the chat.
    Assigned {
        agent: HumanAgent,
    },
    /// The human agent transferred to a task virtual agent, which alone gets end-user traffic.
    TaskVirtualAgent {
        agent: HumanAgent,
        vta: Arc<TaskVirtualAgent>,
        session: VtaSession,
    },
    /// The queue-selection virtual agent holds the chat.
    VirtualAgent {
        virtual_agent: VirtualAgentParticipant,
        /// Answers to its question that matched no rule so far.
        unmatched_answers: u32,
    },
    Finished {
        by: EndedBy,
    },
}

impl RoutingState {
    /// The state's name as the admin record shows it.
    pub fn name(&self) -> &'static str {
        match self {
            RoutingState::Queued => "queued",
            RoutingState::Assigned { .. } => "assigned",
            RoutingState::TaskVirtualAgent { .. } => "task_virtual_agent",
            RoutingState::VirtualAgent { .. } => "virtual_agent",
            RoutingState::Finished { .. } => "finished",
        }
    }

    pub fn agent(&self) -> Option<&HumanAgent> {
        match self {
            RoutingState::Assigned { agent } | RoutingState::TaskVirtualAgent { agent, .. } => {
                Some(agent)
            }
            RoutingState::Queued
            | RoutingState::VirtualAgent { .. }
            | RoutingState::Finished { .. } => None,
        }
    }
}

/// Who ended a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    EndUser,
    Agent,
}
