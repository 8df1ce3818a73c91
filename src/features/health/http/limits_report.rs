//! `GET /__admin/limits`: every limit the emulator enforces, the flag (and environment
//! twin) that sets it, its value, and how much of it is in use right now, so a test or a
//! person can see how close a shared instance is to refusing something.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::super::Overview;
use crate::core::limits::{Limit, Limits};
use crate::features::webhooks::DeliveryFilter;
use crate::http::route_table::RouteTable;

/// The limits report on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table.route(list, __path_list)
}

/// What `GET /__admin/limits` answers: every limit in the order it is declared, with its
/// flag, twin, value, use and what happens when it is reached.
#[utoipa::path(get, path = "/limits",
    summary = "Every limit, its flag, its value and how much of it is in use",
    responses((status = 200, description = "The limits", body = crate::features::health::wire::Limits)))]
pub async fn list(overview: web::Data<Overview>) -> HttpResponse {
    let limits = overview.state.limits();
    let list: Vec<Value> = Limit::ALL
        .iter()
        .map(|&limit| {
            let spec = limit.spec();
            json!({
                "name": spec.name,
                "flag": format!("--{}", spec.flag),
                "env": spec.env,
                "limit": limits.report(limit),
                "used": used(&overview, limits, limit),
                "when_reached": spec.when_reached,
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "limits": list }))
}

/// How much of `limit` is in use now (`null` for a limit that is not counted).
fn used(overview: &Overview, limits: &Limits, limit: Limit) -> Value {
    let usage = || overview.state.largest_usage();
    match limit {
        Limit::Tenants => json!(usage().tenants),
        Limit::RequestJournalEntries => json!(overview.requests.stats().stored),
        Limit::DeliveryJournalEntries => json!(overview.webhooks.journal_size().0),
        Limit::DeliveryPayloadBytes => json!(
            overview
                .webhooks
                .counters(&DeliveryFilter::default())
                .payloads_trimmed
        ),
        Limit::DeliveryAttempts => json!(
            overview
                .webhooks
                .counters(&DeliveryFilter::default())
                .attempts_dropped
        ),
        Limit::RetainedFinishedChats => json!(overview.state.chat_stats().finished_retained),
        Limit::ChatsPerTenant => json!(usage().most_chats),
        Limit::MessagesPerChat => json!(usage().most_messages),
        Limit::EndUsersPerTenant => json!(usage().most_end_users),
        Limit::MediaBudgetPerTenant => json!(overview.media.largest_tenant_bytes()),
        Limit::MediaBudgetTotal => json!(overview.media.total_bytes()),
        Limit::ChatBudgetPerTenant => {
            json!(overview.state.chat_memory().largest_tenant_bytes())
        }
        Limit::ChatBudgetTotal => json!(overview.state.chat_memory().total_bytes()),
        Limit::EventSubscribers => json!(overview.state.live_events().subscribers()),
        Limit::LiveEventBacklogBytes => json!(overview.state.live_events().backlog_bytes()),
        Limit::SubdomainLength
        | Limit::RequestBodyBytes
        | Limit::BodyReadTimeout
        | Limit::RequestJournalEntryBytes
        | Limit::RequestJournalBodyBytes
        | Limit::RetainFinishedChatsFor
        | Limit::CustomDataPerChat
        | Limit::RateLimit
        | Limit::MessageBytes
        | Limit::JsonDepth => {
            debug_assert!(limit.spec().usage.is_none(), "{limits:?}");
            Value::Null
        }
    }
}
