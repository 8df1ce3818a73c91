//! `Authorization: Bearer <token>` on the Apps API, as the samples of the page
//! "Mid-Session authentication by API" send it. In `strict` mode the token names its
//! tenant; in `open` mode the Host header's first label does (`acme.localhost`), and a
//! bearer without one is a 401 saying how to name the tenant. Basic keeps working, and
//! everything else is still a 401 in the envelope.

use std::collections::HashMap;

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{basic, read, spawn_app, spawn_app_with, test_config, Reply, TestApp};

/// An Apps API call with any `Authorization` and, optionally, a `Host` header.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    authorization: &str,
    host: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = app
        .client
        .request(method, app.url(&format!("/apps/api/v1{path}")))
        .insert_header(("Authorization", authorization));
    if let Some(host) = host {
        request = request.insert_header(("Host", host));
    }
    let response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    };
    read(response.expect("the emulator answers")).await
}

fn strict_app() -> TestApp {
    let tokens: HashMap<String, String> = [
        ("acme", "acme-token"),
        ("beta", "shared-token"),
        ("gamma", "shared-token"),
    ]
    .into_iter()
    .map(|(subdomain, token)| (subdomain.to_owned(), token.to_owned()))
    .collect();
    spawn_app_with(ccai_emulator::Config {
        auth: ccai_emulator::core::state::AuthPolicy::Strict(tokens),
        ..test_config()
    })
}

fn assert_401(reply: &Reply, needle: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    assert_eq!(
        reply.body.as_object().map(|body| body.len()),
        Some(1),
        "the envelope"
    );
    assert!(
        reply.message().contains(needle),
        "{:?} lacks {needle:?}",
        reply.message()
    );
}

#[actix_rt::test]
async fn in_strict_mode_a_bearer_token_is_its_tenants_and_mid_session_authentication_takes_it() {
    let app = strict_app();
    let bearer = "Bearer acme-token";
    let user = call(
        &app,
        Method::POST,
        "/end_users",
        bearer,
        None,
        Some(json!({"identifier": "bea"})),
    )
    .await;
    assert_eq!(user.status, StatusCode::OK, "{}", user.body);
    let user = user.body["id"].as_u64().unwrap();
    let chat = call(
        &app,
        Method::POST,
        "/chats",
        bearer,
        None,
        Some(json!({"end_user_id": user})),
    )
    .await;
    assert_eq!(chat.status, StatusCode::OK, "{}", chat.body);
    let chat = chat.body["id"].as_u64().unwrap();
    // The page's own sample, as it is written.
    let linked = call(
        &app,
        Method::POST,
        &format!("/chats/{chat}/end_user"),
        bearer,
        None,
        Some(
            json!({"identifier": "unique_external_id", "name": "Jane Smith",
                    "email": "janesmith@example.com", "phone": "098-765-4321"}),
        ),
    )
    .await;
    assert_eq!(linked.status, StatusCode::ACCEPTED, "{}", linked.body);
    assert_eq!(linked.body, json!({"message": "accepted"}));
    // The same tenant through Basic: the chat is acme's.
    let read_back = call(
        &app,
        Method::GET,
        &format!("/chats/{chat}"),
        &basic("acme", "acme-token"),
        None,
        None,
    )
    .await;
    assert_eq!(read_back.status, StatusCode::OK, "{}", read_back.body);
    assert_eq!(
        read_back.body["end_user"]["identifier"],
        "unique_external_id"
    );
    let journal = app.admin_get("/requests?tenant=acme").await;
    assert!(
        journal["count"].as_u64().unwrap() >= 4,
        "bearer requests are journaled under acme: {journal}"
    );
    assert!(
        !journal.to_string().contains("acme-token"),
        "the token is redacted"
    );

    assert_401(
        &call(
            &app,
            Method::GET,
            &format!("/chats/{chat}"),
            "Bearer wrong-token",
            None,
            None,
        )
        .await,
        "Invalid API token",
    );
    // A token two tenants share names neither, unless the Host does.
    assert_401(
        &call(
            &app,
            Method::GET,
            "/end_users?identifier=x",
            "Bearer shared-token",
            None,
            None,
        )
        .await,
        "several tenants",
    );
    let named = call(
        &app,
        Method::GET,
        "/end_users?identifier=x",
        "Bearer shared-token",
        Some("gamma.localhost"),
        None,
    )
    .await;
    assert_eq!(
        named.status,
        StatusCode::NOT_FOUND,
        "authenticated as gamma, no such end user: {}",
        named.body
    );
    // Another tenant's chat stays another tenant's.
    let other = call(
        &app,
        Method::GET,
        &format!("/chats/{chat}"),
        "Bearer shared-token",
        Some("beta.localhost"),
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[actix_rt::test]
async fn in_open_mode_the_hosts_first_label_names_the_tenant_of_a_bearer_token() {
    let app = spawn_app();
    let made = call(
        &app,
        Method::POST,
        "/end_users",
        &basic("hosted", "any-token"),
        None,
        Some(json!({"identifier": "hal"})),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let found = call(
        &app,
        Method::GET,
        "/end_users?identifier=hal",
        "Bearer any-token",
        Some("hosted.localhost:8080"),
        None,
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.body["id"], made.body["id"]);

    for host in [None, Some("localhost:8080"), Some("127.0.0.1")] {
        let reply = call(
            &app,
            Method::GET,
            "/end_users?identifier=hal",
            "Bearer any-token",
            host,
            None,
        )
        .await;
        assert_401(&reply, "acme.localhost");
        assert!(reply.message().contains("Basic"), "{}", reply.message());
    }
    for malformed in ["Bearer", "Bearer ", "Bearer two words", "Token abc"] {
        let reply = call(
            &app,
            Method::GET,
            "/end_users?identifier=hal",
            malformed,
            Some("hosted.localhost"),
            None,
        )
        .await;
        assert_401(&reply, "Authorization");
    }
}
