//! Typed Rust clients for tests that run the emulator in-process (or point at one
//! elsewhere): [`AdminClient`] drives the control plane (`/__admin`) and [`AppsClient`]
//! speaks the emulated Apps API as a consumer backend would, with Basic auth. Both are
//! thin: one method per endpoint, answering the wire structs the server itself
//! serialises (`crate::core::wire`), `serde_json::Value` where the shape is open. Every
//! non-2xx answer is a [`ClientError::Status`] carrying the envelope's message.
//!
//! ```
//! use std::time::Duration;
//! use ccai_emulator::client::TranscriptView;
//! use ccai_emulator::{Config, Emulator, FixtureSource};
//!
//! actix_web::rt::System::new().block_on(async {
//!     let emulator = Emulator::build(Config {
//!         bind: "127.0.0.1:0".into(),
//!         fixtures: FixtureSource::Embedded,
//!         agent_join_delay: Some(Duration::ZERO),
//!         ..Config::default()
//!     })
//!     .expect("the emulator starts")
//!     .spawn();
//!     let admin = emulator.admin_client();
//!     let apps = emulator.apps_client("doc-tenant", "any-token");
//!     assert_eq!(admin.health().await.unwrap().status, "ok");
//!
//!     // The consumer opens a chat; the simulated agent picks it up at once (delay 0).
//!     let user = apps.upsert_end_user("customer-7", Some("Ann")).await.unwrap();
//!     let chat = apps.create_chat(user.id).await.unwrap();
//!     let chat_id = chat.id;
//!
//!     // The agent hands over to the one-time-code VTA; the end user answers it.
//!     admin.transfer(chat_id, "one_time_code").await.unwrap();
//!     apps.send_text(chat_id, user.id, "481516").await.unwrap();
//!
//!     let record = admin.chat(chat_id).await.unwrap();
//!     assert_eq!(record.routing_state, "assigned"); // the VTA handed back
//!     let agent_view = admin.transcript(chat_id, TranscriptView::Agent).await.unwrap();
//!     assert!(agent_view.texts().iter().all(|text| !text.contains("481516")));
//!     emulator.stop().await;
//! });
//! ```

mod admin;
mod apps;
mod clock;
mod new_chat;

use std::time::Duration;

use awc::http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use admin::{AdminClient, TranscriptView};
pub use apps::AppsClient;
pub use clock::ClockStep;
pub use new_chat::NewChat;

/// Percent-encodes a path segment or query value (tenant names are free text).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The emulator answered with a non-2xx status and this envelope message.
    #[error("{method} {path}: {status}: {message}")]
    Status {
        method: String,
        path: String,
        status: u16,
        message: String,
    },
    /// The request did not get an answer.
    #[error("{method} {path}: {error}")]
    Transport {
        method: String,
        path: String,
        error: String,
    },
    /// The answer was not the expected JSON.
    #[error("{method} {path}: unexpected answer: {error}")]
    Decode {
        method: String,
        path: String,
        error: String,
    },
}

impl ClientError {
    /// The HTTP status, for a [`ClientError::Status`].
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The part both clients share: a base URL, an optional `Authorization` value, awc.
#[derive(Clone)]
struct Http {
    client: awc::Client,
    base_url: String,
    authorization: Option<String>,
}

/// Largest answer read (snapshots of busy tenants can be large).
const ANSWER_LIMIT: usize = 64 * 1024 * 1024;

impl Http {
    fn new(base_url: &str, authorization: Option<String>) -> Http {
        Http {
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .finish(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            authorization,
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, ClientError> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base_url));
        if let Some(authorization) = &self.authorization {
            request = request.insert_header(("Authorization", authorization.as_str()));
        }
        let transport = |error: String| ClientError::Transport {
            method: method.to_string(),
            path: path.to_owned(),
            error,
        };
        let mut response = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        }
        .map_err(|error| transport(error.to_string()))?;
        let bytes = response
            .body()
            .limit(ANSWER_LIMIT)
            .await
            .map_err(|error| transport(error.to_string()))?;
        let decode = |error: String| ClientError::Decode {
            method: method.to_string(),
            path: path.to_owned(),
            error,
        };
        let json: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|error| decode(error.to_string()))?
        };
        if !response.status().is_success() {
            return Err(ClientError::Status {
                method: method.to_string(),
                path: path.to_owned(),
                status: response.status().as_u16(),
                message: json["message"].as_str().unwrap_or_default().to_owned(),
            });
        }
        serde_json::from_value(json).map_err(|error| decode(error.to_string()))
    }
}
