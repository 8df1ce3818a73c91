//! Live events as Server-Sent Events at `/__admin/events`: every request, chat state
//! change, message and delivery, for all tenants or one (`?tenant=`), optionally only some
//! kinds (`?kind=message,delivery`). Each event is `event: <kind>`, `id: <seq>`,
//! `data: <json>`; a `: keep-alive` comment goes out every `keepalive` (default 15 s) so
//! idle connections survive proxies. A subscriber that falls more than the bus's backlog
//! behind gets an `event: lagged` with how many events it missed, and the stream goes on.
//! When the emulator shuts down, each stream gets an `event: shutdown` and ends, so an
//! open console never holds the shutdown back.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};

use crate::core::formats::parse_duration;
use crate::core::live_events::LiveEventBus;
use crate::core::live_events::{LiveEvent, LiveEventKind};
use crate::http::error::ApiError;
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
    fn matches(&self, event: &LiveEvent) -> bool {
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
    let body = event_stream(events.subscribe(), events.closing(), filter, keepalive);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

struct Subscription {
    receiver: broadcast::Receiver<Arc<LiveEvent>>,
    closing: watch::Receiver<bool>,
    closed: bool,
    filter: EventFilter,
    keepalive: Interval,
}

/// The SSE byte stream of a subscription: a `: connected` comment, then events as they
/// come, `lagged` notices, and keep-alive comments. Ends with an `event: shutdown` when
/// `closing` turns true, or when the bus is gone.
pub fn event_stream(
    receiver: broadcast::Receiver<Arc<LiveEvent>>,
    closing: watch::Receiver<bool>,
    filter: EventFilter,
    keepalive: Duration,
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let mut ticks = interval_at(Instant::now() + keepalive, keepalive);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let subscription = Subscription {
        receiver,
        closing,
        closed: false,
        filter,
        keepalive: ticks,
    };
    let events = stream::unfold(subscription, |mut subscription| async move {
        if subscription.closed {
            return None;
        }
        loop {
            if *subscription.closing.borrow_and_update() {
                subscription.closed = true;
                return Some((Ok(shutdown_frame()), subscription));
            }
            tokio::select! {
                changed = subscription.closing.changed() => {
                    if changed.is_err() {
                        subscription.closed = true;
                        return Some((Ok(shutdown_frame()), subscription));
                    }
                    continue;
                }
                received = subscription.receiver.recv() => match received {
                    Ok(event) if subscription.filter.matches(&event) => {
                        return Some((Ok(event_frame(&event)), subscription));
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => {
                        return Some((Ok(lagged_frame(missed)), subscription));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = subscription.keepalive.tick() => {
                    return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), subscription));
                }
            }
        }
    });
    stream::once(async { Ok(Bytes::from_static(b": connected\n\n")) }).chain(events)
}

fn event_frame(event: &LiveEvent) -> Bytes {
    let data = serde_json::to_string(event).unwrap_or_else(|_| "null".to_owned());
    Bytes::from(format!(
        "event: {}\nid: {}\ndata: {data}\n\n",
        event.kind.name(),
        event.seq
    ))
}

fn shutdown_frame() -> Bytes {
    Bytes::from_static(
        b"event: shutdown\ndata: {\"message\":\"The emulator is shutting down\"}\n\n",
    )
}

fn lagged_frame(missed: u64) -> Bytes {
    let data = json!({
        "missed": missed,
        "message": format!("This subscriber fell behind and missed {missed} events"),
    });
    Bytes::from(format!("event: lagged\ndata: {data}\n\n"))
}

#[cfg(test)]
mod tests {
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
    async fn a_lagging_subscriber_is_told_and_the_stream_goes_on() {
        let bus = LiveEventBus::with_backlog(2);
        let receiver = bus.subscribe();
        for index in 0..5 {
            bus.publish(
                LiveEventKind::Chat,
                "acme",
                Some(ChatId(1)),
                json!({ "n": index }),
            );
        }
        let mut stream = Box::pin(event_stream(
            receiver,
            bus.closing(),
            EventFilter::default(),
            MAX_KEEPALIVE,
        ));
        assert_eq!(next_text(&mut stream).await, ": connected\n\n");
        let lagged = next_text(&mut stream).await;
        assert!(lagged.starts_with("event: lagged\n"), "{lagged}");
        assert!(lagged.contains(r#""missed":3"#), "{lagged}");
        let next = next_text(&mut stream).await;
        assert!(next.starts_with("event: chat\nid: 4\n"), "{next}");
    }

    #[actix_rt::test]
    async fn filters_keep_only_the_tenant_and_kinds_asked_for() {
        let bus = LiveEventBus::default();
        let filter = EventFilter {
            tenant: Some("acme".into()),
            kinds: parse_kinds("message, delivery").unwrap(),
        };
        let mut stream = Box::pin(event_stream(
            bus.subscribe(),
            bus.closing(),
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
