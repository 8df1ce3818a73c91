//! The one path by which state reaches `--state-dir`: every use case that changes something
//! describes its changes as [`Change`]s and submits them, with the id counters, to the
//! [`Durability`] the state was built with; they are written in one transaction, in the
//! order they were submitted, and the use case answers only once its [`CommitTicket`] says
//! they are committed. The webhook deliveries a change causes are written in the same
//! transaction and sent only after it commits ([`Outbox`]): after a restart nothing exists
//! outside the store that the store does not know. Submissions made while a transaction is
//! being written are written together in the next (group commit), so one commit serves
//! many answers. Without `--state-dir` there is no durability and recording costs nothing.
//! The persistence feature implements it (SQLite); this module knows no table and no file.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};

use serde_json::{Map, Value};
use tokio::sync::watch;

use super::id_counters::NextIds;
use crate::core::domain::{Chat, ChatId, EndUser};

/// A webhook delivery that is queued and not yet finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDelivery {
    /// The delivery id (a UUID, hyphenated).
    pub id: String,
    pub tenant: String,
    pub chat_id: u64,
    /// The event's wire name (`message_received`, ...).
    pub event_type: String,
    /// RFC 3339.
    pub created_at: String,
    /// The signed body, as sent.
    pub payload: Vec<u8>,
}

/// One change to what is kept.
#[derive(Debug)]
pub enum Change<'a> {
    /// A tenant now exists.
    TenantAdmitted {
        tenant: &'a str,
    },
    /// The tenant's settings document as it is now (see `super::hooks::TenantParts`).
    TenantSettings {
        tenant: &'a str,
        settings: &'a Map<String, Value>,
    },
    EndUser {
        tenant: &'a str,
        user: &'a EndUser,
    },
    /// A chat as it is now: its header, and its messages not yet written.
    Chat {
        tenant: &'a str,
        chat: &'a Chat,
    },
    /// Chats evicted, with their messages.
    ChatsEvicted {
        ids: &'a [ChatId],
    },
    /// One tenant (or every tenant) forgotten: a reset, or a snapshot load replacing it.
    TenantsForgotten {
        tenant: Option<&'a str>,
    },
    /// A fixture document uploaded at run time (`contact_center` or `vta/{key}`).
    FixtureUpload {
        key: &'a str,
        document: &'a Value,
    },
    /// A stored file: its record and, when they are new, its bytes.
    Media {
        key: &'a str,
        tenant: &'a str,
        chat_id: u64,
        record: Value,
        bytes: Option<&'a [u8]>,
    },
    MediaRemoved {
        key: &'a str,
    },
    /// A webhook delivery queued (it is sent again after a restart until it finishes).
    DeliveryQueued(&'a PendingDelivery),
    /// A delivery finished: delivered, failed, skipped or cancelled.
    DeliveryFinished {
        id: &'a str,
    },
}

/// Why changes could not be written (the message says what happened).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurabilityError(pub String);

/// Where changes are kept across restarts.
pub trait Durability: Send + Sync {
    /// Queues `changes` (and the counters, when given) to be written in one transaction,
    /// after every submission before it and before every one after it; answers the
    /// ticket that says when they are committed. Nothing of them is written if any fails.
    fn submit(
        &self,
        changes: &[Change<'_>],
        next_ids: Option<NextIds>,
    ) -> Result<CommitTicket, DurabilityError>;
}

/// The outcome of every submission so far: submissions are numbered in order and settle
/// in order, committed or failed. Waiters block (a thread) or await (a task).
#[derive(Debug)]
pub struct CommitLog {
    state: Mutex<Settled>,
    changed: Condvar,
    settled: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct Settled {
    /// Every submission up to this number has settled.
    upto: u64,
    /// The recent submissions that failed, with why (pruned as they age).
    failed: BTreeMap<u64, String>,
}

/// Failures kept for waiters that have not looked yet.
const FAILURES_KEPT: usize = 100_000;

impl Default for CommitLog {
    fn default() -> Self {
        CommitLog {
            state: Mutex::default(),
            changed: Condvar::new(),
            settled: watch::channel(0).0,
        }
    }
}

impl CommitLog {
    /// Submissions up to `upto` have settled; `failed` lists the ones among them that
    /// failed, with why. Called by the writer, in order.
    pub fn settle(&self, upto: u64, failed: impl IntoIterator<Item = (u64, String)>) {
        let mut state = self.state.lock().expect("commit log lock");
        state.failed.extend(failed);
        while state.failed.len() > FAILURES_KEPT {
            state.failed.pop_first();
        }
        state.upto = state.upto.max(upto);
        drop(state);
        self.changed.notify_all();
        self.settled.send_replace(upto);
    }

    fn outcome(&self, seq: u64) -> Option<Result<(), DurabilityError>> {
        let state = self.state.lock().expect("commit log lock");
        (state.upto >= seq).then(|| match state.failed.get(&seq) {
            Some(problem) => Err(DurabilityError(problem.clone())),
            None => Ok(()),
        })
    }
}

/// One submission's place in the commit order.
#[derive(Debug, Clone)]
pub struct CommitTicket {
    seq: u64,
    log: Option<Arc<CommitLog>>,
}

impl CommitTicket {
    /// A ticket for a submission numbered `seq` in `log`.
    pub fn new(seq: u64, log: Arc<CommitLog>) -> CommitTicket {
        CommitTicket {
            seq,
            log: Some(log),
        }
    }

    /// A ticket that is settled already (nothing to write: in memory only).
    pub fn settled() -> CommitTicket {
        CommitTicket { seq: 0, log: None }
    }

    /// Its number in the commit order (0: nothing to wait for).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Waits, without blocking the thread, until the submission has settled.
    pub async fn committed(&self) -> Result<(), DurabilityError> {
        let Some(log) = &self.log else {
            return Ok(());
        };
        let mut settled = log.settled.subscribe();
        // The watch only says how far settling has gone; the outcome is in the log.
        let _ = settled.wait_for(|upto| *upto >= self.seq).await;
        log.outcome(self.seq)
            .unwrap_or_else(|| Err(DurabilityError("the store stopped".into())))
    }

    /// Blocks the thread until the submission has settled.
    pub fn committed_blocking(&self) -> Result<(), DurabilityError> {
        let Some(log) = &self.log else {
            return Ok(());
        };
        let mut state = log.state.lock().expect("commit log lock");
        while state.upto < self.seq {
            state = log.changed.wait(state).expect("commit log lock");
        }
        drop(state);
        log.outcome(self.seq)
            .unwrap_or_else(|| Err(DurabilityError("the store stopped".into())))
    }

    /// Whether the submission has settled, and how (`None`: not yet).
    pub fn outcome(&self) -> Option<Result<(), DurabilityError>> {
        match &self.log {
            None => Some(Ok(())),
            Some(log) => log.outcome(self.seq),
        }
    }

    /// The log, for waiting on later submissions too.
    pub fn log(&self) -> Option<&Arc<CommitLog>> {
        self.log.as_ref()
    }
}

/// What a transition's happenings ask to be written with it and done once it is written:
/// the webhook deliveries they queue (written in the same transaction as the change, so a
/// delivery never exists outside the store that the store does not know) and what to do
/// with the commit's ticket (the deliveries are sent only once it is committed).
#[derive(Default)]
pub struct Outbox {
    pub deliveries: Vec<PendingDelivery>,
    releases: Vec<Release>,
}

/// What to do with a change's ticket once it is submitted.
type Release = Box<dyn FnOnce(&CommitTicket) + Send>;

impl Outbox {
    /// Runs `release` with the change's ticket once the change is submitted.
    pub fn after_submit(&mut self, release: impl FnOnce(&CommitTicket) + Send + 'static) {
        self.releases.push(Box::new(release));
    }

    /// Runs every release with the ticket of the change they belong to.
    pub fn release(self, ticket: &CommitTicket) {
        for release in self.releases {
            release(ticket);
        }
    }
}
