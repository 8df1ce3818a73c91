//! Checking a snapshot against the running script and turning it back into domain chats.
//! Validation runs completely before anything changes, so a refused load leaves the
//! tenant as it was; conversion then only renumbers ids through an [`IdMap`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{error, ChatSnapshot, IdTable, RoutingSnapshot, Snapshot, SnapshotError};
use crate::core::domain::custom_data::parse_custom_data;
use crate::core::domain::{
    Chat, ChatId, ContactCenter, EndUser, EndUserId, MessageId, RoutingState, Sender,
};

/// Old id → new id, for every chat and end user of a loaded snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IdMap {
    /// Old id (as a key) to new id.
    #[schema(value_type = BTreeMap<String, ChatId>)]
    pub chats: IdTable<ChatId>,
    /// Old id (as a key) to new id.
    #[schema(value_type = BTreeMap<String, EndUserId>)]
    pub end_users: IdTable<EndUserId>,
}

impl Snapshot {
    /// Every check a load needs, against the script that will run the chats.
    pub fn validate(&self, script: &ContactCenter) -> Result<(), SnapshotError> {
        if let Some(webhook) = &self.webhook {
            webhook
                .validate()
                .map_err(|problem| error("webhook", problem.to_string()))?;
        }
        let mut user_ids = BTreeSet::new();
        let mut identifiers = BTreeSet::new();
        for (index, user) in self.end_users.iter().enumerate() {
            let place = format!("end_users[{index}]");
            if user.identifier.trim().is_empty() {
                return Err(error(format!("{place}.identifier"), "must not be empty"));
            }
            if !user_ids.insert(user.id) {
                return Err(error(
                    format!("{place}.id"),
                    format!("{} is used by another end user", user.id),
                ));
            }
            if !identifiers.insert(user.identifier.as_str()) {
                return Err(error(
                    format!("{place}.identifier"),
                    format!("{:?} is used by another end user", user.identifier),
                ));
            }
        }
        let mut chat_ids = BTreeSet::new();
        for (index, chat) in self.chats.iter().enumerate() {
            let place = format!("chats[{index}]");
            if !chat_ids.insert(chat.id) {
                return Err(error(
                    format!("{place}.id"),
                    format!("{} is used by another chat", chat.id),
                ));
            }
            validate_chat(chat, &place, &user_ids, script)?;
        }
        Ok(())
    }

    /// The end users and chats with their new ids (the snapshot must have been validated
    /// against `script`, and `ids` must map every id in it).
    pub fn restore(
        &self,
        script: &ContactCenter,
        ids: &IdMap,
    ) -> Result<(Vec<EndUser>, Vec<Chat>), SnapshotError> {
        let end_users: Vec<EndUser> = self
            .end_users
            .iter()
            .map(|user| EndUser {
                id: ids.end_users[&user.id],
                ..user.clone()
            })
            .collect();
        let by_old_id: HashMap<EndUserId, &EndUser> = self
            .end_users
            .iter()
            .zip(&end_users)
            .map(|(old, new)| (old.id, new))
            .collect();
        let mut chats = Vec::with_capacity(self.chats.len());
        for (index, chat) in self.chats.iter().enumerate() {
            let end_user = by_old_id
                .get(&chat.end_user_id)
                .map(|user| (*user).clone())
                .ok_or_else(|| error(format!("chats[{index}].end_user_id"), "unknown"))?;
            chats.push(restore_chat(chat, ids, end_user, script, index)?);
        }
        Ok((end_users, chats))
    }
}

fn validate_chat(
    chat: &ChatSnapshot,
    place: &str,
    user_ids: &BTreeSet<EndUserId>,
    script: &ContactCenter,
) -> Result<(), SnapshotError> {
    if !user_ids.contains(&chat.end_user_id) {
        return Err(error(
            format!("{place}.end_user_id"),
            format!(
                "{} is not the id of an end user in this snapshot",
                chat.end_user_id
            ),
        ));
    }
    for (index, message) in chat.messages.iter().enumerate() {
        let expected = MessageId(index as u64 + 1);
        if message.id != expected {
            return Err(error(
                format!("{place}.messages[{index}].id"),
                format!(
                    "is {}, expected {expected} (messages are numbered from 1 in order)",
                    message.id
                ),
            ));
        }
        if let Sender::EndUser { id } = message.sender {
            if id != chat.end_user_id {
                return Err(error(
                    format!("{place}.messages[{index}].sender.id"),
                    format!("{id} is not the chat's end user {}", chat.end_user_id),
                ));
            }
        }
    }
    if let RoutingSnapshot::TaskVirtualAgent { session, .. } = &chat.routing {
        let session_place = format!("{place}.routing.session");
        let vta = script.task_virtual_agent(&session.key).ok_or_else(|| {
            error(
                format!("{session_place}.key"),
                format!(
                    "no task virtual agent has the key {:?} (loaded: {})",
                    session.key,
                    script
                        .task_virtual_agents
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        session
            .fits(vta)
            .map_err(|(field, problem)| error(format!("{session_place}.{field}"), problem))?;
    }
    Ok(())
}

fn restore_chat(
    chat: &ChatSnapshot,
    ids: &IdMap,
    end_user: EndUser,
    script: &ContactCenter,
    index: usize,
) -> Result<Chat, SnapshotError> {
    let routing = match &chat.routing {
        RoutingSnapshot::Queued => RoutingState::Queued,
        RoutingSnapshot::Assigned { agent } => RoutingState::Assigned {
            agent: agent.clone(),
        },
        RoutingSnapshot::TaskVirtualAgent { agent, session } => {
            let vta = script.task_virtual_agent(&session.key).ok_or_else(|| {
                error(
                    format!("chats[{index}].routing.session.key"),
                    format!("no task virtual agent has the key {:?}", session.key),
                )
            })?;
            RoutingState::TaskVirtualAgent {
                agent: agent.clone(),
                vta: Arc::clone(vta),
                session: session.clone(),
            }
        }
        RoutingSnapshot::VirtualAgent {
            virtual_agent,
            unmatched_answers,
        } => RoutingState::VirtualAgent {
            virtual_agent: virtual_agent.clone(),
            unmatched_answers: *unmatched_answers,
        },
        RoutingSnapshot::Finished { by } => RoutingState::Finished { by: *by },
    };
    if !chat.custom_data.is_empty() {
        // Checked as if it were sent: a hand-written snapshot gets the same problems named.
        let place = format!("chats[{index}].custom_data");
        let sent = serde_json::to_value(&chat.custom_data).unwrap_or_default();
        parse_custom_data(&place, &sent).map_err(|problem| match problem.split_once(": ") {
            Some((place, problem)) => error(place, problem),
            None => error(place.clone(), problem),
        })?;
    }
    if let Some(queue) = &chat.queue {
        if script.queue(queue).is_none() {
            return Err(error(
                format!("chats[{index}].queue"),
                format!("no queue has the id {queue:?}"),
            ));
        }
    }
    let mut messages = chat.messages.clone();
    for message in &mut messages {
        if let Sender::EndUser { id } = &mut message.sender {
            *id = end_user.id;
        }
    }
    Ok(Chat {
        id: ids.chats[&chat.id],
        end_user,
        lang: chat.lang.clone(),
        menu: chat.menu.as_ref().map(|menu| (menu.id, menu.name.clone())),
        context: chat.context.clone(),
        created_at: chat.created_at,
        ended_at: chat.ended_at,
        dismissed_at: chat.dismissed_at,
        dismissed_from_virtual_agent: chat.dismissed_from_virtual_agent,
        reactivated_after_message: chat.reactivated_after_message,
        timeout_at: None,
        routing,
        agents: chat.all_agents.clone(),
        virtual_agents: chat.all_virtual_agents.clone(),
        messages,
        queue: chat.queue.clone(),
        escalations: chat.escalations.clone(),
        pre_chat: chat.pre_chat.clone(),
        custom_data: chat.custom_data.clone(),
    })
}
