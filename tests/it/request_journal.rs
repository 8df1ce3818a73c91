//! The request journal through real HTTP: what is recorded (credentials redacted, bodies
//! as JSON or text), rejections included, filters, per-tenant reset, the memory cap with
//! counted evictions, and long-polling it.

use crate::support::{spawn_app, spawn_app_with, test_config};
use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

fn requests(body: &Value) -> Vec<Value> {
    body["requests"].as_array().cloned().unwrap_or_default()
}

#[actix_rt::test]
async fn every_apps_api_request_is_journaled_with_redacted_credentials() {
    let app = spawn_app();
    let tenant = app.tenant("journal");
    let (chat, user) = tenant.open_chat().await;
    tenant.says(chat, user, "hello there").await;

    let body = app
        .admin_get(&format!("/requests?tenant={}", tenant.subdomain))
        .await;
    let entries = requests(&body);
    assert_eq!(body["count"], 3, "{body}");
    let paths: Vec<&str> = entries
        .iter()
        .map(|entry| entry["path"].as_str().unwrap())
        .collect();
    let message_path = format!("/apps/api/v1/chats/{chat}/message");
    assert_eq!(
        paths,
        [
            "/apps/api/v1/end_users",
            "/apps/api/v1/chats",
            message_path.as_str()
        ]
    );
    let ids: Vec<u64> = entries
        .iter()
        .map(|entry| entry["id"].as_u64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");

    let message = &entries[2];
    assert_eq!(message["tenant"], tenant.subdomain.as_str());
    assert_eq!(message["method"], "POST");
    assert_eq!(message["status"], 200);
    assert_eq!(message["body_kind"], "json");
    assert_eq!(message["body"]["from_user_id"], user);
    assert_eq!(message["body"]["message"]["content"]["text"], "hello there");
    assert_eq!(message["headers"]["authorization"], "Basic [redacted]");
    assert_eq!(message["headers"]["content-type"], "application/json");
    assert!(message["response_time_ms"].as_f64().unwrap() >= 0.0);
    assert!(message["at"].is_string());
    let everything = body.to_string();
    assert!(
        !everything.contains(&tenant.auth()[6..]),
        "the credentials leaked"
    );
    assert!(!everything.contains(&tenant.token), "the token leaked");
}

#[actix_rt::test]
async fn rejections_are_journaled_and_still_answered_as_before() {
    let app = spawn_app_with(ccai_emulator::Config {
        limits: ccai_emulator::core::limits::Limits {
            max_body_bytes: 1_024,
            ..ccai_emulator::core::limits::Limits::default()
        },
        ..test_config()
    });
    let tenant = app.tenant("rejected");
    let no_auth = app
        .send(Method::GET, "/apps/api/v1/chats/1?x=1", None, None)
        .await;
    assert_eq!(no_auth.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        tenant.call(Method::GET, "/nowhere", None).await.status,
        StatusCode::NOT_FOUND
    );
    let (chat, user) = tenant.open_chat().await;
    let too_large = tenant.say(chat, user, &"x".repeat(4_096)).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        too_large.message().contains("limit of 1024 bytes"),
        "{}",
        too_large.body
    );
    let text = app
        .client
        .post(app.url("/apps/api/v1/end_users"))
        .insert_header(("Authorization", tenant.auth()))
        .insert_header(("Content-Type", "text/plain"))
        .send_body("not json at all")
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let malformed = app
        .client
        .post(app.url("/apps/api/v1/end_users"))
        .insert_header(("Authorization", tenant.auth()))
        .insert_header(("Content-Type", "application/json"))
        .send_body(r#"{"identifier": "#)
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    tenant.says(chat, user, "a small one still works").await;

    let unauthenticated = app.admin_get("/requests?status=401").await;
    let entry = &requests(&unauthenticated)[0];
    assert_eq!(entry["tenant"], Value::Null);
    assert_eq!(entry["path"], "/apps/api/v1/chats/1");
    assert_eq!(entry["query"], "x=1");

    let mine = format!("/requests?tenant={}", tenant.subdomain);
    let not_found = &requests(&app.admin_get(&format!("{mine}&status=404")).await)[0];
    assert_eq!(not_found["path"], "/apps/api/v1/nowhere");
    let omitted = &requests(&app.admin_get(&format!("{mine}&status=413")).await)[0];
    assert_eq!(omitted["body_kind"], "omitted");
    assert!(omitted["body_bytes"].as_u64().unwrap() > 4_096);
    let unsupported = &requests(&app.admin_get(&format!("{mine}&status=415")).await)[0];
    assert_eq!(unsupported["body_kind"], "text");
    assert_eq!(unsupported["body"], "not json at all");
    let bad = &requests(&app.admin_get(&format!("{mine}&status=400")).await)[0];
    assert_eq!(bad["body"], r#"{"identifier": "#);
}

#[actix_rt::test]
async fn filters_select_by_tenant_method_path_and_status() {
    let app = spawn_app();
    let first = app.tenant("first");
    let second = app.tenant("second");
    let (chat, user) = first.open_chat().await;
    first.says(chat, user, "one").await;
    first
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await;
    second.open_chat().await;

    let mine = format!("/requests?tenant={}", first.subdomain);
    assert_eq!(app.admin_get(&mine).await["count"], 4);
    assert_eq!(
        app.admin_get(&format!("{mine}&method=get")).await["count"],
        1
    );
    let exact = app
        .admin_get(&format!("{mine}&path=/apps/api/v1/chats/{chat}"))
        .await;
    assert_eq!(exact["count"], 1);
    let prefix = app
        .admin_get(&format!("{mine}&path_prefix=/apps/api/v1/chats"))
        .await;
    assert_eq!(prefix["count"], 3);
    assert_eq!(
        app.admin_get(&format!("{mine}&status=404")).await["count"],
        0
    );
    let theirs = app
        .admin_get(&format!("/requests?tenant={}", second.subdomain))
        .await;
    assert_eq!(theirs["count"], 2);
    let newest = requests(&theirs)[0]["id"].as_u64().unwrap();
    let after = app.admin_get(&format!("/requests?after={newest}")).await;
    assert_eq!(after["count"], 1, "{after}");
    let bad = app.admin(Method::GET, "/requests?status=abc", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body["message"].is_string());
}

#[actix_rt::test]
async fn the_journal_is_reset_per_tenant_or_entirely() {
    let app = spawn_app();
    let first = app.tenant("first");
    let second = app.tenant("second");
    first.open_chat().await;
    second.open_chat().await;
    let deleted = app
        .admin(
            Method::DELETE,
            &format!("/requests?tenant={}", first.subdomain),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body["deleted"], 2);
    let count = |subdomain: String| {
        let app = &app;
        async move {
            app.admin_get(&format!("/requests?tenant={subdomain}"))
                .await["count"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(count(first.subdomain.clone()).await, 0);
    assert_eq!(count(second.subdomain.clone()).await, 2);
    app.admin_post(&format!("/reset?tenant={}", second.subdomain), json!({}))
        .await;
    assert_eq!(count(second.subdomain.clone()).await, 0);
    first.open_chat().await;
    app.admin(Method::DELETE, "/requests", None).await;
    assert_eq!(app.admin_get("/requests").await["count"], 0);
}

#[actix_rt::test]
async fn the_cap_evicts_the_oldest_entries_and_reports_it() {
    let app = spawn_app_with(ccai_emulator::Config {
        limits: ccai_emulator::core::limits::Limits {
            request_journal_cap: 5,
            ..ccai_emulator::core::limits::Limits::default()
        },
        ..test_config()
    });
    let tenant = app.tenant("capped");
    for index in 0..8 {
        tenant.end_user(&format!("user-{index}")).await;
    }
    let body = app
        .admin_get(&format!("/requests?tenant={}", tenant.subdomain))
        .await;
    assert_eq!(body["count"], 5);
    assert_eq!(
        (body["stored"].clone(), body["cap"].clone()),
        (json!(5), json!(5))
    );
    assert_eq!(body["evicted"], 3);
    assert_eq!(body["evicted_for_tenant"], 3);
    let identifiers: Vec<Value> = requests(&body)
        .iter()
        .map(|entry| entry["body"]["identifier"].clone())
        .collect();
    assert_eq!(
        identifiers,
        ["user-3", "user-4", "user-5", "user-6", "user-7"]
    );
    let health = app.admin_get("/health").await;
    assert_eq!(health["request_journal"]["evicted"], 3);
    assert_eq!(health["request_journal"]["cap"], 5);
}

#[actix_rt::test]
async fn a_journal_query_can_wait_for_a_count_and_times_out_with_what_it_saw() {
    let app = spawn_app();
    let tenant = app.tenant("waiting");
    let path = format!(
        "/requests?tenant={}&method=POST&min_count=3&wait=5s",
        tenant.subdomain
    );
    let (waited, _) = tokio::join!(app.admin(Method::GET, &path, None), async {
        tenant.open_chat().await;
        tenant.end_user("someone-else").await;
    });
    assert_eq!(waited.status, StatusCode::OK, "{}", waited.body);
    assert_eq!(waited.body["count"], 3);

    let timed_out = app
        .admin(
            Method::GET,
            &format!(
                "/requests?tenant={}&min_count=10&wait=100ms",
                tenant.subdomain
            ),
            None,
        )
        .await;
    assert_eq!(timed_out.status, StatusCode::REQUEST_TIMEOUT);
    assert!(
        timed_out.message().contains("min_count=10"),
        "{}",
        timed_out.body
    );
    assert_eq!(timed_out.body["count"], 3);
    assert_eq!(requests(&timed_out.body).len(), 3);
    assert!(timed_out.body["waited_ms"].as_u64().is_some());

    for bad in [
        "wait=soon",
        "wait=2m",
        "min_count=-1",
        "wait=5s&min_count=x",
    ] {
        let reply = app
            .admin(Method::GET, &format!("/requests?{bad}"), None)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.body
        );
        assert!(reply.body["message"].is_string(), "{bad}");
    }
}
