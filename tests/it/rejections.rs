//! Every rejection of the Apps API comes in the platform's envelope `{"message": ...}` with
//! the right 4xx status, and none of them loses state.

use crate::support::{basic, spawn_app, spawn_app_with, test_config, Reply};
use awc::http::{Method, StatusCode};
use serde_json::json;

fn assert_rejected(reply: &Reply, status: u16, fragment: &str) {
    assert_eq!(reply.status.as_u16(), status, "body: {}", reply.body);
    let message = reply.body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no envelope: {}", reply.body));
    assert!(
        message.contains(fragment),
        "{message:?} should mention {fragment:?}"
    );
    assert_eq!(
        reply.body.as_object().unwrap().len(),
        1,
        "the envelope has only `message`"
    );
}

#[actix_rt::test]
async fn malformed_json_is_400() {
    let app = spawn_app();
    let tenant = app.tenant("json");
    let response = app
        .client
        .post(app.url("/apps/api/v1/chats"))
        .insert_header(("Authorization", tenant.auth()))
        .insert_header(("Content-Type", "application/json"))
        .send_body("{\"end_user_id\": ")
        .await
        .unwrap();
    assert_rejected(&crate::support::read(response).await, 400, "Malformed JSON");
}

#[actix_rt::test]
async fn wrong_types_and_missing_fields_are_400() {
    let app = spawn_app();
    let tenant = app.tenant("types");
    let (chat, user) = tenant.open_chat().await;
    let path = format!("/chats/{chat}/message");

    let reply = tenant
        .call(
            Method::POST,
            &path,
            Some(json!({"from_user_id": "me", "message": {"content": "hi"}})),
        )
        .await;
    assert_rejected(&reply, 400, "invalid type");
    let reply = tenant
        .call(
            Method::POST,
            &path,
            Some(json!({"message": {"content": "hi"}})),
        )
        .await;
    assert_rejected(&reply, 400, "from_user_id");
    let reply = tenant
        .call(Method::POST, &path, Some(json!({"from_user_id": user})))
        .await;
    assert_rejected(&reply, 400, "message");
    let reply = tenant
        .call(
            Method::POST,
            &path,
            Some(json!({"from_user_id": user, "message": {"type": "sticker", "content": "x"}})),
        )
        .await;
    assert_rejected(&reply, 400, "sticker");
    let reply = tenant
        .call(
            Method::POST,
            &path,
            Some(json!({"from_user_id": user, "message": {"type": "photo", "content": {}}})),
        )
        .await;
    assert_rejected(&reply, 400, "media_id");
    let reply = tenant
        .call(Method::POST, "/chats", Some(json!({"lang": "en"})))
        .await;
    assert_rejected(&reply, 400, "end_user_id is required");
    let reply = tenant
        .call(Method::POST, "/end_users", Some(json!({"name": "x"})))
        .await;
    assert_rejected(&reply, 400, "identifier is required");
    let reply = tenant.call(Method::GET, "/end_users?id=abc", None).await;
    assert_rejected(&reply, 400, "query");
    let reply = tenant
        .call(
            Method::POST,
            "/chats",
            Some(json!({"end_user_id": user, "menu_id": 999})),
        )
        .await;
    assert_rejected(&reply, 400, "menu_id 999");
}

#[actix_rt::test]
async fn a_sender_that_is_not_the_chats_end_user_is_400_and_nothing_is_stored() {
    let app = spawn_app();
    let tenant = app.tenant("sender");
    let (chat, user) = tenant.open_chat().await;
    let before = app.transcript(chat, "all").await.len();
    let reply = tenant.say(chat, user + 1_000_000, "who am I").await;
    assert_rejected(&reply, 400, "is not this chat's end user");
    assert_eq!(app.transcript(chat, "all").await.len(), before);
}

#[actix_rt::test]
async fn a_finished_chat_is_400_chat_is_already_ended() {
    let app = spawn_app();
    let tenant = app.tenant("ended");
    let (chat, user) = tenant.open_chat().await;
    let reply = tenant
        .call(
            Method::PATCH,
            &format!("/chats/{chat}"),
            Some(json!({"chat": {"status": "finished", "finished_by_user_id": user}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["status"], "finished");
    assert!(reply.body["ends_at"].is_string());

    assert_rejected(
        &tenant.say(chat, user, "hello?").await,
        400,
        "Chat is already ended",
    );
    let again = tenant
        .call(
            Method::PATCH,
            &format!("/chats/{chat}"),
            Some(json!({"status": "finished"})),
        )
        .await;
    assert_rejected(&again, 400, "Chat is already ended");
}

#[actix_rt::test]
async fn unknown_chats_end_users_and_routes_are_404() {
    let app = spawn_app();
    let tenant = app.tenant("missing");
    assert_rejected(
        &tenant.call(Method::GET, "/chats/987654321", None).await,
        404,
        "Not Found",
    );
    assert_rejected(
        &tenant.call(Method::GET, "/chats/not-a-number", None).await,
        404,
        "Not Found",
    );
    assert_rejected(&tenant.say(987654321, 1, "hi").await, 404, "Not Found");
    assert_rejected(
        &tenant
            .call(Method::GET, "/end_users?id=987654321", None)
            .await,
        404,
        "End user not found",
    );
    assert_rejected(
        &tenant
            .call(
                Method::POST,
                "/chats",
                Some(json!({"end_user_id": 987654321})),
            )
            .await,
        404,
        "End user not found",
    );
    assert_rejected(
        &tenant.call(Method::GET, "/no/such/route", None).await,
        404,
        "Not Found",
    );
    assert_rejected(
        &app.send(Method::GET, "/nowhere", None, None).await,
        404,
        "Not Found",
    );
}

#[actix_rt::test]
async fn a_wrong_method_is_405() {
    let app = spawn_app();
    let tenant = app.tenant("method");
    let (chat, _) = tenant.open_chat().await;
    assert_rejected(
        &tenant
            .call(Method::DELETE, &format!("/chats/{chat}"), None)
            .await,
        405,
        "Method Not Allowed",
    );
    assert_rejected(
        &tenant
            .call(Method::GET, &format!("/chats/{chat}/message"), None)
            .await,
        405,
        "Method Not Allowed",
    );
    assert_rejected(
        &app.admin(Method::DELETE, "/health", None).await,
        405,
        "Method Not Allowed",
    );
}

#[actix_rt::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app_with(ccai_emulator::Config {
        limits: ccai_emulator::core::limits::Limits {
            max_body_bytes: 1_024,
            ..ccai_emulator::core::limits::Limits::default()
        },
        ..test_config()
    });
    let tenant = app.tenant("big");
    let (chat, user) = tenant.open_chat().await;
    let reply = tenant.say(chat, user, &"x".repeat(4_096)).await;
    assert_rejected(&reply, 413, "larger than the limit of 1024 bytes");
    tenant.says(chat, user, "a small one still works").await;
}

#[actix_rt::test]
async fn a_non_json_content_type_is_415() {
    let app = spawn_app();
    let tenant = app.tenant("ctype");
    let response = app
        .client
        .post(app.url("/apps/api/v1/end_users"))
        .insert_header(("Authorization", tenant.auth()))
        .insert_header(("Content-Type", "text/plain"))
        .send_body(r#"{"identifier":"x"}"#)
        .await
        .unwrap();
    assert_rejected(
        &crate::support::read(response).await,
        415,
        "application/json",
    );
}

#[actix_rt::test]
async fn missing_or_bad_auth_is_401() {
    let app = spawn_app();
    let body = Some(json!({"identifier": "x"}));
    let no_auth = app
        .send(Method::POST, "/apps/api/v1/end_users", None, body.clone())
        .await;
    assert_rejected(&no_auth, 401, "Authorization");
    let bearer = app
        .send(
            Method::POST,
            "/apps/api/v1/end_users",
            Some("Bearer abc"),
            body.clone(),
        )
        .await;
    assert_rejected(&bearer, 401, "Basic");
    let garbage = app
        .send(
            Method::POST,
            "/apps/api/v1/end_users",
            Some("Basic %%%not-base64"),
            body.clone(),
        )
        .await;
    assert_rejected(&garbage, 401, "Authorization");
    let empty_token = app
        .send(
            Method::POST,
            "/apps/api/v1/end_users",
            Some(&basic("acme", "")),
            body,
        )
        .await;
    assert_rejected(&empty_token, 401, "Authorization");
}

#[actix_rt::test]
async fn strict_mode_admits_only_configured_tenants() {
    let mut tokens = std::collections::HashMap::new();
    tokens.insert("acme".to_owned(), "right-token".to_owned());
    let app = spawn_app_with(ccai_emulator::Config {
        auth: ccai_emulator::core::state::AuthPolicy::Strict(tokens),
        ..test_config()
    });
    let body = Some(json!({"identifier": "strict-user"}));
    let wrong = app
        .send(
            Method::POST,
            "/apps/api/v1/end_users",
            Some(&basic("acme", "wrong")),
            body.clone(),
        )
        .await;
    assert_rejected(&wrong, 401, "Invalid subdomain or API token");
    let stranger = app
        .send(
            Method::POST,
            "/apps/api/v1/end_users",
            Some(&basic("other", "right-token")),
            body.clone(),
        )
        .await;
    assert_rejected(&stranger, 401, "Invalid subdomain or API token");
    let right = app
        .send(
            Method::POST,
            "/apps/api/v1/end_users",
            Some(&basic("acme", "right-token")),
            body,
        )
        .await;
    assert_eq!(right.status, StatusCode::OK);
}

#[actix_rt::test]
async fn a_query_that_does_not_fit_is_a_400_quoting_it() {
    let app = spawn_app();
    let reply = app
        .admin(Method::GET, "/requests?after=-3&min_count=2", None)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(
        reply.message().contains("\"after=-3&min_count=2\""),
        "{}",
        reply.body
    );
}
