//! Shutdown's wait for webhooks: [`Webhooks::drain`] waits, without polling, until no
//! delivery is pending or retrying or the grace period is over, and reports by tenant and
//! chat what is still undelivered.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::delivery_journal::{DeliveryFilter, DeliveryStatus};
use super::Webhooks;

/// Deliveries still unfinished when a drain gave up, by tenant and chat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub undelivered: usize,
    /// (tenant, chat id) to the number of its unfinished deliveries.
    pub by_chat: BTreeMap<(String, u64), usize>,
}

impl std::fmt::Display for DrainReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} webhook deliveries undelivered", self.undelivered)?;
        let chats: Vec<String> = self
            .by_chat
            .iter()
            .map(|((tenant, chat_id), count)| format!("tenant {tenant} chat {chat_id}: {count}"))
            .collect();
        if !chats.is_empty() {
            write!(f, " ({})", chats.join("; "))?;
        }
        Ok(())
    }
}

impl Webhooks {
    /// Waits until no delivery is pending or retrying, or `grace` has passed; reports what
    /// is still undelivered. Retries go on meanwhile on their normal schedule.
    pub async fn drain(&self, grace: Duration) -> DrainReport {
        let mut changes = self.events.changes();
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let unfinished = self.unfinished();
            if unfinished.undelivered == 0 {
                return unfinished;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return self.unfinished();
            }
        }
    }

    fn unfinished(&self) -> DrainReport {
        let mut report = DrainReport::default();
        let all = DeliveryFilter::default();
        for delivery in self.journal.list(&all) {
            if matches!(
                delivery.status,
                DeliveryStatus::Pending | DeliveryStatus::Retrying
            ) {
                report.undelivered += 1;
                *report
                    .by_chat
                    .entry((delivery.tenant, delivery.chat_id.get()))
                    .or_default() += 1;
            }
        }
        report
    }
}
