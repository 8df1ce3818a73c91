//! `GET /__admin/limits`: every limit the emulator enforces, the flag (and environment
//! twin) that sets it, its value, and how much of it is in use right now, so a test or a
//! person can see how close a shared instance is to refusing something.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::super::Overview;
use crate::core::limits::env_twin;
use crate::features::webhooks::DeliveryFilter;
use crate::http::route_table::RouteTable;
use crate::http::HttpSettings;

/// The limits report on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table.route(list, __path_list)
}

fn limit(name: &str, flag: &str, value: Value, used: Value, when_reached: &str) -> Value {
    json!({
        "name": name,
        "flag": flag,
        "env": env_twin(flag),
        "limit": value,
        "used": used,
        "when_reached": when_reached,
    })
}

#[utoipa::path(get, path = "/limits",
    summary = "Every limit, its flag, its value and how much of it is in use",
    responses((status = 200, description = "The limits", body = crate::features::health::wire::Limits)))]
pub async fn list(
    overview: web::Data<Overview>,
    settings: web::Data<HttpSettings>,
) -> HttpResponse {
    let limits = overview.state.limits();
    let health = overview.health();
    let journal = health.request_journal;
    let (deliveries_kept, delivery_cap) = overview.webhooks.journal_size();
    let counters = overview.webhooks.counters(&DeliveryFilter::default());
    let caps = overview.webhooks.caps();
    let chats = health.chats;
    let usage = overview.state.largest_usage();
    let (most_chats, most_messages) = (usage.most_chats, usage.most_messages);
    let list = vec![
        limit(
            "tenants",
            "--max-tenants",
            json!(limits.max_tenants),
            json!(usage.tenants),
            "open mode: 403 for a new subdomain's first end-user upsert; nothing is created",
        ),
        limit(
            "subdomain_length",
            "--max-subdomain-length",
            json!(limits.max_subdomain_length),
            Value::Null,
            "open mode: 400 for a longer Basic username; nothing is created",
        ),
        limit(
            "request_body_bytes",
            "--max-body-bytes",
            json!(settings.max_body_bytes),
            Value::Null,
            "413",
        ),
        limit(
            "body_read_timeout_ms",
            "--body-read-timeout",
            json!(limits.body_read_timeout.as_millis() as u64),
            Value::Null,
            "408 when the body has not arrived in time",
        ),
        limit(
            "request_journal_entries",
            "--request-journal-cap",
            json!(journal.cap),
            json!(journal.stored),
            "the oldest entries are evicted and counted (evicted)",
        ),
        limit(
            "request_journal_entry_bytes",
            "--request-journal-entry-bytes",
            json!(journal.entry_bytes),
            Value::Null,
            "the entry's head is cut (head_truncated) and its body truncated (body_truncated)",
        ),
        limit(
            "request_journal_body_bytes",
            "--request-journal-body-cap",
            json!(journal.body_cap),
            Value::Null,
            "the journaled body is truncated (body_truncated)",
        ),
        limit(
            "delivery_journal_entries",
            "--delivery-journal-cap",
            json!(delivery_cap),
            json!(deliveries_kept),
            "eviction is batched: up to 110% of the cap is kept, then the oldest finished deliveries are evicted down to the cap and counted (evicted); unfinished ones are never evicted",
        ),
        limit(
            "delivery_payload_bytes",
            "--delivery-payload-cap",
            json!(caps.payload_bytes),
            json!(counters.payloads_trimmed),
            "a finished delivery keeps only this many payload bytes (payload_truncated); redelivering it answers 409",
        ),
        limit(
            "delivery_attempts",
            "--delivery-attempts-cap",
            json!(caps.attempts),
            json!(counters.attempts_dropped),
            "the oldest attempts are dropped and counted (attempts_dropped)",
        ),
        limit(
            "retained_finished_chats",
            "--retain-finished-chats",
            json!(chats.retain_finished_chats),
            json!(chats.finished_retained),
            "the oldest finished chats are evicted with their messages and media, and counted (chats.evicted on /__admin/health)",
        ),
        limit(
            "retain_finished_chats_for_seconds",
            "--retain-finished-chats-for",
            json!(chats.retain_finished_for_seconds),
            Value::Null,
            "finished chats older than this are evicted and counted (off unless set)",
        ),
        limit(
            "chats_per_tenant",
            "--max-chats-per-tenant",
            json!(chats.max_chats_per_tenant),
            json!(most_chats),
            "the tenant's oldest finished chat is evicted to make room; with none finished, 409 for a new chat",
        ),
        limit(
            "messages_per_chat",
            "--max-messages-per-chat",
            json!(chats.max_messages_per_chat),
            json!(most_messages),
            "409 for an end user's next message once the chat holds this many (the answers to an acknowledged message may go past it); every acknowledged message is kept",
        ),
        limit(
            "end_users_per_tenant",
            "--max-end-users-per-tenant",
            json!(chats.max_end_users_per_tenant),
            json!(usage.most_end_users),
            "409 for an end-user upsert with a new identifier (updates of existing end users still work)",
        ),
        limit(
            "rate_limit_per_second",
            "--rate-limit",
            json!(health.rate_limit_per_second),
            Value::Null,
            "429 with Retry-After (off unless set)",
        ),
    ];
    HttpResponse::Ok().json(json!({ "limits": list }))
}
