//! The platform's chat status, and dismissal as the platform's page "Dismiss Inactive Chats"
//! describes it: a dismissed chat is removed from the agent but does not end; it waits in
//! the queue, and when the end user writes again (or the consumer calls
//! `PATCH /chats/:id/resume`, page "Resume a chat") it is reactivated and assigned to an
//! agent again, with all its history. Dismissal (automatic, or by hand from the control
//! plane standing for the agent's button) applies only once both the end user and an agent
//! have written, and after a reactivation waits for the end user to write again; automatic
//! dismissal is timed from the agent's latest message. A test may force a dismissal by
//! hand past the rule (emulator's choice).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::chat::{Chat, Sender};
use super::contact_center::ContactCenter;
use super::effects::{ChatError, Effect, Happening, Trigger};
use super::routing_state::RoutingState;

impl Chat {
    /// Dismisses the chat (by hand from the control plane, or on inactivity): the agent (and
    /// any task virtual agent) is removed and the chat waits in the queue for the end user.
    pub fn dismiss(&mut self, now: DateTime<Utc>) -> Result<Vec<Effect>, ChatError> {
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        if self.dismissed_at.is_some() {
            return Err(ChatError::AlreadyDismissed);
        }
        self.dismissed_from_virtual_agent = matches!(
            self.routing,
            RoutingState::TaskVirtualAgent { .. } | RoutingState::VirtualAgent { .. }
        );
        self.dismissed_at = Some(now);
        self.timeout_at = None;
        self.routing = RoutingState::Queued;
        Ok(vec![Effect::Publish(Happening::ChatDismissed)])
    }

    /// Dismisses the chat by hand (the control plane, standing for the agent's "Dismiss
    /// chat" button): refused while [`Chat::dismissal_refusal`] names a rule the chat does
    /// not meet yet, unless `force` (a test's way past the rule).
    pub fn dismiss_by_hand(
        &mut self,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>, ChatError> {
        if self.is_finished() {
            return Err(ChatError::Finished);
        }
        if self.dismissed_at.is_some() {
            return Err(ChatError::AlreadyDismissed);
        }
        if let Some(rule) = self.dismissal_refusal().filter(|_| !force) {
            return Err(ChatError::NotEligibleForDismissal(rule));
        }
        self.dismiss(now)
    }

    /// Why the chat may not be dismissed yet (page "Dismiss Inactive Chats"), naming the
    /// rule, or `None` when it may: "both the consumer and agent have to have sent at least
    /// one message" (a human or virtual agent's message counts as the agent's), and after a
    /// reactivation "a consumer has to send at least one message afterward". Every chat of
    /// the Apps API is inbound (the consumer opens it), so "only inbound chats" always holds.
    pub fn dismissal_refusal(&self) -> Option<String> {
        let reactivated = self.reactivated_after_message > 0;
        let end_user_wrote = self.end_user_wrote_since_reactivation();
        let agent_wrote = self.messages.iter().any(|message| {
            matches!(
                message.sender,
                Sender::Agent { .. }
                    | Sender::TaskVirtualAgent { .. }
                    | Sender::VirtualAgent { .. }
            )
        });
        let missing = match (end_user_wrote, agent_wrote) {
            (true, true) => return None,
            (false, _) if reactivated => {
                return Some(format!(
                    "Chat {} cannot be dismissed yet: after a reactivation \"a consumer has to send at least one message afterward before the chat is eligible to be dismissed again\" (page \"Dismiss Inactive Chats\"), and the end user has not written since; POST /__admin/chats/{}/dismiss?force=true dismisses it anyway",
                    self.id, self.id
                ))
            }
            (false, false) => "neither the end user nor an agent has written",
            (false, true) => "the end user has not written",
            (true, false) => "no agent has written",
        };
        Some(format!(
            "Chat {} cannot be dismissed yet: \"both the consumer and agent have to have sent at least one message\" (page \"Dismiss Inactive Chats\"), and {missing}; POST /__admin/chats/{}/dismiss?force=true dismisses it anyway",
            self.id, self.id
        ))
    }

    /// Brings a dismissed chat back (`PATCH /chats/:id/resume`): it is queued for an agent,
    /// who joins after the script's delay and sees the whole history.
    pub fn resume(&mut self, join_delay: Duration) -> Result<Vec<Effect>, ChatError> {
        if self.is_finished() || self.dismissed_at.is_none() {
            return Err(ChatError::NotDismissed);
        }
        Ok(vec![
            self.reactivate(),
            Effect::Schedule {
                after: join_delay,
                trigger: Trigger::AgentJoins,
            },
        ])
    }

    /// Ends the dismissal: from the next message on, the end user must write again before
    /// the chat can be dismissed again.
    pub(super) fn reactivate(&mut self) -> Effect {
        self.dismissed_at = None;
        self.dismissed_from_virtual_agent = false;
        self.reactivated_after_message = self.messages.len() as u64;
        Effect::Publish(Happening::ChatResumed)
    }

    /// When the chat becomes eligible for automatic dismissal after `threshold` of end-user
    /// inactivity, or `None` while it is not eligible: an agent (human or task virtual
    /// agent) has it, the end user has written since the chat began or was last
    /// reactivated, an agent has written, and the agent wrote last (the end user owes the
    /// answer). The timer runs from the agent's latest message.
    pub fn dismissal_deadline(&self, threshold: Duration) -> Option<DateTime<Utc>> {
        if self.dismissed_at.is_some() || self.routing.agent().is_none() {
            return None;
        }
        let end_user_wrote = self.end_user_wrote_since_reactivation();
        let last_agent_message = self.messages.iter().rev().find(|message| {
            matches!(
                message.sender,
                Sender::Agent { .. } | Sender::TaskVirtualAgent { .. }
            )
        })?;
        let end_user_answered = self.messages.iter().any(|message| {
            message.id > last_agent_message.id && matches!(message.sender, Sender::EndUser { .. })
        });
        if !end_user_wrote || end_user_answered {
            return None;
        }
        Some(last_agent_message.at + chrono::Duration::from_std(threshold).ok()?)
    }

    /// Whether the end user has written since the chat's last reactivation (or at all).
    fn end_user_wrote_since_reactivation(&self) -> bool {
        let since = usize::try_from(self.reactivated_after_message).unwrap_or(usize::MAX);
        self.messages
            .iter()
            .skip(since)
            .any(|message| matches!(message.sender, Sender::EndUser { .. }))
    }

    /// The inactivity rule (page "Dismiss Inactive Chats"), run after every transition
    /// once its effects are carried out: with `--chat-inactivity-timeout`, the chat's
    /// deadline becomes what its messages now give ([`Chat::dismissal_deadline`], or none),
    /// and a new deadline comes with the timer that checks it.
    pub fn inactivity_timer(
        &mut self,
        script: &ContactCenter,
        now: DateTime<Utc>,
    ) -> Option<Effect> {
        let threshold = script.end_user_inactivity_timeout?;
        let deadline = self.dismissal_deadline(threshold);
        if deadline == self.timeout_at {
            return None;
        }
        self.timeout_at = deadline;
        Some(Effect::Schedule {
            after: (deadline? - now).to_std().unwrap_or_default(),
            trigger: Trigger::InactivityCheck,
        })
    }

    /// Dismisses the chat if its inactivity deadline has passed (a timer's check; a later
    /// message has moved or cleared the deadline, so an early or stale check does nothing).
    pub fn dismiss_if_inactive(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        match self.timeout_at {
            Some(deadline) if deadline <= now => self.dismiss(now).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// `dismissed`, or `va_dismissed` when a task virtual agent had the chat.
    pub fn dismissed_status(&self) -> Option<&'static str> {
        self.dismissed_at?;
        Some(if self.dismissed_from_virtual_agent {
            "va_dismissed"
        } else {
            "dismissed"
        })
    }

    /// The platform's `status` of the chat (page "Chat endpoints"): `queued`, `assigned`
    /// (also while a task virtual agent is active: its `virtual_agent` is set), `dismissed`,
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
    use crate::core::domain::testing::{queued_chat, END_USER};
    use crate::core::domain::{ContactCenter, MessageBody};
    use crate::features::fixtures::loader;

    const THRESHOLD: Duration = Duration::from_secs(60);

    fn assigned_chat() -> (Chat, ContactCenter) {
        let script = loader::embedded().unwrap();
        let mut chat = queued_chat(&script);
        chat.agent_joins(&script, Utc::now());
        (chat, script)
    }

    fn text(text: &str) -> MessageBody {
        MessageBody::Text { text: text.into() }
    }

    #[test]
    fn a_chat_is_eligible_only_once_both_sides_wrote_and_the_agent_wrote_last() {
        let (mut chat, script) = assigned_chat();
        // The agent's greeting alone does not make the chat eligible.
        assert_eq!(chat.dismissal_deadline(THRESHOLD), None);
        chat.end_user_sends(END_USER, text("hello?"), &script, Utc::now())
            .unwrap();
        assert_eq!(chat.dismissal_deadline(THRESHOLD), None, "the agent owes");
        let said_at = Utc::now();
        chat.agent_says("Anything else?".into(), said_at).unwrap();
        assert_eq!(
            chat.dismissal_deadline(THRESHOLD),
            Some(said_at + chrono::Duration::seconds(60))
        );
    }

    #[test]
    fn dismissal_removes_the_agent_and_a_message_brings_the_chat_back_to_the_queue() {
        let (mut chat, script) = assigned_chat();
        chat.dismiss(Utc::now()).unwrap();
        assert_eq!(chat.status(), "dismissed");
        assert!(chat.routing.agent().is_none());
        assert_eq!(chat.dismiss(Utc::now()), Err(ChatError::AlreadyDismissed));
        let effects = chat
            .end_user_sends(END_USER, text("back"), &script, Utc::now())
            .unwrap()
            .effects;
        assert!(effects.contains(&Effect::Publish(Happening::ChatResumed)));
        assert!(effects.iter().any(|effect| matches!(
            effect,
            Effect::Schedule {
                trigger: Trigger::AgentJoins,
                ..
            }
        )));
        assert_eq!(chat.status(), "queued");
        assert_eq!(chat.resume(Duration::ZERO), Err(ChatError::NotDismissed));
    }

    #[test]
    fn after_a_resume_the_end_user_must_write_before_the_chat_is_eligible_again() {
        let (mut chat, script) = assigned_chat();
        chat.end_user_sends(END_USER, text("hi"), &script, Utc::now())
            .unwrap();
        chat.dismiss(Utc::now()).unwrap();
        chat.resume(Duration::ZERO).unwrap();
        chat.agent_joins(&script, Utc::now());
        chat.agent_says("Welcome back".into(), Utc::now()).unwrap();
        assert_eq!(chat.dismissal_deadline(THRESHOLD), None);
        chat.end_user_sends(END_USER, text("yes"), &script, Utc::now())
            .unwrap();
        chat.agent_says("Good".into(), Utc::now()).unwrap();
        assert!(chat.dismissal_deadline(THRESHOLD).is_some());
    }

    #[test]
    fn a_dismissal_by_hand_needs_both_sides_to_have_written_unless_forced() {
        let (mut chat, script) = assigned_chat();
        chat.messages.clear();
        let refused = chat.dismiss_by_hand(false, Utc::now()).unwrap_err();
        let ChatError::NotEligibleForDismissal(rule) = &refused else {
            panic!("{refused:?}");
        };
        assert!(rule.contains("both the consumer and agent"), "{rule}");
        assert!(rule.contains("neither the end user nor an agent"), "{rule}");
        chat.end_user_sends(END_USER, text("hello?"), &script, Utc::now())
            .unwrap();
        assert!(chat
            .dismissal_refusal()
            .unwrap()
            .contains("no agent has written"));
        chat.agent_says("Hi".into(), Utc::now()).unwrap();
        assert_eq!(chat.dismissal_refusal(), None);
        chat.dismiss_by_hand(false, Utc::now()).unwrap();
        assert_eq!(
            chat.dismiss_by_hand(true, Utc::now()),
            Err(ChatError::AlreadyDismissed)
        );
        // Reactivated by resume: the end user must write again.
        chat.resume(Duration::ZERO).unwrap();
        chat.agent_joins(&script, Utc::now());
        let rule = chat.dismissal_refusal().unwrap();
        assert!(rule.contains("afterward"), "{rule}");
        chat.dismiss_by_hand(true, Utc::now()).unwrap();
        assert_eq!(chat.status(), "dismissed");
    }

    #[test]
    fn an_inactive_chat_is_dismissed_only_once_its_deadline_has_passed() {
        let (mut chat, _) = assigned_chat();
        let now = Utc::now();
        chat.timeout_at = Some(now + chrono::Duration::seconds(60));
        assert!(chat.dismiss_if_inactive(now).is_empty(), "not yet");
        let effects = chat.dismiss_if_inactive(now + chrono::Duration::seconds(61));
        assert_eq!(effects, vec![Effect::Publish(Happening::ChatDismissed)]);
        assert_eq!(chat.timeout_at, None);
    }

    #[test]
    fn the_inactivity_timer_follows_the_agents_latest_message_once_both_sides_wrote() {
        let (mut chat, mut script) = assigned_chat();
        script.end_user_inactivity_timeout = Some(THRESHOLD);
        let now = Utc::now();
        assert_eq!(chat.inactivity_timer(&script, now), None, "not eligible");
        chat.end_user_sends(END_USER, text("hi"), &script, now)
            .unwrap();
        chat.agent_says("Anything else?".into(), now).unwrap();
        assert_eq!(
            chat.inactivity_timer(&script, now),
            Some(Effect::Schedule {
                after: THRESHOLD,
                trigger: Trigger::InactivityCheck
            })
        );
        assert_eq!(chat.timeout_at, Some(now + chrono::Duration::seconds(60)));
        assert_eq!(chat.inactivity_timer(&script, now), None, "unchanged");
        chat.end_user_sends(END_USER, text("no"), &script, now)
            .unwrap();
        assert_eq!(chat.inactivity_timer(&script, now), None, "the agent owes");
        assert_eq!(chat.timeout_at, None);
    }

    #[test]
    fn sending_answers_the_new_message_id() {
        let (mut chat, script) = assigned_chat();
        let sent = chat
            .end_user_sends(END_USER, text("hi"), &script, Utc::now())
            .unwrap();
        let message = chat
            .message(sent.message_id)
            .expect("the answered id exists");
        assert_eq!(message.body, text("hi"));
    }
}
