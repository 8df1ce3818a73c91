//! The engine that runs one task virtual agent (VTA) conversation: greet, ask each step,
//! normalise and check every answer, re-ask in the VTA's own words, look answers up in
//! fixture data, and finally hand back to the human agent with an outcome. Raw captured
//! values stay inside the session; the [`Handback`] carries only names, the outcome and
//! what each step's `agent_view` allows the human agent to see.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::card;
use super::contact_center::{AgentView, Check, Normalization, Step, TaskVirtualAgent};
use super::template;

/// How a VTA's task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

/// What the human agent gets back when the VTA is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Handback {
    pub task_virtual_agent: String,
    pub outcome: Outcome,
    /// Names of the values captured (never the values themselves).
    pub captured: Vec<String>,
    /// Values the agent may see, already masked where the step says so.
    pub agent_visible_values: BTreeMap<String, String>,
    /// The step that ran out of attempts, for a failure.
    pub failed_step: Option<String>,
}

/// The replies of one VTA turn and, when the task is over, its hand-back.
#[derive(Debug, Clone, Default)]
pub struct VtaTurn {
    pub replies: Vec<String>,
    pub handback: Option<Handback>,
}

/// A running VTA conversation.
#[derive(Debug, Clone, Serialize)]
pub struct VtaSession {
    pub key: String,
    pub step: usize,
    /// Wrong answers given to the current step.
    pub attempts: u32,
    /// Captured values and lookup results, by name: the template context.
    #[serde(skip)]
    values: Map<String, Value>,
    #[serde(skip)]
    captured: Vec<(String, AgentView)>,
}

impl VtaSession {
    /// Starts `vta`: its greeting and first question (or an immediate hand-back when it has
    /// no steps).
    pub fn start(vta: &TaskVirtualAgent) -> (Self, VtaTurn) {
        let mut session = VtaSession {
            key: vta.key.clone(),
            step: 0,
            attempts: 0,
            values: Map::new(),
            captured: Vec::new(),
        };
        let mut turn = VtaTurn::default();
        if let Some(greeting) = &vta.greeting {
            turn.replies
                .push(template::render(greeting, &session.values));
        }
        match vta.steps.first() {
            Some(step) => turn
                .replies
                .push(template::render(&step.ask, &session.values)),
            None => session.finish(vta, Outcome::Success, &mut turn),
        }
        (session, turn)
    }

    /// Handles one end-user answer.
    pub fn answer(
        &mut self,
        vta: &TaskVirtualAgent,
        data: &BTreeMap<String, BTreeMap<String, Value>>,
        input: &str,
    ) -> VtaTurn {
        let mut turn = VtaTurn::default();
        let Some(step) = vta.steps.get(self.step) else {
            self.finish(vta, Outcome::Success, &mut turn);
            return turn;
        };
        let answer = normalize(input, &step.normalize);
        match self.evaluate(step, data, &answer) {
            Ok(record) => self.accept(vta, step, answer, record, &mut turn),
            Err(rejection) => self.reject(vta, step, &answer, rejection, &mut turn),
        }
        turn
    }

    fn evaluate(
        &self,
        step: &Step,
        data: &BTreeMap<String, BTreeMap<String, Value>>,
        answer: &str,
    ) -> Result<Option<Value>, Rejection> {
        let full_match = step
            .pattern
            .find(answer)
            .is_some_and(|found| found.start() == 0 && found.end() == answer.len());
        if !full_match {
            return Err(Rejection::Invalid);
        }
        if step.check == Some(Check::Luhn) && !card::passes_luhn(answer) {
            return Err(Rejection::Invalid);
        }
        match &step.lookup {
            None => Ok(None),
            Some(lookup) => data
                .get(&lookup.table)
                .and_then(|table| table.get(answer))
                .cloned()
                .map(Some)
                .ok_or(Rejection::NotFound),
        }
    }

    fn accept(
        &mut self,
        vta: &TaskVirtualAgent,
        step: &Step,
        answer: String,
        record: Option<Value>,
        turn: &mut VtaTurn,
    ) {
        self.values
            .insert(step.capture.clone(), Value::String(answer));
        if let (Some(lookup), Some(record)) = (&step.lookup, record) {
            self.values.insert(lookup.bind_as.clone(), record);
        }
        self.captured.push((step.capture.clone(), step.agent_view));
        if let Some(confirm) = &step.confirm {
            turn.replies.push(template::render(confirm, &self.values));
        }
        self.step += 1;
        self.attempts = 0;
        match vta.steps.get(self.step) {
            Some(next) => turn.replies.push(template::render(&next.ask, &self.values)),
            None => self.finish(vta, Outcome::Success, turn),
        }
    }

    fn reject(
        &mut self,
        vta: &TaskVirtualAgent,
        step: &Step,
        answer: &str,
        rejection: Rejection,
        turn: &mut VtaTurn,
    ) {
        self.attempts += 1;
        if self.attempts >= step.max_attempts {
            self.finish(vta, Outcome::Failure, turn);
            return;
        }
        let reply = match (&rejection, &step.lookup) {
            (Rejection::NotFound, Some(lookup)) => {
                // The miss message may quote the answer, which is not captured (yet).
                let mut values = self.values.clone();
                values.insert(step.capture.clone(), Value::String(answer.to_owned()));
                template::render(&lookup.not_found, &values)
            }
            _ => {
                let index = (self.attempts as usize - 1).min(step.reask.len().saturating_sub(1));
                template::render(step.reask.get(index).unwrap_or(&step.ask), &self.values)
            }
        };
        turn.replies.push(reply);
    }

    fn finish(&mut self, vta: &TaskVirtualAgent, outcome: Outcome, turn: &mut VtaTurn) {
        let closing = match outcome {
            Outcome::Success => &vta.on_success,
            Outcome::Failure => &vta.on_failure,
        };
        turn.replies.push(template::render(closing, &self.values));
        let agent_visible_values = self
            .captured
            .iter()
            .filter_map(|(name, view)| {
                let raw = self.values.get(name)?.as_str()?;
                match view {
                    AgentView::Hidden => None,
                    AgentView::Masked => Some((name.clone(), card::mask(raw))),
                    AgentView::Plain => Some((name.clone(), raw.to_owned())),
                }
            })
            .collect();
        turn.handback = Some(Handback {
            task_virtual_agent: vta.key.clone(),
            outcome,
            captured: self.captured.iter().map(|(name, _)| name.clone()).collect(),
            agent_visible_values,
            failed_step: (outcome == Outcome::Failure)
                .then(|| vta.steps.get(self.step).map(|step| step.capture.clone()))
                .flatten(),
        });
    }
}

enum Rejection {
    Invalid,
    NotFound,
}

fn normalize(input: &str, steps: &[Normalization]) -> String {
    let mut text = input.trim().to_owned();
    for step in steps {
        text = match step {
            Normalization::Trim => text.trim().to_owned(),
            Normalization::RemoveSpacesAndDashes => text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect(),
            Normalization::Uppercase => text.to_uppercase(),
        };
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contact_center::Lookup;
    use regex::Regex;
    use serde_json::json;

    fn code_vta(max_attempts: u32) -> TaskVirtualAgent {
        TaskVirtualAgent {
            key: "code".into(),
            id: 1,
            name: "Verifier".into(),
            avatar_url: None,
            description: None,
            greeting: Some("Hi.".into()),
            steps: vec![Step {
                capture: "code".into(),
                ask: "Code?".into(),
                pattern: Regex::new(r"\d{6}").unwrap(),
                normalize: vec![Normalization::RemoveSpacesAndDashes],
                check: None,
                reask: vec!["Six digits, please.".into(), "Last try: six digits.".into()],
                max_attempts,
                agent_view: AgentView::Hidden,
                lookup: None,
                confirm: None,
            }],
            on_success: "Verified {{code|masked}}.".into(),
            on_failure: "Could not verify.".into(),
        }
    }

    #[test]
    fn start_greets_and_asks_the_first_step() {
        let (_, turn) = VtaSession::start(&code_vta(3));
        assert_eq!(turn.replies, vec!["Hi.", "Code?"]);
        assert!(turn.handback.is_none());
    }

    #[test]
    fn pattern_must_match_the_whole_normalised_answer() {
        let vta = code_vta(3);
        let (mut session, _) = VtaSession::start(&vta);
        let turn = session.answer(&vta, &BTreeMap::new(), "1234567");
        assert_eq!(turn.replies, vec!["Six digits, please."]);
        let turn = session.answer(&vta, &BTreeMap::new(), "123 456");
        let handback = turn.handback.expect("handback");
        assert_eq!(handback.outcome, Outcome::Success);
        assert_eq!(handback.captured, vec!["code"]);
        assert!(handback.agent_visible_values.is_empty());
    }

    #[test]
    fn reasks_in_turn_then_fails_after_max_attempts() {
        let vta = code_vta(3);
        let (mut session, _) = VtaSession::start(&vta);
        let data = BTreeMap::new();
        assert_eq!(
            session.answer(&vta, &data, "x").replies,
            vec!["Six digits, please."]
        );
        assert_eq!(
            session.answer(&vta, &data, "y").replies,
            vec!["Last try: six digits."]
        );
        let turn = session.answer(&vta, &data, "z");
        assert_eq!(turn.replies, vec!["Could not verify."]);
        let handback = turn.handback.unwrap();
        assert_eq!(handback.outcome, Outcome::Failure);
        assert_eq!(handback.failed_step.as_deref(), Some("code"));
    }

    #[test]
    fn lookup_misses_are_reasked_with_the_not_found_text_and_hits_feed_templates() {
        let mut vta = code_vta(3);
        vta.steps[0].pattern = Regex::new(r"[A-Z]\d{3}").unwrap();
        vta.steps[0].normalize = vec![Normalization::Uppercase];
        vta.steps[0].capture = "order_number".into();
        vta.steps[0].agent_view = AgentView::Plain;
        vta.steps[0].lookup = Some(Lookup {
            table: "orders".into(),
            bind_as: "order".into(),
            not_found: "No order {{order_number}}.".into(),
        });
        vta.on_success = "{{order_number}} is {{order.status}}.".into();
        let data = BTreeMap::from([(
            "orders".to_owned(),
            BTreeMap::from([("A100".to_owned(), json!({"status": "shipped"}))]),
        )]);
        let (mut session, _) = VtaSession::start(&vta);
        assert_eq!(
            session.answer(&vta, &data, "b200").replies,
            vec!["No order B200."]
        );
        let turn = session.answer(&vta, &data, "a100");
        assert_eq!(turn.replies, vec!["A100 is shipped."]);
        let handback = turn.handback.unwrap();
        assert_eq!(handback.agent_visible_values["order_number"], "A100");
    }
}
