//! The live event bus: everything that happens in the emulator (Apps API requests, chat
//! state changes, messages, webhook deliveries) is published here once. Subscribers (the
//! Server-Sent Events streams) read it through a [`Subscription`], and long-poll waiters
//! get a cheap change counter ([`watch`]) that tells them to re-check their condition, so
//! nothing ever has to sleep and poll.
//!
//! Each event is written once, as the frame every subscriber sends, and held in one backlog
//! only until every subscriber has read it. The backlog is bounded in events and in bytes
//! (`--live-event-backlog-bytes`): past either, the oldest events are let go, and a
//! subscriber that had not read them yet is dropped (it is told so, then its stream ends);
//! so slow subscribers cost at most the backlog, whatever they do. Subscribers are capped
//! (`--max-event-subscribers`), and a reset tenant's events are forgotten with it. Nothing
//! is held while nobody subscribes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::core::domain::ChatId;
use crate::core::limits::Limit;

/// What kind of thing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveEventKind {
    /// An Apps API request was answered.
    Request,
    /// A chat changed routing state (created, agent joined, VTA joined/left, ended).
    Chat,
    /// A message was added to a chat (any visibility).
    Message,
    /// A webhook delivery was created or changed status.
    Delivery,
}

impl LiveEventKind {
    pub const ALL: [LiveEventKind; 4] = [
        LiveEventKind::Request,
        LiveEventKind::Chat,
        LiveEventKind::Message,
        LiveEventKind::Delivery,
    ];

    /// The wire name (`request`, `chat`, `message`, `delivery`).
    pub fn name(self) -> &'static str {
        match self {
            LiveEventKind::Request => "request",
            LiveEventKind::Chat => "chat",
            LiveEventKind::Message => "message",
            LiveEventKind::Delivery => "delivery",
        }
    }

    pub fn from_name(name: &str) -> Option<LiveEventKind> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One published event, as its `data:` line carries it (the shape [`frame`] writes).
#[derive(Debug, Clone, Serialize)]
pub struct LiveEvent {
    /// Increases by one per event, process-wide.
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: LiveEventKind,
    pub tenant: String,
    pub chat_id: Option<ChatId>,
    pub data: Value,
}

/// An event as the backlog holds it: what subscribers filter on, and its frame.
#[derive(Debug)]
pub struct HeldEvent {
    pub seq: u64,
    pub kind: LiveEventKind,
    pub tenant: String,
    /// `event: <kind>\nid: <seq>\ndata: <json>\n\n`, written once for every subscriber.
    pub frame: Bytes,
}

impl HeldEvent {
    /// What it costs held: its frame, its tenant and the bookkeeping around them.
    fn bytes(&self) -> u64 {
        (self.frame.len() + self.tenant.len()) as u64 + EVENT_OVERHEAD
    }
}

/// The bookkeeping of one held event (the struct, its `Arc`, its backlog slot).
const EVENT_OVERHEAD: u64 = 128;

/// How many events the backlog holds at most (`Config::live_event_backlog`).
pub const DEFAULT_BACKLOG: usize = 4_096;

/// What a subscriber reads next.
#[derive(Debug, Clone)]
pub enum Next {
    Event(Arc<HeldEvent>),
    /// It fell further behind than the backlog holds and was dropped.
    Dropped {
        missed: u64,
        message: String,
    },
    /// The emulator is shutting down (or the bus is gone).
    Closed,
}

/// Why a subscription was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{open} live event streams are open and {most} are allowed; close one, or raise {names_flag}", names_flag = Limit::EventSubscribers.names_flag())]
pub struct TooManySubscribers {
    pub open: usize,
    pub most: usize,
}

#[derive(Debug)]
struct Subscriber {
    /// The sequence number of the next event it reads.
    next: u64,
    /// Set when it was dropped: how many events it missed.
    dropped: Option<u64>,
}

#[derive(Debug, Default)]
struct Backlog {
    /// The last sequence number given out.
    seq: u64,
    events: VecDeque<Arc<HeldEvent>>,
    bytes: u64,
    subscribers: HashMap<u64, Subscriber>,
    next_subscriber: u64,
}

impl Backlog {
    /// Lets go of the events every subscriber has read, then of the oldest ones while
    /// past a bound, dropping the subscribers that had not read them.
    fn trim(&mut self, most_events: usize, most_bytes: u64) {
        let oldest_unread = self
            .subscribers
            .values()
            .filter(|subscriber| subscriber.dropped.is_none())
            .map(|subscriber| subscriber.next)
            .min()
            .unwrap_or(u64::MAX);
        while self
            .events
            .front()
            .is_some_and(|event| event.seq < oldest_unread)
        {
            self.pop_front();
        }
        while self.events.len() > most_events || self.bytes > most_bytes {
            let Some(evicted) = self.pop_front() else {
                break;
            };
            let newest = self.seq;
            for subscriber in self.subscribers.values_mut() {
                if subscriber.dropped.is_none() && subscriber.next <= evicted.seq {
                    subscriber.dropped = Some(newest + 1 - subscriber.next);
                }
            }
        }
    }

    fn pop_front(&mut self) -> Option<Arc<HeldEvent>> {
        let event = self.events.pop_front()?;
        self.bytes -= event.bytes();
        Some(event)
    }
}

/// The bus. Publishing never blocks on a subscriber and costs little when nobody listens.
#[derive(Debug)]
pub struct LiveEventBus {
    backlog: Mutex<Backlog>,
    most_events: usize,
    most_bytes: u64,
    most_subscribers: usize,
    changes: watch::Sender<u64>,
    /// Set when shutdown starts: event streams end and long-polls answer at once.
    closing: watch::Sender<bool>,
}

impl Default for LiveEventBus {
    fn default() -> Self {
        LiveEventBus::with_backlog(DEFAULT_BACKLOG)
    }
}

impl LiveEventBus {
    /// A bus whose backlog holds at most `backlog` events (and the default bytes).
    pub fn with_backlog(backlog: usize) -> Self {
        let limits = crate::core::limits::Limits::default();
        LiveEventBus {
            backlog: Mutex::default(),
            most_events: backlog.max(1),
            most_bytes: limits.live_event_backlog_bytes,
            most_subscribers: limits.max_event_subscribers,
            changes: watch::channel(0).0,
            closing: watch::channel(false).0,
        }
    }

    /// The same bus with these bounds: bytes held, subscribers at once.
    pub fn bounded(mut self, backlog_bytes: u64, subscribers: usize) -> Self {
        self.most_bytes = backlog_bytes.max(1);
        self.most_subscribers = subscribers.max(1);
        self
    }

    fn backlog(&self) -> std::sync::MutexGuard<'_, Backlog> {
        self.backlog.lock().expect("live event backlog lock")
    }

    pub fn publish(&self, kind: LiveEventKind, tenant: &str, chat_id: Option<ChatId>, data: Value) {
        self.publish_with(kind, tenant, chat_id, || data);
    }

    /// Like [`Self::publish`], but builds the event's data only when someone is
    /// subscribed: the hot paths (every message, every delivery) call this.
    pub fn publish_with(
        &self,
        kind: LiveEventKind,
        tenant: &str,
        chat_id: Option<ChatId>,
        data: impl FnOnce() -> Value,
    ) {
        // The data is built and written outside the lock, and only when someone listens
        // (without subscribers, the usual case, the lock is taken once).
        let mut backlog = self.backlog();
        let data = if backlog.subscribers.is_empty() {
            None
        } else {
            drop(backlog);
            let data = json_text(&data());
            backlog = self.backlog();
            Some(data)
        };
        // Numbered and held under one lock, so subscribers see `seq` strictly rising
        // even when several threads publish at once.
        backlog.seq += 1;
        let seq = backlog.seq;
        if let Some(data) = data.filter(|_| !backlog.subscribers.is_empty()) {
            let held = Arc::new(HeldEvent {
                seq,
                kind,
                tenant: tenant.to_owned(),
                frame: frame(seq, Utc::now(), kind, tenant, chat_id, &data),
            });
            backlog.bytes += held.bytes();
            backlog.events.push_back(held);
            backlog.trim(self.most_events, self.most_bytes);
        }
        drop(backlog);
        // Waiters are woken only when some exist: a waiter subscribes before it checks
        // what it waits for, so one that comes later sees the change itself.
        let waiting = self.changes.receiver_count() > 0;
        self.changes.send_if_modified(|last| {
            *last = seq;
            waiting
        });
    }

    /// Wakes the long-poll waiters without publishing an event (for state that has no
    /// live event of its own, e.g. a fixture reload).
    pub fn notify_change(&self) {
        self.changes.send_modify(|_| {});
    }

    /// A subscription to every event from now on, unless `--max-event-subscribers` are
    /// already open.
    pub fn subscribe(self: &Arc<Self>) -> Result<Subscription, TooManySubscribers> {
        let mut backlog = self.backlog();
        let open = backlog.subscribers.len();
        if open >= self.most_subscribers {
            return Err(TooManySubscribers {
                open,
                most: self.most_subscribers,
            });
        }
        backlog.next_subscriber += 1;
        let id = backlog.next_subscriber;
        let next = backlog.seq + 1;
        backlog.subscribers.insert(
            id,
            Subscriber {
                next,
                dropped: None,
            },
        );
        Ok(Subscription {
            bus: Arc::clone(self),
            id,
            changes: self.changes.subscribe(),
            closing: self.closing.subscribe(),
            ended: false,
        })
    }

    /// Forgets the held events of one tenant (or of all), when it is reset.
    pub fn forget_tenant(&self, tenant: Option<&str>) {
        let mut backlog = self.backlog();
        let Backlog { events, bytes, .. } = &mut *backlog;
        events.retain(|event| {
            let keep = tenant.is_some_and(|tenant| tenant != event.tenant);
            if !keep {
                *bytes -= event.bytes();
            }
            keep
        });
    }

    /// The streams open now.
    pub fn subscribers(&self) -> usize {
        self.backlog().subscribers.len()
    }

    /// The bytes of events held for subscribers that have not read them yet.
    pub fn backlog_bytes(&self) -> u64 {
        self.backlog().bytes
    }

    /// Shutdown has started: every event stream ends and every long-poll answers now.
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes `true` when shutdown starts.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A counter that changes whenever anything is published: wait on it, then re-check.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

/// A value as JSON text.
fn json_text(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// The SSE frame of one event: `event: <kind>`, `id: <seq>` and, as `data:`, the
/// [`LiveEvent`] as JSON, written around the event's data (already JSON text).
fn frame(
    seq: u64,
    at: DateTime<Utc>,
    kind: LiveEventKind,
    tenant: &str,
    chat_id: Option<ChatId>,
    data: &str,
) -> Bytes {
    Bytes::from(format!(
        "event: {name}\nid: {seq}\ndata: {{\"seq\":{seq},\"at\":{at},\"kind\":\"{name}\",\"tenant\":{tenant},\"chat_id\":{chat_id},\"data\":{data}}}\n\n",
        name = kind.name(),
        at = json_text(&at),
        tenant = json_text(&tenant),
        chat_id = json_text(&chat_id),
    ))
}

/// One subscriber's place in the bus; leaves it when dropped.
#[derive(Debug)]
pub struct Subscription {
    bus: Arc<LiveEventBus>,
    id: u64,
    changes: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
    ended: bool,
}

impl Subscription {
    /// The next event, waiting for one; then `Dropped` or `Closed` once, and `Closed`.
    pub async fn next(&mut self) -> Next {
        loop {
            if self.ended || *self.closing.borrow_and_update() {
                self.ended = true;
                return Next::Closed;
            }
            self.changes.borrow_and_update();
            if let Some(next) = self.take() {
                return next;
            }
            tokio::select! {
                changed = self.changes.changed() => {
                    if changed.is_err() {
                        self.ended = true;
                        return Next::Closed;
                    }
                }
                changed = self.closing.changed() => {
                    if changed.is_err() {
                        self.ended = true;
                        return Next::Closed;
                    }
                }
            }
        }
    }

    /// The next held event, or the news that this subscriber was dropped, if any.
    fn take(&mut self) -> Option<Next> {
        let bus = Arc::clone(&self.bus);
        let mut backlog = bus.backlog();
        let subscriber = backlog.subscribers.get(&self.id)?;
        if let Some(missed) = subscriber.dropped {
            self.ended = true;
            return Some(Next::Dropped {
                missed,
                message: format!(
                    "This subscriber fell behind by more than the backlog holds ({} bytes, {} events; {}) and was dropped, missing {missed} events; reconnect for the events from then on",
                    bus.most_bytes,
                    bus.most_events,
                    Limit::LiveEventBacklogBytes.names_flag()
                ),
            });
        }
        let next = subscriber.next;
        // Events are in order; a reset may have taken some out of the middle.
        let at = backlog.events.partition_point(|event| event.seq < next);
        let event = Arc::clone(backlog.events.get(at)?);
        if let Some(subscriber) = backlog.subscribers.get_mut(&self.id) {
            subscriber.next = event.seq + 1;
        }
        Some(Next::Event(event))
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut backlog = self.bus.backlog();
        backlog.subscribers.remove(&self.id);
        backlog.trim(self.bus.most_events, self.bus.most_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(next: Next) -> Arc<HeldEvent> {
        match next {
            Next::Event(event) => event,
            other => panic!("{other:?}"),
        }
    }

    #[actix_rt::test]
    async fn subscribers_receive_events_in_order_and_the_counter_moves() {
        let bus = Arc::new(LiveEventBus::default());
        let mut stream = bus.subscribe().unwrap();
        let changes = bus.changes();
        bus.publish(
            LiveEventKind::Chat,
            "acme",
            Some(ChatId(1)),
            json!({"a": 1}),
        );
        bus.publish(
            LiveEventKind::Message,
            "acme",
            Some(ChatId(1)),
            json!({"b": 2}),
        );
        assert_eq!(event(stream.next().await).seq, 1);
        let second = event(stream.next().await);
        assert_eq!(second.kind, LiveEventKind::Message);
        assert!(String::from_utf8_lossy(&second.frame).starts_with("event: message\nid: 2\n"));
        assert_eq!(*changes.borrow(), 2);
        // Read by every subscriber: nothing is held any more.
        bus.publish(LiveEventKind::Chat, "acme", None, json!({}));
        event(stream.next().await);
        bus.publish(LiveEventKind::Chat, "acme", None, json!({}));
        assert!(bus.backlog_bytes() < 1_000, "{}", bus.backlog_bytes());
    }

    #[actix_rt::test]
    async fn events_published_from_many_threads_arrive_numbered_in_order() {
        let bus = Arc::new(LiveEventBus::with_backlog(100_000).bounded(1 << 30, 4));
        let mut stream = bus.subscribe().unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let bus = Arc::clone(&bus);
                std::thread::spawn(move || {
                    for _ in 0..5_000 {
                        bus.publish(LiveEventKind::Chat, "acme", Some(ChatId(1)), json!({}));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut previous = 0;
        while previous < 20_000 {
            let seq = event(stream.next().await).seq;
            assert!(seq > previous, "{seq} after {previous}");
            previous = seq;
        }
    }

    #[actix_rt::test]
    async fn a_subscriber_behind_the_bytes_bound_is_dropped_and_the_rest_let_go() {
        let bus = Arc::new(LiveEventBus::default().bounded(10_000, 4));
        let mut slow = bus.subscribe().unwrap();
        let mut quick = bus.subscribe().unwrap();
        for _ in 0..20 {
            bus.publish(
                LiveEventKind::Message,
                "acme",
                None,
                json!({"text": "x".repeat(1_000)}),
            );
            event(quick.next().await);
        }
        assert!(bus.backlog_bytes() <= 10_000, "{}", bus.backlog_bytes());
        match slow.next().await {
            Next::Dropped { missed, message } => {
                // Dropped once it was more than the bound behind: what it missed by then.
                assert!((1..=20).contains(&missed), "{missed}");
                assert!(message.contains("--live-event-backlog-bytes"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(slow.next().await, Next::Closed));
        drop(slow);
        // Only the quick subscriber counts now, and it has read everything.
        bus.publish(LiveEventKind::Message, "acme", None, json!({}));
        event(quick.next().await);
        bus.publish(LiveEventKind::Message, "acme", None, json!({}));
        assert!(bus.backlog_bytes() < 1_000);
    }

    #[test]
    fn subscribers_are_capped_and_a_reset_tenants_events_are_forgotten() {
        let bus = Arc::new(LiveEventBus::default().bounded(1 << 20, 2));
        let first = bus.subscribe().unwrap();
        let _second = bus.subscribe().unwrap();
        let refused = bus.subscribe().unwrap_err();
        assert!(
            refused.to_string().contains("--max-event-subscribers"),
            "{refused}"
        );
        bus.publish(
            LiveEventKind::Message,
            "acme",
            None,
            json!({"text": "x".repeat(10_000)}),
        );
        bus.publish(LiveEventKind::Message, "beta", None, json!({}));
        let held = bus.backlog_bytes();
        bus.forget_tenant(Some("acme"));
        assert!(bus.backlog_bytes() < held - 10_000);
        drop(first);
        assert_eq!(bus.subscribers(), 1);
        assert!(bus.subscribe().is_ok());
    }

    #[test]
    fn a_frame_carries_the_event_as_its_shape_says() {
        let at = Utc::now();
        let data = json!({"text": "hi \"there\""});
        let written = frame(
            7,
            at,
            LiveEventKind::Message,
            "ac\"me",
            Some(ChatId(3)),
            &json_text(&data),
        );
        let text = String::from_utf8(written.to_vec()).unwrap();
        let (head, json_line) = text.split_once("data: ").unwrap();
        assert_eq!(head, "event: message\nid: 7\n");
        let parsed: Value = serde_json::from_str(json_line.trim_end()).unwrap();
        let expected = serde_json::to_value(LiveEvent {
            seq: 7,
            at,
            kind: LiveEventKind::Message,
            tenant: "ac\"me".into(),
            chat_id: Some(ChatId(3)),
            data,
        })
        .unwrap();
        assert_eq!(parsed, expected);
    }
}
