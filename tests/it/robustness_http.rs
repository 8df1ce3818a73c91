//! Issue 14, the HTTP surface: secrets are not answered in clear unless asked, compose
//! publishes on loopback only, every 405 says which methods the route has, the OpenAPI
//! document agrees with live answers (nullable fields, 415s), a slow body gets 408, and
//! the HTTP parser's own rejections carry the `{"message"}` envelope.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{spawn_app, spawn_app_with, test_config, DEADLINE};
use ccai_emulator::core::limits::Limits;

#[actix_rt::test]
async fn webhook_secrets_are_redacted_unless_the_caller_asks_for_them() {
    let app = spawn_app();
    let tenant = app.tenant("secrets");
    let path = format!("/tenants/{}/webhook", tenant.subdomain);
    let target = json!({"url": "http://127.0.0.1:9/hook", "primary_secret": "p-secret", "secondary_secret": "s-secret"});
    let set = app.admin(Method::PUT, &path, Some(target)).await;
    assert_eq!(set.status, StatusCode::OK);
    assert!(!set.body.to_string().contains("p-secret"), "{}", set.body);
    let read = app.admin_get(&path).await;
    assert_eq!(read["webhook"]["primary_secret"], "[redacted]");
    assert_eq!(read["webhook"]["secondary_secret"], "[redacted]");
    assert_eq!(read["secrets_revealed"], false);
    assert!(!read.to_string().contains("p-secret"), "{read}");
    let revealed = app.admin_get(&format!("{path}?reveal_secrets=true")).await;
    assert_eq!(revealed["webhook"]["primary_secret"], "p-secret");
    assert_eq!(revealed["webhook"]["secondary_secret"], "s-secret");
    let rotated = app.admin_post(&format!("{path}/rotate"), json!({})).await;
    assert_eq!(rotated["webhook"]["primary_secret"], "[redacted]");
}

#[test]
fn compose_publishes_the_emulator_on_the_hosts_loopback_only() {
    let compose =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml"))
            .unwrap();
    let mut in_ports = false;
    let mut published = Vec::new();
    for line in compose.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if trimmed == "ports:" {
            in_ports = true;
            continue;
        }
        match trimmed.strip_prefix("- ") {
            Some(mapping) if in_ports => published.push(mapping.trim_matches('"').to_owned()),
            _ => in_ports = false,
        }
    }
    assert!(!published.is_empty(), "no published port found");
    for mapping in published {
        // `${VARIABLE:-default}` publishes on its default unless the user sets it.
        let address = match mapping.strip_prefix("${") {
            Some(rest) => rest
                .split_once(":-")
                .and_then(|(_, default)| default.split_once('}'))
                .map(|(default, _)| default.to_owned())
                .unwrap_or_default(),
            None => mapping.split(':').next().unwrap_or_default().to_owned(),
        };
        assert_eq!(
            address, "127.0.0.1",
            "{mapping} is published on every interface"
        );
    }
}

/// A request path with every `{placeholder}` filled.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "1"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[actix_rt::test]
async fn every_405_names_the_methods_the_route_has_in_allow() {
    let app = spawn_app();
    let mut by_path: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for endpoint in ccai_emulator::startup::all_endpoints() {
        by_path
            .entry(endpoint.path)
            .or_default()
            .insert(endpoint.method);
    }
    for (path, methods) in by_path {
        let wrong = ["PATCH", "PUT", "DELETE", "POST", "GET"]
            .into_iter()
            .find(|method| !methods.contains(*method))
            .unwrap();
        let response = app
            .client
            .request(
                Method::from_bytes(wrong.as_bytes()).unwrap(),
                app.url(&concrete(&path)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{wrong} {path}"
        );
        let allow: BTreeSet<String> = response
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("{wrong} {path}: no Allow header"))
            .to_str()
            .unwrap()
            .split(',')
            .map(|method| method.trim().to_owned())
            .collect();
        assert_eq!(allow, methods, "{path}");
        let reply = crate::support::read(response).await;
        assert_eq!(reply.message(), "Method Not Allowed");
    }
}

/// Where `value` does not match `schema` (a small OpenAPI 3.1 subset: `$ref`, `allOf`,
/// `oneOf` with a `null` item, `type` (one or a list with `"null"`), `properties`,
/// `required`, `items`).
fn mismatches(document: &Value, value: &Value, schema: &Value, at: &str, found: &mut Vec<String>) {
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.trim_start_matches("#/components/schemas/");
        return mismatches(
            document,
            value,
            &document["components"]["schemas"][name],
            at,
            found,
        );
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(kind) => vec![kind.as_str()],
        Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    // `oneOf: [{"type": "null"}, X]` is how a nullable reference is written.
    let alternatives = schema["oneOf"].as_array().cloned().unwrap_or_default();
    let null_item = alternatives.iter().any(|item| item["type"] == "null");
    if value.is_null() {
        let typed = !types.is_empty() || schema.get("allOf").is_some() || null_item;
        if typed && !types.contains(&"null") && !null_item {
            found.push(format!("{at}: null, but the schema does not say nullable"));
        }
        return;
    }
    if null_item && alternatives.len() == 2 {
        let other = alternatives
            .iter()
            .find(|item| item["type"] != "null")
            .unwrap();
        return mismatches(document, value, other, at, found);
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        mismatches(document, value, part, at, found);
    }
    let fits = types.is_empty()
        || types.iter().any(|kind| match *kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => false,
        });
    if !fits {
        found.push(format!("{at}: {value} is not {}", schema["type"]));
        return;
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        let name = required.as_str().unwrap();
        if value.get(name).is_none() {
            found.push(format!("{at}.{name}: required but missing"));
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            if let Some(inner) = value.get(name) {
                mismatches(document, inner, property, &format!("{at}.{name}"), found);
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (index, item) in list.iter().enumerate() {
            mismatches(document, item, items, &format!("{at}[{index}]"), found);
        }
    }
}

fn documented_response<'a>(
    document: &'a Value,
    method: &str,
    path: &str,
    status: u16,
) -> &'a Value {
    let operation = &document["paths"][path][method.to_lowercase()];
    let mut response = &operation["responses"][status.to_string()];
    if let Some(target) = response["$ref"].as_str() {
        let name = target.trim_start_matches("#/components/responses/");
        response = &document["components"]["responses"][name];
    }
    assert!(
        response.is_object(),
        "{method} {path} does not document {status}"
    );
    &response["content"]["application/json"]["schema"]
}

#[actix_rt::test]
async fn the_openapi_document_agrees_with_what_the_server_answers() {
    let app = spawn_app();
    let document = app.admin_get("/openapi.json").await;
    let mut found = Vec::new();
    // The shipped fixtures have VTAs without description or greeting, steps without
    // lookup, an agent without avatar: nulls the document must allow.
    let vtas = app.admin_get("/task_virtual_agents").await;
    let schema = documented_response(&document, "GET", "/__admin/task_virtual_agents", 200);
    mismatches(&document, &vtas, schema, "task_virtual_agents", &mut found);
    for vta in vtas["task_virtual_agents"].as_array().unwrap() {
        let key = vta["key"].as_str().unwrap();
        let one = app.admin_get(&format!("/task_virtual_agents/{key}")).await;
        let schema =
            documented_response(&document, "GET", "/__admin/task_virtual_agents/{key}", 200);
        mismatches(&document, &one, schema, key, &mut found);
    }
    let center = app.admin_get("/contact_center").await;
    let schema = documented_response(&document, "GET", "/__admin/contact_center", 200);
    mismatches(&document, &center, schema, "contact_center", &mut found);
    assert!(found.is_empty(), "{found:#?}");

    // A non-JSON body on the agent's actions is a 415, and documented as one.
    let tenant = app.tenant("openapi");
    let (chat_id, _) = tenant.open_chat().await;
    for action in ["messages", "transfer"] {
        let path = format!("/__admin/chats/{chat_id}/agent/{action}");
        let response = app
            .client
            .post(app.url(&path))
            .insert_header(("Content-Type", "text/plain"))
            .send_body("hello")
            .await
            .unwrap();
        let reply = crate::support::read(response).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
        let template = format!("/__admin/chats/{{chat_id}}/agent/{action}");
        let schema = documented_response(&document, "POST", &template, 415);
        let mut found = Vec::new();
        mismatches(&document, &reply.body, schema, &path, &mut found);
        assert!(found.is_empty(), "{found:?}");
    }
}

/// Sends raw bytes and reads the whole answer (the server closes the connection).
fn raw_exchange(address: &str, request: &[u8]) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(read) => answer.extend_from_slice(&chunk[..read]),
            Err(error) => panic!(
                "no complete answer: {error}; got {:?}",
                String::from_utf8_lossy(&answer)
            ),
        }
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if length.is_some_and(|length| body.len() >= length) {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or_default();
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.to_owned())),
    )
}

#[actix_rt::test]
async fn a_body_that_does_not_arrive_in_time_gets_408_naming_the_flag() {
    let mut config = test_config();
    config.limits = Limits {
        body_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let app = spawn_app_with(config);
    let address = app
        .emulator
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let auth = crate::support::basic("slowloris", "token");
    let request = format!(
        "POST /apps/api/v1/end_users HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"ident"
    );
    let (status, body) =
        actix_web::rt::task::spawn_blocking(move || raw_exchange(&address, request.as_bytes()))
            .await
            .unwrap();
    assert_eq!(status, 408, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("--body-read-timeout"), "{body}");
    assert!(message.contains("CCAI_EMU_BODY_READ_TIMEOUT"), "{body}");
}

/// Everything the server sends until it closes the connection.
fn read_until_closed(address: &str, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server answers and closes");
    String::from_utf8_lossy(&answer).into_owned()
}

#[actix_rt::test]
async fn the_http_parsers_own_rejections_carry_the_envelope() {
    let app = spawn_app();
    let address = app
        .emulator
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let many_headers: String = (0..100).map(|index| format!("X-H{index}: v\r\n")).collect();
    let cases: Vec<(u16, String)> = vec![
        (431, format!("GET /__admin/health HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n")),
        (431, format!("GET /__admin/health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(140_000))),
        (400, "GET /__admin/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n".to_owned()),
        (400, "POST /apps/api/v1/end_users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".to_owned()),
        (400, "POST /apps/api/v1/end_users HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_owned()),
        (400, format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000))),
    ];
    for (status, request) in cases {
        let address = address.clone();
        let (answered, body) =
            actix_web::rt::task::spawn_blocking(move || raw_exchange(&address, request.as_bytes()))
                .await
                .unwrap();
        assert_eq!(answered, status, "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{status}: no envelope: {body}");
    }
    // A good request answered before a bad one on the same connection is left as it was.
    let pipelined =
        "GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nBad Header\r\n\r\n";
    let answer = actix_web::rt::task::spawn_blocking(move || {
        read_until_closed(&address, pipelined.as_bytes())
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains(r#""status":"ok""#), "{answer}");
    let rejection = &answer[answer.find("HTTP/1.1 400").expect("the 400")..];
    assert!(
        rejection.contains(r#"{"message":"Malformed HTTP request"#),
        "{rejection}"
    );
}

#[actix_rt::test]
async fn a_body_that_stops_arriving_gets_408_on_uploads_and_attachments_too() {
    let mut config = test_config();
    config.limits = Limits {
        body_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let app = spawn_app_with(config);
    let tenant = app.tenant("slow-files");
    let (chat, _) = tenant.open_chat().await;
    let address = app
        .emulator
        .base_url()
        .trim_start_matches("http://")
        .to_owned();
    let boundary = "slowboundary";
    let multipart_head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF"
    );
    let requests = [
        // The storage endpoint: S3's RequestTimeout, in its XML.
        format!(
            "POST /__storage/ccai-emulator-media HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 5000\r\n\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nchats/1"
        ),
        // An agent's attachment, raw and multipart: the envelope, naming the flag.
        format!(
            "POST /__admin/chats/{chat}/agent/attachments?filename=a.pdf HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\nContent-Length: 5000\r\n\r\n%PDF-1.4"
        ),
        format!(
            "POST /__admin/chats/{chat}/agent/attachments HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 5000\r\n\r\n{multipart_head}"
        ),
    ];
    for (index, request) in requests.into_iter().enumerate() {
        let address = address.clone();
        let (status, body) =
            actix_web::rt::task::spawn_blocking(move || raw_exchange(&address, request.as_bytes()))
                .await
                .unwrap();
        assert_eq!(status, 408, "request {index}: {body}");
        if index == 0 {
            let text = body.as_str().unwrap_or_default();
            assert!(text.contains("<Code>RequestTimeout</Code>"), "{text}");
        } else {
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.contains("--body-read-timeout"), "{body}");
        }
    }
}
