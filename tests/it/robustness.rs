//! Issue 14: no way to exhaust the emulator, no way to hang it. One test per defect, each
//! against the real server on 127.0.0.1 (and, for webhooks, a real receiver): the
//! webhook timeout covers a slowly sent body, open mode creates no tenant for a refused
//! request and stops at `--max-tenants`, the request and delivery journals are bounded in
//! bytes and attempts, and a webhook pointing at the emulator itself is refused.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{
    basic, spawn_app, spawn_app_with, test_config, TestApp, WebhookReceiver, DEADLINE,
};
use ccai_emulator::core::domain::ChatId;
use ccai_emulator::core::limits::Limits;
use ccai_emulator::features::webhooks::delivery_journal::{DeliveryFilter, DeliveryStatus};
use ccai_emulator::features::webhooks::retry::RetryPolicy;

/// A receiver that answers `200` with a 1,000-byte body, then sends it one byte every
/// 100 ms (pacing the sender, not a wait of the test) until the emulator hangs up.
fn start_trickling_receiver() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0u8; 65_536];
                let _ = stream.read(&mut request);
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for _ in 0..300 {
                    std::thread::sleep(Duration::from_millis(100));
                    if stream
                        .write_all(b"x")
                        .and_then(|()| stream.flush())
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

#[actix_rt::test]
async fn webhook_timeout_covers_a_slowly_sent_response_body() {
    let mut config = test_config();
    config.retry = RetryPolicy {
        schedule: vec![Duration::from_millis(20)],
        timeout: Duration::from_millis(400),
        jitter: 0.0,
        ..RetryPolicy::default()
    };
    let app = spawn_app_with(config);
    let tenant = app.tenant("slowbody");
    let reply = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/webhook", tenant.subdomain),
            Some(json!({"url": start_trickling_receiver(), "primary_secret": "s"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (chat_id, _) = tenant.open_chat().await;
    let filter = DeliveryFilter {
        chat_id: Some(ChatId(chat_id)),
        ..DeliveryFilter::default()
    };
    // The trickle would take 100 s; the 400 ms timeout must end each attempt long before.
    let deliveries = app
        .wait_for_deliveries(&filter, DEADLINE, "the first delivery to fail", |list| {
            list.first()
                .is_some_and(|first| first.status == DeliveryStatus::Failed)
        })
        .await;
    let first = &deliveries[0];
    assert_eq!(first.attempts.len(), 2, "{:?}", first.attempts);
    for attempt in &first.attempts {
        assert_eq!(attempt.status_code, Some(200));
        let error = attempt.error.as_deref().unwrap_or_default();
        assert!(error.contains("timed out"), "{error}");
        assert!(error.contains("response body"), "{error}");
        assert!(!attempt.succeeded());
    }
}

fn with_limits(limits: Limits) -> TestApp {
    let mut config = test_config();
    config.limits = limits;
    spawn_app_with(config)
}

async fn tenant_names(app: &TestApp) -> Vec<String> {
    app.admin_get("/tenants").await["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tenant| tenant["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn upsert_as(app: &TestApp, subdomain: &str) -> crate::support::Reply {
    app.send(
        Method::POST,
        "/apps/api/v1/end_users",
        Some(&basic(subdomain, "token")),
        Some(json!({"identifier": "someone"})),
    )
    .await
}

#[actix_rt::test]
async fn open_mode_stops_at_max_tenants_and_creates_no_tenant_for_a_refused_request() {
    let app = with_limits(Limits {
        max_tenants: 3,
        ..Limits::default()
    });
    let before = tenant_names(&app).await;
    assert_eq!(before, vec!["demo".to_owned()], "the seeded tenant only");
    // Requests that store nothing (here: 404s) create no tenant.
    for path in ["/apps/api/v1/chats/999999", "/apps/api/v1/end_users?id=1"] {
        let reply = app
            .send(Method::GET, path, Some(&basic("ghost", "token")), None)
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    let reply = app
        .send(Method::GET, "/apps/api/v1/chats/1", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(tenant_names(&app).await, before);

    for subdomain in ["first", "second"] {
        let reply = upsert_as(&app, subdomain).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let refused = upsert_as(&app, "third").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.message().contains("--max-tenants"),
        "{}",
        refused.body
    );
    assert!(
        refused.message().contains("CCAI_EMU_MAX_TENANTS"),
        "{}",
        refused.body
    );
    assert_eq!(tenant_names(&app).await, ["demo", "first", "second"]);
    // Existing tenants go on working.
    assert_eq!(upsert_as(&app, "first").await.status, StatusCode::OK);

    let limits = app.admin_get("/limits").await;
    let tenants = limits["limits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|limit| limit["name"] == "tenants")
        .unwrap()
        .clone();
    assert_eq!(
        (tenants["limit"].clone(), tenants["used"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(tenants["env"], "CCAI_EMU_MAX_TENANTS");
}

#[actix_rt::test]
async fn subdomains_longer_than_one_dns_label_are_refused_and_create_nothing() {
    let app = spawn_app();
    let longest = "a".repeat(63);
    assert_eq!(upsert_as(&app, &longest).await.status, StatusCode::OK);
    let too_long = "b".repeat(64);
    let refused = upsert_as(&app, &too_long).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.message().contains("--max-subdomain-length"),
        "{}",
        refused.body
    );
    let huge = "c".repeat(45_000);
    let refused = upsert_as(&app, &huge).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let names = tenant_names(&app).await;
    assert!(names.contains(&longest));
    assert!(names.iter().all(|name| name.len() <= 63), "{names:?}");
}

#[actix_rt::test]
async fn the_request_journal_keeps_at_most_its_entry_bytes_per_request() {
    let entry_bytes = 4_096;
    let app = with_limits(Limits {
        request_journal_entry_bytes: entry_bytes,
        ..Limits::default()
    });
    let tenant = app.tenant("journal");
    let query = format!("identifier={}", "q".repeat(60_000));
    let mut request = app
        .client
        .get(app.url(&format!("/apps/api/v1/end_users?{query}")))
        .insert_header(("Authorization", tenant.auth()));
    for _ in 0..80 {
        request = request.append_header(("X-Repeated", "r".repeat(500)));
    }
    let reply = crate::support::read(request.send().await.unwrap()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let big_body = json!({"identifier": "x".repeat(100_000)});
    tenant
        .call(Method::POST, "/end_users", Some(big_body))
        .await;

    let journal = app
        .admin_get(&format!("/requests?tenant={}", tenant.subdomain))
        .await;
    let entries = journal["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{journal}");
    for entry in entries {
        let kept: usize = entry["path"].as_str().unwrap().len()
            + entry["query"].as_str().map_or(0, str::len)
            + entry["tenant"].as_str().map_or(0, str::len)
            + entry["method"].as_str().unwrap().len()
            + entry["headers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, value)| name.len() + value.as_str().unwrap().len())
                .sum::<usize>()
            + match &entry["body"] {
                Value::Null => 0,
                Value::String(text) => text.len(),
                other => other.to_string().len(),
            };
        assert!(kept <= entry_bytes, "{kept} bytes kept: {entry}");
    }
    assert_eq!(entries[0]["head_truncated"], true);
    assert!(entries[0]["headers"]["x-repeated"].as_str().unwrap().len() <= 512);
    assert_eq!(entries[1]["body_truncated"], true);
    assert!(entries[1]["body_bytes"].as_u64().unwrap() > 100_000);
}

#[actix_rt::test]
async fn finished_deliveries_keep_a_capped_payload_and_capped_attempts() {
    let mut config = test_config();
    config.limits = Limits {
        delivery_payload_cap: 2_048,
        delivery_attempts_cap: 3,
        // A message larger than the default --max-message-bytes, for a large payload.
        max_message_bytes: 200_000,
        ..Limits::default()
    };
    config.retry.schedule = vec![Duration::from_millis(1); 6];
    let app = spawn_app_with(config);
    let receiver = WebhookReceiver::start();
    let tenant = app.tenant("caps");
    tenant.use_receiver(&receiver).await;
    let (chat_id, user) = tenant.open_chat().await;
    let long_text = "y".repeat(200_000);
    tenant.says(chat_id, user, &long_text).await;
    let filter = DeliveryFilter {
        chat_id: Some(ChatId(chat_id)),
        ..DeliveryFilter::default()
    };
    let deliveries = app
        .wait_for_deliveries(&filter, DEADLINE, "every delivery to finish", |list| {
            list.len() >= 3 && list.iter().all(|delivery| delivery.is_finished())
        })
        .await;
    let long = deliveries
        .iter()
        .find(|delivery| delivery.payload_bytes > 200_000)
        .expect("the long message's delivery");
    assert_eq!(long.status, DeliveryStatus::Delivered);
    assert!(long.payload_truncated);
    // The receiver got the whole payload before it was trimmed.
    let arrived = receiver
        .received()
        .into_iter()
        .find(|received| received.raw.len() > 200_000);
    assert!(arrived.is_some(), "the whole payload was sent");
    let shown = app
        .admin_get(&format!("/webhooks/deliveries/{}", long.id))
        .await;
    assert_eq!(shown["payload"].as_str().unwrap().len(), 2_048);
    let redeliver = app
        .admin(
            Method::POST,
            &format!("/webhooks/deliveries/{}/redeliver", long.id),
            None,
        )
        .await;
    assert_eq!(redeliver.status, StatusCode::CONFLICT, "{}", redeliver.body);
    assert!(redeliver.message().contains("--delivery-payload-cap"));

    // A receiver that always fails: seven attempts are made, three are kept.
    receiver.respond_next_with(&[500; 7]);
    app.admin_post(
        &format!("/chats/{chat_id}/agent/messages"),
        json!({"text": "again"}),
    )
    .await;
    let failed = app
        .wait_for_deliveries(&filter, DEADLINE, "a failed delivery", |list| {
            list.iter()
                .any(|delivery| delivery.status == DeliveryStatus::Failed)
        })
        .await;
    let failed = failed
        .iter()
        .find(|delivery| delivery.status == DeliveryStatus::Failed)
        .unwrap();
    assert_eq!(failed.attempts.len(), 3, "{:?}", failed.attempts);
    assert_eq!(failed.attempts_dropped, 4);
    let stats = app.admin_get("/webhooks/stats").await;
    assert!(stats["attempts_dropped"].as_u64().unwrap() >= 4, "{stats}");
    assert!(stats["payloads_trimmed"].as_u64().unwrap() >= 1, "{stats}");
}

#[actix_rt::test]
async fn webhook_targets_pointing_at_the_emulator_itself_are_refused_as_a_loop() {
    let app = spawn_app();
    let tenant = app.tenant("loop");
    let port = app.emulator.port();
    for host in ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"] {
        let url = format!("http://{host}:{port}/__admin/webhooks/deliveries/x/redeliver");
        let reply = app
            .admin(
                Method::PUT,
                &format!("/tenants/{}/webhook", tenant.subdomain),
                Some(json!({"url": url, "primary_secret": "s"})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{url}: {}",
            reply.body
        );
        assert!(reply.message().contains("loop"), "{}", reply.body);
    }
    // A snapshot cannot smuggle one in either.
    let mut snapshot = app
        .admin_get(&format!("/tenants/{}/snapshot", tenant.subdomain))
        .await;
    snapshot["webhook"] =
        json!({"url": format!("http://127.0.0.1:{port}/"), "primary_secret": "s"});
    let reply = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/snapshot", tenant.subdomain),
            Some(snapshot),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.message().contains("loop"), "{}", reply.body);
    assert_eq!(
        app.admin(
            Method::GET,
            &format!("/tenants/{}/webhook", tenant.subdomain),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[actix_rt::test]
async fn other_spellings_of_loopback_are_refused_as_a_loop_too() {
    let app = spawn_app();
    let tenant = app.tenant("loop-spellings");
    let port = app.emulator.port();
    // inet_aton's short forms, decimal, hex and octal, an IPv4-mapped IPv6 address and 0:
    // the HTTP client resolves each one to this emulator.
    for host in [
        "127.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "[::ffff:127.0.0.1]",
        "0",
        "LOCALHOST",
    ] {
        let url = format!("http://{host}:{port}/__admin/reset");
        let reply = app
            .admin(
                Method::PUT,
                &format!("/tenants/{}/webhook", tenant.subdomain),
                Some(json!({"url": url, "primary_secret": "s"})),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{url}: {}",
            reply.body
        );
        assert!(reply.message().contains("loop"), "{}", reply.body);
    }
    // The same spellings at another port are someone else's.
    let reply = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/webhook", tenant.subdomain),
            Some(json!({"url": format!("http://127.1:{}/hook", port + 1), "primary_secret": "s"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// A receiver that answers 200 declaring a 100,000-byte body and sends only its first
/// bytes (then holds the connection until the emulator hangs up).
fn start_receiver_declaring_a_large_body() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/large", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut request = [0u8; 65_536];
                let _ = stream.read(&mut request);
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\nonly this";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                // Blocks until the emulator closes the connection.
                let _ = stream.read(&mut request);
            });
        }
    });
    url
}

#[actix_rt::test]
async fn a_response_declaring_a_body_over_64_kib_is_read_under_the_same_timeout() {
    let mut config = test_config();
    config.retry = RetryPolicy {
        schedule: vec![Duration::from_millis(20)],
        timeout: Duration::from_millis(400),
        jitter: 0.0,
        ..RetryPolicy::default()
    };
    let app = spawn_app_with(config);
    let tenant = app.tenant("largebody");
    let reply = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/webhook", tenant.subdomain),
            Some(json!({"url": start_receiver_declaring_a_large_body(), "primary_secret": "s"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (chat_id, _) = tenant.open_chat().await;
    let filter = DeliveryFilter {
        chat_id: Some(ChatId(chat_id)),
        ..DeliveryFilter::default()
    };
    // The body never arrives whole: no attempt counts as delivered.
    let deliveries = app
        .wait_for_deliveries(&filter, DEADLINE, "the first delivery to fail", |list| {
            list.first().is_some_and(|first| {
                first.status != DeliveryStatus::Pending && first.status != DeliveryStatus::Retrying
            })
        })
        .await;
    let first = &deliveries[0];
    assert_eq!(first.status, DeliveryStatus::Failed, "{first:?}");
    for attempt in &first.attempts {
        assert_eq!(attempt.status_code, Some(200));
        let error = attempt.error.as_deref().unwrap_or_default();
        assert!(error.contains("response body"), "{error}");
        assert_eq!(
            attempt.response_body.as_deref(),
            Some("only this"),
            "{attempt:?}"
        );
    }
}
