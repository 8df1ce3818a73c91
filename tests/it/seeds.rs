//! Seed files (`fixtures/seeds/<tenant>.json`, snapshot format) are loaded at start-up,
//! from a folder or from the fixtures embedded in the binary; a malformed seed stops
//! start-up naming the file, the place and the problem.

use std::fs;

use ccai_emulator::{Config, FixtureSource};
use serde_json::json;

use crate::support::fixture_folder::{fixture_copy, start_error};
use crate::support::{spawn_app, spawn_app_with, test_config};

#[actix_rt::test]
async fn the_demo_seed_is_loaded_at_start_up_with_a_chat_mid_task() {
    let app = spawn_app();
    let snapshot = app.admin_get("/tenants/demo/snapshot").await;
    assert_eq!(snapshot["end_users"][0]["identifier"], "demo-customer");
    let chats = snapshot["chats"].as_array().unwrap();
    assert_eq!(chats.len(), 2);
    let active = chats
        .iter()
        .find(|chat| chat["routing"]["state"] == "task_virtual_agent")
        .expect("a chat with an active VTA");
    let chat_id = active["id"].as_u64().unwrap();
    let record = app.admin_get(&format!("/chats/{chat_id}")).await;
    assert_eq!(record["tenant"], "demo");
    assert_eq!(record["task_virtual_agent"]["key"], "one_time_code");

    // The seeded end user carries on where the seed stopped.
    let demo = crate::support::TenantClient::new(&app, "demo".into(), "any");
    let user = snapshot["end_users"][0]["id"].as_u64().unwrap();
    demo.says(chat_id, user, "481516").await;
    let record = app.admin_get(&format!("/chats/{chat_id}")).await;
    assert_eq!(record["routing_state"], "assigned", "{record}");
}

#[actix_rt::test]
async fn the_embedded_fixtures_carry_the_demo_seed() {
    let app = spawn_app_with(Config {
        fixtures: FixtureSource::Embedded,
        ..test_config()
    });
    let snapshot = app.admin_get("/tenants/demo/snapshot").await;
    assert_eq!(snapshot["chats"].as_array().unwrap().len(), 2);
    // Ids handed out after start-up never collide with seeded ones.
    let tenant = app.tenant("after-seed");
    let (chat, user) = tenant.open_chat().await;
    assert!(chat > 2 && user > 1001, "chat {chat}, user {user}");
}

#[actix_rt::test]
async fn a_seed_in_a_folder_fills_the_tenant_named_by_its_file() {
    let folder = fixture_copy("seed-ok");
    let demo = fs::read_to_string(folder.join("seeds/demo.json")).unwrap();
    fs::write(folder.join("seeds/acme.json"), demo).unwrap();
    let app = spawn_app_with(Config {
        fixtures: FixtureSource::Folder(folder.clone()),
        ..test_config()
    });
    let acme = app.admin_get("/tenants/acme/snapshot").await;
    let demo = app.admin_get("/tenants/demo/snapshot").await;
    let _ = fs::remove_dir_all(&folder);
    assert_eq!(acme["chats"].as_array().unwrap().len(), 2);
    // Both seeds hold chat 1: the second one loaded gets fresh ids.
    let acme_ids: Vec<_> = acme["chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    let demo_ids: Vec<_> = demo["chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert!(
        acme_ids.iter().all(|id| !demo_ids.contains(id)),
        "{acme_ids:?} {demo_ids:?}"
    );
}

#[actix_rt::test]
async fn a_malformed_seed_stops_start_up_naming_file_place_and_problem() {
    let folder = fixture_copy("seed-syntax");
    fs::write(folder.join("seeds/broken.json"), "{\n  \"format\": ,\n}").unwrap();
    let error = start_error(&folder);
    assert!(
        error.contains("seeds/broken.json: line 2 column"),
        "{error}"
    );

    let folder = fixture_copy("seed-key");
    let mut seed: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(folder.join("seeds/demo.json")).unwrap()).unwrap();
    for chat in seed["chats"].as_array_mut().unwrap() {
        if chat["routing"]["state"] == "task_virtual_agent" {
            chat["routing"]["session"]["key"] = json!("gone");
        }
    }
    fs::write(folder.join("seeds/demo.json"), seed.to_string()).unwrap();
    let error = start_error(&folder);
    assert!(error.contains("seeds/demo.json: chats[1].routing.session.key: no task virtual agent has the key \"gone\""), "{error}");

    let folder = fixture_copy("seed-format");
    fs::write(
        folder.join("seeds/old.json"),
        r#"{"format": "something-else"}"#,
    )
    .unwrap();
    let error = start_error(&folder);
    assert!(error.contains("seeds/old.json: format:"), "{error}");
}

#[actix_rt::test]
async fn a_seed_whose_webhook_points_at_the_emulator_itself_stops_start_up() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let folder = fixture_copy("seed-loop");
    let mut seed: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(folder.join("seeds/demo.json")).unwrap()).unwrap();
    seed["webhook"] = json!({
        "url": format!("http://127.0.0.1:{port}/__admin/webhooks/deliveries/x/redeliver"),
        "primary_secret": "s",
    });
    fs::write(folder.join("seeds/loop.json"), seed.to_string()).unwrap();
    let config = Config {
        bind: format!("127.0.0.1:{port}"),
        fixtures: FixtureSource::Folder(folder.clone()),
        ..test_config()
    };
    let result = ccai_emulator::Emulator::build(config);
    let _ = fs::remove_dir_all(&folder);
    let error = match result {
        Err(error) => error.to_string(),
        Ok(_) => panic!("a seed webhook that loops back must stop start-up"),
    };
    assert!(
        error.contains("seeds/loop.json: webhook:") && error.contains("loop"),
        "{error}"
    );
}
