//! Sends deliveries. One background thread owns the HTTP client (awc's client is not
//! `Send`) and runs one queue per chat, so a chat's events go out strictly in order while
//! other chats and tenants flow independently. Each attempt is signed afresh; failures are
//! retried on the [`RetryPolicy`] schedule and every attempt is written to the journal.
//! Callers only push onto an unbounded channel, so an Apps API request never waits for a
//! webhook.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc;

use super::catalog::timestamp;
use super::journal::{Delivery, DeliveryAttempt, DeliveryHandle, DeliveryStatus};
use super::signing::signature_header;
use super::{Targets, WebhookTarget};
use crate::events::{EventBus, LiveEventKind};

/// When to retry and how long to wait for a receiver.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Waits before the 2nd, 3rd, ... attempt; its length is the number of retries.
    pub schedule: Vec<Duration>,
    /// How long one attempt may take.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            schedule: [100, 500, 2_000, 10_000, 30_000]
                .into_iter()
                .map(Duration::from_millis)
                .collect(),
            timeout: Duration::from_secs(5),
        }
    }
}

/// The header that carries a delivery's id, unchanged across retries and redeliveries.
pub const DELIVERY_ID_HEADER: &str = "X-Emulator-Delivery-Id";
const RESPONSE_BODY_LIMIT: usize = 1_024;

/// One delivery to send, on the queue of its chat.
pub struct Job {
    pub tenant: String,
    pub chat_id: u64,
    pub delivery: DeliveryHandle,
}

/// The sending side: cheap to clone, never blocks.
#[derive(Clone)]
pub struct Dispatcher {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Dispatcher {
    /// Starts the dispatcher thread.
    pub fn start(targets: Arc<Targets>, policy: RetryPolicy, events: Arc<EventBus>) -> Dispatcher {
        let (jobs, receiver) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("webhook-dispatcher".into())
            .spawn(move || {
                actix_web::rt::System::new()
                    .block_on(route_jobs(receiver, targets, policy, events));
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

type ChatKey = (String, u64);
type ChatQueues = Rc<RefCell<HashMap<ChatKey, mpsc::UnboundedSender<DeliveryHandle>>>>;

struct Sender {
    client: awc::Client,
    targets: Arc<Targets>,
    policy: RetryPolicy,
    events: Arc<EventBus>,
}

async fn route_jobs(
    mut jobs: mpsc::UnboundedReceiver<Job>,
    targets: Arc<Targets>,
    policy: RetryPolicy,
    events: Arc<EventBus>,
) {
    let client = awc::Client::builder()
        .timeout(policy.timeout)
        .disable_redirects()
        .finish();
    let sender = Rc::new(Sender {
        client,
        targets,
        policy,
        events,
    });
    let queues: ChatQueues = Rc::default();
    while let Some(job) = jobs.recv().await {
        let key = (job.tenant, job.chat_id);
        let existing = queues.borrow().get(&key).cloned();
        let delivery = match existing {
            Some(queue) => match queue.send(job.delivery) {
                Ok(()) => continue,
                Err(returned) => returned.0,
            },
            None => job.delivery,
        };
        let (queue, receiver) = mpsc::unbounded_channel();
        queue.send(delivery).expect("receiver is alive");
        queues.borrow_mut().insert(key.clone(), queue);
        actix_web::rt::spawn(drain_chat_queue(
            key,
            receiver,
            Rc::clone(&queues),
            Rc::clone(&sender),
        ));
    }
}

/// Delivers one chat's events in order; exits (and unregisters) when the queue is empty.
async fn drain_chat_queue(
    key: ChatKey,
    mut receiver: mpsc::UnboundedReceiver<DeliveryHandle>,
    queues: ChatQueues,
    sender: Rc<Sender>,
) {
    loop {
        match receiver.try_recv() {
            Ok(delivery) => sender.deliver(&key.0, &delivery).await,
            Err(_) => {
                // Single-threaded: nothing can be queued between this check and the removal.
                queues.borrow_mut().remove(&key);
                return;
            }
        }
    }
}

impl Sender {
    async fn deliver(&self, tenant: &str, delivery: &DeliveryHandle) {
        let mut retries = self.policy.schedule.iter();
        loop {
            let (id, payload, cancelled) = {
                let delivery = delivery.lock().expect("delivery lock");
                (
                    delivery.id,
                    Arc::clone(&delivery.payload),
                    delivery.cancelled,
                )
            };
            if cancelled {
                return;
            }
            let Some(target) = self.targets.resolve(tenant) else {
                self.update(tenant, delivery, |delivery| {
                    delivery.status = DeliveryStatus::Skipped
                });
                return;
            };
            let attempt = self.attempt(&target, &id.to_string(), &payload).await;
            let succeeded = attempt
                .status_code
                .is_some_and(|code| (200..300).contains(&code));
            let next_wait = if succeeded { None } else { retries.next() };
            self.update(tenant, delivery, |delivery| {
                delivery.attempts.push(attempt);
                delivery.status = match (succeeded, next_wait) {
                    (true, _) => DeliveryStatus::Delivered,
                    (false, Some(_)) => DeliveryStatus::Retrying,
                    (false, None) => DeliveryStatus::Failed,
                };
            });
            match next_wait {
                Some(wait) if !succeeded => actix_web::rt::time::sleep(*wait).await,
                _ => return,
            }
        }
    }

    async fn attempt(
        &self,
        target: &WebhookTarget,
        delivery_id: &str,
        payload: &[u8],
    ) -> DeliveryAttempt {
        let at = Utc::now();
        let signature_timestamp = timestamp(at);
        let signature = signature_header(
            &target.primary_secret,
            target.secondary_secret.as_deref(),
            &signature_timestamp,
            payload,
        );
        let started = Instant::now();
        let result = self
            .client
            .post(&target.url)
            .insert_header(("Content-Type", "application/json"))
            .insert_header(("X-Signature-Timestamp", signature_timestamp.as_str()))
            .insert_header(("X-Signature", signature))
            .insert_header((DELIVERY_ID_HEADER, delivery_id))
            .send_body(payload.to_vec())
            .await;
        let mut attempt = DeliveryAttempt {
            at,
            url: target.url.clone(),
            signature_timestamp,
            status_code: None,
            latency_ms: 0,
            error: None,
            response_body: None,
        };
        match result {
            Ok(mut response) => {
                attempt.status_code = Some(response.status().as_u16());
                if let Ok(body) = response.body().limit(64 * 1024).await {
                    let end = body.len().min(RESPONSE_BODY_LIMIT);
                    attempt.response_body =
                        Some(String::from_utf8_lossy(&body[..end]).into_owned());
                }
            }
            Err(error) => attempt.error = Some(error.to_string()),
        }
        attempt.latency_ms = started.elapsed().as_millis() as u64;
        attempt
    }
}

impl Sender {
    /// Changes a journal entry and tells the live event bus.
    fn update(&self, tenant: &str, delivery: &DeliveryHandle, change: impl FnOnce(&mut Delivery)) {
        let (chat_id, summary) = {
            let mut delivery = delivery.lock().expect("delivery lock");
            change(&mut delivery);
            (delivery.chat_id, delivery.summary())
        };
        self.events
            .publish(LiveEventKind::Delivery, tenant, Some(chat_id), summary);
    }
}
