//! The comparison of the parity suite (`conformance/harness/snapshots.py`'s `compare`): a
//! recursive walk of the expected document (a cassette, possibly with the snapshot
//! matchers) and the observed one, reporting each difference as a path in the same syntax
//! (`exchanges[2].response.body.status`, `webhooks[0].event.body.chat.id`), a missing side
//! shown as `(missing)`.

use serde::Serialize;

use super::json::Json;

/// One place where the observation differs from the expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: String,
    /// `None`: the key or element is not there.
    pub expected: Option<Json>,
    pub got: Option<Json>,
}

/// What kind of difference it is, for a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// An answer's status.
    Status,
    /// A webhook the cassette has and the emulator did not send, or the other way round.
    Webhook,
    /// A webhook's event name.
    Event,
    /// When a webhook came relative to the answers.
    Order,
    /// A field the cassette has and the emulator's answer lacks.
    Missing,
    /// A field the emulator's answer has and the cassette lacks.
    Unexpected,
    /// A field of another type.
    Type,
    Value,
}

impl DifferenceKind {
    pub fn name(self) -> &'static str {
        match self {
            DifferenceKind::Status => "status",
            DifferenceKind::Webhook => "webhook",
            DifferenceKind::Event => "event",
            DifferenceKind::Order => "order",
            DifferenceKind::Missing => "missing",
            DifferenceKind::Unexpected => "unexpected",
            DifferenceKind::Type => "type",
            DifferenceKind::Value => "value",
        }
    }
}

impl Difference {
    pub fn kind(&self) -> DifferenceKind {
        let is_webhook_entry = self.path.starts_with("webhooks[") && !self.path.contains('.');
        if self.path.ends_with(".response.status") {
            return DifferenceKind::Status;
        }
        if is_webhook_entry {
            return DifferenceKind::Webhook;
        }
        if self.path.starts_with("webhooks[") && self.path.ends_with("].event_type") {
            return DifferenceKind::Event;
        }
        if self.path.starts_with("webhooks[") && self.path.ends_with("].order") {
            return DifferenceKind::Order;
        }
        match (&self.expected, &self.got) {
            (Some(_), None) => DifferenceKind::Missing,
            (None, Some(_)) => DifferenceKind::Unexpected,
            (Some(expected), Some(got)) if expected.type_name() != got.type_name() => {
                DifferenceKind::Type
            }
            _ => DifferenceKind::Value,
        }
    }
}

/// Shows a side of a difference: `(missing)`, or compact JSON cut at `limit` characters.
pub fn show(value: Option<&Json>, limit: usize) -> String {
    match value {
        None => "(missing)".to_owned(),
        Some(value) => {
            let text = value.to_text();
            if text.chars().count() <= limit {
                text
            } else {
                let cut: String = text.chars().take(limit.saturating_sub(3)).collect();
                format!("{cut}...")
            }
        }
    }
}

/// A snapshot matcher: a value the documentation gives only by type.
fn matcher(expected: &Json) -> Option<fn(&Json) -> bool> {
    let Json::String(name) = expected else {
        return None;
    };
    Some(match name.as_str() {
        "<any>" => |_| true,
        "<int>" => |value| value.is_integer(),
        "<number>" => |value| matches!(value, Json::Number(_)),
        "<string>" => |value| matches!(value, Json::String(_)),
        "<bool>" => |value| matches!(value, Json::Bool(_)),
        "<object>" => |value| matches!(value, Json::Object(_)),
        "<list>" => |value| matches!(value, Json::Array(_)),
        _ => return None,
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Every difference between `expected` and `got`; with `subset`, an object of `got` may
/// have keys `expected` does not name.
pub fn compare(expected: &Json, got: Option<&Json>, subset: bool, path: &str) -> Vec<Difference> {
    let differ = || {
        vec![Difference {
            path: path.to_owned(),
            expected: Some(expected.clone()),
            got: got.cloned(),
        }]
    };
    if let Some(matches) = matcher(expected) {
        return match got {
            Some(got) if matches(got) => Vec::new(),
            _ => differ(),
        };
    }
    let Some(got) = got else {
        return differ();
    };
    if let Json::Object(pairs) = expected {
        if pairs.len() == 1 && pairs[0].0 == "<each>" {
            let Json::Array(items) = got else {
                return vec![Difference {
                    path: path.to_owned(),
                    expected: Some(Json::str("a list")),
                    got: Some(got.clone()),
                }];
            };
            return items
                .iter()
                .enumerate()
                .flat_map(|(index, item)| {
                    compare(&pairs[0].1, Some(item), subset, &format!("{path}[{index}]"))
                })
                .collect();
        }
    }
    match (expected, got) {
        (Json::Object(want), Json::Object(have)) => {
            let mut found = Vec::new();
            for (key, value) in want {
                let other = have.iter().find(|(name, _)| name == key).map(|(_, v)| v);
                found.extend(compare(value, other, subset, &join(path, key)));
            }
            if !subset {
                for (key, value) in have {
                    if !want.iter().any(|(name, _)| name == key) {
                        found.push(Difference {
                            path: join(path, key),
                            expected: None,
                            got: Some(value.clone()),
                        });
                    }
                }
            }
            found
        }
        (Json::Array(want), Json::Array(have)) => {
            let mut found = Vec::new();
            for index in 0..want.len().max(have.len()) {
                let at = format!("{path}[{index}]");
                match (want.get(index), have.get(index)) {
                    (Some(w), Some(h)) => found.extend(compare(w, Some(h), subset, &at)),
                    (w, h) => found.push(Difference {
                        path: at,
                        expected: w.cloned(),
                        got: h.cloned(),
                    }),
                }
            }
            found
        }
        _ if expected == got => Vec::new(),
        _ => differ(),
    }
}

/// The same differences with each exchange's step or request named in its path, for
/// reading: `exchanges[2] (POST /chats/<chat:1>/message).response.status`.
pub fn label_path(path: &str, expected: &Json) -> String {
    let Some(rest) = path.strip_prefix("exchanges[") else {
        return path.to_owned();
    };
    let Some(end) = rest.find(']') else {
        return path.to_owned();
    };
    let Ok(index) = rest[..end].parse::<usize>() else {
        return path.to_owned();
    };
    let exchange = expected
        .get("exchanges")
        .and_then(Json::as_array)
        .and_then(|exchanges| exchanges.get(index));
    let label = exchange.and_then(|exchange| {
        if let Some(step) = exchange.get("step").and_then(Json::as_str) {
            return Some(step.to_owned());
        }
        let request = exchange.get("request")?;
        let method = request.get("method").and_then(Json::as_str)?;
        let target = request
            .get("path")
            .or_else(|| request.get("url"))
            .and_then(Json::as_str)?;
        Some(format!("{method} {target}"))
    });
    match label {
        Some(label) => format!("exchanges[{index}] ({label}){}", &rest[end + 1..]),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        Json::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn differences_name_their_path_and_kind() {
        let expected = json(
            r#"{"exchanges": [{"request": {"method": "GET", "path": "/chats/<chat:1>"}, "response": {"status": 200, "body": {"a": 1, "b": "x"}}}]}"#,
        );
        let got = json(
            r#"{"exchanges": [{"request": {"method": "GET", "path": "/chats/<chat:1>"}, "response": {"status": 404, "body": {"a": "1", "c": true}}}]}"#,
        );
        let found = compare(&expected, Some(&got), false, "");
        let rows: Vec<(String, &str)> = found
            .iter()
            .map(|d| (d.path.clone(), d.kind().name()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("exchanges[0].response.status".to_owned(), "status"),
                ("exchanges[0].response.body.a".to_owned(), "type"),
                ("exchanges[0].response.body.b".to_owned(), "missing"),
                ("exchanges[0].response.body.c".to_owned(), "unexpected"),
            ]
        );
        assert_eq!(
            label_path("exchanges[0].response.status", &expected),
            "exchanges[0] (GET /chats/<chat:1>).response.status"
        );
    }

    #[test]
    fn matchers_and_subset_follow_the_snapshot_rules() {
        let expected = json(r#"{"id": "<int>", "tags": {"<each>": {"name": "<string>"}}}"#);
        let good = json(r#"{"id": 3, "tags": [{"name": "a", "x": 1}], "more": 1}"#);
        assert!(compare(&expected, Some(&good), true, "").is_empty());
        let bad = json(r#"{"id": 3.5, "tags": [{"name": 2}]}"#);
        let paths: Vec<String> = compare(&expected, Some(&bad), true, "")
            .into_iter()
            .map(|d| d.path)
            .collect();
        assert_eq!(paths, vec!["id", "tags[0].name"]);
        let webhooks = compare(
            &json(r#"{"webhooks": [1]}"#),
            Some(&json(r#"{"webhooks": []}"#)),
            false,
            "",
        );
        assert_eq!(webhooks[0].kind(), DifferenceKind::Webhook);
        assert_eq!(webhooks[0].got, None);
    }
}
