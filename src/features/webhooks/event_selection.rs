//! Which event types reach a tenant's webhook. By default the events whose existence a
//! page of the platform documents: `chat_created` and `message_received` by name, and,
//! under the emulator's names, the deflection webhook (`escalation_deflected`) and the
//! events of a chat "transferred or escalated" (`agent_joined`, `virtual_agent_joined`,
//! `virtual_agent_left`). The events no page mentions (`chat_ended`, `chat_dismissed`,
//! `chat_resumed`) are opt-in, for the whole process (`--webhook-events all`) or per tenant
//! (`PUT /__admin/tenants/{sub}/webhook/events`): a consumer must not come to rely on them.
//! Events left out are still journaled (status `suppressed`) and shown on the live event
//! stream and the console.

use serde::{Deserialize, Serialize};

use super::catalog::{EventType, CATALOG};

/// A set of event types.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EventSelection {
    /// The events whose existence the platform's pages document.
    #[default]
    Documented,
    /// Every event of the catalog.
    All,
    /// Exactly these.
    Only(Vec<EventType>),
}

impl EventSelection {
    pub fn includes(&self, event_type: EventType) -> bool {
        match self {
            EventSelection::Documented => event_type.is_sent_by_default(),
            EventSelection::All => true,
            EventSelection::Only(types) => types.contains(&event_type),
        }
    }

    /// `documented`, `all` or `custom`.
    pub fn name(&self) -> &'static str {
        match self {
            EventSelection::Documented => "documented",
            EventSelection::All => "all",
            EventSelection::Only(_) => "custom",
        }
    }

    /// The selected event names, in catalog order.
    pub fn names(&self) -> Vec<&'static str> {
        CATALOG
            .iter()
            .filter(|spec| self.includes(spec.event_type))
            .map(|spec| spec.name)
            .collect()
    }
}

/// How a selection is written in JSON: `"documented"`, `"all"`, or a list of event names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum EventSelectionDto {
    Named(String),
    List(Vec<String>),
}

impl TryFrom<EventSelectionDto> for EventSelection {
    type Error = String;

    fn try_from(dto: EventSelectionDto) -> Result<EventSelection, String> {
        match dto {
            EventSelectionDto::Named(name) => match name.as_str() {
                "documented" => Ok(EventSelection::Documented),
                "all" => Ok(EventSelection::All),
                other => Err(format!(
                    "events {other:?} must be \"documented\", \"all\" or a list of event names"
                )),
            },
            EventSelectionDto::List(names) => {
                let mut types = Vec::new();
                for name in &names {
                    let event_type = EventType::from_name(name).ok_or_else(|| {
                        format!(
                            "{name:?} is not an event type (GET /__admin/webhooks/events lists them)"
                        )
                    })?;
                    if !types.contains(&event_type) {
                        types.push(event_type);
                    }
                }
                Ok(EventSelection::Only(types))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_is_the_default_and_lists_the_events_a_page_documents() {
        let selection = EventSelection::default();
        assert_eq!(
            selection.names(),
            [
                "chat_created",
                "message_received",
                "agent_joined",
                "virtual_agent_joined",
                "virtual_agent_left",
                "escalation_deflected"
            ]
        );
        assert!(!selection.includes(EventType::ChatEnded));
        assert_eq!(EventSelection::All.names().len(), CATALOG.len());
    }

    #[test]
    fn a_list_names_known_events_only() {
        let parse = |dto| EventSelection::try_from(dto);
        let chosen = parse(EventSelectionDto::List(vec![
            "chat_created".into(),
            "chat_ended".into(),
        ]))
        .unwrap();
        assert_eq!(chosen.names(), ["chat_created", "chat_ended"]);
        assert!(parse(EventSelectionDto::List(vec!["chat_exploded".into()])).is_err());
        assert!(parse(EventSelectionDto::Named("some".into())).is_err());
    }
}
