//! The engine that runs one task virtual agent (VTA) conversation: greet, ask each step,
//! normalise and check every answer, re-ask in the VTA's own words, look answers up in
//! fixture data, and finally hand back to the human agent with an outcome. Raw captured
//! values stay inside the session; the [`Handback`] carries only names, the outcome and
//! what each step's `agent_view` allows the human agent to see. A session serialises in
//! full (captured values included) so a snapshot can stop a conversation mid-task and
//! resume it elsewhere; [`VtaSession::fits`] checks a restored session against its VTA.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::card;
use super::contact_center::{AgentView, Check, Normalization, Step, TaskVirtualAgent};
use super::template;

/// How a VTA's task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VtaSession {
    pub key: String,
    pub step: usize,
    /// Wrong answers given to the current step.
    pub attempts: u32,
    /// Captured values and lookup results, by name: the template context.
    #[serde(default)]
    #[schema(value_type = Object)]
    values: Map<String, Value>,
    /// The values captured so far, in order, with what the human agent may see of each.
    #[serde(default)]
    captured: Vec<CapturedValue>,
}

/// One captured value's name and how the human agent may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapturedValue {
    pub name: String,
    pub agent_view: AgentView,
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

    /// Checks that a restored session can continue `vta`: same key, a step that exists,
    /// fewer wrong answers than the step allows, and a captured value for every step before.
    /// The error names the field at fault.
    pub fn fits(&self, vta: &TaskVirtualAgent) -> Result<(), (&'static str, String)> {
        if self.key != vta.key {
            return Err((
                "key",
                format!(
                    "{:?} does not match the task virtual agent {:?}",
                    self.key, vta.key
                ),
            ));
        }
        let Some(step) = vta.steps.get(self.step) else {
            return Err((
                "step",
                format!(
                    "{:?} has {} steps; step {} does not exist",
                    vta.key,
                    vta.steps.len(),
                    self.step
                ),
            ));
        };
        if self.attempts >= step.max_attempts {
            return Err((
                "attempts",
                format!(
                    "{} is not below max_attempts {} of step {}",
                    self.attempts, step.max_attempts, self.step
                ),
            ));
        }
        for earlier in &vta.steps[..self.step] {
            if !self.values.contains_key(&earlier.capture) {
                return Err((
                    "values",
                    format!(
                        "has no value for {:?}, captured before step {}",
                        earlier.capture, self.step
                    ),
                ));
            }
        }
        Ok(())
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
        self.captured.push(CapturedValue {
            name: step.capture.clone(),
            agent_view: step.agent_view,
        });
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
            .filter_map(|captured| {
                let name = &captured.name;
                let raw = self.values.get(name)?.as_str()?;
                match captured.agent_view {
                    AgentView::Hidden => None,
                    AgentView::Masked => Some((name.clone(), card::mask(raw))),
                    AgentView::Plain => Some((name.clone(), raw.to_owned())),
                }
            })
            .collect();
        turn.handback = Some(Handback {
            task_virtual_agent: vta.key.clone(),
            outcome,
            captured: self
                .captured
                .iter()
                .map(|captured| captured.name.clone())
                .collect(),
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
    use crate::core::domain::contact_center::Lookup;
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
    fn a_session_survives_a_json_round_trip_mid_task() {
        let mut vta = code_vta(3);
        vta.steps.push(Step {
            capture: "pin".into(),
            ask: "PIN for {{code}}?".into(),
            ..vta.steps[0].clone()
        });
        vta.on_success = "Done {{code}}/{{pin}}.".into();
        let data = BTreeMap::new();
        let (mut session, _) = VtaSession::start(&vta);
        session.answer(&vta, &data, "123456");
        session.answer(&vta, &data, "nope");
        let json = serde_json::to_value(&session).unwrap();
        assert_eq!(json["values"]["code"], "123456");
        assert_eq!(json["attempts"], 1);
        let mut restored: VtaSession = serde_json::from_value(json).unwrap();
        assert_eq!(restored, session);
        assert!(restored.fits(&vta).is_ok());
        let turn = restored.answer(&vta, &data, "654321");
        assert_eq!(turn.replies, vec!["Done 123456/654321."]);
        assert_eq!(turn.handback.unwrap().captured, vec!["code", "pin"]);
    }

    #[test]
    fn a_session_that_does_not_fit_its_vta_names_the_field() {
        let vta = code_vta(3);
        let (session, _) = VtaSession::start(&vta);
        let mut beyond = session.clone();
        beyond.step = 5;
        assert_eq!(beyond.fits(&vta).unwrap_err().0, "step");
        let mut spent = session.clone();
        spent.attempts = 3;
        assert_eq!(spent.fits(&vta).unwrap_err().0, "attempts");
        let mut other = session;
        other.key = "other".into();
        assert_eq!(other.fits(&vta).unwrap_err().0, "key");
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
