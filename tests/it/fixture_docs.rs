//! docs/fixtures.md cannot rot: its complete VTA and the rule that hands chats to it are
//! read from the page, put into a copy of the fixture folder and driven through a chat over
//! HTTP, and the same VTA uploads at run time; and its tables name every field the fixture
//! loader accepts (the loader's own list, from the 400 an unknown field gets).

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use awc::http::{Method, StatusCode};
use ccai_emulator::client::TranscriptView;
use ccai_emulator::{Config, FixtureSource};
use regex::Regex;
use serde_json::{json, Value};

use crate::support::fixture_folder::fixture_copy;
use crate::support::{spawn_app, spawn_app_with, test_config};

fn fixtures_doc() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/fixtures.md");
    fs::read_to_string(path).expect("docs/fixtures.md exists")
}

/// The text after the comment line starting with `marker` (its rest, up to ` (`), and the
/// ```json block that follows it, parsed.
fn example(doc: &str, marker: &str) -> (String, Value) {
    let start = doc
        .find(marker)
        .unwrap_or_else(|| panic!("docs/fixtures.md has no {marker:?} comment"));
    let rest = &doc[start + marker.len()..];
    let label = rest[..rest.find(" (").expect("the comment says what tests it")]
        .trim()
        .to_owned();
    let block = rest
        .split_once("```json\n")
        .and_then(|(_, after)| after.split_once("\n```"))
        .map(|(block, _)| block)
        .unwrap_or_else(|| panic!("no json block after {marker:?}"));
    let value = serde_json::from_str(block)
        .unwrap_or_else(|error| panic!("the json block after {marker:?} does not parse: {error}"));
    (label, value)
}

/// A copy of the shipped fixtures with the page's VTA saved where it says and its rule
/// added to `agent_script.rules`.
fn folder_with_the_docs_example() -> PathBuf {
    let doc = fixtures_doc();
    let (path, vta) = example(&doc, "<!-- example VTA:");
    let (place, rule) = example(&doc, "<!-- example rule:");
    assert_eq!(path, "task_virtual_agents/identity_check.json");
    assert_eq!(place, "agent_script.rules");
    let folder = fixture_copy("docs-vta");
    fs::write(folder.join(&path), serde_json::to_vec_pretty(&vta).unwrap()).unwrap();
    let file = folder.join("contact_center.json");
    let mut contact_center: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    contact_center["agent_script"]["rules"]
        .as_array_mut()
        .expect("the shipped contact center has rules")
        .push(rule);
    fs::write(&file, serde_json::to_vec_pretty(&contact_center).unwrap()).unwrap();
    folder
}

#[actix_rt::test]
async fn the_complete_vta_of_the_docs_runs_from_a_fixture_folder() {
    let folder = folder_with_the_docs_example();
    let app = spawn_app_with(Config {
        fixtures: FixtureSource::Folder(folder.clone()),
        ..test_config()
    });
    let tenant = app.tenant("docs-vta");
    let chat = tenant.chat_with_agent().await;

    chat.end_user_says("I've moved, please change my address")
        .await;
    let record = chat
        .wait_until("routing_state=task_virtual_agent&contains=member%20number")
        .await;
    assert_eq!(record["task_virtual_agent"]["key"], "identity_check");
    chat.end_user_says(" mb-123456 ").await;
    chat.wait_until("contains=Thanks%2C%20member%20MB-123456.")
        .await;
    chat.end_user_says("1990-01-31").await;
    chat.wait_until("contains=for%20example%2031%2F01%2F1990")
        .await;
    chat.end_user_says("31/01/1990").await;
    chat.wait_until("routing_state=assigned&contains=finished%20successfully")
        .await;

    let agent = chat.texts_seen_by(TranscriptView::Agent).await;
    assert!(
        agent.iter().any(|text| text
            == "Identity Assistant finished: success. Captured: member_number, date_of_birth. member_number: MB-123456."),
        "{agent:?}"
    );
    assert!(
        !agent.iter().any(|text| text.contains("1990")),
        "the agent never sees the date of birth: {agent:?}"
    );
    let end_user = chat.texts_seen_by(TranscriptView::EndUser).await;
    assert!(
        end_user
            .iter()
            .any(|text| text.starts_with("Thank you, member MB-123456, you are verified.")),
        "{end_user:?}"
    );
    let _ = fs::remove_dir_all(folder);
}

#[actix_rt::test]
async fn the_complete_vta_of_the_docs_uploads_at_run_time() {
    let (_, vta) = example(&fixtures_doc(), "<!-- example VTA:");
    let app = spawn_app();
    let reply = app
        .admin(
            Method::PUT,
            "/task_virtual_agents/identity_check",
            Some(vta),
        )
        .await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    let tenant = app.tenant("docs-vta-upload");
    let chat = tenant.chat_with_agent().await;
    let record = chat.transfer_to("identity_check").await;
    assert_eq!(
        record.task_virtual_agent.map(|task| task.key).as_deref(),
        Some("identity_check")
    );
}

/// The fields the loader accepts at `pointer` of `document` (PUT to `path`): the list of
/// its 400 for an unknown field there.
async fn accepted_fields(
    app: &crate::support::TestApp,
    path: &str,
    document: &Value,
    pointer: &str,
) -> Vec<String> {
    let mut document = document.clone();
    document
        .pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{path} has an object at {pointer:?}"))
        .insert("not_a_field".into(), json!(1));
    let reply = app.admin(Method::PUT, path, Some(document)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let message = reply.message();
    let list = message
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("no field list in {message:?}"))
        .1;
    Regex::new(r"`([a-z_]+)`")
        .unwrap()
        .captures_iter(list)
        .map(|found| found[1].to_owned())
        .collect()
}

#[actix_rt::test]
async fn the_fixture_tables_name_every_field_the_loader_accepts() {
    let app = spawn_app();
    let contact_center = app.admin_get("/contact_center").await;
    // A shipped VTA file as written (it has a lookup), not the described one `GET` answers.
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/task_virtual_agents/order_status.json");
    let vta: Value = serde_json::from_slice(&fs::read(file).unwrap()).unwrap();
    let mut accepted = BTreeSet::new();
    for pointer in [
        "",
        "/agent",
        "/agent_script",
        "/agent_script/rules/0",
        "/queues/0",
        "/queues/0/wait_time",
        "/queue_selection",
        "/queue_selection/virtual_agent",
        "/queue_selection/rules/0",
    ] {
        let fields = accepted_fields(&app, "/contact_center", &contact_center, pointer).await;
        assert!(!fields.is_empty(), "{pointer}");
        accepted.extend(fields.into_iter().map(|field| (pointer, field)));
    }
    for pointer in ["", "/steps/0", "/steps/0/lookup"] {
        let fields = accepted_fields(&app, "/task_virtual_agents/check", &vta, pointer).await;
        accepted.extend(fields.into_iter().map(|field| (pointer, field)));
    }
    for field in [
        "attach",
        "queues",
        "queue_selection",
        "key",
        "wait_time",
        "menu_id",
    ] {
        assert!(
            accepted.iter().any(|(_, name)| name == field),
            "the loader accepts {field}"
        );
    }

    // The page's description of the files (up to the complete example): every field must
    // be named inside a `code span` there, e.g. `attach?` or `[{when, say?, ...}]`.
    let doc = fixtures_doc();
    let described = &doc[..doc
        .find("## A complete VTA to copy")
        .expect("the section exists")];
    let prose = Regex::new(r"(?s)\n```[a-z]*\n.*?\n```")
        .unwrap()
        .replace_all(described, "\n");
    let spans: Vec<&str> = Regex::new(r"`([^`\n]+)`")
        .unwrap()
        .captures_iter(&prose)
        .map(|found| found.get(1).unwrap().as_str())
        .collect();
    let missing: Vec<String> = accepted
        .iter()
        .filter(|(_, field)| {
            let word = Regex::new(&format!(r"\b{field}\b")).unwrap();
            !spans.iter().any(|span| word.is_match(span))
        })
        .map(|(pointer, field)| format!("{field} (at {pointer:?})"))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/fixtures.md does not name these fields the loader accepts: {missing:?}"
    );
}
