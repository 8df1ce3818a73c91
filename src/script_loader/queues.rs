//! The `queues` and `queue_selection` parts of `contact_center.json` (issue 9): their serde
//! shapes, their compilation into the domain's [`Queue`] and [`QueueSelection`] (every
//! problem named by its place, e.g. `queue_selection.rules[2].queue`), and the way back
//! to a document for `GET /__admin/contact_center`.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Value};

use super::problem::{problem, Problem};
use crate::domain::chat::VirtualAgentParticipant;
use crate::domain::queues::{
    Availability, DeflectionChannel, Queue, QueueRule, QueueSelection, QUEUE_SELECTION_KEY,
};
use crate::domain::template;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueFile {
    pub id: String,
    pub name: String,
    #[serde(default = "default_availability")]
    pub availability: String,
    #[serde(default)]
    pub deflection_options: Vec<String>,
    pub external_link_url: Option<String>,
}

fn default_availability() -> String {
    "available".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSelectionFile {
    pub virtual_agent: VirtualAgentFile,
    pub ask: String,
    #[serde(default)]
    pub reask: Vec<String>,
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    #[serde(default)]
    pub rules: Vec<QueueRuleFile>,
    pub default_queue: String,
    pub connecting: Option<String>,
    pub over_capacity: Option<String>,
    pub after_hours: Option<String>,
    pub keep_waiting: Option<String>,
    pub continue_with_virtual_agent: Option<String>,
}

fn default_max_attempts() -> u32 {
    2
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualAgentFile {
    pub id: u64,
    pub name: String,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueRuleFile {
    #[serde(default)]
    pub context: BTreeMap<String, Value>,
    pub message: Option<String>,
    pub queue: String,
}

/// Compiles the queues; ids must be unique and options known.
pub fn compile_queues(files: Vec<QueueFile>) -> Result<Vec<Queue>, Problem> {
    let mut seen = BTreeSet::new();
    let mut queues = Vec::with_capacity(files.len());
    for (index, file) in files.into_iter().enumerate() {
        let place = format!("queues[{index}]");
        if file.id.is_empty() || !seen.insert(file.id.clone()) {
            return Err(problem(
                format!("{place}.id"),
                format!(
                    "{:?} must be a non-empty id used by no other queue",
                    file.id
                ),
            ));
        }
        let availability = Availability::parse(&file.availability).ok_or_else(|| {
            problem(
                format!("{place}.availability"),
                format!(
                    "{:?} is not one of {}",
                    file.availability,
                    Availability::NAMES.join(", ")
                ),
            )
        })?;
        let mut options = Vec::new();
        for (option_index, name) in file.deflection_options.iter().enumerate() {
            let option = DeflectionChannel::parse(name).ok_or_else(|| {
                problem(
                    format!("{place}.deflection_options[{option_index}]"),
                    format!(
                        "{name:?} is not one of {}",
                        DeflectionChannel::NAMES.join(", ")
                    ),
                )
            })?;
            if !options.contains(&option) {
                options.push(option);
            }
        }
        if !options.is_empty()
            && options
                .iter()
                .all(|option| *option == DeflectionChannel::HumanAgent)
        {
            return Err(problem(
                format!("{place}.deflection_options"),
                "needs an option besides human_agent, which is not offered after hours",
            ));
        }
        if options.contains(&DeflectionChannel::ExternalLink) && file.external_link_url.is_none() {
            return Err(problem(
                format!("{place}.external_link_url"),
                "is required when external_link is a deflection option",
            ));
        }
        queues.push(Queue {
            id: file.id,
            name: file.name,
            availability,
            deflection_options: options,
            external_link_url: file.external_link_url,
        });
    }
    Ok(queues)
}

/// Compiles the queue selection against the compiled `queues`.
pub fn compile_queue_selection(
    file: QueueSelectionFile,
    queues: &[Queue],
) -> Result<QueueSelection, Problem> {
    let known = |place: String, id: &str| {
        if queues.iter().any(|queue| queue.id == id) {
            Ok(())
        } else {
            let ids: Vec<&str> = queues.iter().map(|queue| queue.id.as_str()).collect();
            Err(problem(
                place,
                format!("{id:?} is not a queue (queues: {})", ids.join(", ")),
            ))
        }
    };
    known("queue_selection.default_queue".into(), &file.default_queue)?;
    if file.max_attempts == 0 {
        return Err(problem(
            "queue_selection.max_attempts",
            "must be at least 1",
        ));
    }
    let mut rules = Vec::with_capacity(file.rules.len());
    for (index, rule) in file.rules.into_iter().enumerate() {
        let place = format!("queue_selection.rules[{index}]");
        known(format!("{place}.queue"), &rule.queue)?;
        if rule.context.is_empty() && rule.message.is_none() {
            return Err(problem(
                place,
                "needs a context, a message pattern, or both",
            ));
        }
        let message = match rule.message {
            None => None,
            Some(pattern) => Some(Regex::new(&pattern).map_err(|error| {
                problem(
                    format!("{place}.message"),
                    format!("invalid pattern: {error}"),
                )
            })?),
        };
        rules.push(QueueRule {
            context: rule.context,
            message,
            queue: rule.queue,
        });
    }
    let text = |name: &str, given: Option<String>, default: &str| -> Result<String, Problem> {
        let text = given.unwrap_or_else(|| default.to_owned());
        template::placeholders(&text)
            .map_err(|error| problem(format!("queue_selection.{name}"), error))?;
        Ok(text)
    };
    Ok(QueueSelection {
        virtual_agent: VirtualAgentParticipant {
            id: file.virtual_agent.id,
            key: QUEUE_SELECTION_KEY.to_owned(),
            name: file.virtual_agent.name,
            avatar_url: file.virtual_agent.avatar_url,
        },
        ask: file.ask,
        reask: file.reask,
        max_attempts: file.max_attempts,
        rules,
        default_queue: file.default_queue,
        connecting: text(
            "connecting",
            file.connecting,
            "Connecting you to {{queue}}. An agent will be with you shortly.",
        )?,
        over_capacity: text(
            "over_capacity",
            file.over_capacity,
            "{{queue}} is very busy right now.",
        )?,
        after_hours: text(
            "after_hours",
            file.after_hours,
            "{{queue}} is closed right now.",
        )?,
        keep_waiting: text(
            "keep_waiting",
            file.keep_waiting,
            "You are in the queue for {{queue}}. An agent will join as soon as one is free.",
        )?,
        continue_with_virtual_agent: text(
            "continue_with_virtual_agent",
            file.continue_with_virtual_agent,
            "All right, I'm still here. How else can I help?",
        )?,
    })
}

/// The queues as a document.
pub fn describe_queues(queues: &[Queue]) -> Value {
    Value::Array(
        queues
            .iter()
            .map(|queue| {
                json!({
                    "id": queue.id, "name": queue.name,
                    "availability": queue.availability.name(),
                    "deflection_options": queue.deflection_options,
                    "external_link_url": queue.external_link_url,
                })
            })
            .collect(),
    )
}

/// The queue selection as a document.
pub fn describe_queue_selection(selection: &QueueSelection) -> Value {
    let rules: Vec<Value> = selection
        .rules
        .iter()
        .map(|rule| {
            let mut document = json!({"queue": rule.queue});
            if !rule.context.is_empty() {
                document["context"] = json!(rule.context);
            }
            if let Some(message) = &rule.message {
                document["message"] = json!(message.as_str());
            }
            document
        })
        .collect();
    let agent = &selection.virtual_agent;
    json!({
        "virtual_agent": {"id": agent.id, "name": agent.name, "avatar_url": agent.avatar_url},
        "ask": selection.ask,
        "reask": selection.reask,
        "max_attempts": selection.max_attempts,
        "rules": rules,
        "default_queue": selection.default_queue,
        "connecting": selection.connecting,
        "over_capacity": selection.over_capacity,
        "after_hours": selection.after_hours,
        "keep_waiting": selection.keep_waiting,
        "continue_with_virtual_agent": selection.continue_with_virtual_agent,
    })
}
