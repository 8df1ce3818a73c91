//! Routes deliveries to their senders. One background thread owns the HTTP client (awc's
//! client is not `Send`). In the default `ordered` mode it runs one queue per chat, so a
//! chat's events go out strictly in order (a retrying event holds the chat's later ones
//! back) while other chats and tenants flow independently; in `unordered` mode every
//! delivery goes out on its own. Callers only push onto an unbounded channel, so an Apps
//! API request never waits for a webhook. A delivery goes out only once the change that
//! caused it is committed to `--state-dir` (at once without it).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::super::delivery_journal::DeliveryHandle;
use super::super::retry::{DeliveryOrdering, RetryPolicy};
use super::super::targets::WebhookTargets;
use super::poster::WebhookPoster;
use crate::core::domain::ChatId;
use crate::core::live_events::LiveEventBus;
use crate::core::state::durability::CommitTicket;

/// One delivery to send, once the change that caused it is written.
pub struct Job {
    pub tenant: String,
    pub chat_id: ChatId,
    pub delivery: DeliveryHandle,
    /// The ticket of the change that caused it (settled at once without `--state-dir`).
    pub written: CommitTicket,
}

/// The sending side: cheap to clone, never blocks.
#[derive(Clone)]
pub struct Dispatcher {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Dispatcher {
    /// Starts the dispatcher thread.
    pub fn start(
        targets: Arc<WebhookTargets>,
        policy: RetryPolicy,
        events: Arc<LiveEventBus>,
    ) -> Dispatcher {
        let (jobs, receiver) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("webhook-dispatcher".into())
            .spawn(move || {
                let ordering = policy.ordering;
                let sender = Rc::new(WebhookPoster::new(targets, policy, events));
                actix_rt::System::new().block_on(route_jobs(receiver, sender, ordering));
            })
            .expect("the dispatcher thread starts");
        Dispatcher { jobs }
    }

    pub fn enqueue(&self, job: Job) {
        // Only fails when the dispatcher thread is gone, i.e. the process is shutting down.
        if self.jobs.send(job).is_err() {
            tracing::warn!("webhook dispatcher stopped; delivery dropped");
        }
    }
}

type ChatKey = (String, ChatId);
type Queued = (DeliveryHandle, CommitTicket);
type ChatQueues = Rc<RefCell<HashMap<ChatKey, mpsc::UnboundedSender<Queued>>>>;

async fn route_jobs(
    mut jobs: mpsc::UnboundedReceiver<Job>,
    sender: Rc<WebhookPoster>,
    ordering: DeliveryOrdering,
) {
    let queues: ChatQueues = Rc::default();
    // Whatever has queued up since the last wake-up is taken at once: one wake-up per
    // batch, however many messages arrived meanwhile.
    let mut batch = Vec::with_capacity(BATCH);
    while jobs.recv_many(&mut batch, BATCH).await > 0 {
        for job in batch.drain(..) {
            route(job, &queues, &sender, ordering);
        }
    }
}

/// Most jobs taken per wake-up.
const BATCH: usize = 512;

/// Hands one job to its chat's queue (starting the queue's task if it has none).
fn route(job: Job, queues: &ChatQueues, sender: &Rc<WebhookPoster>, ordering: DeliveryOrdering) {
    if ordering == DeliveryOrdering::Unordered {
        let sender = Rc::clone(sender);
        actix_rt::spawn(async move {
            send_once_written(&sender, &job.tenant, &job.delivery, &job.written).await
        });
        return;
    }
    let key = (job.tenant, job.chat_id);
    let existing = queues.borrow().get(&key).cloned();
    let delivery = match existing {
        Some(queue) => match queue.send((job.delivery, job.written)) {
            Ok(()) => return,
            Err(returned) => returned.0,
        },
        None => (job.delivery, job.written),
    };
    let (queue, receiver) = mpsc::unbounded_channel();
    queue.send(delivery).expect("receiver is alive");
    queues.borrow_mut().insert(key.clone(), queue);
    actix_rt::spawn(drain_chat_queue(
        key,
        receiver,
        Rc::clone(queues),
        Rc::clone(sender),
    ));
}

/// Delivers one chat's events in order; exits (and unregisters) when the queue is empty.
async fn drain_chat_queue(
    key: ChatKey,
    mut receiver: mpsc::UnboundedReceiver<Queued>,
    queues: ChatQueues,
    sender: Rc<WebhookPoster>,
) {
    loop {
        match receiver.try_recv() {
            Ok((delivery, written)) => {
                send_once_written(&sender, &key.0, &delivery, &written).await
            }
            Err(_) => {
                // Single-threaded: nothing can be queued between this check and the removal.
                queues.borrow_mut().remove(&key);
                return;
            }
        }
    }
}

/// Sends a delivery once the change that caused it is committed; a change that could not
/// be written sends nothing (the delivery is cancelled: the store does not know it).
async fn send_once_written(
    sender: &WebhookPoster,
    tenant: &str,
    delivery: &DeliveryHandle,
    written: &CommitTicket,
) {
    match written.committed().await {
        Ok(()) => sender.deliver(tenant, delivery).await,
        Err(error) => sender.not_written(tenant, delivery, &error.to_string()),
    }
}
