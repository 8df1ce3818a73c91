//! The OpenAPI document at `/__admin/openapi.json` against the routes the server has:
//! the document and the route table (`ccai_emulator::startup::all_endpoints`, recorded as routes are
//! registered) list the same operations, every `$ref` resolves, and every documented
//! operation, called on a running server with real ids, is answered by a route (never
//! the unknown-route 404 or a 405).

use std::collections::BTreeSet;

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{spawn_app, WebhookReceiver};

fn documented(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            operations.insert((method.to_uppercase(), path.clone()));
        }
    }
    operations
}

fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

#[actix_rt::test]
async fn the_document_lists_exactly_the_registered_routes() {
    let app = spawn_app();
    let document = app.admin_get("/openapi.json").await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let registered: BTreeSet<(String, String)> = ccai_emulator::startup::all_endpoints()
        .into_iter()
        .map(|endpoint| (endpoint.method, endpoint.path))
        .collect();
    let in_document = documented(&document);
    let undocumented: Vec<_> = registered.difference(&in_document).collect();
    let not_registered: Vec<_> = in_document.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        not_registered.is_empty(),
        "documented but not served: {not_registered:?}"
    );
    assert!(registered.contains(&("PUT".into(), "/__admin/tenants/{tenant}/snapshot".into())));
    assert!(registered.contains(&("POST".into(), "/apps/api/v1/chats/{chat_id}/message".into())));
}

#[actix_rt::test]
async fn every_reference_resolves_and_the_main_objects_have_schemas() {
    let app = spawn_app();
    let document = app.admin_get("/openapi.json").await;
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let pointer = target.strip_prefix('#').expect("local reference");
        assert!(
            document.pointer(pointer).is_some(),
            "{target} does not resolve"
        );
    }
    for name in [
        "EndUser",
        "Chat",
        "MessageInput",
        "Message",
        "Error",
        "WebhookTarget",
        "Delivery",
        "Snapshot",
    ] {
        assert!(
            document["components"]["schemas"][name]["properties"].is_object(),
            "{name}"
        );
    }
}

#[actix_rt::test]
async fn every_documented_operation_is_answered_by_a_route() {
    let app = spawn_app();
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("openapi");
    tenant.use_receiver(&receiver).await;
    let (chat, _) = tenant.open_chat().await;
    receiver
        .wait_for_chat(chat, "chat_created", |received| !received.is_empty())
        .await;
    let deliveries = app
        .admin_get(&format!("/webhooks/deliveries?chat_id={chat}"))
        .await;
    let delivery = deliveries["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let document = app.admin_get("/openapi.json").await;
    let operations = documented(&document);
    assert!(operations.len() >= 30, "{}", operations.len());
    for (method, path) in operations {
        let mut url = path
            .replace("{chat_id}", &chat.to_string())
            .replace("{tenant}", &tenant.subdomain)
            .replace("{id}", &delivery)
            .replace("{key}", "one_time_code")
            .replace("{escalation_id}", "1")
            .replace("{queue_id}", "general")
            .replace(
                "{bucket}",
                ccai_emulator::features::media::upload_policy::BUCKET,
            )
            .replace("{media_id}", "1");
        if url == "/__admin/reset" {
            // Only a tenant nobody uses, so the rest of the walk keeps its state.
            url.push_str("?tenant=nobody-uses-this");
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        if url == "/__admin/events" {
            // A stream that never ends: look at the head of the answer only.
            let response = app.client.get(app.url(&url)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "GET {url}");
            let content_type = response.headers().get("content-type").unwrap();
            assert!(content_type
                .to_str()
                .unwrap()
                .starts_with("text/event-stream"));
            continue;
        }
        let body = matches!(method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}));
        let auth = url.starts_with("/apps/").then(|| tenant.auth());
        let reply = app.send(method.clone(), &url, auth.as_deref(), body).await;
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {url}"
        );
        assert!(
            !(reply.status == StatusCode::NOT_FOUND && reply.message() == "Not Found"),
            "{method} {url} fell through to the unknown-route answer: {}",
            reply.body
        );
        assert!(
            reply.status.as_u16() < 500,
            "{method} {url}: {}",
            reply.body
        );
    }
}

fn query_parameters(document: &Value, path: &str) -> BTreeSet<String> {
    document["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("GET {path} has parameters"))
        .iter()
        .filter(|parameter| parameter["in"] == "query")
        .map(|parameter| parameter["name"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn the_chat_long_polls_document_their_conditions_and_the_server_honours_them() {
    let app = spawn_app();
    let document = app.admin_get("/openapi.json").await;
    let conditions = [
        "wait",
        "routing_state",
        "status",
        "min_messages",
        "contains",
    ];
    for path in [
        "/__admin/chats/{chat_id}",
        "/__admin/chats/{chat_id}/transcript",
    ] {
        let documented = query_parameters(&document, path);
        for name in conditions {
            assert!(
                documented.contains(name),
                "GET {path} lacks {name}: {documented:?}"
            );
        }
        let answers = &document["paths"][path]["get"]["responses"];
        for status in ["200", "400", "404", "408", "503"] {
            assert!(answers[status].is_object(), "GET {path} lacks {status}");
        }
    }
    assert!(query_parameters(&document, "/__admin/chats/{chat_id}/transcript").contains("view"));

    // Each documented condition is one the server reads: a bad value is a 400 naming it.
    let tenant = app.tenant("documented-conditions");
    let (chat, _) = tenant.open_chat().await;
    for (query, named) in [
        ("routing_state=nowhere&wait=1s", "routing_state"),
        ("status=nowhere&wait=1s", "status"),
        ("min_messages=-1", "min_messages"),
        ("wait=forever", "wait"),
    ] {
        let reply = app
            .admin(Method::GET, &format!("/chats/{chat}?{query}"), None)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.body
        );
        assert!(reply.message().contains(named), "{query}: {}", reply.body);
    }
    let reply = app
        .admin(
            Method::GET,
            &format!("/chats/{chat}/transcript?min_messages=1&contains=&wait=5s"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// With `--admin-token`, every control-plane operation asked without the token answers 401
/// exactly when its document says it needs the token: the open routes (the console page
/// and its icon) name no security and no 401; the others name the token and their 401.
#[actix_rt::test]
async fn the_document_asks_for_the_admin_token_exactly_where_the_server_does() {
    let app = crate::support::spawn_app_with(ccai_emulator::Config {
        admin_token: Some("only-for-data".into()),
        ..crate::support::test_config()
    });
    let response = app
        .client
        .get(app.url("/__admin/openapi.json"))
        .insert_header(("Authorization", "Bearer only-for-data"))
        .send()
        .await
        .unwrap();
    let document = crate::support::read(response).await.body;
    let mut open = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/__admin") || path == "/__admin/events" {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let concrete = path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        "1"
                    } else {
                        segment
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let answer = app
                .client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    app.url(&concrete),
                )
                .send()
                .await
                .unwrap();
            let needs_token = answer.status() == StatusCode::UNAUTHORIZED;
            let security = &operation["security"];
            let names_token = security
                .as_array()
                .is_some_and(|list| list.iter().any(|item| item.get("adminToken").is_some()));
            let documents_401 = operation["responses"].get("401").is_some();
            assert_eq!(
                (names_token, documents_401),
                (needs_token, needs_token),
                "{method} {path}: answered {} without the token; security {security}",
                answer.status()
            );
            if !needs_token {
                assert_eq!(security, &json!([]), "{method} {path}");
                open.push(path.clone());
            }
        }
    }
    open.sort();
    assert_eq!(open, ["/__admin/console", "/__admin/console/favicon.svg"]);
}
