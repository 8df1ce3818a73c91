//! The human agent's transfer to a task virtual agent and the hand-back: start the VTA's
//! session, turn each VTA turn into messages only the end user sees, and when the task
//! ends give the chat back to the agent with a note that carries the outcome and only the
//! values the VTA allows the agent to see.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::chat::{Chat, MessageBody, Sender, VirtualAgentParticipant, Visibility};
use super::contact_center::{ContactCenter, HumanAgent, TaskVirtualAgent};
use super::effects::{Effect, Happening};
use super::routing_state::RoutingState;
use super::template;
use super::vta::{Handback, Outcome, VtaSession, VtaTurn};

impl Chat {
    pub(super) fn start_vta(
        &mut self,
        agent: HumanAgent,
        vta: Arc<TaskVirtualAgent>,
        script: &ContactCenter,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        let participant = participant(&vta);
        if !self.virtual_agents.iter().any(|known| known.key == vta.key) {
            self.virtual_agents.push(participant.clone());
        }
        let (session, turn) = VtaSession::start(&vta);
        self.routing = RoutingState::TaskVirtualAgent {
            agent,
            vta: Arc::clone(&vta),
            session,
        };
        effects.push(Effect::Publish(Happening::VirtualAgentJoined {
            virtual_agent: participant,
        }));
        self.apply_vta_turn(&vta, turn, script, now, effects);
    }

    pub(super) fn apply_vta_turn(
        &mut self,
        vta: &TaskVirtualAgent,
        turn: VtaTurn,
        script: &ContactCenter,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        let sender = Sender::TaskVirtualAgent {
            id: vta.id,
            key: vta.key.clone(),
            name: vta.name.clone(),
        };
        for reply in turn.replies {
            self.push(
                sender.clone(),
                MessageBody::Text { text: reply },
                Visibility::TaskVirtualAgent,
                now,
                effects,
            );
        }
        if let Some(handback) = turn.handback {
            self.hand_back(vta, handback, script, now, effects);
        }
    }

    fn hand_back(
        &mut self,
        vta: &TaskVirtualAgent,
        handback: Handback,
        script: &ContactCenter,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(agent) = self.routing.agent().cloned() else {
            return;
        };
        self.routing = RoutingState::Assigned {
            agent: agent.clone(),
        };
        effects.push(Effect::Publish(Happening::VirtualAgentLeft {
            virtual_agent: participant(vta),
            handback: handback.clone(),
        }));
        self.push(
            Sender::System,
            MessageBody::Notice {
                text: describe_handback(vta, &handback),
            },
            Visibility::Agent,
            now,
            effects,
        );
        let follow_up = match handback.outcome {
            Outcome::Success => &script.agent_script.after_success,
            Outcome::Failure => &script.agent_script.after_failure,
        };
        if let Some(follow_up) = follow_up {
            let mut values = self.agent_template_values(&agent);
            values.insert("task".into(), json!(vta.name));
            values.insert("outcome".into(), json!(handback.outcome));
            values.insert("values".into(), json!(handback.agent_visible_values));
            let text = template::render(follow_up, &values);
            self.push_agent_text(&agent, text, now, effects);
        }
    }
}

fn participant(vta: &TaskVirtualAgent) -> VirtualAgentParticipant {
    VirtualAgentParticipant {
        id: vta.id,
        key: vta.key.clone(),
        name: vta.name.clone(),
        avatar_url: vta.avatar_url.clone(),
    }
}

/// The note the human agent sees when a task ends: outcome, captured names, and only the
/// values the task allows the agent to see.
fn describe_handback(vta: &TaskVirtualAgent, handback: &Handback) -> String {
    let outcome = match handback.outcome {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
    };
    let mut text = format!("{} finished: {outcome}.", vta.name);
    if !handback.captured.is_empty() {
        text.push_str(&format!(" Captured: {}.", handback.captured.join(", ")));
    }
    for (name, value) in &handback.agent_visible_values {
        text.push_str(&format!(" {name}: {value}."));
    }
    if let Some(step) = &handback.failed_step {
        text.push_str(&format!(" Failed at: {step}."));
    }
    text
}
