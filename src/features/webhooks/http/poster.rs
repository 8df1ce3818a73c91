//! One delivery, attempted until it succeeds or its retries run out: resolve the tenant's
//! target at send time (so a target set or rotated later applies), apply any injected
//! faults, sign afresh with a fresh timestamp, POST with a timeout, and write every attempt
//! (status, latency, error, truncated response body) to the journal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;

use super::super::delivery_journal::{Delivery, DeliveryAttempt, DeliveryHandle, DeliveryStatus};
use super::super::faults::AppliedFaults;
use super::super::retry::{parse_retry_after, RetryPolicy};
use super::super::signing::signature_header;
use super::super::targets::{WebhookTarget, WebhookTargets};
use super::loopback::LoopGuard;
use crate::core::formats::timestamp;
use crate::core::live_events::{LiveEventBus, LiveEventKind};

/// The header that carries a delivery's id, unchanged across retries and redeliveries. The
/// platform sends no such header: `--webhook-delivery-id-header false` leaves it out.
pub const DELIVERY_ID_HEADER: &str = "X-Emulator-Delivery-Id";
const RESPONSE_BODY_LIMIT: usize = 1_024;

/// Sends deliveries; lives on the dispatcher thread (awc's client is not `Send`).
pub struct WebhookPoster {
    client: awc::Client,
    targets: Arc<WebhookTargets>,
    policy: RetryPolicy,
    events: Arc<LiveEventBus>,
}

/// What one HTTP exchange gave.
struct Outcome {
    attempt: DeliveryAttempt,
    retry_after: Option<Duration>,
}

impl WebhookPoster {
    pub fn new(
        targets: Arc<WebhookTargets>,
        policy: RetryPolicy,
        events: Arc<LiveEventBus>,
    ) -> WebhookPoster {
        // The system's resolver, as awc's own, except that a name resolving to the
        // emulator itself is not connected to (see `loopback`).
        let resolver = actix_tls::connect::Resolver::custom(LoopGuard {
            own: Arc::clone(&targets.own_address),
        });
        let client = awc::Client::builder()
            .connector(
                awc::Connector::new()
                    .connector(actix_tls::connect::Connector::new(resolver).service()),
            )
            .timeout(policy.timeout)
            .disable_redirects()
            .finish();
        WebhookPoster {
            client,
            targets,
            policy,
            events,
        }
    }

    /// Attempts `delivery` until it is delivered, exhausted, skipped or cancelled, then
    /// forgets its row in `--state-dir`.
    pub async fn deliver(&self, tenant: &str, delivery: &DeliveryHandle) {
        self.attempt_until_finished(tenant, delivery).await;
        self.targets.persist_finished(delivery);
    }

    /// The change that caused `delivery` could not be written to `--state-dir`: it is not
    /// sent (the store does not know it) and is journaled as failed; it can be redelivered.
    pub fn not_written(&self, tenant: &str, delivery: &DeliveryHandle, problem: &str) {
        tracing::warn!(tenant, %problem, "webhook not sent: the change that caused it was not written to --state-dir");
        self.update(tenant, delivery, |delivery| {
            delivery.status = DeliveryStatus::Failed
        });
    }

    async fn attempt_until_finished(&self, tenant: &str, delivery: &DeliveryHandle) {
        let mut retry = 0;
        loop {
            let (id, payload, cancelled) = {
                let delivery = delivery.lock().expect("delivery lock");
                (delivery.id, delivery.payload.clone(), delivery.cancelled)
            };
            if cancelled {
                return;
            }
            let Some(payload) = payload.bytes() else {
                return;
            };
            let Some(target) = self.targets.resolve(tenant) else {
                self.update(tenant, delivery, |delivery| {
                    delivery.status = DeliveryStatus::Skipped
                });
                return;
            };
            let faults = self
                .targets
                .faults(tenant)
                .map(|faults| faults.draw())
                .unwrap_or_default();
            if let Some(delay) = faults.delay {
                actix_rt::time::sleep(delay).await;
            }
            let id = id.to_string();
            let first = self.attempt(&target, &id, &payload, &faults).await;
            let duplicate = if faults.duplicate {
                Some(self.attempt(&target, &id, &payload, &faults).await)
            } else {
                None
            };
            let succeeded = first.attempt.succeeded();
            let wait = if succeeded {
                None
            } else {
                self.policy.wait_before_retry(retry, first.retry_after)
            };
            self.update(tenant, delivery, |delivery| {
                delivery.attempts.push(first.attempt);
                delivery
                    .attempts
                    .extend(duplicate.map(|outcome| outcome.attempt));
                delivery.status = match (succeeded, wait) {
                    (true, _) => DeliveryStatus::Delivered,
                    (false, Some(_)) => DeliveryStatus::Retrying,
                    (false, None) => DeliveryStatus::Failed,
                };
            });
            match wait {
                Some(wait) => actix_rt::time::sleep(wait).await,
                None => return,
            }
            retry += 1;
        }
    }

    async fn attempt(
        &self,
        target: &WebhookTarget,
        delivery_id: &str,
        payload: &[u8],
        faults: &AppliedFaults,
    ) -> Outcome {
        let at = Utc::now();
        let signed_at = match faults.stale_by {
            Some(stale_by) => at - chrono::Duration::from_std(stale_by).unwrap_or_default(),
            None => at,
        };
        let signature_timestamp = timestamp(signed_at);
        let wrong_secret;
        let primary = if faults.bad_signature {
            wrong_secret = format!("{}-not-the-secret", target.primary_secret);
            &wrong_secret
        } else {
            &target.primary_secret
        };
        let secondary = match (faults.primary_only, faults.bad_signature) {
            (true, _) => None,
            (false, true) => target.secondary_secret.as_ref().map(|_| primary.as_str()),
            (false, false) => target.secondary_secret.as_deref(),
        };
        let signature = signature_header(primary, secondary, &signature_timestamp, payload);
        let started = Instant::now();
        let mut attempt = DeliveryAttempt {
            at,
            url: target.url.clone(),
            signature_timestamp: signature_timestamp.clone(),
            status_code: None,
            latency_ms: 0,
            error: None,
            response_body: None,
            retry_after_ms: None,
            faults: faults.describe(),
        };
        let mut retry_after = None;
        let mut kept = Vec::new();
        // --webhook-timeout covers the whole exchange: connecting, sending, the response
        // head and the whole body, whatever length it declares (awc's own timeout stops at
        // the head). Only the body's first KiB is kept.
        let exchange = async {
            // An IP address never reaches the client's resolver: checked here.
            self.targets.own_address.refuse_loop(&target.url)?;
            let mut request = self
                .client
                .post(&target.url)
                .insert_header(("Content-Type", "application/json"))
                .insert_header(("X-Signature-Timestamp", signature_timestamp.as_str()))
                .insert_header(("X-Signature", signature));
            if self.targets.delivery_id_header() {
                request = request.insert_header((DELIVERY_ID_HEADER, delivery_id));
            }
            let mut response = request
                .send_body(payload.to_vec())
                .await
                .map_err(|error| error.to_string())?;
            attempt.status_code = Some(response.status().as_u16());
            retry_after = response
                .headers()
                .get("Retry-After")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| parse_retry_after(value, Utc::now()));
            attempt.retry_after_ms = retry_after.map(|wait| wait.as_millis() as u64);
            while let Some(chunk) = response.next().await {
                let chunk = chunk.map_err(|error| format!("reading the response body: {error}"))?;
                let room = RESPONSE_BODY_LIMIT - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok::<(), String>(())
        };
        let outcome = tokio::time::timeout(self.policy.timeout, exchange).await;
        if attempt.status_code.is_some() {
            attempt.response_body = Some(String::from_utf8_lossy(&kept).into_owned());
        }
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => attempt.error = Some(error),
            Err(_) => {
                let stage = if attempt.status_code.is_some() {
                    "the response body"
                } else {
                    "the response"
                };
                attempt.error = Some(format!(
                    "timed out after {}ms waiting for {stage} (--webhook-timeout)",
                    self.policy.timeout.as_millis()
                ));
            }
        }
        attempt.latency_ms = started.elapsed().as_millis() as u64;
        Outcome {
            attempt,
            retry_after,
        }
    }

    /// Changes a journal entry and tells the live event bus.
    fn update(&self, tenant: &str, delivery: &DeliveryHandle, change: impl FnOnce(&mut Delivery)) {
        let chat_id = {
            let mut delivery = delivery.lock().expect("delivery lock");
            change(&mut delivery);
            delivery.keep_within(self.targets.caps());
            delivery.chat_id
        };
        self.events
            .publish_with(LiveEventKind::Delivery, tenant, Some(chat_id), || {
                delivery.lock().expect("delivery lock").summary()
            });
    }
}
