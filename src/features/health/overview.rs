//! [`Overview`]: what `GET /__admin/health` and `GET /__admin/limits` report, gathered from
//! every feature: the tenants and chats held, the request journal, the rate limit, the
//! webhook options, the media budgets and `--state-dir`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::features::media::MediaUsage;

use crate::core::state::retention::ChatStats;
use crate::core::state::AppState;
use crate::features::chats::Chats;
use crate::features::media::MediaLibrary;
use crate::features::persistence::{PersistenceStats, StateStore};
use crate::features::requests::JournalStats;
use crate::features::requests::Requests;
use crate::features::webhooks::Webhooks;
use crate::features::webhooks::{ChatCreatedOrder, MessageContentShape};

/// What `GET /__admin/health` reports (`Health`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    #[schema(schema_with = ok)]
    pub status: String,
    pub version: String,
    pub uptime_seconds: u64,
    pub tenants: usize,
    pub request_journal: JournalStats,
    pub rate_limit_per_second: Option<u32>,
    /// Chats held and evicted, and their limits.
    pub chats: ChatStats,
    /// Where the emulator differs from the platform only on request (see docs/fidelity.md).
    pub fidelity: FidelityOptions,
    /// Media budgets and usage.
    #[schema(value_type = MediaUsage)]
    pub media: serde_json::Value,
    /// `--state-dir` and how its writes went; `null` when the state is in memory only.
    pub persistence: Option<PersistenceStats>,
}

fn ok() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&["ok"])
}

fn selections() -> utoipa::openapi::Object {
    crate::core::wire::text_values::one_of(&["documented", "all", "custom"])
}

/// Where the emulator differs from the platform only on request, process-wide
/// (`/__admin/health`'s `fidelity`, `FidelityOptions`; see `docs/fidelity.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FidelityOptions {
    /// `documented`, `all` or `custom` (`--webhook-events`).
    #[schema(schema_with = selections)]
    pub webhook_events: String,
    pub chat_created_order: ChatCreatedOrder,
    pub webhook_delivery_id_header: bool,
    pub mid_session_duplicate_interval_ms: u64,
    /// `string` or `object` (`--message-content-shape`).
    pub message_content_shape: MessageContentShape,
}

/// Every feature, for the reports.
pub struct Overview {
    pub state: Arc<AppState>,
    pub requests: Arc<Requests>,
    pub webhooks: Arc<Webhooks>,
    pub chats: Arc<Chats>,
    pub media: Arc<MediaLibrary>,
    pub store: Option<Arc<StateStore>>,
}

impl Overview {
    pub fn health(&self) -> Health {
        let options = self.webhooks.options();
        Health {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            uptime_seconds: self.state.uptime().as_secs(),
            tenants: self.state.tenant_names().len(),
            request_journal: self.requests.stats(),
            rate_limit_per_second: self.requests.rate_limit(),
            chats: self.state.chat_stats(),
            fidelity: FidelityOptions {
                webhook_events: options.events.name().to_owned(),
                chat_created_order: options.chat_created_order,
                webhook_delivery_id_header: options.delivery_id_header,
                mid_session_duplicate_interval_ms: self
                    .chats
                    .mid_session_duplicate_interval()
                    .as_millis() as u64,
                message_content_shape: options.message_content_shape,
            },
            media: self.media.usage(),
            persistence: self.store.as_ref().map(|store| store.stats()),
        }
    }
}
