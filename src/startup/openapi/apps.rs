//! The emulated Apps API's operations, as implemented.

use serde_json::json;

use super::builder::{op, schema, Operation};

const TAG: &str = "Apps API";

pub fn operations() -> Vec<Operation> {
    let base = crate::core::wire::APPS_API_BASE;
    let path = |rest: &str| format!("{base}{rest}");
    let secured = |operation: Operation| {
        // 400 also answers a subdomain over --max-subdomain-length (open mode).
        let mut operation = operation.rejects(&[400, 401]);
        operation.body["security"] = json!([{"tenantBasic": []}]);
        operation
    };
    let media = super::media::apps_operations(path, TAG);
    let mut operations = vec![
        secured(
            op(
                "POST",
                &path("/end_users"),
                TAG,
                "Upsert an end user by identifier",
            )
            .body(schema("EndUserInput"))
            .answers(
                200,
                "The end user (same identifier, same id)",
                Some(schema("EndUser")),
            )
            // 403: a new subdomain past --max-tenants (open mode).
            .rejects(&[400, 403, 413, 415]),
        ),
        secured(
            op("GET", &path("/end_users"), TAG, "Find one end user")
                .query("id", "integer", "the end user's id")
                .query("identifier", "string", "the end user's identifier")
                .answers(200, "The end user", Some(schema("EndUser")))
                .rejects(&[400, 404]),
        ),
        secured(
            op("POST", &path("/chats"), TAG, "Start a chat for an end user")
                .body(schema("ChatInput"))
                .answers(200, "The new chat (queued)", Some(schema("Chat")))
                .rejects(&[400, 404, 413, 415]),
        ),
        secured(
            op("GET", &path("/chats/{chat_id}"), TAG, "The chat object")
                .answers(200, "The chat", Some(schema("Chat")))
                .rejects(&[404]),
        ),
        secured(
            op(
                "PATCH",
                &path("/chats/{chat_id}"),
                TAG,
                "Update or end a chat",
            )
            .body(schema("ChatUpdate"))
            .answers(200, "The chat", Some(schema("Chat")))
            .rejects(&[400, 404, 415]),
        ),
        secured(
            op(
                "PATCH",
                &path("/chats/{chat_id}/resume"),
                TAG,
                "Resume a dismissed chat (400: not dismissed, or the tenant is after hours)",
            )
            .answers(200, "The chat", Some(schema("Chat")))
            .rejects(&[400, 404]),
        ),
        secured(
            op(
                "POST",
                &path("/chats/{chat_id}/message"),
                TAG,
                "The end user sends a message",
            )
            .body(schema("MessageInput"))
            .answers(200, "The stored message", Some(schema("MessageAccepted")))
            .rejects(&[400, 404, 413, 415]),
        ),
        secured(
            op(
                "POST",
                &path("/chats/{chat_id}/end_user"),
                TAG,
                "Mid-session authentication: re-point the chat at a verified end user",
            )
            .body(schema("EndUserInput"))
            .answers(202, "Accepted", Some(schema("Error")))
            .rejects(&[400, 404, 415]),
        ),
    ];
    operations.extend(media.into_iter().map(secured));
    operations
}
