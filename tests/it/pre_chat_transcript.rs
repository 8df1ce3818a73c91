//! The pre-chat `transcript` of `POST /chats` through real HTTP: the
//! SDKs' external-chat-transfer shape is accepted (with the sender `virtual_agent` a
//! public client declares), stored, and shown to the human agent and in the full record
//! before the live messages, marked pre-chat; a wrong shape is a 400 naming the place, and
//! no chat is created.

use awc::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{spawn_app, unique_subdomain};

#[actix_rt::test]
async fn a_pre_chat_transcript_is_shown_before_the_live_messages() {
    let app = spawn_app();
    let tenant = app.tenant("pre-chat");
    let user = tenant.end_user(&unique_subdomain("user")).await;
    let transcript = json!([
        {"sender": "end_user", "timestamp": "2021-03-15 12:00:00Z",
         "content": [{"type": "text", "text": "My parcel never arrived"},
                     {"type": "media", "media": {"type": "image", "url": "https://example.invalid/box.jpg"}}]},
        {"sender": "agent", "timestamp": "2021-03-15 12:00:30Z",
         "content": [{"type": "text", "text": "Let me transfer you to a colleague"}]},
        {"sender": "virtual_agent", "timestamp": "2021-03-15T12:00:45Z",
         "content": [{"type": "text", "text": "I am handing you over to a person"}]}
    ]);
    let reply = tenant
        .call(
            Method::POST,
            "/chats",
            Some(json!({"chat": {"end_user_id": user, "transcript": transcript}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let chat = reply.body["id"].as_u64().unwrap();
    tenant.says(chat, user, "Hello again").await;

    let agent = app
        .admin_get(&format!("/chats/{chat}/transcript?view=agent"))
        .await;
    let pre_chat = agent["pre_chat"].as_array().unwrap();
    assert_eq!(pre_chat.len(), 3);
    assert_eq!(pre_chat[0]["pre_chat"], true);
    assert_eq!(pre_chat[0]["sender"], "end_user");
    assert_eq!(pre_chat[0]["at"], "2021-03-15T12:00:00Z");
    assert_eq!(pre_chat[0]["content"][0]["text"], "My parcel never arrived");
    assert_eq!(pre_chat[0]["content"][1]["media"]["type"], "image");
    assert_eq!(pre_chat[1]["sender"], "agent");
    assert_eq!(
        pre_chat[2]["sender"], "virtual_agent",
        "a bot that handed over"
    );
    assert_eq!(
        pre_chat[2]["content"][0]["text"],
        "I am handing you over to a person"
    );
    assert!(agent["messages"].to_string().contains("Hello again"));
    let record = app.admin_get(&format!("/chats/{chat}")).await;
    assert_eq!(record["pre_chat"], agent["pre_chat"]);
    let end_user = app
        .admin_get(&format!("/chats/{chat}/transcript?view=end_user"))
        .await;
    assert_eq!(end_user["pre_chat"], json!([]));
}

#[actix_rt::test]
async fn a_wrong_transcript_is_a_400_naming_the_place() {
    let app = spawn_app();
    let tenant = app.tenant("bad-pre-chat");
    let user = tenant.end_user(&unique_subdomain("user")).await;
    let cases = [
        (json!({"sender": "end_user"}), "transcript: must be a list"),
        (
            json!([{"sender": "bot", "timestamp": "2021-03-15 12:00:00Z", "content": []}]),
            "transcript[0].sender: \"bot\" is not one of end_user, agent, virtual_agent",
        ),
        (
            json!([{"sender": "agent", "timestamp": "yesterday", "content": [{"type": "text", "text": "x"}]}]),
            "transcript[0].timestamp",
        ),
        (
            json!([{"sender": "agent", "timestamp": "2021-03-15 12:00:00Z",
                 "content": [{"type": "text", "text": "ok"}, {"type": "media", "media": {"type": "audio", "url": "https://x.invalid"}}]}]),
            "transcript[0].content[1].media.type",
        ),
        (
            json!([{"sender": "agent", "timestamp": "2021-03-15 12:00:00Z", "content": [{"type": "text", "text": "ok"}], "mood": "happy"}]),
            "transcript[0].mood",
        ),
    ];
    for (transcript, place) in cases {
        let reply = tenant
            .call(
                Method::POST,
                "/chats",
                Some(json!({"end_user_id": user, "transcript": transcript})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(
            reply.message().starts_with(&format!("Invalid {place}")),
            "{:?} should name {place:?}",
            reply.message()
        );
    }
    let tenants = app.admin_get("/tenants").await;
    let ours = tenants["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["name"] == tenant.subdomain.as_str())
        .cloned()
        .expect("the tenant exists (its end user was created)");
    assert_eq!(ours["chats"], json!([]), "no chat was created");
}
