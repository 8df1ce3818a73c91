//! Queues and the queue-selection virtual agent, as compiled from
//! `contact_center.json`: each queue's availability (`available`, `over_capacity`,
//! `after_hours`) and the deflection options it offers when it cannot take a chat, and the
//! rules that map a chat's `context.value` and the end user's first messages to a queue.
//! The vocabulary (`over_capacity`, `after_hours`, `email`, `human_agent`,
//! `external_link`) is the platform's; `virtual_agent` (continue with the virtual agent)
//! is the emulator's name for the fourth option the platform describes.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::participants::VirtualAgentParticipant;
use super::wait_times::WaitTimeMenu;

/// Whether a queue takes chats now, and if not, why (the deflection reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Available,
    OverCapacity,
    AfterHours,
}

impl Availability {
    pub const NAMES: [&'static str; 3] = ["available", "over_capacity", "after_hours"];

    pub fn parse(name: &str) -> Option<Availability> {
        match name {
            "available" => Some(Availability::Available),
            "over_capacity" => Some(Availability::OverCapacity),
            "after_hours" => Some(Availability::AfterHours),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Availability::Available => "available",
            Availability::OverCapacity => "over_capacity",
            Availability::AfterHours => "after_hours",
        }
    }
}

/// What the end user may do instead of waiting for a queue that cannot take the chat.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DeflectionChannel {
    /// Leave a message: the consumer ends the chat (`PATCH /chats/{id}`).
    Email,
    /// Keep waiting in the queue (only when it is over capacity).
    HumanAgent,
    /// Follow a link: the consumer ends the chat.
    ExternalLink,
    /// Go on with the virtual agent (emulator's name).
    VirtualAgent,
}

impl DeflectionChannel {
    pub const NAMES: [&'static str; 4] = ["email", "human_agent", "external_link", "virtual_agent"];

    pub fn parse(name: &str) -> Option<DeflectionChannel> {
        match name {
            "email" => Some(DeflectionChannel::Email),
            "human_agent" => Some(DeflectionChannel::HumanAgent),
            "external_link" => Some(DeflectionChannel::ExternalLink),
            "virtual_agent" => Some(DeflectionChannel::VirtualAgent),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DeflectionChannel::Email => "email",
            DeflectionChannel::HumanAgent => "human_agent",
            DeflectionChannel::ExternalLink => "external_link",
            DeflectionChannel::VirtualAgent => "virtual_agent",
        }
    }

    /// Email and external link end the chat; the others keep it open.
    pub fn ends_chat(self) -> bool {
        matches!(
            self,
            DeflectionChannel::Email | DeflectionChannel::ExternalLink
        )
    }
}

impl fmt::Display for DeflectionChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A human-agent queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    pub id: String,
    pub name: String,
    /// The availability every tenant starts with (the control plane changes it per tenant).
    pub availability: Availability,
    /// Offered when the queue cannot take a chat (`human_agent` only when over capacity).
    pub deflection_options: Vec<DeflectionChannel>,
    /// Where `external_link` points.
    pub external_link_url: Option<String>,
    /// The queue as a menu of `GET /wait_times`, if the fixtures give it one.
    pub wait_time: Option<WaitTimeMenu>,
}

impl Queue {
    /// The options an escalation deflected for `reason` offers: keep waiting makes no
    /// sense when the queue is closed, so `human_agent` is offered for `over_capacity` only.
    pub fn options_for(&self, reason: Availability) -> Vec<DeflectionChannel> {
        self.deflection_options
            .iter()
            .copied()
            .filter(|option| {
                *option != DeflectionChannel::HumanAgent || reason == Availability::OverCapacity
            })
            .collect()
    }
}

/// One queue-selection rule: every `context` pair must equal the chat's `context.value`
/// entry, and `message` (when given) must match an end-user message.
#[derive(Debug, Clone)]
pub struct QueueRule {
    pub context: BTreeMap<String, Value>,
    pub message: Option<Regex>,
    pub queue: String,
}

impl QueueRule {
    pub fn context_matches(&self, context: Option<&Value>) -> bool {
        self.context
            .iter()
            .all(|(key, wanted)| context.and_then(|value| value.get(key)) == Some(wanted))
    }
}

/// The queue-selection virtual agent: it takes every chat opened with a `context`, routes
/// it by the context at once when a rule matches, or else asks and routes by the answer.
#[derive(Debug, Clone)]
pub struct QueueSelection {
    pub virtual_agent: VirtualAgentParticipant,
    /// Said when the context decides nothing: the question the end user answers.
    pub ask: String,
    /// Said after an answer no rule matches (the last one repeats).
    pub reask: Vec<String>,
    /// Unmatched answers before the chat goes to `default_queue`.
    pub max_attempts: u32,
    pub rules: Vec<QueueRule>,
    /// Where `POST /chats/{id}/escalations` without `queue_id`, and a chat whose answers
    /// match nothing, go.
    pub default_queue: String,
    /// Said when the chat is passed to an available queue (`{{queue}}` is its name).
    pub connecting: String,
    /// Said when an escalation is deflected because the queue is over capacity.
    pub over_capacity: String,
    /// Said when an escalation is deflected because the queue is closed.
    pub after_hours: String,
    /// Said when the end user chooses to keep waiting.
    pub keep_waiting: String,
    /// Said when the end user chooses to go on with the virtual agent.
    pub continue_with_virtual_agent: String,
}

impl QueueSelection {
    /// Whether the virtual agent takes a chat opened with `context`: when the context
    /// names a key some rule looks at (or, if no rule looks at the context, whenever there
    /// is one). A context about something else leaves the chat to the human agent.
    pub fn takes(&self, context: Option<&Value>) -> bool {
        let Some(context) = context else {
            return false;
        };
        let mut keys = self
            .rules
            .iter()
            .flat_map(|rule| rule.context.keys())
            .peekable();
        if keys.peek().is_none() {
            return true;
        }
        keys.any(|key| context.get(key).is_some())
    }
}

/// The key under which the queue-selection virtual agent appears among a chat's
/// `all_virtual_agents`.
pub const QUEUE_SELECTION_KEY: &str = "queue_selection";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keep_waiting_is_offered_only_when_the_queue_is_over_capacity() {
        let queue = Queue {
            id: "q".into(),
            name: "Q".into(),
            availability: Availability::Available,
            deflection_options: vec![DeflectionChannel::Email, DeflectionChannel::HumanAgent],
            external_link_url: None,
            wait_time: None,
        };
        assert_eq!(
            queue.options_for(Availability::OverCapacity),
            vec![DeflectionChannel::Email, DeflectionChannel::HumanAgent]
        );
        assert_eq!(
            queue.options_for(Availability::AfterHours),
            vec![DeflectionChannel::Email]
        );
    }

    #[test]
    fn a_context_rule_needs_every_pair_to_match() {
        let rule = QueueRule {
            context: [
                ("department".to_owned(), json!("billing")),
                ("vip".to_owned(), json!(true)),
            ]
            .into_iter()
            .collect(),
            message: None,
            queue: "billing".into(),
        };
        assert!(rule.context_matches(Some(&json!({"department": "billing", "vip": true, "x": 1}))));
        assert!(!rule.context_matches(Some(&json!({"department": "billing"}))));
        assert!(!rule.context_matches(Some(&json!({"department": "billing", "vip": "true"}))));
        assert!(!rule.context_matches(None));
    }

    #[test]
    fn the_virtual_agent_takes_only_contexts_that_name_a_rule_key() {
        let rule = |context: Option<(&str, Value)>| QueueRule {
            context: context
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            message: None,
            queue: "q".into(),
        };
        let selection = |rules: Vec<QueueRule>| QueueSelection {
            virtual_agent: VirtualAgentParticipant {
                id: 1,
                key: QUEUE_SELECTION_KEY.into(),
                name: "R".into(),
                avatar_url: None,
            },
            ask: "?".into(),
            reask: Vec::new(),
            max_attempts: 1,
            rules,
            default_queue: "q".into(),
            connecting: String::new(),
            over_capacity: String::new(),
            after_hours: String::new(),
            keep_waiting: String::new(),
            continue_with_virtual_agent: String::new(),
        };
        let by_department = selection(vec![rule(Some(("department", json!("billing"))))]);
        assert!(by_department.takes(Some(&json!({"department": "unsure"}))));
        assert!(!by_department.takes(Some(&json!({"plan": "gold"}))));
        assert!(!by_department.takes(None));
        let by_message = selection(vec![rule(None)]);
        assert!(by_message.takes(Some(&json!({"plan": "gold"}))));
    }
}
