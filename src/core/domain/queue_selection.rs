//! The queue-selection virtual agent at work: it takes a chat whose `context`
//! names a key its rules look at, routes it at once when a rule matches the context, or
//! asks the end user and routes by the answer (re-asking, then the default queue after
//! `max_attempts` answers that match nothing). While it holds the chat, the consumer may
//! also ask it to escalate (`POST /chats/{id}/escalations`). Any other chat (no context,
//! a context about something else, or a script without queue selection) goes to the
//! human agent as before.

use chrono::{DateTime, Utc};

use super::chat::{Chat, MessageBody, Sender, Visibility};
use super::contact_center::ContactCenter;
use super::effects::{ChatError, Effect, MessageSent, Trigger};
use super::escalation::{EscalationReason, QueueDesk};
use super::ids::EndUserId;
use super::queues::QueueSelection;
use super::routing_state::RoutingState;

impl Chat {
    /// Right after [`Chat::open`]: when the script has a queue selection and the chat a
    /// context, the virtual agent takes the chat instead of the queue's agent.
    pub fn start_queue_selection(
        &mut self,
        script: &ContactCenter,
        desk: &QueueDesk,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(selection) = script.queue_selection.as_ref() else {
            return;
        };
        if !selection.takes(self.context.as_ref()) {
            return;
        }
        effects.retain(|effect| {
            !matches!(
                effect,
                Effect::Schedule {
                    trigger: Trigger::AgentJoins,
                    ..
                }
            )
        });
        let participant = selection.virtual_agent.clone();
        if !self
            .virtual_agents
            .iter()
            .any(|known| known.key == participant.key)
        {
            self.virtual_agents.push(participant.clone());
        }
        self.routing = RoutingState::VirtualAgent {
            virtual_agent: participant,
            unmatched_answers: 0,
        };
        let by_context = selection
            .rules
            .iter()
            .find(|rule| rule.message.is_none() && rule.context_matches(self.context.as_ref()))
            .and_then(|rule| script.queue(&rule.queue));
        match by_context {
            Some(queue) => {
                let queue = queue.clone();
                // Cannot fail: the chat is with the virtual agent and has no escalation yet.
                let _ = self.escalate(
                    &queue,
                    EscalationReason::ByVirtualAgent,
                    script,
                    desk,
                    now,
                    effects,
                );
            }
            None => self.virtual_agent_says(selection, selection.ask.clone(), now, effects),
        }
    }

    /// The end user sends a message: to the queue-selection virtual agent while it holds
    /// the chat, otherwise as [`Chat::end_user_sends`] does.
    pub fn end_user_sends_routed(
        &mut self,
        from_user_id: EndUserId,
        body: MessageBody,
        script: &ContactCenter,
        desk: &QueueDesk,
        now: DateTime<Utc>,
    ) -> Result<MessageSent, ChatError> {
        let (RoutingState::VirtualAgent { .. }, Some(selection)) =
            (&self.routing, script.queue_selection.as_ref())
        else {
            return self.end_user_sends(from_user_id, body, script, now);
        };
        // A dismissed chat is queued (not with the virtual agent), so it took the branch
        // above: end_user_sends reactivates it.
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        if from_user_id != self.end_user.id {
            return Err(ChatError::NotTheChatsEndUser {
                given: from_user_id,
            });
        }
        let mut effects = Vec::new();
        let text = match &body {
            MessageBody::Text { text } => Some(text.clone()),
            _ => None,
        };
        let message_id = self.push(
            Sender::EndUser { id: from_user_id },
            body,
            Visibility::Everyone,
            now,
            &mut effects,
        );
        // While the end user has a deflection to choose, the consumer's call decides.
        if let (None, Some(text)) = (self.deflecting_escalation(), text) {
            self.answer_queue_selection(selection, &text, script, desk, now, &mut effects);
        }
        Ok(MessageSent {
            message_id,
            effects,
        })
    }

    fn answer_queue_selection(
        &mut self,
        selection: &QueueSelection,
        text: &str,
        script: &ContactCenter,
        desk: &QueueDesk,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        let chosen = selection.rules.iter().find(|rule| {
            rule.message
                .as_ref()
                .is_some_and(|pattern| pattern.is_match(text))
                && rule.context_matches(self.context.as_ref())
        });
        let (queue_id, reason) = match chosen {
            Some(rule) => (rule.queue.clone(), EscalationReason::ByEndUserMessage),
            None => {
                let RoutingState::VirtualAgent {
                    unmatched_answers, ..
                } = &mut self.routing
                else {
                    return;
                };
                *unmatched_answers += 1;
                let count = *unmatched_answers;
                if count < selection.max_attempts {
                    let index = (count as usize - 1).min(selection.reask.len().saturating_sub(1));
                    let reask = selection
                        .reask
                        .get(index)
                        .cloned()
                        .unwrap_or_else(|| selection.ask.clone());
                    self.virtual_agent_says(selection, reask, now, effects);
                    return;
                }
                (
                    selection.default_queue.clone(),
                    EscalationReason::ByVirtualAgent,
                )
            }
        };
        if let Some(queue) = script.queue(&queue_id).cloned() {
            let _ = self.escalate(&queue, reason, script, desk, now, effects);
        }
    }

    /// `POST /chats/{id}/escalations`: the consumer asks the virtual agent to hand the chat
    /// to `queue_id` (or the default queue). Returns the escalation's id.
    pub fn escalate_on_request(
        &mut self,
        queue_id: Option<&str>,
        script: &ContactCenter,
        desk: &QueueDesk,
        now: DateTime<Utc>,
    ) -> Result<(u64, Vec<Effect>), ChatError> {
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        if self.dismissed_at.is_some() {
            return Err(ChatError::Invalid(
                "This chat is dismissed: the end user's next message (or PATCH /chats/{id}/resume) brings it back first".into(),
            ));
        }
        let Some(selection) = script.queue_selection.as_ref() else {
            return Err(ChatError::Invalid(
                "The contact center has no queue selection (add queues and queue_selection to contact_center.json)".into(),
            ));
        };
        let queue_id = queue_id.unwrap_or(&selection.default_queue);
        let queue = script.queue(queue_id).cloned().ok_or_else(|| {
            let known: Vec<&str> = script
                .queues
                .iter()
                .map(|queue| queue.id.as_str())
                .collect();
            ChatError::Invalid(format!(
                "queue_id {queue_id:?} is not a known queue (known: {})",
                known.join(", ")
            ))
        })?;
        let mut effects = Vec::new();
        let id = self.escalate(
            &queue,
            EscalationReason::ByEndUserAsk,
            script,
            desk,
            now,
            &mut effects,
        )?;
        Ok((id, effects))
    }
}
