//! Fixtures at run time through real HTTP: the agent script is read and replaced on
//! `/__admin/contact_center` (validated like the file), and `--watch` reloads a fixture
//! folder when its files change, keeping the previous version when a file is broken.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use awc::http::{Method, StatusCode};
use ccai_emulator::{Config, Emulator, FixtureSource, StartError};
use serde_json::{json, Value};

use crate::support::fixture_folder::fixture_copy;
use crate::support::{spawn_app, spawn_app_with, test_config, texts, TestApp, DEADLINE};

/// Replaces a file in one step (write aside, then rename), as editors do, so the watcher
/// never reads half a file.
fn replace_file(path: &Path, text: &str) {
    let aside = path.with_extension("json.partial");
    fs::write(&aside, text).unwrap();
    fs::rename(&aside, path).unwrap();
}

fn edit_json(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut document: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    change(&mut document);
    replace_file(path, &serde_json::to_string_pretty(&document).unwrap());
}

/// Long-polls `GET /__admin/fixtures` until `condition` (`min_reloads=N`,
/// `last_error=present|absent`) holds, or fails at the deadline.
async fn wait_for_fixtures(app: &TestApp, condition: &str) -> Value {
    let wait = DEADLINE.as_millis();
    let reply = app
        .admin(
            Method::GET,
            &format!("/fixtures?wait={wait}ms&{condition}"),
            None,
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "fixtures never reached {condition}: {}",
        reply.body
    );
    reply.body
}

async fn greeting_of_a_new_chat(app: &TestApp) -> String {
    let tenant = app.tenant("greeting");
    let (chat, _) = tenant.open_chat().await;
    let record = app.wait_for_chat(chat, "routing_state=assigned").await;
    let texts = texts(record["messages"].as_array().unwrap());
    texts.first().cloned().unwrap_or_default()
}

#[actix_rt::test]
async fn the_agent_script_is_read_and_replaced_at_run_time() {
    let app = spawn_app();
    let document = app.admin_get("/contact_center").await;
    assert_eq!(document["agent"]["name"], "Alex Rivera");
    assert_eq!(
        document["agent_script"]["rules"][0]["transfer_to"],
        "one_time_code"
    );

    // What GET answers can be PUT back unchanged.
    let reply = app
        .admin(Method::PUT, "/contact_center", Some(document.clone()))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, document);

    let mut changed = document.clone();
    changed["agent_script"]["greeting"] =
        json!("Hello from the uploaded script, {{end_user.name}}.");
    changed["menus"] = json!([{"id": 9, "name": "VIP"}]);
    let reply = app
        .admin(Method::PUT, "/contact_center", Some(changed))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        greeting_of_a_new_chat(&app).await,
        "Hello from the uploaded script, Test User."
    );
    assert_eq!(
        app.admin_get("/contact_center").await["menus"][0]["name"],
        "VIP"
    );
}

#[actix_rt::test]
async fn a_bad_agent_script_is_a_400_naming_the_place_and_the_old_one_stays() {
    let app = spawn_app();
    let document = app.admin_get("/contact_center").await;
    let mut unknown_vta = document.clone();
    unknown_vta["agent_script"]["rules"][1]["transfer_to"] = json!("nobody");
    let mut bad_regex = document.clone();
    bad_regex["agent_script"]["rules"][0]["when"] = json!("(unclosed");
    let mut bad_template = document.clone();
    bad_template["agent_script"]["greeting"] = json!("Hi {{agent.name");
    let mut unknown_field = document.clone();
    unknown_field["agnet"] = json!({});
    let cases = [
        (unknown_vta, "agent_script.rules[1].transfer_to"),
        (bad_regex, "agent_script.rules[0].when"),
        (bad_template, "agent_script.greeting"),
        (unknown_field, "document"),
        (json!({"agent": {"name": "no id"}}), "document"),
    ];
    for (body, place) in cases {
        let reply = app.admin(Method::PUT, "/contact_center", Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{place}");
        assert!(
            reply
                .message()
                .starts_with(&format!("Invalid contact center: {place}: ")),
            "{place}: {}",
            reply.message()
        );
    }
    assert_eq!(app.admin_get("/contact_center").await, document);
}

#[actix_rt::test]
async fn a_running_chat_keeps_the_vta_it_was_handed_when_the_vta_is_replaced() {
    let app = spawn_app();
    let tenant = app.tenant("keep-vta");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "I need to verify my account").await;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/task_virtual_agents/one_time_code.json");
    let mut replacement: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    replacement["on_success"] = json!("Replaced VTA says done.");
    let reply = app
        .admin(
            Method::PUT,
            "/task_virtual_agents/one_time_code",
            Some(replacement),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    tenant.says(chat, user, "481516").await;
    let end_user_view = texts(&app.transcript(chat, "end_user").await);
    assert!(
        !end_user_view
            .iter()
            .any(|text| text == "Replaced VTA says done."),
        "{end_user_view:?}"
    );
    // A chat transferred after the upload gets the new version.
    let (next, next_user) = tenant.open_chat().await;
    tenant.says(next, next_user, "verify please").await;
    tenant.says(next, next_user, "481516").await;
    let view = texts(&app.transcript(next, "end_user").await);
    assert!(
        view.iter().any(|text| text == "Replaced VTA says done."),
        "{view:?}"
    );
}

#[actix_rt::test]
async fn watch_reloads_changed_files_and_keeps_the_old_version_when_one_breaks() {
    let folder = fixture_copy("watch");
    let app = spawn_app_with(Config {
        fixtures: FixtureSource::Folder(folder.clone()),
        watch: true,
        watch_interval: Duration::from_millis(20),
        ..test_config()
    });
    let status = app.admin_get("/fixtures").await;
    assert_eq!(status["watching"], true);
    assert_eq!(status["reloads"], 0);
    assert_eq!(status["last_error"], Value::Null);
    assert_eq!(status["source"], folder.display().to_string());

    edit_json(&folder.join("contact_center.json"), |document| {
        document["agent_script"]["greeting"] = json!("Reloaded greeting from the watched folder.");
    });
    wait_for_fixtures(&app, "min_reloads=1").await;
    assert_eq!(
        greeting_of_a_new_chat(&app).await,
        "Reloaded greeting from the watched folder."
    );

    let vta_file = folder.join("task_virtual_agents/one_time_code.json");
    let good_vta = fs::read_to_string(&vta_file).unwrap();
    edit_json(&vta_file, |document| {
        document["steps"][0]["pattern"] = json!("([0-9]{6}");
    });
    let status = wait_for_fixtures(&app, "last_error=present").await;
    let error = &status["last_error"];
    assert!(
        error["file"]
            .as_str()
            .unwrap()
            .ends_with("one_time_code.json"),
        "{error}"
    );
    assert_eq!(error["place"], "steps[0].pattern");
    assert!(error["problem"]
        .as_str()
        .unwrap()
        .contains("invalid pattern"));
    // The previous version still serves.
    let vta = app.admin_get("/task_virtual_agents/one_time_code").await;
    assert_eq!(vta["steps"][0]["pattern"], "[0-9]{6}");
    assert_eq!(
        greeting_of_a_new_chat(&app).await,
        "Reloaded greeting from the watched folder."
    );

    replace_file(&vta_file, &good_vta);
    let status = wait_for_fixtures(&app, "last_error=absent").await;
    assert!(status["reloads"].as_u64() >= Some(2), "{status}");
    app.emulator.stop().await;
    let _ = fs::remove_dir_all(&folder);
}

#[actix_rt::test]
async fn watch_needs_a_folder() {
    let config = Config {
        fixtures: FixtureSource::Embedded,
        watch: true,
        ..test_config()
    };
    assert!(matches!(
        Emulator::build(config),
        Err(StartError::WatchNeedsFolder)
    ));
}

#[actix_rt::test]
async fn without_watch_the_status_says_where_fixtures_came_from() {
    let app = spawn_app_with(Config {
        fixtures: FixtureSource::Embedded,
        ..test_config()
    });
    let status = app.admin_get("/fixtures").await;
    assert_eq!(status["source"], "embedded");
    assert_eq!(status["watching"], false);
    assert!(status["loaded_at"].is_string());
}

#[actix_rt::test]
async fn a_delayed_agent_rule_acts_when_its_timer_fires() {
    let folder = fixture_copy("rule-delay");
    let file = folder.join("contact_center.json");
    let text = fs::read_to_string(&file).unwrap().replace(
        "\"transfer_to\": \"order_status\"",
        "\"transfer_to\": \"order_status\", \"delay_ms\": 300",
    );
    fs::write(&file, text).unwrap();
    let app = spawn_app_with(Config {
        fixtures: FixtureSource::Folder(folder.clone()),
        ..test_config()
    });
    let document = app.admin_get("/contact_center").await;
    assert_eq!(document["agent_script"]["rules"][2]["delay_ms"], 300);

    let tenant = app.tenant("rule-delay");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "Where is my parcel?").await;
    let record = app
        .admin_get(&format!(
            "/chats/{chat}?routing_state=task_virtual_agent&wait=10s"
        ))
        .await;
    assert_eq!(record["task_virtual_agent"]["key"], "order_status");
    let _ = fs::remove_dir_all(folder);
}

#[actix_rt::test]
async fn the_fixture_status_long_poll_times_out_with_the_status_and_refuses_unknown_conditions() {
    let app = spawn_app();
    let reply = app
        .admin(Method::GET, "/fixtures?wait=50ms&min_reloads=1", None)
        .await;
    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.body);
    assert_eq!(reply.body["reloads"], 0);
    assert!(reply.body["message"]
        .as_str()
        .unwrap()
        .contains("min_reloads=1"));
    let reply = app
        .admin(Method::GET, "/fixtures?last_error=maybe", None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.message().contains("present, absent"),
        "{}",
        reply.body
    );
}
