//! The per-tenant rate limit through real HTTP: off by default; when on, a burst over the
//! limit gets 429 with `Retry-After` and the envelope, other tenants are unaffected, the
//! control plane is never limited, and the rejections are journaled.

use crate::support::{spawn_app, spawn_app_with, test_config, Reply, TestApp};
use awc::http::StatusCode;
use futures_util::future::join_all;

/// GET /end_users for `auth`; returns the reply and its Retry-After header.
async fn lookup(app: &TestApp, auth: &str) -> (Reply, Option<String>) {
    let response = app
        .client
        .get(app.url("/apps/api/v1/end_users?identifier=nobody"))
        .insert_header(("Authorization", auth))
        .send()
        .await
        .expect("the emulator answers");
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    (crate::support::read(response).await, retry_after)
}

#[actix_rt::test]
async fn a_burst_over_the_limit_gets_429_and_other_tenants_are_unaffected() {
    let app = spawn_app_with(ccai_emulator::Config {
        limits: ccai_emulator::core::limits::Limits {
            rate_limit: Some(3),
            ..ccai_emulator::core::limits::Limits::default()
        },
        ..test_config()
    });
    let busy = app.tenant("busy");
    let quiet = app.tenant("quiet");
    let auth = busy.auth();
    let replies = join_all((0..12).map(|_| lookup(&app, &auth))).await;

    let limited: Vec<_> = replies
        .iter()
        .filter(|(reply, _)| reply.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(!limited.is_empty(), "12 requests at once, none limited");
    assert!(
        replies.len() - limited.len() >= 3,
        "the first 3 are admitted"
    );
    for (reply, retry_after) in &limited {
        assert!(
            reply.message().contains("3 requests per second per tenant"),
            "{}",
            reply.body
        );
        let seconds: u64 = retry_after
            .as_deref()
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert!(seconds >= 1);
    }

    let (other, retry_after) = lookup(&app, &quiet.auth()).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.body);
    assert!(retry_after.is_none());

    for _ in 0..20 {
        app.admin_get("/health").await;
    }
    let journaled = app
        .admin_get(&format!("/requests?tenant={}&status=429", busy.subdomain))
        .await;
    assert_eq!(journaled["count"].as_u64().unwrap() as usize, limited.len());
    let health = app.admin_get("/health").await;
    assert_eq!(health["rate_limit_per_second"], 3);
}

#[actix_rt::test]
async fn without_the_flag_there_is_no_limit() {
    let app = spawn_app();
    let tenant = app.tenant("unlimited");
    let auth = tenant.auth();
    let replies = join_all((0..30).map(|_| lookup(&app, &auth))).await;
    assert!(replies
        .iter()
        .all(|(reply, _)| reply.status == StatusCode::NOT_FOUND));
    assert!(app.admin_get("/health").await["rate_limit_per_second"].is_null());
}
