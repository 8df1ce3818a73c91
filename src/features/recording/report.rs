//! What `ccai-emulator diff` compares and how it reports it. Both sides are cassette
//! documents (the recorded one, and the one recorded while replaying it against a fresh
//! emulator), compared as the parity suite compares a snapshot: every answer (status, media
//! type, body) and every webhook (event, headers, signature verdicts) after normalisation,
//! plus, when the cassette has a timeline, each webhook's **order**: `before the answer to
//! exchanges[k]` when the answer waited for it, `after its request's answer` otherwise. The
//! requests themselves are what the replay sent, so they are not compared.

use serde_json::json;

use super::compare::{compare, label_path, show, Difference};
use super::json::Json;

/// The view of a cassette document that is compared: each exchange's step and answer, each
/// webhook with its order (from the timeline, when `with_order`).
pub fn compared_view(document: &Json, skipped: &[usize], with_order: bool) -> Json {
    let exchanges = document
        .get("exchanges")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let kept: Vec<usize> = (0..exchanges.len())
        .filter(|index| !skipped.contains(index))
        .collect();
    let exchange_views: Vec<Json> = kept
        .iter()
        .map(|&index| {
            let exchange = &exchanges[index];
            let mut view = Vec::new();
            if let Some(step) = exchange.get("step") {
                view.push(("step", step.clone()));
            }
            view.push((
                "response",
                exchange.get("response").cloned().unwrap_or_default(),
            ));
            Json::object(view)
        })
        .collect();
    let times = document
        .get("timeline")
        .and_then(|timeline| timeline.get("webhooks"))
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let webhook_views: Vec<Json> = document
        .get("webhooks")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, mut hook)| {
            if with_order {
                let anchor = times
                    .get(index)
                    .and_then(|time| time.get("before_answer_to"))
                    .and_then(Json::as_u64)
                    .and_then(|at| kept.iter().position(|&k| k as u64 == at));
                let order = match anchor {
                    Some(at) => format!("before the answer to exchanges[{at}]"),
                    None => "after its request's answer".to_owned(),
                };
                hook.set("order", Json::from(order));
            }
            hook
        })
        .collect();
    Json::object(vec![
        ("exchanges", Json::Array(exchange_views)),
        ("webhooks", Json::Array(webhook_views)),
    ])
}

/// Every difference between a cassette and its replay (`subset` when the cassette says
/// `"match": "subset"`). `skipped`: exchanges the replay did not send; `made_up`: the
/// exchanges before which the replay uploaded a made-up file of this size, whose later
/// downloads (an answer of that many bytes) cannot have the recorded digest.
pub fn differences(
    cassette: &Json,
    skipped: &[usize],
    made_up: &[(usize, u64)],
    replay: &Json,
) -> (Json, Vec<Difference>) {
    let with_order = cassette.get("timeline").is_some();
    let expected = compared_view(cassette, skipped, with_order);
    let got = compared_view(replay, &[], with_order);
    let subset = cassette.get("match").and_then(Json::as_str) == Some("subset");
    let kept: Vec<usize> = (0..cassette
        .get("exchanges")
        .and_then(Json::as_array)
        .map_or(0, Vec::len))
        .filter(|index| !skipped.contains(index))
        .collect();
    let found = compare(&expected, Some(&got), subset, "")
        .into_iter()
        .filter(|difference| !made_up_digest(difference, &expected, &kept, made_up))
        .collect();
    (expected, found)
}

/// Whether a difference is the digest of a download of a file the replay made up.
fn made_up_digest(
    difference: &Difference,
    expected: &Json,
    kept: &[usize],
    made_up: &[(usize, u64)],
) -> bool {
    let Some(rest) = difference.path.strip_prefix("exchanges[") else {
        return false;
    };
    let Some((index, tail)) = rest.split_once(']') else {
        return false;
    };
    let Ok(view_index) = index.parse::<usize>() else {
        return false;
    };
    if tail != ".response.body.sha256" {
        return false;
    }
    let size = expected
        .get("exchanges")
        .and_then(Json::as_array)
        .and_then(|exchanges| exchanges.get(view_index))
        .and_then(|exchange| exchange.get("response"))
        .and_then(|response| response.get("body"))
        .and_then(|body| body.get("bytes"))
        .and_then(Json::as_u64);
    let at = kept.get(view_index).copied().unwrap_or(usize::MAX);
    made_up
        .iter()
        .any(|(upload, made)| *upload < at && Some(*made) == size)
}

/// One cassette's outcome.
#[derive(Debug, Clone)]
pub struct CassetteDiff {
    pub name: String,
    pub file: String,
    /// The compared view of the cassette (for labelling paths).
    pub expected: Json,
    pub differences: Vec<Difference>,
    pub exchanges: usize,
    pub webhooks: usize,
    /// What the replay could not do (an exchange it did not send, and why).
    pub notes: Vec<String>,
    /// Why the cassette could not be replayed at all.
    pub error: Option<String>,
}

/// Every cassette's outcome.
#[derive(Debug, Clone, Default)]
pub struct DiffReport {
    pub cassettes: Vec<CassetteDiff>,
}

impl DiffReport {
    pub fn total(&self) -> usize {
        self.cassettes
            .iter()
            .map(|cassette| cassette.differences.len() + usize::from(cassette.error.is_some()))
            .sum()
    }

    /// A table per cassette: kind, path (with the request named), cassette, emulator.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for cassette in &self.cassettes {
            let head = format!(
                "{} ({} exchanges, {} webhooks)",
                cassette.file, cassette.exchanges, cassette.webhooks
            );
            if let Some(error) = &cassette.error {
                out.push_str(&format!("{head}: not replayed: {error}\n\n"));
                continue;
            }
            for note in &cassette.notes {
                out.push_str(&format!("{}: note: {note}\n", cassette.file));
            }
            if cassette.differences.is_empty() {
                out.push_str(&format!("{head}: no difference\n\n"));
                continue;
            }
            out.push_str(&format!(
                "{head}: {} difference(s)\n",
                cassette.differences.len()
            ));
            let rows: Vec<[String; 4]> = cassette
                .differences
                .iter()
                .map(|difference| {
                    [
                        difference.kind().name().to_owned(),
                        label_path(&difference.path, &cassette.expected),
                        show(difference.expected.as_ref(), 60),
                        show(difference.got.as_ref(), 60),
                    ]
                })
                .collect();
            let header = [
                "kind".to_owned(),
                "path".to_owned(),
                "cassette".to_owned(),
                "emulator".to_owned(),
            ];
            let widths: Vec<usize> = (0..4)
                .map(|column| {
                    rows.iter()
                        .chain(std::iter::once(&header))
                        .map(|row| row[column].chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            for row in std::iter::once(&header).chain(rows.iter()) {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| format!("{cell:<width$}"))
                    .collect();
                out.push_str(&format!("  {}\n", cells.join("  ").trim_end()));
            }
            out.push('\n');
        }
        let differing = self
            .cassettes
            .iter()
            .filter(|cassette| !cassette.differences.is_empty() || cassette.error.is_some())
            .count();
        out.push_str(&format!(
            "{} cassette(s), {} with differences, {} difference(s) in all\n",
            self.cassettes.len(),
            differing,
            self.total()
        ));
        out
    }

    /// The same as JSON: `{"differences": N, "cassettes": [{"cassette", "file",
    /// "exchanges", "webhooks", "notes", "error", "differences": [{"kind", "path",
    /// "labelled_path", "cassette", "emulator"}]}]}`, a missing side as `null` with
    /// `"missing": "cassette"` or `"emulator"`.
    pub fn json(&self) -> serde_json::Value {
        let cassettes: Vec<serde_json::Value> = self
            .cassettes
            .iter()
            .map(|cassette| {
                let differences: Vec<serde_json::Value> = cassette
                    .differences
                    .iter()
                    .map(|difference| {
                        let side = |value: &Option<Json>| {
                            value.as_ref().map_or(serde_json::Value::Null, |value| {
                                serde_json::to_value(value).expect("JSON")
                            })
                        };
                        let mut row = json!({
                            "kind": difference.kind().name(),
                            "path": difference.path,
                            "labelled_path": label_path(&difference.path, &cassette.expected),
                            "cassette": side(&difference.expected),
                            "emulator": side(&difference.got),
                        });
                        match (&difference.expected, &difference.got) {
                            (None, _) => row["missing"] = json!("cassette"),
                            (_, None) => row["missing"] = json!("emulator"),
                            _ => {}
                        }
                        row
                    })
                    .collect();
                json!({
                    "cassette": cassette.name,
                    "file": cassette.file,
                    "exchanges": cassette.exchanges,
                    "webhooks": cassette.webhooks,
                    "notes": cassette.notes,
                    "error": cassette.error,
                    "differences": differences,
                })
            })
            .collect();
        json!({"differences": self.total(), "cassettes": cassettes})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Json {
        Json::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn order_comes_from_the_timeline_and_requests_are_not_compared() {
        let cassette = json(
            r#"{"exchanges": [{"request": {"method": "POST", "path": "/chats"}, "response": {"status": 200}}],
                "webhooks": [{"event_type": "chat_created"}],
                "timeline": {"webhooks": [{"before_answer_to": 0}]}}"#,
        );
        let replay = json(
            r#"{"exchanges": [{"request": {"method": "POST", "path": "/other"}, "response": {"status": 200}}],
                "webhooks": [{"event_type": "chat_created"}],
                "timeline": {"webhooks": [{"before_answer_to": null}]}}"#,
        );
        let (expected, found) = differences(&cassette, &[], &[], &replay);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "webhooks[0].order");
        assert_eq!(found[0].kind().name(), "order");
        let report = DiffReport {
            cassettes: vec![CassetteDiff {
                name: "c".into(),
                file: "c.json".into(),
                expected,
                differences: found,
                exchanges: 1,
                webhooks: 1,
                notes: vec![],
                error: None,
            }],
        };
        let table = report.table();
        assert!(table.contains("order  webhooks[0].order"), "{table}");
        assert!(
            table.contains("\"before the answer to exchanges[0]\""),
            "{table}"
        );
        assert_eq!(report.json()["differences"], 1);
    }
}
