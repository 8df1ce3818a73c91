//! The platform's chat status, and dismissal (SPEC A2/A3: `dismissed`, `va_dismissed`, `PATCH /chats/:id/resume`): a chat
//! set aside, e.g. after the end user went quiet, keeps its routing state and is resumed
//! exactly where it was. While dismissed the end user cannot send; resuming is explicit.

use chrono::{DateTime, Utc};

use super::chat::Chat;
use super::contact_center::ContactCenter;
use super::effects::{ChatError, Effect, Happening, Trigger};
use super::routing_state::RoutingState;

impl Chat {
    /// Sets the chat aside (the control plane does this; the platform does it on inactivity).
    pub fn dismiss(&mut self, now: DateTime<Utc>) -> Result<Vec<Effect>, ChatError> {
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        if self.dismissed_at.is_some() {
            return Err(ChatError::AlreadyDismissed);
        }
        self.dismissed_at = Some(now);
        self.timeout_at = None;
        Ok(vec![Effect::Publish(Happening::ChatDismissed)])
    }

    /// Brings a dismissed chat back, in the routing state it was dismissed in; the end
    /// user counts as active.
    pub fn resume(
        &mut self,
        script: &ContactCenter,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, ChatError> {
        if self.dismissed_at.take().is_none() {
            return Err(ChatError::NotDismissed);
        }
        let mut effects = vec![Effect::Publish(Happening::ChatResumed)];
        self.end_user_was_active(script, now, &mut effects);
        Ok(effects)
    }

    /// The inactivity rule: with a timeout, the end user was active `now`, so the chat's
    /// deadline moves to `now + timeout` and a timer will check it then.
    pub(super) fn end_user_was_active(
        &mut self,
        script: &ContactCenter,
        now: DateTime<Utc>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(timeout) = script.end_user_inactivity_timeout else {
            return;
        };
        if !self.is_finished() && self.dismissed_at.is_none() {
            self.timeout_at = Some(now + chrono::Duration::from_std(timeout).unwrap_or_default());
        }
        effects.push(Effect::Schedule {
            after: timeout,
            trigger: Trigger::InactivityCheck,
        });
    }

    /// Dismisses the chat if its inactivity deadline has passed (a timer's check; a later
    /// end-user message has moved the deadline, so an early check does nothing).
    pub fn dismiss_if_inactive(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        match self.timeout_at {
            Some(deadline) if deadline <= now => {
                self.timeout_at = None;
                self.dismiss(now).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// `dismissed`, or `va_dismissed` when a task virtual agent had the chat.
    pub fn dismissed_status(&self) -> Option<&'static str> {
        self.dismissed_at?;
        Some(match self.routing {
            RoutingState::TaskVirtualAgent { .. } | RoutingState::VirtualAgent { .. } => {
                "va_dismissed"
            }
            _ => "dismissed",
        })
    }

    /// The platform's `status` of the chat (SPEC A3): `queued`, `assigned` (also while a
    /// task virtual agent is active: its `virtual_agent` is set), `dismissed`,
    /// `va_dismissed` or `finished`.
    pub fn status(&self) -> &'static str {
        if let Some(dismissed) = self.dismissed_status().filter(|_| !self.is_finished()) {
            return dismissed;
        }
        match self.routing {
            RoutingState::Queued => "queued",
            RoutingState::Assigned { .. } | RoutingState::TaskVirtualAgent { .. } => "assigned",
            RoutingState::VirtualAgent { .. } => "va_assigned",
            RoutingState::Finished { .. } => "finished",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{queued_chat, END_USER};
    use crate::domain::{ContactCenter, MessageBody};
    use crate::script_loader;

    fn chat() -> (Chat, ContactCenter) {
        let script = script_loader::embedded().unwrap();
        (queued_chat(&script), script)
    }

    #[test]
    fn an_inactive_chat_is_dismissed_only_once_its_deadline_has_passed() {
        let (mut chat, mut script) = chat();
        script.end_user_inactivity_timeout = Some(std::time::Duration::from_secs(60));
        let now = Utc::now();
        let mut effects = Vec::new();
        chat.end_user_was_active(&script, now, &mut effects);
        assert_eq!(
            effects,
            vec![Effect::Schedule {
                after: std::time::Duration::from_secs(60),
                trigger: Trigger::InactivityCheck
            }]
        );
        assert!(chat.dismiss_if_inactive(now).is_empty(), "not yet");
        assert_eq!(chat.dismissed_status(), None);
        let effects = chat.dismiss_if_inactive(now + chrono::Duration::seconds(61));
        assert_eq!(effects, vec![Effect::Publish(Happening::ChatDismissed)]);
        assert_eq!(chat.dismissed_status(), Some("dismissed"));
        assert_eq!(chat.timeout_at, None);
    }

    #[test]
    fn a_dismissed_chat_refuses_the_end_user_until_resumed() {
        let (mut chat, script) = chat();
        chat.dismiss(Utc::now()).unwrap();
        assert_eq!(chat.dismissed_status(), Some("dismissed"));
        let text = || MessageBody::Text { text: "hi".into() };
        assert_eq!(
            chat.end_user_sends(END_USER, text(), &script, Utc::now()),
            Err(ChatError::Dismissed)
        );
        assert_eq!(chat.dismiss(Utc::now()), Err(ChatError::AlreadyDismissed));
        chat.resume(&script, Utc::now()).unwrap();
        assert_eq!(chat.dismissed_status(), None);
        assert!(chat
            .end_user_sends(END_USER, text(), &script, Utc::now())
            .is_ok());
        assert_eq!(
            chat.resume(&script, Utc::now()),
            Err(ChatError::NotDismissed)
        );
    }

    #[test]
    fn sending_answers_the_new_message_id_and_the_inactivity_timer() {
        let (_, mut script) = chat();
        let timeout = std::time::Duration::from_secs(30);
        script.end_user_inactivity_timeout = Some(timeout);
        let mut chat = queued_chat(&script);
        assert!(chat.timeout_at.is_some(), "open starts the deadline");
        let now = Utc::now();
        let text = MessageBody::Text { text: "hi".into() };
        let sent = chat.end_user_sends(END_USER, text, &script, now).unwrap();
        let message = chat
            .message(sent.message_id)
            .expect("the answered id exists");
        assert_eq!(message.body, MessageBody::Text { text: "hi".into() });
        assert!(sent.effects.contains(&Effect::Schedule {
            after: timeout,
            trigger: Trigger::InactivityCheck
        }));
        assert_eq!(
            chat.timeout_at,
            Some(now + chrono::Duration::seconds(30)),
            "the deadline moved"
        );
    }
}
