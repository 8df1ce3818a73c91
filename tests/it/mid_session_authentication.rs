//! Mid-session authentication (page "Mid-Session authentication by API",
//! `POST /chats/{id}/end_user`): the chat is re-pointed at a verified end user, who alone
//! may send from then on; the documented error texts, and the duplicate-request 400 within
//! `--mid-session-duplicate-interval`.

use crate::support::{spawn_app, texts};
use awc::http::Method;
use serde_json::json;

#[actix_rt::test]
async fn a_chat_is_re_pointed_at_the_verified_end_user() {
    let app = spawn_app();
    let tenant = app.tenant("midauth");
    let (chat, guest) = tenant.open_chat().await;

    let reply = tenant
        .call(
            Method::POST,
            &format!("/chats/{chat}/end_user"),
            Some(json!({"identifier": "verified-42", "email": "v@example.com"})),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body, json!({"message": "accepted"}));

    let verified = tenant
        .call(Method::GET, "/end_users?identifier=verified-42", None)
        .await;
    let verified = verified.body["id"]
        .as_u64()
        .expect("the verified end user exists");
    let chat_object = tenant
        .call(Method::GET, &format!("/chats/{chat}"), None)
        .await
        .body;
    assert_eq!(
        chat_object["end_user"],
        json!({"id": verified, "identifier": "verified-42"})
    );

    assert_eq!(
        tenant.say(chat, guest, "still me?").await.status,
        400,
        "the guest no longer owns the chat"
    );
    tenant
        .says(chat, verified, "hello as a verified user")
        .await;
    let agent_view = texts(&app.transcript(chat, "agent").await);
    assert!(
        agent_view.contains(&"The end user authenticated as verified-42.".to_owned()),
        "{agent_view:?}"
    );
}

#[actix_rt::test]
async fn mid_session_authentication_rejects_bad_requests() {
    let app = spawn_app();
    let tenant = app.tenant("midauth-bad");
    let (chat, user) = tenant.open_chat().await;
    let missing = tenant
        .call(
            Method::POST,
            &format!("/chats/{chat}/end_user"),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.message(),
        "param is missing or the value is empty: identifier"
    );
    let empty = tenant
        .call(
            Method::POST,
            &format!("/chats/{chat}/end_user"),
            Some(json!({"identifier": ""})),
        )
        .await;
    assert_eq!(empty.status, 400);
    assert_eq!(
        empty.message(),
        "param is missing or the value is empty: identifier"
    );
    let unknown = tenant
        .call(
            Method::POST,
            "/chats/99999999/end_user",
            Some(json!({"identifier": "nobody-made-this"})),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        tenant
            .call(Method::GET, "/end_users?identifier=nobody-made-this", None)
            .await
            .status,
        404,
        "a refused call creates no end user"
    );
    tenant
        .call(
            Method::PATCH,
            &format!("/chats/{chat}"),
            Some(json!({"status": "finished", "finished_by_user_id": user})),
        )
        .await;
    let ended = tenant
        .call(
            Method::POST,
            &format!("/chats/{chat}/end_user"),
            Some(json!({"identifier": "late"})),
        )
        .await;
    assert_eq!(ended.status, 400);
    assert_eq!(ended.message(), "Chat is already ended");
    assert_eq!(
        tenant
            .call(Method::GET, "/end_users?identifier=late", None)
            .await
            .status,
        404
    );
}

#[actix_rt::test]
async fn the_same_request_within_the_interval_is_a_duplicate() {
    let app = spawn_app();
    let tenant = app.tenant("midauth-dup");
    let (chat, _) = tenant.open_chat().await;
    let path = format!("/chats/{chat}/end_user");
    let authenticate = |identifier: &'static str| {
        tenant.call(Method::POST, &path, Some(json!({"identifier": identifier})))
    };
    assert_eq!(authenticate("dup-user").await.status, 202);
    let again = authenticate("dup-user").await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.message(),
        "Duplicate request: Please wait for the interval to expire"
    );
    assert_eq!(
        authenticate("another-user").await.status,
        202,
        "another identifier is not a duplicate"
    );
    let health = app.admin_get("/health").await;
    assert_eq!(
        health["fidelity"]["mid_session_duplicate_interval_ms"],
        5_000
    );
}

#[actix_rt::test]
async fn a_zero_interval_accepts_repeated_requests() {
    let mut config = crate::support::test_config();
    config.fidelity.mid_session_duplicate_interval = std::time::Duration::ZERO;
    let app = crate::support::spawn_app_with(config);
    let tenant = app.tenant("midauth-nodup");
    let (chat, _) = tenant.open_chat().await;
    for _ in 0..2 {
        let reply = tenant
            .call(
                Method::POST,
                &format!("/chats/{chat}/end_user"),
                Some(json!({"identifier": "same-user"})),
            )
            .await;
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
}
