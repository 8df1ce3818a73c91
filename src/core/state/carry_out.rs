//! Carrying out what a domain transition returned, under the chat's lock: happenings are
//! announced on the live event bus and told to every [`super::hooks::ChatObserver`] (the
//! webhooks feature journals them and puts their deliveries in the transition's outbox); a script's attachments go to the
//! [`super::hooks::ScriptAttachments`] hook; timers are set for deferred triggers (a zero delay fires at
//! once, in place), on the runtime the transition runs on.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use super::clock::until;
use super::durability::Outbox;
use super::tenant::Tenant;
use super::transitions::queue_is_open;
use super::AppState;
use crate::core::domain::{Chat, ChatId, ContactCenter, Effect, Happening, Trigger};
use crate::core::live_events::LiveEventKind;

impl AppState {
    /// Publishes happenings in order and sets timers. Zero-delay triggers fire at once,
    /// under the same lock, so their events keep their place in the chat's order.
    pub(super) fn carry_out(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        handle: &Arc<Mutex<Chat>>,
        chat: &mut Chat,
        effects: Vec<Effect>,
        script: &ContactCenter,
        outbox: &mut Outbox,
    ) {
        let mut pending = VecDeque::from(effects);
        while let Some(effect) = pending.pop_front() {
            match effect {
                Effect::Publish(happening) => {
                    self.announce(&tenant.name, chat, &happening);
                    for observer in &self.hooks.observers {
                        observer.happened(tenant, handle, chat, &happening, outbox);
                    }
                    if let Happening::ChatEnded { .. } = happening {
                        self.chat_finished(&tenant.name, chat.id);
                    }
                }
                Effect::Schedule { after, trigger } if after.is_zero() => {
                    let more = chat.fire(trigger, script, tenant.now());
                    for (index, effect) in more.into_iter().enumerate() {
                        pending.insert(index, effect);
                    }
                }
                Effect::Schedule { after, trigger } => {
                    self.schedule(tenant, chat.id, after, trigger)
                }
                Effect::AttachFile { file } => {
                    let more = match &self.hooks.attachments {
                        Some(attachments) => attachments.attach(tenant, chat, &file, script),
                        None => Vec::new(),
                    };
                    for (index, effect) in more.into_iter().enumerate() {
                        pending.insert(index, effect);
                    }
                }
            }
        }
        // The inactivity rule, once the chat is as the transition left it.
        if let Some(Effect::Schedule { after, trigger }) =
            chat.inactivity_timer(script, tenant.now())
        {
            self.schedule(tenant, chat.id, after, trigger);
        }
    }

    /// Tells the live event bus. Agent-only messages are announced too: the bus is the
    /// control plane's, not the consumer's.
    fn announce(&self, tenant: &str, chat: &Chat, happening: &Happening) {
        match happening {
            Happening::MessageAdded { message_id } => {
                if let Some(message) = chat.message(*message_id) {
                    self.live_events
                        .publish_with(LiveEventKind::Message, tenant, Some(chat.id), || {
                            json!(message)
                        });
                }
            }
            _ => self
                .live_events
                .publish_with(LiveEventKind::Chat, tenant, Some(chat.id), || {
                    json!({"routing_state": chat.routing.name(), "happening": happening_name(happening)})
                }),
        }
    }

    /// Sets a timer: `trigger` runs on the chat `after` from now on the tenant's clock.
    /// It waits in real time, waking early when the clock moves; a clock moved past it
    /// fires it from `AppState::advance_clock` instead, in order.
    pub(super) fn schedule(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        after: Duration,
        trigger: Trigger,
    ) {
        let due = tenant.now() + chrono::Duration::from_std(after).unwrap_or_default();
        let key = tenant
            .time
            .timers
            .lock()
            .expect("timers lock")
            .add(due, chat_id, trigger);
        let state = Arc::clone(self);
        let tenant = Arc::clone(tenant);
        tokio::task::spawn_local(async move {
            let mut moved = tenant.clock().changes();
            loop {
                let left = until(due, tenant.now());
                if left.is_zero() {
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep(left) => {}
                    _ = moved.changed() => {}
                }
                if !tenant.time.timers.lock().expect("timers lock").holds(key) {
                    return; // fired by a clock move, or replaced
                }
            }
            let taken = tenant.time.timers.lock().expect("timers lock").take(key);
            if let Some((chat_id, trigger)) = taken {
                state.fire_timer(&tenant, chat_id, trigger).await;
            }
        });
    }

    /// Runs a timer's trigger on its chat, unless its tenant was reset meanwhile.
    pub(super) async fn fire_timer(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        chat_id: ChatId,
        trigger: Trigger,
    ) {
        // A reset tenant is a different Arc: the timer's chat is gone from the live one.
        let Some(live) = self.existing_tenant(&tenant.name) else {
            return;
        };
        if !Arc::ptr_eq(&live, tenant) {
            return;
        }
        let _ = self
            .transition(tenant, chat_id, |chat, script, now| {
                // A queue closed while the agent was on its way: the chat keeps waiting.
                if trigger == Trigger::AgentJoins && !queue_is_open(tenant, chat, script) {
                    return Ok(Vec::new());
                }
                Ok(chat.fire(trigger, script, now))
            })
            .await;
    }
}

fn happening_name(happening: &Happening) -> &'static str {
    match happening {
        Happening::ChatCreated => "chat_created",
        Happening::MessageAdded { .. } => "message_added",
        Happening::AgentJoined { .. } => "agent_joined",
        Happening::VirtualAgentJoined { .. } => "virtual_agent_joined",
        Happening::VirtualAgentLeft { .. } => "virtual_agent_left",
        Happening::ChatEnded { .. } => "chat_ended",
        Happening::ChatDismissed => "chat_dismissed",
        Happening::ChatResumed => "chat_resumed",
        Happening::EscalationDeflected { .. } => "escalation_deflected",
        Happening::EscalationUpdated { .. } => "escalation_updated",
    }
}
