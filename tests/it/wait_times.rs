//! `GET /apps/api/v1/wait_times` (pages "Estimated wait time API" and "Wait time
//! endpoints") over HTTP: the shipped fixtures' menus with the fields of both pages,
//! every filter (`lang`, `menu_id` with its sub-menus, `menu_type`, `channel_type`,
//! `wait[from]`, `wait[to]`), a 400 in the envelope naming each bad parameter, and the
//! figures changed per tenant on the control plane (and back).

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{spawn_app, TenantClient};

async fn wait_times(tenant: &TenantClient<'_>, query: &str) -> Value {
    let reply = tenant
        .call(Method::GET, &format!("/wait_times?{query}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
    reply.body
}

fn menu_ids(answer: &Value) -> Vec<u64> {
    answer
        .as_array()
        .expect("a list")
        .iter()
        .map(|menu| menu["menu_id"].as_u64().unwrap())
        .collect()
}

#[actix_rt::test]
async fn every_menu_of_a_language_is_listed_with_the_fields_of_both_pages() {
    let app = spawn_app();
    let tenant = app.tenant("wait-times");
    let english = wait_times(&tenant, "lang=en").await;
    assert_eq!(menu_ids(&english), [1, 2, 3]);
    assert_eq!(
        english[0],
        json!({
            "menu_id": 1, "menu_type": "web_menu", "materialized_path": "General support",
            "wait": 2, "chat": 45, "voice_call": 90,
            "logged_in_agents": 3, "available_agents": 1, "breakthrough_agents": 0
        }),
        "wait is the longest channel's, in minutes rounded up; chat and voice_call in seconds"
    );
    assert_eq!(
        english[2]["voice_call"],
        Value::Null,
        "orders takes no calls"
    );
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=ES").await),
        [1],
        "only general speaks es"
    );
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=fr").await),
        Vec::<u64>::new()
    );

    let chats = wait_times(&tenant, "lang=en&channel_type=chat").await;
    assert_eq!(menu_ids(&chats), [1, 2, 3]);
    assert_eq!(chats[1]["chat"], 900);
    assert_eq!(chats[1]["wait"], 15);
    assert!(chats
        .as_array()
        .unwrap()
        .iter()
        .all(|menu| menu.get("voice_call").is_none()));
    let calls = wait_times(&tenant, "lang=en&channel_type=voice_call").await;
    assert_eq!(menu_ids(&calls), [1, 2], "orders takes no calls");
    assert_eq!(calls[1]["wait"], 20);

    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=en&menu_type=mobile_menu").await),
        [3]
    );
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=en&menu_type=all").await),
        [1, 2, 3]
    );
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=en&menu_id=2").await),
        [2]
    );
    // Waits (no channel asked): general 2 min, billing 20, orders 2; both bounds exclusive.
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=en&wait%5Bfrom%5D=2").await),
        [2]
    );
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=en&wait%5Bto%5D=20").await),
        [1, 3]
    );
    assert_eq!(
        menu_ids(
            &wait_times(
                &tenant,
                "lang=en&channel_type=chat&wait%5Bfrom%5D=1&wait%5Bto%5D=16"
            )
            .await
        ),
        [2, 3],
        "chat waits: general 1 min, billing 15, orders 2"
    );
}

#[actix_rt::test]
async fn a_missing_language_or_a_bad_parameter_is_a_400_naming_it() {
    let app = spawn_app();
    let tenant = app.tenant("wait-times-bad");
    for (query, needle) in [
        ("", "lang is required"),
        ("lang=", "lang is required"),
        ("lang=e%20n", "lang"),
        (
            "lang=en&wait%5Bfrom%5D=0",
            "wait[from] must be a positive integer",
        ),
        (
            "lang=en&wait%5Bto%5D=-3",
            "wait[to] must be a positive integer",
        ),
        ("lang=en&wait%5Bfrom%5D=soon", "wait[from]"),
        ("lang=en&menu_id=x", "menu_id must be a positive integer"),
        (
            "lang=en&menu_id=99",
            "menu_id 99 is not a menu (menus: 1, 2, 3)",
        ),
        (
            "lang=en&menu_type=sms_menu",
            "menu_type \"sms_menu\" is not one of",
        ),
        (
            "lang=en&channel_type=email",
            "channel_type \"email\" is not one of voice_call, chat",
        ),
    ] {
        let reply = tenant
            .call(Method::GET, &format!("/wait_times?{query}"), None)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.body
        );
        assert_eq!(reply.body.as_object().unwrap().len(), 1, "the envelope");
        assert!(
            reply.message().contains(needle),
            "{query}: {}",
            reply.message()
        );
    }
    let anonymous = app
        .send(Method::GET, "/apps/api/v1/wait_times?lang=en", None, None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn the_control_plane_changes_one_tenants_figures_and_puts_them_back() {
    let app = spawn_app();
    let busy = app.tenant("wait-busy");
    let calm = app.tenant("wait-calm");
    let path = format!("/tenants/{}/queues/general/wait_time", busy.subdomain);
    let set = app
        .admin(
            Method::PUT,
            &path,
            Some(json!({"chat": 600, "available_agents": 0})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["wait_time"]["chat"], 600);
    assert_eq!(
        set.body["wait_time"]["voice_call"], 90,
        "the other figures stay"
    );
    assert_eq!(set.body["default_wait_time"]["chat"], 45);
    assert_eq!(set.body["menu_id"], 1);

    let general = &wait_times(&busy, "lang=en&channel_type=chat&menu_id=1").await[0];
    assert_eq!(
        (general["chat"].clone(), general["wait"].clone()),
        (json!(600), json!(10))
    );
    assert_eq!(general["available_agents"], 0);
    let untouched = &wait_times(&calm, "lang=en&channel_type=chat&menu_id=1").await[0];
    assert_eq!(
        untouched["chat"], 45,
        "another tenant keeps the fixture's figures"
    );
    let listed = app
        .admin_get(&format!("/tenants/{}/queues", busy.subdomain))
        .await;
    assert_eq!(listed["queues"][0]["wait_time"]["chat"], 600);

    for (body, needle) in [
        (json!({}), "Nothing to change"),
        (json!({"chat": -1}), "chat"),
        (json!({"colour": 1}), "colour"),
    ] {
        let refused = app.admin(Method::PUT, &path, Some(body)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused.message().contains(needle), "{}", refused.message());
    }
    let unknown = app
        .admin(
            Method::PUT,
            &format!("/tenants/{}/queues/nope/wait_time", busy.subdomain),
            Some(json!({"chat": 1})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.message().contains("is not a queue"));

    assert_eq!(
        app.admin(Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.admin(Method::DELETE, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    let back = &wait_times(&busy, "lang=en&channel_type=chat&menu_id=1").await[0];
    assert_eq!(back["chat"], 45);
}

#[actix_rt::test]
async fn menu_id_lists_a_menu_and_its_sub_menus_from_a_contact_center_uploaded_at_run_time() {
    let app = spawn_app();
    let mut document = app.admin_get("/contact_center").await;
    let queues = document["queues"].as_array_mut().unwrap();
    // Billing (2) and orders (3) become sub-menus of general (1), orders under billing.
    queues[1]["wait_time"]["parent_menu_id"] = json!(1);
    queues[2]["wait_time"]["parent_menu_id"] = json!(2);
    let uploaded = app
        .admin(Method::PUT, "/contact_center", Some(document.clone()))
        .await;
    assert!(uploaded.status.is_success(), "{}", uploaded.body);
    let tenant = app.tenant("wait-tree");
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=en&menu_id=1").await),
        [1, 2, 3]
    );
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=en&menu_id=2").await),
        [2, 3]
    );
    assert_eq!(
        menu_ids(&wait_times(&tenant, "lang=en&menu_id=3").await),
        [3]
    );

    // A cycle, or a parent that is no menu, is refused naming the place.
    let queues = document["queues"].as_array_mut().unwrap();
    queues[0]["wait_time"]["parent_menu_id"] = json!(3);
    let cycle = app
        .admin(Method::PUT, "/contact_center", Some(document.clone()))
        .await;
    assert_eq!(cycle.status, StatusCode::BAD_REQUEST, "{}", cycle.body);
    assert!(
        cycle.message().contains("parent_menu_id"),
        "{}",
        cycle.message()
    );
    let queues = document["queues"].as_array_mut().unwrap();
    queues[0]["wait_time"]["parent_menu_id"] = json!(42);
    let unknown = app
        .admin(Method::PUT, "/contact_center", Some(document))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
    assert!(
        unknown
            .message()
            .contains("42 is not the menu_id of a queue"),
        "{}",
        unknown.message()
    );
}
