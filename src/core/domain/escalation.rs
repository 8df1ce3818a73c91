//! Escalations: a chat held by the queue-selection virtual agent is handed to a
//! human-agent queue. An available queue takes it (the agent joins after the join delay);
//! a queue that is over capacity or after hours *deflects* it, and the end user chooses an
//! option the queue offers: email or external link (the consumer ends the chat with
//! `PATCH /chats/{id}`), keep waiting (`human_agent`, only when over capacity: the chat
//! waits in the queue until it becomes available) or go on with the virtual agent.
//! Status and reason names follow the platform's page "Virtual agent reason codes";
//! every wrong choice is an [`ChatError::Invalid`] naming the problem.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::chat::{Chat, MessageBody, Sender, Visibility};
use super::contact_center::ContactCenter;
use super::effects::{ChatError, Effect, Happening, Trigger};
pub use super::escalation_record::{Escalation, EscalationReason, EscalationStatus};
use super::queues::{Availability, DeflectionChannel, Queue, QueueSelection};
use super::routing_state::{EndedBy, RoutingState};
use super::template;

/// What routing needs from outside the chat: each queue's availability for this tenant,
/// and fresh escalation ids (unique across tenants).
pub struct QueueDesk<'a> {
    pub availability: &'a dyn Fn(&Queue) -> Availability,
    pub next_escalation_id: &'a dyn Fn() -> u64,
}

fn invalid(message: impl Into<String>) -> ChatError {
    ChatError::Invalid(message.into())
}

impl Chat {
    pub fn escalation(&self, id: u64) -> Option<&Escalation> {
        self.escalations
            .iter()
            .find(|escalation| escalation.id == id)
    }

    /// The escalation waiting for the end user's choice, if any.
    pub fn deflecting_escalation(&self) -> Option<&Escalation> {
        self.escalations
            .iter()
            .find(|escalation| escalation.status == EscalationStatus::Deflecting)
    }

    /// Hands the chat from the queue-selection virtual agent to `queue`: the agent joins if
    /// the queue is available, otherwise the escalation is deflected and the end user is
    /// offered the queue's options. Returns the new escalation's id.
    pub fn escalate(
        &mut self,
        queue: &Queue,
        reason: EscalationReason,
        script: &ContactCenter,
        desk: &QueueDesk,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) -> Result<u64, ChatError> {
        let Some(selection) = script.queue_selection.as_ref() else {
            return Err(invalid("The contact center has no queue selection"));
        };
        if !matches!(self.routing, RoutingState::VirtualAgent { .. }) {
            return Err(invalid(
                "Only a chat held by the virtual agent can be escalated (this one is not)",
            ));
        }
        if let Some(pending) = self.deflecting_escalation() {
            return Err(invalid(format!(
                "Escalation {} is still waiting for a deflection choice",
                pending.id
            )));
        }
        let availability = (desk.availability)(queue);
        let id = (desk.next_escalation_id)();
        let mut escalation = Escalation {
            id,
            queue_id: queue.id.clone(),
            queue_name: queue.name.clone(),
            status: EscalationStatus::Escalating,
            reason,
            deflection_reason: None,
            deflection_options: Vec::new(),
            deflection_channel: None,
            external_link_url: None,
            created_at: now,
            updated_at: now,
        };
        if availability == Availability::Available {
            self.escalations.push(escalation);
            let text = fill(&selection.connecting, queue);
            self.virtual_agent_says(selection, text, now, effects);
            self.enter_queue(queue, script.join_delay, effects);
        } else {
            escalation.status = EscalationStatus::Deflecting;
            escalation.deflection_reason = Some(availability);
            escalation.deflection_options = queue.options_for(availability);
            escalation.external_link_url = queue.external_link_url.clone();
            self.escalations.push(escalation);
            let text = match availability {
                Availability::AfterHours => &selection.after_hours,
                _ => &selection.over_capacity,
            };
            self.virtual_agent_says(selection, fill(text, queue), now, effects);
            effects.push(Effect::Publish(Happening::EscalationDeflected {
                escalation_id: id,
            }));
        }
        Ok(id)
    }

    /// Checks that `channel` may be chosen for escalation `id` of this chat.
    pub fn check_deflection(
        &self,
        id: u64,
        channel: DeflectionChannel,
    ) -> Result<&Escalation, ChatError> {
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        if self.escalations.is_empty() {
            return Err(invalid(format!(
                "Chat {} has no escalation, so escalation_id {id} and a deflection_channel do not apply",
                self.id
            )));
        }
        let escalation = self.escalation(id).ok_or_else(|| {
            let ids: Vec<String> = self.escalations.iter().map(|e| e.id.to_string()).collect();
            invalid(format!(
                "escalation_id {id} does not belong to chat {} (its escalations: {})",
                self.id,
                ids.join(", ")
            ))
        })?;
        if escalation.status != EscalationStatus::Deflecting {
            return Err(invalid(format!(
                "Escalation {id} is {}: it is not waiting for a deflection choice",
                escalation.status.name()
            )));
        }
        if channel == DeflectionChannel::HumanAgent
            && escalation.deflection_reason != Some(Availability::OverCapacity)
        {
            return Err(invalid(format!(
                "deflection_channel human_agent (keep waiting) is only allowed when the reason is over_capacity; escalation {id} was deflected because of {}",
                escalation.deflection_reason.map_or("nothing", Availability::name)
            )));
        }
        if !escalation.deflection_options.contains(&channel) {
            let offered: Vec<&str> = escalation
                .deflection_options
                .iter()
                .map(|option| option.name())
                .collect();
            return Err(invalid(format!(
                "deflection_channel {channel} was not offered by escalation {id} (offered: {})",
                offered.join(", ")
            )));
        }
        Ok(escalation)
    }

    /// The end user chooses an option that keeps the chat open: keep waiting in the queue
    /// (`human_agent`) or go on with the virtual agent.
    pub fn choose_deflection(
        &mut self,
        id: u64,
        channel: DeflectionChannel,
        script: &ContactCenter,
        desk: &QueueDesk,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, ChatError> {
        if channel.ends_chat() {
            return Err(invalid(format!(
                "deflection_channel {channel} ends the chat: send it with status \"finished\" in PATCH /chats/{{id}}"
            )));
        }
        self.check_deflection(id, channel)?;
        let selection = script
            .queue_selection
            .as_ref()
            .ok_or_else(|| invalid("The contact center has no queue selection"))?;
        let queue_id = self.escalation(id).map(|e| e.queue_id.clone());
        let queue = queue_id
            .as_deref()
            .and_then(|queue_id| script.queue(queue_id))
            .ok_or_else(|| invalid(format!("The queue of escalation {id} no longer exists")))?;
        let mut effects = Vec::new();
        let escalation = self.escalation_mut(id);
        escalation.deflection_channel = Some(channel);
        escalation.updated_at = now;
        match channel {
            DeflectionChannel::HumanAgent => {
                escalation.status = EscalationStatus::Escalating;
                self.virtual_agent_says(
                    selection,
                    fill(&selection.keep_waiting, queue),
                    now,
                    &mut effects,
                );
                let available = (desk.availability)(queue) == Availability::Available;
                self.queue = Some(queue.id.clone());
                self.routing = RoutingState::Queued;
                if available {
                    self.queue_opened(script.join_delay, &mut effects);
                }
            }
            _ => {
                escalation.status = EscalationStatus::Deflected;
                let text = fill(&selection.continue_with_virtual_agent, queue);
                self.virtual_agent_says(selection, text, now, &mut effects);
            }
        }
        effects.push(Effect::Publish(Happening::EscalationUpdated {
            escalation_id: id,
        }));
        Ok(effects)
    }

    /// Ends the chat as the end user, recording the deflection chosen with it (email or
    /// external link) or cancelling a pending escalation when none is given.
    pub fn end_with_deflection(
        &mut self,
        choice: Option<(u64, DeflectionChannel)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, ChatError> {
        if let Some((id, channel)) = choice {
            if !channel.ends_chat() {
                return Err(invalid(format!(
                    "deflection_channel {channel} keeps the chat open: choose it with PATCH /chats/{{id}}/escalations/{id} (without status \"finished\")"
                )));
            }
            self.check_deflection(id, channel)?;
        }
        if let Some((id, channel)) = choice {
            let escalation = self.escalation_mut(id);
            escalation.status = EscalationStatus::Deflected;
            escalation.deflection_channel = Some(channel);
            escalation.updated_at = now;
        }
        let mut effects: Vec<Effect> = choice
            .map(|(escalation_id, _)| {
                Effect::Publish(Happening::EscalationUpdated { escalation_id })
            })
            .into_iter()
            .collect();
        effects.extend(self.end(EndedBy::EndUser, now)?);
        Ok(effects)
    }

    /// The chat ended: an escalation nobody took (or whose deflection was never chosen)
    /// is `canceled`.
    pub(super) fn cancel_pending_escalations(
        &mut self,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        for escalation in &mut self.escalations {
            if matches!(
                escalation.status,
                EscalationStatus::Escalating | EscalationStatus::Deflecting
            ) {
                escalation.status = EscalationStatus::Canceled;
                escalation.updated_at = now;
                effects.push(Effect::Publish(Happening::EscalationUpdated {
                    escalation_id: escalation.id,
                }));
            }
        }
    }

    /// The chat's queue can take chats again: a chat waiting in it gets the agent after the
    /// join delay. A no-op unless the chat is queued in a queue.
    pub fn queue_opened(&mut self, join_delay: Duration, effects: &mut Vec<Effect>) {
        if matches!(self.routing, RoutingState::Queued) && self.queue.is_some() {
            effects.push(Effect::Schedule {
                after: join_delay,
                trigger: Trigger::AgentJoins,
            });
        }
    }

    /// The human agent took the chat: the escalation waiting for it is done.
    pub(super) fn mark_escalated(&mut self, now: DateTime<Utc>, effects: &mut Vec<Effect>) {
        for escalation in &mut self.escalations {
            if escalation.status == EscalationStatus::Escalating {
                escalation.status = EscalationStatus::Escalated;
                escalation.updated_at = now;
                effects.push(Effect::Publish(Happening::EscalationUpdated {
                    escalation_id: escalation.id,
                }));
            }
        }
    }

    fn enter_queue(&mut self, queue: &Queue, join_delay: Duration, effects: &mut Vec<Effect>) {
        self.queue = Some(queue.id.clone());
        self.routing = RoutingState::Queued;
        self.queue_opened(join_delay, effects);
    }

    fn escalation_mut(&mut self, id: u64) -> &mut Escalation {
        self.escalations
            .iter_mut()
            .find(|escalation| escalation.id == id)
            .expect("checked by check_deflection")
    }

    /// The queue-selection virtual agent says `text` to the end user (the agent sees it
    /// too once it joins, as the conversation so far).
    pub(super) fn virtual_agent_says(
        &mut self,
        selection: &QueueSelection,
        text: String,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        let sender = Sender::VirtualAgent {
            id: selection.virtual_agent.id,
            name: selection.virtual_agent.name.clone(),
        };
        let _ = self.push(
            sender,
            MessageBody::Text { text },
            Visibility::Everyone,
            now,
            effects,
        );
    }
}

/// Renders a queue-selection text: `{{queue}}` is the queue's name.
fn fill(text: &str, queue: &Queue) -> String {
    let mut values = serde_json::Map::new();
    values.insert(
        "queue".into(),
        serde_json::Value::String(queue.name.clone()),
    );
    template::render(text, &values)
}
