//! The scripted contact center: who the human agents are, which one picks a chat up and
//! after what delay, what the agent says and when it transfers, and every task virtual
//! agent (VTA) with its steps. These are the validated, compiled forms of the fixture
//! files (`crate::fixtures` parses and checks them); the rules that run them live in
//! [`super::routing`] and [`super::vta`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::queues::{Queue, QueueSelection};

/// A simulated human agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HumanAgent {
    pub id: u64,
    pub name: String,
    pub first_name: String,
    pub avatar_url: Option<String>,
}

/// Everything the fixtures describe, shared read-only by every tenant.
#[derive(Debug, Clone)]
pub struct ContactCenter {
    /// The agent that picks up new chats.
    pub agent: HumanAgent,
    /// How long a new chat waits in the queue before the agent joins.
    pub join_delay: Duration,
    /// Known menus (queues) by id, for `menu_id` on new chats.
    pub menus: BTreeMap<u64, String>,
    pub agent_script: AgentScript,
    pub task_virtual_agents: BTreeMap<String, Arc<TaskVirtualAgent>>,
    /// Lookup tables by name (from `fixtures/data/<name>.json`): key to record.
    pub data: BTreeMap<String, BTreeMap<String, Value>>,
    /// Files the agent script may attach, by file name (from `fixtures/media/`).
    pub media_files: BTreeMap<String, Arc<[u8]>>,
    /// Dismiss an eligible chat this long after the agent's latest message unanswered
    /// (`--chat-inactivity-timeout`; not part of the fixture files).
    pub end_user_inactivity_timeout: Option<Duration>,
    /// Human-agent queues, in the file's order.
    pub queues: Vec<Queue>,
    /// The queue-selection virtual agent, if the script has one.
    pub queue_selection: Option<QueueSelection>,
}

/// What the simulated human agent does on its own.
#[derive(Debug, Clone, Default)]
pub struct AgentScript {
    /// Said when the agent joins (template; `end_user.*` and `agent.*` are available).
    pub greeting: Option<String>,
    /// Checked in order against each end-user message the agent sees; the first match acts.
    pub rules: Vec<AgentRule>,
    /// Said when a VTA hands back successfully (template; see [`super::vta::Handback`]).
    pub after_success: Option<String>,
    /// Said when a VTA hands back after a failure.
    pub after_failure: Option<String>,
}

/// One scripted reaction of the human agent to an end-user message.
#[derive(Debug, Clone)]
pub struct AgentRule {
    pub when: Regex,
    pub say: Option<String>,
    pub transfer_to: Option<String>,
    pub end_chat: bool,
    /// A file of [`ContactCenter::media_files`] the agent attaches (after `say`).
    pub attach: Option<String>,
    /// How long the agent takes ("types") before acting; zero acts at once.
    pub delay: Duration,
}

/// A scripted task virtual agent.
#[derive(Debug, Clone)]
pub struct TaskVirtualAgent {
    /// The key used to transfer to it, e.g. `one_time_code`.
    pub key: String,
    pub id: u64,
    pub name: String,
    pub avatar_url: Option<String>,
    pub description: Option<String>,
    pub greeting: Option<String>,
    pub steps: Vec<Step>,
    /// Said to the end user when every step is done (template over captures and lookups).
    pub on_success: String,
    /// Said to the end user when a step runs out of attempts.
    pub on_failure: String,
}

/// One value a VTA asks for.
#[derive(Debug, Clone)]
pub struct Step {
    /// Name under which the answer is captured.
    pub capture: String,
    pub ask: String,
    /// The answer, after normalisation, must match this in full.
    pub pattern: Regex,
    pub normalize: Vec<Normalization>,
    pub check: Option<Check>,
    /// Re-ask texts, used in turn; the last one repeats.
    pub reask: Vec<String>,
    /// Answers allowed before the task fails (at least 1).
    pub max_attempts: u32,
    /// What the human agent may see of the captured value.
    pub agent_view: AgentView,
    pub lookup: Option<Lookup>,
    /// Said after a good answer, before the next step (template).
    pub confirm: Option<String>,
}

/// A clean-up applied to an answer before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalization {
    Trim,
    RemoveSpacesAndDashes,
    Uppercase,
}

/// An extra check on an answer that matched the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Luhn,
}

/// How a captured value may appear to the human agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentView {
    Hidden,
    Masked,
    Plain,
}

/// Look an answer up in a fixture table; a miss counts as a wrong answer.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub table: String,
    /// Name under which the found record is available to templates.
    pub bind_as: String,
    /// Said when the key is not in the table (template; the answer is `{{<capture>}}`).
    pub not_found: String,
}

impl ContactCenter {
    pub fn task_virtual_agent(&self, key: &str) -> Option<&Arc<TaskVirtualAgent>> {
        self.task_virtual_agents.get(key)
    }

    pub fn queue(&self, id: &str) -> Option<&Queue> {
        self.queues.iter().find(|queue| queue.id == id)
    }
}
