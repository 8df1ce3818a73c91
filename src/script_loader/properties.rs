//! Property tests of the fixture parser (issue 14): whatever JSON a user uploads or leaves
//! in the fixture folder, compiling it never panics; it is accepted or refused with a
//! place and a problem. Inputs are arbitrary JSON built from the keys the format knows,
//! and the shipped VTA with one field replaced by an arbitrary value.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::{compile_contact_center, compile_task_virtual_agent, EMBEDDED};

const KEYS: &[&str] = &[
    "id",
    "key",
    "name",
    "first_name",
    "avatar_url",
    "description",
    "greeting",
    "steps",
    "capture",
    "ask",
    "pattern",
    "normalize",
    "check",
    "reask",
    "max_attempts",
    "agent_view",
    "lookup",
    "table",
    "as",
    "not_found",
    "confirm",
    "on_success",
    "on_failure",
    "agent",
    "join_delay_ms",
    "menus",
    "agent_script",
    "rules",
    "when",
    "say",
    "transfer_to",
    "end_chat",
    "delay_ms",
    "after_success",
    "after_failure",
];

/// Strings that exercise patterns and templates.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_.|{} \\\\()\\[\\]*+?^$0-9-]{0,24}",
        any::<String>(),
        Just("{{card_number|masked}}".to_owned()),
        Just("trim".to_owned()),
        Just("luhn".to_owned()),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..7).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect::<Map<String, Value>>(),
                )
            }),
        ]
    })
}

fn shipped(name: &str) -> Value {
    let (_, text) = EMBEDDED
        .iter()
        .find(|(path, _)| path.ends_with(name))
        .expect("the shipped fixture");
    serde_json::from_str(text).expect("the shipped fixture parses")
}

/// Replaces the value at a path chosen by `choices` (walking objects and arrays).
fn replace_somewhere(at: &mut Value, choices: &[usize], replacement: Value) {
    let Some((choice, rest)) = choices.split_first() else {
        *at = replacement;
        return;
    };
    match at {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(choice % map.len()).cloned().expect("a key");
            let inner = map.get_mut(&key).expect("the key is there");
            replace_somewhere(inner, rest, replacement);
        }
        Value::Array(items) if !items.is_empty() => {
            let index = choice % items.len();
            replace_somewhere(&mut items[index], rest, replacement);
        }
        _ => *at = replacement,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_documents_never_panic_the_compilers(document in json()) {
        let tables = BTreeSet::from(["orders".to_owned()]);
        let _ = compile_task_virtual_agent("fuzzed", document.clone(), &tables);
        let _ = compile_contact_center(
            document,
            &BTreeSet::from(["fuzzed".to_owned()]),
            &BTreeSet::new(),
        );
    }

    #[test]
    fn a_shipped_vta_with_one_field_changed_compiles_or_names_the_place(
        choices in prop::collection::vec(any::<usize>(), 1..5),
        replacement in json(),
    ) {
        let mut document = shipped("payment_card.json");
        replace_somewhere(&mut document, &choices, replacement);
        match compile_task_virtual_agent("payment_card", document, &BTreeSet::new()) {
            Ok(vta) => prop_assert_eq!(vta.key, "payment_card"),
            Err(error) => prop_assert!(!error.place.is_empty() && !error.problem.is_empty()),
        }
    }

    #[test]
    fn the_shipped_contact_center_with_one_field_changed_never_panics(
        choices in prop::collection::vec(any::<usize>(), 1..6),
        replacement in json(),
    ) {
        let mut document = shipped("contact_center.json");
        replace_somewhere(&mut document, &choices, replacement);
        let known = BTreeSet::from([
            "one_time_code".to_owned(), "payment_card".to_owned(), "order_status".to_owned(),
        ]);
        if let Err(error) = compile_contact_center(document, &known, &BTreeSet::new()) {
            prop_assert!(!error.place.is_empty() && !error.problem.is_empty());
        }
    }
}
