//! Live events as Server-Sent Events at `/__admin/events`: every request, chat state
//! change, message and delivery, for all tenants or one (`?tenant=`), optionally only some
//! kinds (`?kind=message,delivery`). Each event is `event: <kind>`, `id: <seq>`,
//! `data: <json>`; a `: keep-alive` comment goes out every `keepalive` (default 15 s) so
//! idle connections survive proxies. A subscriber that falls further behind than the bus's
//! backlog holds (`--live-event-backlog-bytes`) gets an `event: dropped` with how many
//! events it missed, and its stream ends (a browser's `EventSource` reconnects on its own).
//! At most `--max-event-subscribers` streams are open at once; past it, 429. When the
//! emulator shuts down, each stream gets an `event: shutdown` and ends, so an open console
//! never holds the shutdown back.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};

use crate::core::formats::parse_duration;
use crate::core::limits::Limit;
use crate::core::live_events::LiveEventKind;
use crate::core::live_events::{HeldEvent, LiveEventBus, Next, Subscription};
use crate::http::error::{limit_reached, ApiError};
use crate::http::openapi::Error400;
use crate::http::route_table::RouteTable;

/// The live event stream on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table.route(stream_events, __path_stream_events)
}

const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(15);
const MAX_KEEPALIVE: Duration = Duration::from_secs(60);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// only this tenant
    tenant: Option<String>,
    /// comma-separated: request, chat, message, delivery
    kind: Option<String>,
    /// keep-alive comment interval (default 15s)
    keepalive: Option<String>,
}

/// Which events a subscriber wants.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub tenant: Option<String>,
    /// Empty: every kind.
    pub kinds: Vec<LiveEventKind>,
}

impl EventFilter {
    fn matches(&self, event: &HeldEvent) -> bool {
        self.tenant
            .as_ref()
            .is_none_or(|tenant| *tenant == event.tenant)
            && (self.kinds.is_empty() || self.kinds.contains(&event.kind))
    }
}

fn parse_kinds(text: &str) -> Result<Vec<LiveEventKind>, ApiError> {
    text.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            LiveEventKind::from_name(name).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "kind {name:?} is not one of request, chat, message, delivery"
                ))
            })
        })
        .collect()
}

#[utoipa::path(get, path = "/events", summary = "Live events as Server-Sent Events",
    params(EventsQuery),
    responses(
        (status = 200, description = "A text/event-stream of events"),
        (status = 400, response = Error400),
        (status = 429, description = "--max-event-subscribers streams are open already (the message names the flag)",
            body = crate::http::openapi::ErrorEnvelope),
    ))]
pub async fn stream_events(
    events: web::Data<LiveEventBus>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let kinds = query.kind.as_deref().map(parse_kinds).transpose()?;
    let keepalive = match query.keepalive.as_deref() {
        None => DEFAULT_KEEPALIVE,
        Some(text) => parse_duration(text)
            .ok()
            .filter(|every| !every.is_zero() && *every <= MAX_KEEPALIVE)
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "keepalive {text:?} must be a duration above 0 and at most 60s"
                ))
            })?,
    };
    let filter = EventFilter {
        tenant: query.tenant,
        kinds: kinds.unwrap_or_default(),
    };
    let subscription = events.into_inner().subscribe().map_err(|refused| {
        limit_reached(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Subscriber limit reached: {} live event streams are open and {} are allowed; close one",
                refused.open, refused.most
            ),
            Limit::EventSubscribers,
        )
    })?;
    let body = event_stream(subscription, filter, keepalive);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

struct Reader {
    subscription: Subscription,
    closed: bool,
    filter: EventFilter,
    keepalive: Interval,
}

/// The SSE byte stream of a subscription: a `: connected` comment, then events as they
/// come and keep-alive comments. Ends with an `event: dropped` when the subscriber fell
/// too far behind, or an `event: shutdown` when the emulator shuts down.
pub fn event_stream(
    subscription: Subscription,
    filter: EventFilter,
    keepalive: Duration,
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let mut ticks = interval_at(Instant::now() + keepalive, keepalive);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let reader = Reader {
        subscription,
        closed: false,
        filter,
        keepalive: ticks,
    };
    let events = stream::unfold(reader, |mut reader| async move {
        if reader.closed {
            return None;
        }
        loop {
            tokio::select! {
                next = reader.subscription.next() => match next {
                    Next::Event(event) if reader.filter.matches(&event) => {
                        return Some((Ok(event.frame.clone()), reader));
                    }
                    Next::Event(_) => continue,
                    Next::Dropped { missed, message } => {
                        reader.closed = true;
                        return Some((Ok(dropped_frame(missed, &message)), reader));
                    }
                    Next::Closed => {
                        reader.closed = true;
                        return Some((Ok(shutdown_frame()), reader));
                    }
                },
                _ = reader.keepalive.tick() => {
                    return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), reader));
                }
            }
        }
    });
    stream::once(async { Ok(Bytes::from_static(b": connected\n\n")) }).chain(events)
}

fn shutdown_frame() -> Bytes {
    Bytes::from_static(
        b"event: shutdown\ndata: {\"message\":\"The emulator is shutting down\"}\n\n",
    )
}

fn dropped_frame(missed: u64, message: &str) -> Bytes {
    let data = json!({"missed": missed, "message": message});
    Bytes::from(format!("event: dropped\ndata: {data}\n\n"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::core::domain::ChatId;
    use crate::core::live_events::LiveEventBus;

    async fn next_text(
        stream: &mut (impl Stream<Item = Result<Bytes, Infallible>> + Unpin),
    ) -> String {
        let bytes = stream.next().await.expect("an item").expect("infallible");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }

    #[actix_rt::test]
    async fn a_subscriber_too_far_behind_is_told_and_its_stream_ends() {
        let bus = Arc::new(LiveEventBus::with_backlog(2));
        let subscription = bus.subscribe().unwrap();
        for index in 0..5 {
            bus.publish(
                LiveEventKind::Chat,
                "acme",
                Some(ChatId(1)),
                json!({ "n": index }),
            );
        }
        let mut stream = Box::pin(event_stream(
            subscription,
            EventFilter::default(),
            MAX_KEEPALIVE,
        ));
        assert_eq!(next_text(&mut stream).await, ": connected\n\n");
        let dropped = next_text(&mut stream).await;
        assert!(dropped.starts_with("event: dropped\n"), "{dropped}");
        assert!(dropped.contains(r#""missed":3"#), "{dropped}");
        assert!(stream.next().await.is_none(), "the stream ends");
    }

    #[actix_rt::test]
    async fn filters_keep_only_the_tenant_and_kinds_asked_for() {
        let bus = Arc::new(LiveEventBus::default());
        let filter = EventFilter {
            tenant: Some("acme".into()),
            kinds: parse_kinds("message, delivery").unwrap(),
        };
        let mut stream = Box::pin(event_stream(
            bus.subscribe().unwrap(),
            filter,
            MAX_KEEPALIVE,
        ));
        bus.publish(LiveEventKind::Message, "other", Some(ChatId(1)), json!({}));
        bus.publish(LiveEventKind::Chat, "acme", Some(ChatId(2)), json!({}));
        bus.publish(LiveEventKind::Delivery, "acme", Some(ChatId(2)), json!({}));
        next_text(&mut stream).await;
        assert!(next_text(&mut stream)
            .await
            .starts_with("event: delivery\nid: 3\n"));
        assert!(parse_kinds("message,bogus").is_err());
    }
}
