//! What a wait on the delivery journal last saw, for the 408 that ends it: the deliveries
//! that did arrive for the same tenant and chat (any event, any status), where the awaited
//! ones stand when a status was asked for, and, when the awaited event type is one the
//! tenant's selection leaves out, that it was journaled as `suppressed` and how to enable
//! it. Pure: it reads deliveries and each tenant's selection.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::catalog::{EventType, CATALOG};
use super::delivery_journal::{Delivery, DeliveryCounters, DeliveryFilter, DeliveryStatus};
use super::event_selection::EventSelection;
use crate::http::waiting::Explanation;

/// How many of the last deliveries a report quotes.
pub const RECENT: usize = 3;

/// The report for `filter`; `around` is the journal for the same tenant and chat with any
/// event type and status, `selection_of` gives a tenant's selection and its source
/// (`tenant` or `default`), `default_selection` the process-wide one.
pub fn last_seen(
    filter: &DeliveryFilter,
    around: &[Delivery],
    selection_of: impl Fn(&str) -> (EventSelection, &'static str),
    default_selection: &EventSelection,
) -> Explanation {
    let awaited: Vec<&Delivery> = around
        .iter()
        .filter(|delivery| {
            filter
                .event_type
                .is_none_or(|wanted| wanted == delivery.event_type)
        })
        .collect();
    let mut sentences = Vec::new();
    if let Some(status) = filter.status {
        let elsewhere: Vec<&&Delivery> = awaited.iter().filter(|d| d.status != status).collect();
        if !elsewhere.is_empty() {
            sentences.push(format!(
                "{} other{} for these filters: {}",
                elsewhere.len(),
                if elsewhere.len() == 1 { " is" } else { "s are" },
                by_status(elsewhere.iter().map(|d| **d))
            ));
        }
    }
    let left_out = filter
        .event_type
        .map(|event_type| left_out(event_type, filter, around, &selection_of, default_selection))
        .unwrap_or_default();
    sentences.extend(left_out.iter().map(LeftOut::sentence));
    let recent = &around[around.len().saturating_sub(RECENT)..];
    sentences.push(if recent.is_empty() {
        format!("no delivery at all{}", scope(filter))
    } else {
        let quoted: Vec<String> = recent.iter().map(quote).collect();
        format!(
            "{} deliver{}{} (any event), the last {}: {}",
            around.len(),
            if around.len() == 1 { "y" } else { "ies" },
            scope(filter),
            quoted.len(),
            quoted.join("; ")
        )
    });
    let mut counters = DeliveryCounters::default();
    for delivery in &awaited {
        counters.add(delivery);
    }
    Explanation {
        text: sentences.join("; "),
        last_seen: json!({
            "awaited": counters,
            "recent": recent.iter().map(Delivery::summary).collect::<Vec<Value>>(),
            "left_out_by_selection": left_out.iter().map(LeftOut::as_json).collect::<Vec<Value>>(),
        }),
    }
}

/// An awaited event type a tenant's selection leaves out.
struct LeftOut {
    /// `None`: no tenant is known, the process default is meant.
    tenant: Option<String>,
    event_type: EventType,
    selection: EventSelection,
    source: &'static str,
    suppressed: usize,
}

impl LeftOut {
    fn enable(&self) -> String {
        let mut names = self.selection.names();
        names.push(self.event_type.name());
        let body = json!({ "events": names });
        let tenant = self.tenant.as_deref().unwrap_or("{sub}");
        format!("PUT /__admin/tenants/{tenant}/webhook/events {body} (or start with --webhook-events all)")
    }

    fn sentence(&self) -> String {
        let name = self.event_type.name();
        let why = match (&self.selection, self.source) {
            (EventSelection::Documented, "default") => format!(
                "{name} is not sent by default (no page of the platform mentions it; the default sends {})",
                sent_by_default().join(", ")
            ),
            (selection, _) => format!(
                "{name} is left out by the {} event selection ({}: {})",
                self.tenant
                    .as_deref()
                    .map_or("default".to_owned(), |tenant| format!("tenant {tenant}'s")),
                selection.name(),
                selection.names().join(", ")
            ),
        };
        format!(
            "{why}; {} {name} event{} journaled as suppressed; enable it with {}",
            self.suppressed,
            if self.suppressed == 1 {
                " was"
            } else {
                "s were"
            },
            self.enable()
        )
    }

    fn as_json(&self) -> Value {
        json!({
            "tenant": self.tenant,
            "event_type": self.event_type.name(),
            "selection": self.selection.name(),
            "source": self.source,
            "suppressed": self.suppressed,
            "enable": self.enable(),
        })
    }
}

/// The tenants in scope (the filter's, or those of the deliveries seen) whose selection
/// leaves `event_type` out; with no tenant in scope, the process default if it does.
fn left_out(
    event_type: EventType,
    filter: &DeliveryFilter,
    around: &[Delivery],
    selection_of: &impl Fn(&str) -> (EventSelection, &'static str),
    default_selection: &EventSelection,
) -> Vec<LeftOut> {
    let tenants: BTreeSet<&str> = match &filter.tenant {
        Some(tenant) => BTreeSet::from([tenant.as_str()]),
        None => around
            .iter()
            .map(|delivery| delivery.tenant.as_str())
            .collect(),
    };
    let suppressed = |tenant: Option<&str>| {
        around
            .iter()
            .filter(|d| d.event_type == event_type && d.status == DeliveryStatus::Suppressed)
            .filter(|d| tenant.is_none_or(|tenant| tenant == d.tenant))
            .count()
    };
    if tenants.is_empty() {
        if default_selection.includes(event_type) {
            return Vec::new();
        }
        return vec![LeftOut {
            tenant: None,
            event_type,
            selection: default_selection.clone(),
            source: "default",
            suppressed: suppressed(None),
        }];
    }
    tenants
        .into_iter()
        .filter_map(|tenant| {
            let (selection, source) = selection_of(tenant);
            (!selection.includes(event_type)).then(|| LeftOut {
                tenant: Some(tenant.to_owned()),
                event_type,
                selection,
                source,
                suppressed: suppressed(Some(tenant)),
            })
        })
        .collect()
}

/// ` for tenant acme, chat 7`, or nothing.
fn scope(filter: &DeliveryFilter) -> String {
    let mut parts = Vec::new();
    if let Some(tenant) = &filter.tenant {
        parts.push(format!("tenant {tenant}"));
    }
    if let Some(chat_id) = filter.chat_id {
        parts.push(format!("chat {chat_id}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" for {}", parts.join(", "))
    }
}

/// `2 retrying, 1 suppressed`.
fn by_status<'a>(deliveries: impl Iterator<Item = &'a Delivery>) -> String {
    let statuses: Vec<DeliveryStatus> = deliveries.map(|delivery| delivery.status).collect();
    DeliveryStatus::ALL
        .iter()
        .filter_map(|status| {
            let count = statuses.iter().filter(|seen| *seen == status).count();
            (count > 0).then(|| format!("{count} {}", status.name()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `#12 message_received chat 7 retrying (last answer 503)`.
fn quote(delivery: &Delivery) -> String {
    let last =
        delivery
            .attempts
            .last()
            .map(|attempt| match (attempt.status_code, &attempt.error) {
                (Some(code), _) => format!(" (last answer {code})"),
                (None, Some(error)) => format!(" (last attempt: {error})"),
                (None, None) => String::new(),
            });
    format!(
        "{} {} chat {} {}{}",
        delivery.id,
        delivery.event_type.name(),
        delivery.chat_id,
        delivery.status.name(),
        last.unwrap_or_default()
    )
}

fn sent_by_default() -> Vec<&'static str> {
    CATALOG
        .iter()
        .filter(|spec| spec.event_type.is_sent_by_default())
        .map(|spec| spec.name)
        .collect()
}
