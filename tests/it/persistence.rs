//! Opt-in persistence (`--state-dir`) in-process: everything a tenant did (end users, chats
//! mid-way through a task virtual agent, messages, webhook target, faults, event selection,
//! `chat_created` order, after hours, queue availability, media) and the run-time fixture
//! uploads are there after the emulator is stopped and started again on the same folder,
//! ids go on increasing, and resets and evictions are not undone by a restart. The
//! `kill -9` test against the real binary is in `persistence_kill`.

use std::path::{Path, PathBuf};

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::media::{file_of, JPEG};
use crate::support::{spawn_app_with, test_config, unique_subdomain, TestApp, WebhookReceiver};

/// A fresh folder under the system's temporary directory, removed when dropped.
pub struct StateDir(pub PathBuf);

impl StateDir {
    pub fn new() -> StateDir {
        StateDir(std::env::temp_dir().join(unique_subdomain("ccai-emu-state")))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn app_on(dir: &StateDir) -> TestApp {
    let mut config = test_config();
    config.state_dir = Some(dir.path().to_owned());
    spawn_app_with(config)
}

/// The control plane's view of one chat, without what is computed at read time.
async fn chat_record(app: &TestApp, chat: u64) -> Value {
    let mut record = app.admin_get(&format!("/chats/{chat}")).await;
    if let Some(fields) = record.as_object_mut() {
        fields.remove("uptime_seconds");
    }
    record
}

async fn admin_ok(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let reply = app.admin(method, path, Some(body)).await;
    assert!(reply.status.is_success(), "{path}: {}", reply.body);
    reply.body
}

#[actix_rt::test]
async fn a_restart_on_the_same_state_dir_keeps_every_tenants_state_and_the_uploads() {
    let dir = StateDir::new();
    let receiver = WebhookReceiver::start();
    let first = app_on(&dir);
    let tenant = first.tenant("kept");
    let name = tenant.subdomain.clone();
    tenant.use_receiver(&receiver).await;

    // A chat handed to a task virtual agent, one answer in, and a registered photo.
    let (chat, user) = tenant.open_chat().await;
    first.wait_for_chat(chat, "routing_state=assigned").await;
    tenant.says(chat, user, "hello before the restart").await;
    first
        .admin
        .transfer(chat, "one_time_code")
        .await
        .expect("the transfer is accepted");
    tenant.says(chat, user, "12").await; // not 6 digits: the VTA asks again
    let photo = file_of(40_000, JPEG);
    let form = tenant.uploaded(chat, "photo", &photo).await;
    let registered = tenant.register(chat, "photo", &[form.key()]).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let media_id = registered.body[0]["media_id"].as_u64().unwrap();

    // Settings of every kind.
    let faults = json!({"delay_ms": 1});
    admin_ok(
        &first,
        Method::PUT,
        &format!("/tenants/{name}/webhook/faults"),
        faults,
    )
    .await;
    admin_ok(
        &first,
        Method::PUT,
        &format!("/tenants/{name}/webhook/events"),
        json!({"events": ["chat_created", "chat_ended"]}),
    )
    .await;
    admin_ok(
        &first,
        Method::PUT,
        &format!("/tenants/{name}/chat_created_order"),
        json!({"order": "before_response"}),
    )
    .await;
    admin_ok(
        &first,
        Method::PUT,
        &format!("/tenants/{name}/after_hours"),
        json!({"after_hours": true, "message": "Closed for the night."}),
    )
    .await;
    first
        .admin
        .set_queue_availability(&name, "billing", Some("after_hours"))
        .await
        .expect("the queue is set");
    // A run-time task virtual agent and contact center.
    let mut vta = first.admin_get("/task_virtual_agents/one_time_code").await;
    vta["greeting"] = json!("Uploaded greeting.");
    admin_ok(
        &first,
        Method::PUT,
        "/task_virtual_agents/uploaded_code",
        vta,
    )
    .await;
    let mut contact_center = first.admin_get("/contact_center").await;
    contact_center["agent"]["name"] = json!("Robin Uploaded");
    admin_ok(&first, Method::PUT, "/contact_center", contact_center).await;

    let chat_before = chat_record(&first, chat).await;
    let settings_paths = [
        format!("/tenants/{name}/webhook?reveal_secrets=true"),
        format!("/tenants/{name}/webhook/faults"),
        format!("/tenants/{name}/webhook/events"),
        format!("/tenants/{name}/chat_created_order"),
        format!("/tenants/{name}/after_hours"),
        format!("/tenants/{name}/queues"),
        "/contact_center".to_owned(),
        "/task_virtual_agents/uploaded_code".to_owned(),
    ];
    let mut settings_before = Vec::new();
    for path in &settings_paths {
        settings_before.push(first.admin_get(path).await);
    }
    first.emulator.stop().await;

    let second = app_on(&dir);
    assert_eq!(chat_record(&second, chat).await, chat_before);
    for (path, before) in settings_paths.iter().zip(&settings_before) {
        assert_eq!(&second.admin_get(path).await, before, "{path}");
    }
    let health = second.admin_get("/health").await;
    assert_eq!(
        health["persistence"]["state_dir"],
        dir.path().display().to_string()
    );
    // The photo is listed under its id and downloads as it was uploaded.
    let listed = second
        .send(
            Method::GET,
            &format!("/apps/api/v1/chats/{chat}/photos"),
            Some(&tenant_auth(&name)),
            None,
        )
        .await;
    assert_eq!(listed.body[0]["media_id"], media_id, "{}", listed.body);
    let url = listed.body[0]["url"]
        .as_str()
        .expect("a download url")
        .to_owned();
    let download = second.download(&url, None).await;
    assert_eq!(download.bytes.as_ref(), photo.as_slice());

    // The VTA goes on where it was: a 6-digit code finishes it and the agent is back.
    let again = second.tenant_named(&name);
    again.says(chat, user, "123456").await;
    let back = second.wait_for_chat(chat, "routing_state=assigned").await;
    let messages = back["messages"].as_array().unwrap();
    let ids: Vec<u64> = messages.iter().map(|m| m["id"].as_u64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "message ids go on: {ids:?}"
    );

    // New ids are above every id handed out before the restart.
    let (new_chat, new_user) = again.open_chat().await;
    assert!(new_chat > chat, "{new_chat} > {chat}");
    assert!(new_user > user, "{new_user} > {user}");
}

fn tenant_auth(name: &str) -> String {
    crate::support::basic(name, "test-token")
}

#[actix_rt::test]
async fn a_reset_or_an_eviction_is_not_undone_by_a_restart() {
    let dir = StateDir::new();
    let mut config = test_config();
    config.state_dir = Some(dir.path().to_owned());
    config.limits.retain_finished_chats = 0;
    let first = spawn_app_with(config.clone());
    let gone = first.tenant("gone");
    let kept = first.tenant("kept");
    let (gone_chat, _) = gone.open_chat().await;
    let (finished_chat, _) = kept.open_chat().await;
    let (open_chat, _) = kept.open_chat().await;
    first
        .admin
        .end(finished_chat)
        .await
        .expect("the agent ends it");
    let gone_name = gone.subdomain.clone();
    first.admin.reset(Some(&gone_name)).await.expect("reset");
    first.emulator.stop().await;

    let second = spawn_app_with(config);
    let status = |chat: u64| {
        let app = &second;
        async move {
            app.send(Method::GET, &format!("/__admin/chats/{chat}"), None, None)
                .await
                .status
        }
    };
    assert_eq!(
        status(gone_chat).await,
        StatusCode::NOT_FOUND,
        "reset tenant"
    );
    assert_eq!(
        status(finished_chat).await,
        StatusCode::NOT_FOUND,
        "evicted chat"
    );
    assert_eq!(status(open_chat).await, StatusCode::OK);
    let tenants = second.admin_get("/tenants").await.to_string();
    assert!(!tenants.contains(&gone_name), "{tenants}");
}

#[actix_rt::test]
async fn a_state_dir_that_cannot_be_created_stops_the_start_with_its_name() {
    let file = StateDir::new();
    std::fs::write(file.path(), b"not a folder").unwrap();
    let mut config = test_config();
    config.state_dir = Some(file.path().join("state"));
    let error = match ccai_emulator::Emulator::build(config) {
        Ok(_) => panic!("a state dir under a file cannot be used"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains(&file.path().display().to_string()),
        "{error}"
    );
    let _ = std::fs::remove_file(file.path());
}

#[actix_rt::test]
async fn a_second_emulator_on_a_state_dir_in_use_is_refused_until_the_first_stops() {
    let dir = StateDir::new();
    let first = app_on(&dir);
    let mut config = test_config();
    config.state_dir = Some(dir.path().to_owned());
    let error = match ccai_emulator::Emulator::build(config) {
        Ok(_) => panic!("two emulators must not share a state dir"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("another emulator is using it"), "{error}");
    first.emulator.stop().await;
    let second = app_on(&dir);
    assert_eq!(second.admin_get("/health").await["status"], "ok");
}

#[actix_rt::test]
async fn an_inactivity_timer_starts_again_after_a_restart() {
    let dir = StateDir::new();
    let mut config = test_config();
    config.state_dir = Some(dir.path().to_owned());
    config.chat_inactivity_timeout = Some(std::time::Duration::from_secs(1));
    let first = spawn_app_with(config.clone());
    let tenant = first.tenant("idle");
    let name = tenant.subdomain.clone();
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello").await;
    first
        .admin_post(
            &format!("/chats/{chat}/agent/messages"),
            json!({"text": "Are you still there?"}),
        )
        .await;
    first.emulator.stop().await;

    // The first emulator's timer is gone with it: only the restored one can dismiss.
    let second = spawn_app_with(config);
    let record = second
        .admin_get(&format!("/chats/{chat}?status=dismissed&wait=10s"))
        .await;
    assert_eq!(record["status"], "dismissed", "{record}");
    assert_eq!(record["tenant"], name);
}
