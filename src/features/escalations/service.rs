//! [`Escalations`]: the queue and escalation use cases: the consumer's escalation request
//! and deflection choices, ending a chat with a deflection, and the control plane's queue
//! availability per tenant (a queue that opens gives its waiting chats to the agent), the
//! tenant's "after hours" switch (which `PATCH /chats/{id}/resume` obeys), escalation
//! listing, and the queues' wait times (`GET /wait_times`, and their figures per tenant).
//! Each one locks only the chat it changes, like every use case.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::domain::escalation::{self, EscalationStatus};
use crate::core::domain::queues::{Availability, DeflectionChannel, Queue};
use crate::core::domain::wait_times::{self, WaitTimeMenu, WaitTimeQuery};
use crate::core::domain::RoutingState;
use crate::core::domain::{Chat, ChatId, ContactCenter};
use crate::core::live_events::LiveEventBus;
use crate::core::state::{AppState, StateError, Tenant};
use crate::core::wire::escalations::{Escalation, TenantEscalation, TenantQueue};
use crate::features::escalations::wire::{WaitFiguresChange, WaitTime};

/// A tenant's after-hours switch as the control plane answers it (`TenantAfterHours`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantAfterHours {
    pub tenant: String,
    pub after_hours: bool,
    /// The message `PATCH /chats/{id}/resume` answers while after hours.
    pub message: Option<String>,
}

/// The queue and escalation use cases.
pub struct Escalations {
    state: Arc<AppState>,
}

impl Escalations {
    pub fn new(state: Arc<AppState>) -> Escalations {
        Escalations { state }
    }

    /// The bus the escalation list's long-polls wait on.
    pub fn live_events(&self) -> &LiveEventBus {
        self.state.live_events()
    }

    /// `POST /chats/{id}/escalations`: the virtual agent hands the chat to a queue.
    pub async fn escalate(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        queue_id: Option<&str>,
    ) -> Result<escalation::Escalation, StateError> {
        self.state
            .transition_answering(
                tenant,
                chat_id,
                |chat, script, now| {
                    self.state.with_desk(tenant, |desk| {
                        chat.escalate_on_request(queue_id, script, desk, now)
                    })
                },
                |chat, id| {
                    chat.escalation(id)
                        .cloned()
                        .expect("the escalation was just added")
                },
            )
            .await
    }

    /// `PATCH /chats/{id}/escalations/{escalation_id}` (and `PATCH /chats/{id}` without
    /// ending): keep waiting or go on with the virtual agent.
    pub async fn choose_deflection(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        escalation_id: u64,
        channel: DeflectionChannel,
    ) -> Result<(Chat, escalation::Escalation), StateError> {
        self.state
            .transition_then(
                tenant,
                chat_id,
                |chat, script, now| {
                    self.state.with_desk(tenant, |desk| {
                        chat.choose_deflection(escalation_id, channel, script, desk, now)
                    })
                },
                |chat| {
                    let escalation = chat.escalation(escalation_id).cloned().expect("checked");
                    (chat.clone(), escalation)
                },
            )
            .await
    }

    /// `PATCH /chats/{id}` with `status: finished`: ends the chat as the end user, with the
    /// deflection chosen (email, external link) if given.
    pub async fn end_chat_with_deflection(
        &self,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        choice: Option<(u64, DeflectionChannel)>,
    ) -> Result<Chat, StateError> {
        self.state
            .transition(tenant, chat_id, |chat, _, now| {
                chat.end_with_deflection(choice, now)
            })
            .await
    }

    /// The tenant's queues with their availability and waiting chats.
    pub fn queues(&self, tenant: &Tenant) -> Vec<TenantQueue> {
        let script = self.state.script();
        let chats: Vec<(ChatId, Option<String>, bool)> = tenant
            .chat_ids()
            .into_iter()
            .filter_map(|id| {
                self.state
                    .with_chat(tenant, id, |chat| {
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
                TenantQueue::of(
                    queue,
                    tenant.availability(queue),
                    tenant.wait_figures(queue),
                    waiting,
                )
            })
            .collect()
    }

    /// `GET /wait_times`: the tenant's menus the query selects, in the fixture's order. A
    /// `menu_id` that is no menu is refused, naming the menus.
    pub fn wait_times(
        &self,
        tenant: &Tenant,
        query: &WaitTimeQuery,
    ) -> Result<Vec<WaitTime>, StateError> {
        let script = self.state.script();
        let menus: Vec<&WaitTimeMenu> = script
            .queues
            .iter()
            .filter_map(|queue| queue.wait_time.as_ref())
            .collect();
        if let Some(id) = query.menu_id {
            if !menus.iter().any(|menu| menu.menu_id == id) {
                let known: Vec<String> = menus.iter().map(|m| m.menu_id.to_string()).collect();
                return Err(StateError::Invalid(format!(
                    "menu_id {id} is not a menu (menus: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        let figures_of = |menu: &WaitTimeMenu| {
            script
                .queues
                .iter()
                .find(|queue| {
                    queue
                        .wait_time
                        .as_ref()
                        .is_some_and(|own| own.menu_id == menu.menu_id)
                })
                .and_then(|queue| tenant.wait_figures(queue))
                .unwrap_or(menu.figures)
        };
        Ok(wait_times::select(&menus, figures_of, query)
            .iter()
            .map(|found| WaitTime::of(found, query.channel_type))
            .collect())
    }

    /// Changes a queue's wait-time figures for one tenant (`None`: back to the fixture's).
    /// Answers the queue, `Ok(None)` when there was nothing of the tenant's own to clear,
    /// or refuses a queue that is unknown or no menu of the wait-time API.
    pub fn set_wait_figures(
        &self,
        tenant: &Arc<Tenant>,
        queue_id: &str,
        change: Option<WaitFiguresChange>,
    ) -> Result<Option<TenantQueue>, StateError> {
        let script = self.state.script();
        let queue = known_queue(&script, queue_id)?;
        let Some(current) = tenant.wait_figures(queue) else {
            return Err(StateError::Invalid(format!(
                "Queue {queue_id:?} has no wait_time in the fixtures, so GET /wait_times does not list it"
            )));
        };
        let had_own = match change {
            Some(change) => {
                tenant.set_wait_figures(queue_id, Some(change.applied_to(current)));
                true
            }
            None => tenant.set_wait_figures(queue_id, None),
        };
        self.state.settings_changed(&tenant.name);
        if !had_own {
            return Ok(None);
        }
        Ok(self
            .queues(tenant)
            .into_iter()
            .find(|entry| entry.id == queue_id))
    }

    /// Sets a queue's availability for one tenant (`None`: back to the script's). When it
    /// becomes available, the chats waiting in it get the agent after the join delay.
    pub async fn set_queue_availability(
        &self,
        tenant: &Arc<Tenant>,
        queue_id: &str,
        availability: Option<Availability>,
    ) -> Result<TenantQueue, StateError> {
        let script = self.state.script();
        let queue = known_queue(&script, queue_id)?;
        tenant.set_availability(queue_id, availability);
        self.state.settings_changed(&tenant.name);
        if tenant.availability(queue) == Availability::Available {
            for chat_id in tenant.chat_ids() {
                let _ = self
                    .state
                    .transition_then(
                        tenant,
                        chat_id,
                        |chat, script, _| {
                            let mut effects = Vec::new();
                            if chat.queue.as_deref() == Some(queue_id) {
                                chat.queue_opened(script.join_delay, &mut effects);
                            }
                            Ok(effects)
                        },
                        |_| (),
                    )
                    .await;
            }
        }
        self.state.live_events().publish_with(
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

    /// The tenant's after-hours switch, as the control plane answers it.
    pub fn tenant_after_hours(&self, tenant: &str) -> TenantAfterHours {
        let message = self.state.after_hours().message_for(tenant);
        TenantAfterHours {
            tenant: tenant.to_owned(),
            after_hours: message.is_some(),
            message,
        }
    }

    /// Puts the tenant after hours (`Some(message)`, or the default message) or back within
    /// hours (`None` with `after_hours` false).
    pub fn set_after_hours(&self, tenant: &str, after_hours: bool, message: Option<String>) {
        if after_hours {
            self.state.after_hours().close(tenant, message);
        } else {
            self.state.after_hours().open(tenant);
        }
        self.state.settings_changed(tenant);
    }

    /// Every escalation of every tenant (or one), oldest chat first.
    pub fn escalations(&self, tenant: Option<&str>) -> Vec<TenantEscalation> {
        let mut entries = Vec::new();
        for name in self.state.tenant_names() {
            if tenant.is_some_and(|wanted| wanted != name) {
                continue;
            }
            let Some(owner) = self.state.existing_tenant(&name) else {
                continue;
            };
            for chat_id in owner.chat_ids() {
                let _ = self.state.with_chat(&owner, chat_id, |chat| {
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

/// The queue `queue_id` of the script, or a 400 naming the queues.
fn known_queue<'a>(script: &'a ContactCenter, queue_id: &str) -> Result<&'a Queue, StateError> {
    script.queue(queue_id).ok_or_else(|| {
        let known: Vec<&str> = script
            .queues
            .iter()
            .map(|queue| queue.id.as_str())
            .collect();
        StateError::Invalid(format!(
            "{queue_id:?} is not a queue (queues: {})",
            known.join(", ")
        ))
    })
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
