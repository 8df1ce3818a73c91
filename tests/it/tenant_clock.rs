//! A clock per tenant, moved forward from the control plane (`POST
//! /__admin/tenants/{sub}/clock {"advance": "11m"}`): the rules that read time read the
//! tenant's clock (inactivity dismissal, the upload form's and download link's expiry,
//! timestamps), timers that
//! fall due when it moves fire at once and in order, each at its own due time, and another
//! tenant's clock never moves with it.

use std::time::Duration;

use awc::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::support::media::file_of;
use crate::support::{spawn_app_with, test_config, TenantClient, TestApp};

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0];

fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .unwrap()
}

async fn advance(app: &TestApp, tenant: &TenantClient<'_>, by: &str) -> Value {
    let reply = app
        .admin(
            Method::POST,
            &format!("/tenants/{}/clock", tenant.subdomain),
            Some(json!({"advance": by})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body
}

async fn status(tenant: &TenantClient<'_>, chat: u64) -> String {
    tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A chat both sides wrote in, the agent last: eligible for dismissal.
async fn eligible_chat(app: &TestApp, tenant: &TenantClient<'_>) -> u64 {
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello").await;
    app.admin_post(
        &format!("/chats/{chat}/agent/messages"),
        json!({"text": "Are you still there?"}),
    )
    .await;
    chat
}

#[actix_rt::test]
async fn moving_a_tenants_clock_past_the_inactivity_timeout_dismisses_its_chat_and_no_other() {
    let app = spawn_app_with(ccai_emulator::Config {
        chat_inactivity_timeout: Some(Duration::from_secs(10 * 60)),
        ..test_config()
    });
    let moved = app.tenant("clock-moved");
    let still = app.tenant("clock-still");
    let chat = eligible_chat(&app, &moved).await;
    let other = eligible_chat(&app, &still).await;
    assert_ne!(status(&moved, chat).await, "dismissed");

    let clock = advance(&app, &moved, "11m").await;
    assert!(
        clock["offset_ms"].as_i64().unwrap() >= 11 * 60 * 1000,
        "{clock}"
    );
    assert_eq!(clock["real_time"], false);
    // The answer comes once the due timers have fired: the dismissal is there already.
    assert_eq!(status(&moved, chat).await, "dismissed");
    assert_ne!(status(&still, other).await, "dismissed");
    let untouched = app
        .admin_get(&format!("/tenants/{}/clock", still.subdomain))
        .await;
    assert_eq!(untouched["real_time"], true, "{untouched}");
    assert_eq!(untouched["offset_ms"], 0);
}

#[actix_rt::test]
async fn an_upload_form_expires_on_its_tenants_clock() {
    let app = spawn_app_with(test_config());
    let moved = app.tenant("form-moved");
    let still = app.tenant("form-still");
    let (chat, _) = moved.open_chat().await;
    let (other, _) = still.open_chat().await;
    let late = moved.upload_form(chat, "photo").await;
    let on_time = still.upload_form(other, "photo").await;
    advance(&app, &moved, "6m").await;

    let photo = file_of(1024, JPEG);
    let refused = app.upload(&late, &late.fields, "image/jpeg", &photo).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.body.to_string().contains("Policy expired"),
        "{}",
        refused.body
    );
    let accepted = app
        .upload(&on_time, &on_time.fields, "image/jpeg", &photo)
        .await;
    assert_eq!(accepted.status, StatusCode::NO_CONTENT, "{}", accepted.body);
}

#[actix_rt::test]
async fn a_download_link_expires_on_the_clock_of_the_tenant_whose_file_it_names() {
    let app = spawn_app_with(test_config());
    let moved = app.tenant("link-moved");
    let still = app.tenant("link-still");
    let mut links = Vec::new();
    for tenant in [&moved, &still] {
        let (chat, _) = tenant.open_chat().await;
        let form = tenant.uploaded(chat, "photo", &file_of(500, JPEG)).await;
        let registered = tenant.register(chat, "photo", &[form.key()]).await;
        links.push((chat, registered.body[0]["url"].as_str().unwrap().to_owned()));
    }
    // Links last --download-url-expiry (1h by default).
    advance(&app, &moved, "61m").await;

    let expired = app.download(&links[0].1, None).await;
    assert_eq!(expired.status, StatusCode::FORBIDDEN);
    let text = String::from_utf8_lossy(&expired.bytes).into_owned();
    assert!(text.contains("Request has expired"), "{text}");
    assert_eq!(app.download(&links[1].1, None).await.status, StatusCode::OK);
    // A link listed now is issued on the moved clock, and works.
    let listed = moved
        .call(Method::GET, &format!("/chats/{}/photos", links[0].0), None)
        .await;
    let fresh = listed.body[0]["url"].as_str().unwrap();
    assert_eq!(app.download(fresh, None).await.status, StatusCode::OK);
}

#[actix_rt::test]
async fn timers_fall_due_in_order_each_at_its_own_time_and_timestamps_follow_the_clock() {
    let app = spawn_app_with(ccai_emulator::Config {
        agent_join_delay: Some(Duration::from_secs(30)),
        ..test_config()
    });
    let tenant = app.tenant("clock-timers");
    let (chat, user) = tenant.open_chat().await;
    let created = at(&tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body["created_at"]);
    assert_eq!(status(&tenant, chat).await, "queued");
    let clock = advance(&app, &tenant, "1h").await;
    assert_eq!(clock["pending_timers"], 0, "{clock}");
    let record = app.admin_get(&format!("/chats/{chat}")).await;
    assert_eq!(record["routing_state"], "assigned", "{record}");
    let greeting = record["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|message| message["sender"]["type"] == "agent")
        .cloned()
        .expect("the agent greeted on joining");
    let joined = at(&greeting["at"]);
    let after = (joined - created).num_seconds();
    assert!(
        (29..=31).contains(&after),
        "the agent joined 30 s after the chat opened on the tenant's clock, not an hour: {after} s"
    );

    // A message now carries the moved clock's time; a reset clock reads real time again.
    let sent = tenant.say(chat, user, "an hour later").await;
    assert!(
        at(&sent.body["created_at"]) > Utc::now() + chrono::Duration::minutes(59),
        "{}",
        sent.body
    );
    let reset = app
        .admin(
            Method::DELETE,
            &format!("/tenants/{}/clock", tenant.subdomain),
            None,
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    let clock = app
        .admin_get(&format!("/tenants/{}/clock", tenant.subdomain))
        .await;
    assert_eq!(clock["real_time"], true, "{clock}");
}

#[actix_rt::test]
async fn a_clock_moves_only_forward_by_a_duration() {
    let app = spawn_app_with(test_config());
    let tenant = app.tenant("clock-refusals");
    for body in [
        json!({"advance": "soon"}),
        json!({"advance": "0s"}),
        json!({"back": "1m"}),
    ] {
        let reply = app
            .admin(
                Method::POST,
                &format!("/tenants/{}/clock", tenant.subdomain),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        assert!(reply.body["message"].is_string(), "{}", reply.body);
    }
}

#[actix_rt::test]
async fn the_rust_client_moves_reads_and_resets_a_tenants_clock() {
    let app = spawn_app_with(test_config());
    let tenant = app.tenant("client-clock");
    let other = app.tenant("client-clock-other");
    let sub = tenant.subdomain.as_str();

    let moved = app.admin.advance_clock(sub, "11m").await.unwrap();
    assert_eq!(moved.offset_ms, 11 * 60 * 1000);
    assert!(!moved.real_time);
    let further = app
        .admin
        .advance_clock(sub, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(further.offset_ms, 12 * 60 * 1000);
    assert_eq!(
        app.admin.clock(sub).await.unwrap().offset_ms,
        12 * 60 * 1000
    );
    assert_eq!(
        app.admin.clock(&other.subdomain).await.unwrap().offset_ms,
        0
    );
    let refused = app.admin.advance_clock(sub, "soon").await.unwrap_err();
    assert_eq!(refused.status(), Some(400), "{refused}");

    app.admin.reset_clock(sub).await.unwrap();
    let clock = app.admin.clock(sub).await.unwrap();
    assert!(clock.real_time && clock.offset_ms == 0, "{clock:?}");
}
