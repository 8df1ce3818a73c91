//! The queue and escalation use cases (issue 9): the consumer's escalation request and
//! deflection choices, ending a chat with a deflection, and the control plane's queue
//! availability per tenant (a queue that opens gives its waiting chats to the agent) and
//! escalation listing. Each one locks only the chat it changes, like every use case.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::Utc;

use super::tenant::Tenant;
use super::{AppState, StateError};
use crate::core::domain::escalation::{self, EscalationStatus, QueueDesk};
use crate::core::domain::queues::{Availability, DeflectionChannel, Queue};
use crate::core::domain::RoutingState;
use crate::core::domain::{Chat, ChatId, ContactCenter};
use crate::core::wire::escalations::{Escalation, TenantEscalation, TenantQueue};

/// Whether the chat's queue (if it has one) takes chats now.
pub(super) fn queue_is_open(tenant: &Tenant, chat: &Chat, script: &ContactCenter) -> bool {
    match chat.queue.as_deref().and_then(|id| script.queue(id)) {
        Some(queue) => tenant.availability(queue) == Availability::Available,
        None => true,
    }
}

impl AppState {
    /// Runs `use_desk` with this tenant's queue availability and the escalation ids.
    pub(super) fn with_desk<R>(
        &self,
        tenant: &Tenant,
        use_desk: impl FnOnce(&QueueDesk) -> R,
    ) -> R {
        let availability = |queue: &Queue| tenant.availability(queue);
        let next_escalation_id = || self.next_escalation_id.fetch_add(1, Ordering::Relaxed);
        use_desk(&QueueDesk {
            availability: &availability,
            next_escalation_id: &next_escalation_id,
        })
    }

    /// `POST /chats/{id}/escalations`: the virtual agent hands the chat to a queue.
    pub fn escalate(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        queue_id: Option<&str>,
    ) -> Result<escalation::Escalation, StateError> {
        self.transition_answering(
            tenant,
            chat_id,
            |chat, script| {
                self.with_desk(tenant, |desk| {
                    chat.escalate_on_request(queue_id, script, desk, Utc::now())
                })
            },
            |chat, id| {
                chat.escalation(id)
                    .cloned()
                    .expect("the escalation was just added")
            },
        )
    }

    /// `PATCH /chats/{id}/escalations/{escalation_id}` (and `PATCH /chats/{id}` without
    /// ending): keep waiting or go on with the virtual agent.
    pub fn choose_deflection(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        escalation_id: u64,
        channel: DeflectionChannel,
    ) -> Result<(Chat, escalation::Escalation), StateError> {
        self.transition_then(
            tenant,
            chat_id,
            |chat, script| {
                self.with_desk(tenant, |desk| {
                    chat.choose_deflection(escalation_id, channel, script, desk, Utc::now())
                })
            },
            |chat| {
                let escalation = chat.escalation(escalation_id).cloned().expect("checked");
                (chat.clone(), escalation)
            },
        )
    }

    /// `PATCH /chats/{id}` with `status: finished`: ends the chat as the end user, with the
    /// deflection chosen (email, external link) if given.
    pub fn end_chat_with_deflection(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        choice: Option<(u64, DeflectionChannel)>,
    ) -> Result<Chat, StateError> {
        self.transition(tenant, chat_id, |chat, _| {
            chat.end_with_deflection(choice, Utc::now())
        })
    }

    /// The tenant's queues with their availability and waiting chats.
    pub fn queues(&self, tenant: &Tenant) -> Vec<TenantQueue> {
        let script = self.script();
        let chats: Vec<(ChatId, Option<String>, bool)> = tenant
            .chat_ids()
            .into_iter()
            .filter_map(|id| {
                self.with_chat(tenant, id, |chat| {
                    let queued = matches!(chat.routing, RoutingState::Queued);
                    (chat.id, chat.queue.clone(), queued)
                })
                .ok()
            })
            .collect();
        script
            .queues
            .iter()
            .map(|queue| {
                let waiting = chats
                    .iter()
                    .filter(|(_, chat_queue, queued)| {
                        *queued && chat_queue.as_deref() == Some(&queue.id)
                    })
                    .map(|(id, _, _)| *id)
                    .collect();
                TenantQueue::of(queue, tenant.availability(queue), waiting)
            })
            .collect()
    }

    /// Sets a queue's availability for one tenant (`None`: back to the script's). When it
    /// becomes available, the chats waiting in it get the agent after the join delay.
    pub fn set_queue_availability(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        queue_id: &str,
        availability: Option<Availability>,
    ) -> Result<TenantQueue, StateError> {
        let script = self.script();
        let queue = script.queue(queue_id).ok_or_else(|| {
            let known: Vec<&str> = script
                .queues
                .iter()
                .map(|queue| queue.id.as_str())
                .collect();
            StateError::Invalid(format!(
                "{queue_id:?} is not a queue (queues: {})",
                known.join(", ")
            ))
        })?;
        tenant.set_availability(queue_id, availability);
        self.persist_settings(&tenant.name);
        if tenant.availability(queue) == Availability::Available {
            for chat_id in tenant.chat_ids() {
                let _ = self.transition_then(
                    tenant,
                    chat_id,
                    |chat, script| {
                        let mut effects = Vec::new();
                        if chat.queue.as_deref() == Some(queue_id) {
                            chat.queue_opened(script.join_delay, &mut effects);
                        }
                        Ok(effects)
                    },
                    |_| (),
                );
            }
        }
        self.live_events.publish_with(
            crate::core::live_events::LiveEventKind::Chat,
            &tenant.name,
            None,
            || serde_json::json!({"happening": "queue_availability_changed", "queue": queue_id}),
        );
        self.queues(tenant)
            .into_iter()
            .find(|entry| entry.id == queue_id)
            .ok_or(StateError::ChatNotFound)
    }

    /// Every escalation of every tenant (or one), oldest chat first.
    pub fn escalations(&self, tenant: Option<&str>) -> Vec<TenantEscalation> {
        let mut entries = Vec::new();
        for name in self.tenant_names() {
            if tenant.is_some_and(|wanted| wanted != name) {
                continue;
            }
            let Some(owner) = self.existing_tenant(&name) else {
                continue;
            };
            for chat_id in owner.chat_ids() {
                let _ = self.with_chat(&owner, chat_id, |chat| {
                    entries.extend(Escalation::all_of(chat).into_iter().map(|escalation| {
                        TenantEscalation {
                            tenant: name.clone(),
                            escalation,
                        }
                    }))
                });
            }
        }
        entries.sort_by_key(|entry| entry.escalation.id);
        entries
    }
}

impl EscalationStatus {
    pub fn parse(name: &str) -> Option<EscalationStatus> {
        [
            EscalationStatus::Escalating,
            EscalationStatus::Escalated,
            EscalationStatus::Canceled,
            EscalationStatus::Deflecting,
            EscalationStatus::Deflected,
        ]
        .into_iter()
        .find(|status| status.name() == name)
    }
}
