//! The live event bus: everything that happens in the emulator (Apps API requests, chat
//! state changes, messages, webhook deliveries) is
//! published here once. Subscribers get a [`broadcast`] stream (for Server-Sent Events),
//! and long-poll waiters get a cheap change counter ([`watch`]) that tells them to re-check
//! their condition, so nothing ever has to sleep and poll.

use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{broadcast, watch};

use crate::core::domain::ChatId;

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

/// One published event.
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

/// How many events a slow subscriber may fall behind before it misses some.
pub const DEFAULT_BACKLOG: usize = 4_096;

/// The bus. Publishing never blocks and costs little when nobody listens.
#[derive(Debug)]
pub struct LiveEventBus {
    /// Made by the first subscriber, since a channel allocates its `backlog` slots up
    /// front (about 200 KB at the default) and most runs never subscribe.
    stream: OnceLock<broadcast::Sender<Arc<LiveEvent>>>,
    backlog: usize,
    changes: watch::Sender<u64>,
    /// Set when shutdown starts: event streams end and long-polls answer at once.
    closing: watch::Sender<bool>,
    /// The last sequence number given out.
    seq: Mutex<u64>,
}

impl Default for LiveEventBus {
    fn default() -> Self {
        LiveEventBus::with_backlog(DEFAULT_BACKLOG)
    }
}

impl LiveEventBus {
    /// A bus whose subscribers may fall `backlog` events behind before they miss some.
    pub fn with_backlog(backlog: usize) -> Self {
        LiveEventBus {
            stream: OnceLock::new(),
            backlog: backlog.max(1),
            changes: watch::channel(0).0,
            closing: watch::channel(false).0,
            seq: Mutex::new(0),
        }
    }

    pub fn publish(&self, kind: LiveEventKind, tenant: &str, chat_id: Option<ChatId>, data: Value) {
        self.publish_with(kind, tenant, chat_id, || data);
    }

    /// Like [`Self::publish`], but builds the event's data only when someone is
    /// subscribed to the stream: the hot paths (every message, every delivery) call this.
    pub fn publish_with(
        &self,
        kind: LiveEventKind,
        tenant: &str,
        chat_id: Option<ChatId>,
        data: impl FnOnce() -> Value,
    ) {
        // Built outside the lock; only when someone listens.
        let stream = self
            .stream
            .get()
            .filter(|stream| stream.receiver_count() > 0);
        let data = stream.map(|_| data());
        // Numbering and sending under one lock, so subscribers see `seq` strictly rising
        // even when several threads publish at once.
        let mut last = self.seq.lock().expect("event sequence lock");
        *last += 1;
        let seq = *last;
        if let (Some(stream), Some(data)) = (stream, data) {
            let event = LiveEvent {
                seq,
                at: Utc::now(),
                kind,
                tenant: tenant.to_owned(),
                chat_id,
                data,
            };
            // An error only means every subscriber left meanwhile.
            let _ = stream.send(Arc::new(event));
        }
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

    /// A stream of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.stream
            .get_or_init(|| broadcast::channel(self.backlog).0)
            .subscribe()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subscribers_receive_events_in_order_and_the_counter_moves() {
        let bus = LiveEventBus::default();
        let mut stream = bus.subscribe();
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
        assert_eq!(stream.try_recv().unwrap().seq, 1);
        assert_eq!(stream.try_recv().unwrap().kind, LiveEventKind::Message);
        assert_eq!(*changes.borrow(), 2);
    }

    #[test]
    fn events_published_from_many_threads_arrive_numbered_in_order() {
        let bus = Arc::new(LiveEventBus::with_backlog(100_000));
        let mut stream = bus.subscribe();
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
        while let Ok(event) = stream.try_recv() {
            assert!(event.seq > previous, "{} after {previous}", event.seq);
            previous = event.seq;
        }
        assert_eq!(previous, 20_000);
    }
}
