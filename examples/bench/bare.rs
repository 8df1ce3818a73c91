//! The bare actix-web handler the emulator is measured against: the same route, the same
//! JSON parsing of `POST /apps/api/v1/chats/{id}/message` into typed structs, the same
//! status and a response of the same shape, and no state at all. What it does per
//! request is the floor for any server on actix-web.

use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Deserialize;

#[derive(Deserialize)]
struct SendMessage {
    from_user_id: u64,
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: Option<String>,
    content: Content,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Plain(String),
    Object {
        text: Option<String>,
        media_id: Option<u64>,
    },
}

async fn post_message(chat_id: web::Path<u64>, body: web::Json<SendMessage>) -> HttpResponse {
    let body = body.into_inner();
    let length = match &body.message.content {
        Content::Plain(text) => text.len(),
        Content::Object { text, media_id } => {
            text.as_ref().map_or(0, String::len) + media_id.map_or(0, |_| 1)
        }
    };
    let kind = body.message.kind.as_deref().unwrap_or("text");
    HttpResponse::Ok().json(serde_json::json!({
        "id": length as u64 + body.from_user_id,
        "chat_id": chat_id.into_inner(),
        "created_at": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "visibility": if kind == "text" { "everyone" } else { "agent" },
    }))
}

/// Serves until killed.
pub fn serve(port: u16) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                .route(
                    "/apps/api/v1/chats/{id}/message",
                    web::post().to(post_message),
                )
                .route(
                    "/__admin/health",
                    web::get().to(|| async {
                        HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
                    }),
                )
        })
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
