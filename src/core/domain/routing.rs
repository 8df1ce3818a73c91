//! The routing state machine of a chat: `queued` → `assigned` (the simulated
//! human agent joins) → a task virtual agent active (end-user traffic goes to it alone) →
//! back to `assigned` when it hands back → `finished`. Every transition is a method that
//! takes the contact-center script and `now`, changes the chat, and returns the
//! [`Effect`]s the caller must carry out: happenings to publish as webhooks, in order, and
//! timers to set. The agent's scripted behaviour lives in [`super::agent_script`], the
//! transfer to a VTA and its hand-back in [`super::task_transfer`], dismissal in
//! [`super::dismissal`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::chat::{Chat, EndUser, Message, MessageBody, Sender, Visibility};
use super::contact_center::{ContactCenter, HumanAgent};
use super::effects::{ChatError, Effect, Happening, MessageSent, Trigger};
use super::ids::{ChatId, EndUserId, MessageId};
use super::routing_state::{EndedBy, RoutingState};
use super::template;
use super::vta::VtaTurn;

/// What a new chat starts from.
#[derive(Debug, Clone)]
pub struct NewChat {
    pub id: ChatId,
    pub end_user: EndUser,
    pub lang: String,
    pub menu: Option<(u64, String)>,
    pub context: Option<Value>,
}

impl Chat {
    /// Opens a chat in the queue; the agent joins after the script's delay.
    pub fn open(new: NewChat, script: &ContactCenter, now: DateTime<Utc>) -> (Chat, Vec<Effect>) {
        let chat = Chat {
            id: new.id,
            end_user: new.end_user,
            lang: new.lang,
            menu: new.menu,
            context: new.context,
            created_at: now,
            ended_at: None,
            dismissed_at: None,
            dismissed_from_virtual_agent: false,
            reactivated_after_message: 0,
            timeout_at: None,
            routing: RoutingState::Queued,
            agents: Vec::new(),
            virtual_agents: Vec::new(),
            messages: Vec::new(),
            queue: None,
            escalations: Vec::new(),
            pre_chat: Vec::new(),
            custom_data: Default::default(),
        };
        let effects = vec![
            Effect::Publish(Happening::ChatCreated),
            Effect::Schedule {
                after: script.join_delay,
                trigger: Trigger::AgentJoins,
            },
        ];
        (chat, effects)
    }

    /// Carries out a deferred transition.
    pub fn fire(
        &mut self,
        trigger: Trigger,
        script: &ContactCenter,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        match trigger {
            Trigger::AgentJoins => self.agent_joins(script, now),
            Trigger::InactivityCheck => self.dismiss_if_inactive(now),
            Trigger::AgentRule { rule } => {
                let mut effects = Vec::new();
                // Only while the agent still has the chat: not after an end or a transfer.
                if let (RoutingState::Assigned { agent }, Some(rule)) =
                    (&self.routing, script.agent_script.rules.get(rule))
                {
                    let agent = agent.clone();
                    self.apply_agent_rule(&agent, rule, script, now, &mut effects);
                }
                effects
            }
        }
    }

    /// The simulated human agent picks the chat up (a no-op unless it is queued and not
    /// dismissed: a dismissed chat waits for the end user).
    pub fn agent_joins(&mut self, script: &ContactCenter, now: DateTime<Utc>) -> Vec<Effect> {
        if !matches!(self.routing, RoutingState::Queued) || self.dismissed_at.is_some() {
            return Vec::new();
        }
        let agent = script.agent.clone();
        self.routing = RoutingState::Assigned {
            agent: agent.clone(),
        };
        if !self.agents.contains(&agent) {
            self.agents.push(agent.clone());
        }
        let mut effects = vec![Effect::Publish(Happening::AgentJoined {
            agent: agent.clone(),
        })];
        self.mark_escalated(now, &mut effects);
        if let Some(greeting) = &script.agent_script.greeting {
            let text = template::render(greeting, &self.agent_template_values(&agent));
            self.push_agent_text(&agent, text, now, &mut effects);
        }
        // Like a person picking a chat up, the agent answers what was asked while it waited
        // (since the chat was last reactivated: not a question answered before a dismissal).
        // A chat routed by the queue-selection virtual agent was answered by it already.
        let since = usize::try_from(self.reactivated_after_message).unwrap_or(usize::MAX);
        let waiting_question = self
            .queue
            .is_none()
            .then(|| {
                self.messages.iter().skip(since).rev().find_map(|message| {
                    match (&message.sender, &message.body) {
                        (Sender::EndUser { .. }, MessageBody::Text { text }) => Some(text.clone()),
                        _ => None,
                    }
                })
            })
            .flatten();
        if let Some(question) = waiting_question {
            self.run_agent_rules(&agent, &question, script, now, &mut effects);
        }
        effects
    }

    /// The end user sends a message: to the active VTA alone, or else to the human agent
    /// (whose script may answer, transfer or end the chat). Answers the new message's id.
    /// A message to a dismissed chat reactivates it: it is queued and an agent joins with
    /// the whole history (page "Dismiss Inactive Chats").
    pub fn end_user_sends(
        &mut self,
        from_user_id: EndUserId,
        body: MessageBody,
        script: &ContactCenter,
        now: DateTime<Utc>,
    ) -> Result<MessageSent, ChatError> {
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        if from_user_id != self.end_user.id {
            return Err(ChatError::NotTheChatsEndUser {
                given: from_user_id,
            });
        }
        let mut effects = Vec::new();
        if self.dismissed_at.is_some() {
            effects.push(self.reactivate());
            // The message joins the history before the agent does, who then answers it.
            let sender = Sender::EndUser { id: from_user_id };
            let message_id = self.push(sender, body, Visibility::Everyone, now, &mut effects);
            effects.push(Effect::Schedule {
                after: script.join_delay,
                trigger: Trigger::AgentJoins,
            });
            return Ok(MessageSent {
                message_id,
                effects,
            });
        }
        let sender = Sender::EndUser { id: from_user_id };
        let text = match &body {
            MessageBody::Text { text } => Some(text.clone()),
            _ => None,
        };
        if let RoutingState::TaskVirtualAgent { vta, session, .. } = &mut self.routing {
            let vta = Arc::clone(vta);
            let turn = match &text {
                Some(text) => session.answer(&vta, &script.data, text),
                None => VtaTurn::default(),
            };
            let message_id = self.push(
                sender,
                body,
                Visibility::TaskVirtualAgent,
                now,
                &mut effects,
            );
            self.apply_vta_turn(&vta, turn, script, now, &mut effects);
            return Ok(MessageSent {
                message_id,
                effects,
            });
        }
        let message_id = self.push(sender, body, Visibility::Everyone, now, &mut effects);
        if let (Some(agent), Some(text)) = (self.routing.agent().cloned(), text) {
            self.run_agent_rules(&agent, &text, script, now, &mut effects);
        }
        Ok(MessageSent {
            message_id,
            effects,
        })
    }

    /// The human agent says something to the end user. Answers the new message's id.
    pub fn agent_says(
        &mut self,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<MessageSent, ChatError> {
        let agent = self.require_agent()?.clone();
        let mut effects = Vec::new();
        let message_id = self.push_agent_text(&agent, text, now, &mut effects);
        Ok(MessageSent {
            message_id,
            effects,
        })
    }

    /// The human agent transfers the chat to a task virtual agent.
    pub fn transfer_to_vta(
        &mut self,
        key: &str,
        script: &ContactCenter,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, ChatError> {
        let agent = self.require_agent()?.clone();
        if matches!(self.routing, RoutingState::TaskVirtualAgent { .. }) {
            return Err(ChatError::TaskVirtualAgentAlreadyActive);
        }
        let vta = script
            .task_virtual_agent(key)
            .cloned()
            .ok_or_else(|| ChatError::UnknownTaskVirtualAgent(key.to_owned()))?;
        let mut effects = Vec::new();
        self.start_vta(agent, vta, script, now, &mut effects);
        Ok(effects)
    }

    /// Mid-session authentication: the chat now belongs to a verified end user. The agent
    /// is told with a note; from now on only that user may send.
    pub fn authenticate_end_user(
        &mut self,
        user: EndUser,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, ChatError> {
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        let note = format!("The end user authenticated as {}.", user.identifier);
        self.end_user = user;
        let mut effects = Vec::new();
        self.push(
            Sender::System,
            MessageBody::Notice { text: note },
            Visibility::Agent,
            now,
            &mut effects,
        );
        Ok(effects)
    }

    /// Ends the chat.
    pub fn end(&mut self, by: EndedBy, now: DateTime<Utc>) -> Result<Vec<Effect>, ChatError> {
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        self.routing = RoutingState::Finished { by };
        self.ended_at = Some(now);
        let mut effects = Vec::new();
        self.cancel_pending_escalations(now, &mut effects);
        effects.push(Effect::Publish(Happening::ChatEnded { by }));
        Ok(effects)
    }

    /// The agent that has the chat, if one does and the chat is not finished.
    pub fn require_agent(&self) -> Result<&HumanAgent, ChatError> {
        match &self.routing {
            RoutingState::Finished { .. } => Err(ChatError::Finished),
            RoutingState::Queued | RoutingState::VirtualAgent { .. } => {
                Err(ChatError::NoAgentAssigned)
            }
            RoutingState::Assigned { agent } | RoutingState::TaskVirtualAgent { agent, .. } => {
                Ok(agent)
            }
        }
    }

    pub(super) fn push(
        &mut self,
        sender: Sender,
        body: MessageBody,
        visibility: Visibility,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) -> MessageId {
        let id = MessageId(self.messages.len() as u64 + 1);
        self.messages.push(Message {
            id,
            at: now,
            sender,
            body,
            visibility,
        });
        if visibility.seen_by_end_user() {
            effects.push(Effect::Publish(Happening::MessageAdded { message_id: id }));
        }
        id
    }
}
