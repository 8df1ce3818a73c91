//! What the simulated human agent does on its own, from the contact-center script: match
//! each end-user message against the rules, then say something, transfer to a task
//! virtual agent or end the chat, at once or after the rule's delay.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::chat::{Chat, MessageBody, Sender, Visibility};
use super::contact_center::{AgentRule, ContactCenter, HumanAgent};
use super::effects::{Effect, Trigger};
use super::ids::MessageId;
use super::routing_state::EndedBy;
use super::template;

impl Chat {
    /// Finds the first rule matching `text` and acts on it, now or after its delay.
    pub(super) fn run_agent_rules(
        &mut self,
        agent: &HumanAgent,
        text: &str,
        script: &ContactCenter,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        let Some((index, rule)) = script
            .agent_script
            .rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.when.is_match(text))
        else {
            return;
        };
        if rule.delay.is_zero() {
            self.apply_agent_rule(agent, rule, script, now, effects);
        } else {
            effects.push(Effect::Schedule {
                after: rule.delay,
                trigger: Trigger::AgentRule { rule: index },
            });
        }
    }

    pub(super) fn apply_agent_rule(
        &mut self,
        agent: &HumanAgent,
        rule: &AgentRule,
        script: &ContactCenter,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        if let Some(say) = &rule.say {
            let reply = template::render(say, &self.agent_template_values(agent));
            self.push_agent_text(agent, reply, now, effects);
        }
        if let Some(file) = &rule.attach {
            effects.push(Effect::AttachFile { file: file.clone() });
        }
        if let Some(vta) = rule
            .transfer_to
            .as_deref()
            .and_then(|key| script.task_virtual_agent(key))
        {
            self.start_vta(agent.clone(), Arc::clone(vta), script, now, effects);
        } else if rule.end_chat {
            effects.extend(self.end(EndedBy::Agent, now).unwrap_or_default());
        }
    }

    /// The human agent sends a file the media store holds (an [`MessageBody::Attachment`]).
    pub fn agent_attaches(
        &mut self,
        attachment: MessageBody,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, super::ChatError> {
        let agent = self.require_agent()?.clone();
        let sender = Sender::Agent {
            id: agent.id,
            name: agent.name.clone(),
        };
        let mut effects = Vec::new();
        self.push(sender, attachment, Visibility::Everyone, now, &mut effects);
        Ok(effects)
    }

    /// A note only the human agent sees, e.g. why a scripted attachment was not sent.
    pub fn note_to_agent(&mut self, text: String, now: DateTime<Utc>) -> Vec<Effect> {
        let mut effects = Vec::new();
        let body = MessageBody::Notice { text };
        self.push(Sender::System, body, Visibility::Agent, now, &mut effects);
        effects
    }

    pub(super) fn agent_template_values(&self, agent: &HumanAgent) -> Map<String, Value> {
        let mut values = Map::new();
        values.insert(
            "end_user".into(),
            json!({"name": self.end_user.name, "identifier": self.end_user.identifier}),
        );
        values.insert(
            "agent".into(),
            json!({"name": agent.name, "first_name": agent.first_name}),
        );
        values
    }

    pub(super) fn push_agent_text(
        &mut self,
        agent: &HumanAgent,
        text: String,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) -> MessageId {
        let sender = Sender::Agent {
            id: agent.id,
            name: agent.name.clone(),
        };
        self.push(
            sender,
            MessageBody::Text { text },
            Visibility::Everyone,
            now,
            effects,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::testing::{queued_chat, END_USER as USER};
    use crate::features::fixtures::loader;
    use std::time::Duration;

    fn script_with_rule_delay(delay: Duration) -> ContactCenter {
        let mut script = loader::embedded().expect("embedded fixtures");
        script.join_delay = Duration::ZERO;
        for rule in &mut script.agent_script.rules {
            rule.delay = delay;
        }
        script
    }

    fn assigned_chat(script: &ContactCenter) -> Chat {
        let mut chat = queued_chat(script);
        chat.fire(Trigger::AgentJoins, script, Utc::now());
        chat
    }

    fn say(chat: &mut Chat, script: &ContactCenter, text: &str) -> Vec<Effect> {
        let body = MessageBody::Text { text: text.into() };
        chat.end_user_sends(USER, body, script, Utc::now())
            .unwrap()
            .effects
    }

    #[test]
    fn a_delayed_rule_acts_only_when_its_timer_fires() {
        let script = script_with_rule_delay(Duration::from_secs(2));
        let mut chat = assigned_chat(&script);
        let effects = say(&mut chat, &script, "please verify me");
        assert!(effects.contains(&Effect::Schedule {
            after: Duration::from_secs(2),
            trigger: Trigger::AgentRule { rule: 0 },
        }));
        assert_eq!(
            chat.routing.name(),
            "assigned",
            "nothing happens before the timer"
        );

        chat.fire(Trigger::AgentRule { rule: 0 }, &script, Utc::now());
        assert_eq!(chat.routing.name(), "task_virtual_agent");
    }

    #[test]
    fn a_delayed_rule_does_nothing_once_the_agent_no_longer_has_the_chat() {
        let script = script_with_rule_delay(Duration::from_secs(2));
        let mut chat = assigned_chat(&script);
        say(&mut chat, &script, "please verify me");
        chat.end(EndedBy::EndUser, Utc::now()).unwrap();
        let messages = chat.messages.len();
        let effects = chat.fire(Trigger::AgentRule { rule: 0 }, &script, Utc::now());
        assert!(effects.is_empty());
        assert_eq!(chat.messages.len(), messages);
    }

    #[test]
    fn an_undelayed_rule_acts_at_once() {
        let script = script_with_rule_delay(Duration::ZERO);
        let mut chat = assigned_chat(&script);
        say(&mut chat, &script, "please verify me");
        assert_eq!(chat.routing.name(), "task_virtual_agent");
    }
}
