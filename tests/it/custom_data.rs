//! Custom data and the reserved data properties (page "Send reserved data properties")
//! over HTTP: sent with `POST /chats` in the SDK guides' shape (flat or under `chat`) and
//! after the chat began with `POST /chats/{id}/custom_data` as the public Go client sends
//! it; each bad shape is a 400 naming the field, with nothing created or changed; stored
//! with the chat, shown to the human agent (user profile flags; `invisible_to_agent`
//! entries hidden, never a reserved property), in the record, in snapshots and across a
//! restart on `--state-dir`; and bounded by `--max-custom-data-per-chat`.

use awc::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::persistence::StateDir;
use crate::support::{spawn_app, spawn_app_with, test_config, TenantClient, TestApp};

fn reserved(verified: bool, bad_actor: bool) -> Value {
    json!({
        "reserved_verified_customer": {"label": "Verified Customer", "value": verified, "type": "boolean"},
        "reserved_bad_actor": {"label": "Bad Actor", "value": bad_actor, "type": "boolean"},
        "reserved_repeat_customer": {"label": "Repeat Customer", "value": true, "type": "boolean"}
    })
}

async fn open_with(tenant: &TenantClient<'_>, body: Value) -> crate::support::Reply {
    tenant.call(Method::POST, "/chats", Some(body)).await
}

async fn view(app: &TestApp, chat: u64, view: &str) -> Value {
    app.admin_get(&format!("/chats/{chat}/transcript?view={view}"))
        .await
}

fn flags(value: &Value) -> Vec<&str> {
    value["user_profile_flags"]
        .as_array()
        .expect("a list of flags")
        .iter()
        .map(|flag| flag["flag"].as_str().unwrap())
        .collect()
}

#[actix_rt::test]
async fn reserved_properties_sent_with_the_chat_reach_the_agent_as_user_profile_flags() {
    let app = spawn_app();
    let tenant = app.tenant("reserved");
    let user = tenant.end_user("ada").await;
    let mut data = reserved(true, false);
    data["plan"] = json!({"label": "Plan", "value": "gold"});
    data["internal_score"] =
        json!({"label": "Score", "value": 7, "type": "number", "invisible_to_agent": true});
    data["reserved_bad_actor"]["invisible_to_agent"] = json!(true);
    let opened = open_with(&tenant, json!({"end_user_id": user, "custom_data": data})).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    let chat = opened.body["id"].as_u64().unwrap();
    assert!(
        opened.body.get("custom_data").is_none(),
        "the chat object is as published"
    );

    let record = app.admin_get(&format!("/chats/{chat}")).await;
    assert_eq!(
        record["custom_data"], data,
        "the record keeps every entry as sent"
    );
    assert_eq!(flags(&record), ["verified_customer", "repeat_customer"]);

    let agent = view(&app, chat, "agent").await;
    assert_eq!(flags(&agent), ["verified_customer", "repeat_customer"]);
    assert_eq!(agent["user_profile_flags"][0]["label"], "Verified Customer");
    assert_eq!(agent["custom_data"]["plan"]["value"], "gold");
    assert!(
        agent["custom_data"].get("internal_score").is_none(),
        "invisible to the agent"
    );
    assert_eq!(
        agent["custom_data"]["reserved_bad_actor"]["value"], false,
        "invisible_to_agent does not hide a reserved property"
    );
    let end_user = view(&app, chat, "end_user").await;
    assert_eq!(end_user["custom_data"], json!({}));
    assert_eq!(end_user["user_profile_flags"], json!([]));

    // Nested under `chat`, like the other fields; an unverified bad actor.
    let nested = open_with(
        &tenant,
        json!({"chat": {"end_user_id": user, "custom_data": reserved(false, true)}}),
    )
    .await;
    assert_eq!(nested.status, StatusCode::OK, "{}", nested.body);
    let nested = nested.body["id"].as_u64().unwrap();
    assert_eq!(
        flags(&view(&app, nested, "agent").await),
        ["unverified_customer", "bad_actor", "repeat_customer"]
    );
}

#[actix_rt::test]
async fn a_bad_shape_is_a_400_naming_the_field_and_no_chat_is_opened() {
    let app = spawn_app();
    let tenant = app.tenant("reserved-bad");
    let user = tenant.end_user("bob").await;
    for (data, place) in [
        (
            json!({"reserved_bad_actor": {"label": "Bad Actor", "value": "yes"}}),
            "custom_data.reserved_bad_actor.value",
        ),
        (
            json!({"reserved_verified_customer": {"label": "V", "value": true, "type": "string"}}),
            "custom_data.reserved_verified_customer.type",
        ),
        (json!({"plan": {"value": "gold"}}), "custom_data.plan.label"),
        (
            json!({"plan": {"label": "Plan", "value": "gold", "type": "colour"}}),
            "custom_data.plan.type",
        ),
        (
            json!({"plan": {"label": "Plan", "value": true, "type": "boolean"}}),
            "custom_data.plan.type",
        ),
        (
            json!({"since": {"label": "Since", "value": 2024, "type": "date"}}),
            "custom_data.since.value",
        ),
        (
            json!({"site": {"label": "Site", "value": "ftp://x", "type": "url"}}),
            "custom_data.site.value",
        ),
        (json!({"plan": "gold"}), "custom_data.plan"),
        (json!(["plan"]), "custom_data"),
    ] {
        let reply = open_with(&tenant, json!({"end_user_id": user, "custom_data": data})).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{data}: {}",
            reply.body
        );
        assert!(
            reply.message().starts_with(&format!("Invalid {place}:")),
            "{data}: {}",
            reply.message()
        );
    }
    let record = app
        .admin_get(&format!("/tenants/{}/snapshot", tenant.subdomain))
        .await;
    assert_eq!(record["chats"], json!([]), "no chat was opened");
}

#[actix_rt::test]
async fn custom_data_sent_after_the_chat_began_as_the_go_client_sends_it_is_merged() {
    let app = spawn_app();
    let tenant = app.tenant("custom-later");
    let (chat, _) = tenant.open_chat().await;
    let path = format!("/chats/{chat}/custom_data");
    // webchat-proxy's SendCustomData: {"signed": false, "data": {key: {label, value}}}.
    let sent = tenant
        .call(
            Method::POST,
            &path,
            Some(json!({"signed": false, "data": {
                "order_number": {"label": "order_number", "value": "ORD-100001"}}})),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.body["chat_id"], chat);
    assert_eq!(
        sent.body["custom_data"]["order_number"]["value"],
        "ORD-100001"
    );
    let more = tenant
        .call(
            Method::POST,
            &path,
            Some(json!({"data": {
                "order_number": {"label": "Order", "value": "ORD-100002"},
                "reserved_repeat_customer": {"label": "Repeat Customer", "value": true}}})),
        )
        .await;
    assert_eq!(more.status, StatusCode::OK, "{}", more.body);
    let agent = view(&app, chat, "agent").await;
    assert_eq!(
        agent["custom_data"]["order_number"]["value"], "ORD-100002",
        "replaced"
    );
    assert_eq!(flags(&agent), ["repeat_customer"]);

    for (body, needle) in [
        (json!({"signed": true, "data": {}}), "signed: true"),
        (
            json!({"data": {"x": {"label": "X", "value": null}}}),
            "Invalid data.x.value",
        ),
        (json!({"data": {}}), "at least one entry"),
        (
            json!({"reserved_bad_actor": {"label": "B", "value": true}}),
            "reserved_bad_actor",
        ),
    ] {
        let reply = tenant.call(Method::POST, &path, Some(body.clone())).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        assert!(
            reply.message().contains(needle),
            "{body}: {}",
            reply.message()
        );
    }
    let unknown = tenant
        .call(
            Method::POST,
            "/chats/99999999/custom_data",
            Some(json!({"data": {"x": {"label": "X", "value": 1}}})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    app.admin_post(&format!("/chats/{chat}/agent/end"), json!({}))
        .await;
    let ended = tenant
        .call(
            Method::POST,
            &path,
            Some(json!({"data": {"x": {"label": "X", "value": 1}}})),
        )
        .await;
    assert_eq!(ended.status, StatusCode::BAD_REQUEST);
    assert_eq!(ended.message(), "Chat is already ended");
    assert_eq!(
        app.admin_get(&format!("/chats/{chat}")).await["custom_data"]
            .as_object()
            .unwrap()
            .len(),
        2,
        "the refusals changed nothing"
    );
}

#[actix_rt::test]
async fn a_chat_holds_at_most_the_configured_number_of_entries() {
    let mut config = test_config();
    config.limits.max_custom_data_per_chat = 3;
    let app = spawn_app_with(config);
    let tenant = app.tenant("custom-limit");
    let user = tenant.end_user("cap").await;
    let four = json!({
        "a": {"label": "A", "value": 1}, "b": {"label": "B", "value": 2},
        "c": {"label": "C", "value": 3}, "d": {"label": "D", "value": 4}
    });
    let refused = open_with(&tenant, json!({"end_user_id": user, "custom_data": four})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.message().contains("--max-custom-data-per-chat"),
        "{}",
        refused.message()
    );
    let (chat, _) = tenant.open_chat().await;
    let path = format!("/chats/{chat}/custom_data");
    let three = json!({"data": {"a": {"label": "A", "value": 1}, "b": {"label": "B", "value": 2}, "c": {"label": "C", "value": 3}}});
    assert_eq!(
        tenant
            .call(Method::POST, &path, Some(three.clone()))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        tenant.call(Method::POST, &path, Some(three)).await.status,
        StatusCode::OK,
        "replacing keys adds none"
    );
    let fourth = tenant
        .call(
            Method::POST,
            &path,
            Some(json!({"data": {"d": {"label": "D", "value": 4}}})),
        )
        .await;
    assert_eq!(fourth.status, StatusCode::CONFLICT, "{}", fourth.body);
    let limits = app.admin_get("/limits").await;
    assert!(limits.to_string().contains("custom_data_per_chat"));
}

#[actix_rt::test]
async fn custom_data_travels_in_snapshots_and_survives_a_restart_on_the_state_dir() {
    let dir = StateDir::new();
    let mut config = test_config();
    config.state_dir = Some(dir.path().to_owned());
    let first = spawn_app_with(config.clone());
    let tenant = first.tenant("custom-kept");
    let name = tenant.subdomain.clone();
    let user = tenant.end_user("kept").await;
    let opened = open_with(
        &tenant,
        json!({"end_user_id": user, "custom_data": reserved(true, false)}),
    )
    .await;
    let chat = opened.body["id"].as_u64().unwrap();
    let later = tenant
        .call(
            Method::POST,
            &format!("/chats/{chat}/custom_data"),
            Some(json!({"data": {"plan": {"label": "Plan", "value": "gold"}}})),
        )
        .await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.body);
    let snapshot = first.admin_get(&format!("/tenants/{name}/snapshot")).await;
    assert_eq!(snapshot["chats"][0]["custom_data"]["plan"]["value"], "gold");
    let copy = first.tenant("custom-copy");
    let loaded = first
        .admin(
            Method::PUT,
            &format!("/tenants/{}/snapshot", copy.subdomain),
            Some(snapshot.clone()),
        )
        .await;
    assert!(loaded.status.is_success(), "{}", loaded.body);
    let copied = loaded.body["id_map"]["chats"][chat.to_string()]
        .as_u64()
        .unwrap();
    assert_eq!(
        flags(&view(&first, copied, "agent").await),
        ["verified_customer", "repeat_customer"]
    );
    let mut broken = snapshot;
    broken["chats"][0]["custom_data"]["reserved_bad_actor"] = json!({"label": "B", "value": "yes"});
    let refused = first
        .admin(
            Method::PUT,
            &format!("/tenants/{}/snapshot", copy.subdomain),
            Some(broken),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused
            .body
            .to_string()
            .contains("chats[0].custom_data.reserved_bad_actor.value"),
        "{}",
        refused.body
    );
    // The tenant's other new settings are kept too: its content shape and wait figures.
    let shape = first
        .admin(
            Method::PUT,
            &format!("/tenants/{name}/message_content_shape"),
            Some(json!({"shape": "object"})),
        )
        .await;
    assert_eq!(shape.status, StatusCode::OK, "{}", shape.body);
    let figures = first
        .admin(
            Method::PUT,
            &format!("/tenants/{name}/queues/general/wait_time"),
            Some(json!({"chat": 300})),
        )
        .await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
    let before = first.admin_get(&format!("/chats/{chat}")).await["custom_data"].clone();
    first.emulator.stop().await;

    let second = spawn_app_with(config);
    let after = second.admin_get(&format!("/chats/{chat}")).await;
    assert_eq!(after["custom_data"], before);
    assert_eq!(flags(&after), ["verified_customer", "repeat_customer"]);
    let shape = second
        .admin_get(&format!("/tenants/{name}/message_content_shape"))
        .await;
    assert_eq!(
        (shape["shape"].clone(), shape["source"].clone()),
        (json!("object"), json!("tenant"))
    );
    let tenant = second.tenant_named(&name);
    let waits = tenant
        .call(
            Method::GET,
            "/wait_times?lang=en&menu_id=1&channel_type=chat",
            None,
        )
        .await;
    assert_eq!(waits.body[0]["chat"], 300, "{}", waits.body);
}
