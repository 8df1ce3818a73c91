//! How the Apps API shows its objects: the chat object of SPEC A3 and the end user. Kept
//! apart from the domain so the wire shape can follow the platform without bending the
//! model.

use serde_json::{json, Value};

use crate::domain::chat::VirtualAgentParticipant;
use crate::domain::{Chat, EndUser, HumanAgent, RoutingState};
use crate::formats::timestamp;

/// The chat object (SPEC A3).
pub fn chat(chat: &Chat) -> Value {
    let status = chat.status();
    let status_text = match (status, &chat.routing) {
        ("queued", _) => "Waiting for an agent",
        ("assigned", RoutingState::TaskVirtualAgent { .. }) => "Connected to a task virtual agent",
        ("assigned", _) => "Connected to an agent",
        ("dismissed" | "va_dismissed", _) => "Dismissed: resume to continue",
        _ => "Chat ended",
    };
    let active_virtual_agent = match &chat.routing {
        RoutingState::TaskVirtualAgent { vta, .. } => chat
            .virtual_agents
            .iter()
            .find(|participant| participant.key == vta.key)
            .map(|participant| virtual_agent(participant, "connected")),
        _ => None,
    };
    let menus: Vec<Value> = chat
        .menu
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    json!({
        "id": chat.id,
        "status": status,
        "status_text": status_text,
        "features": ["text", "photo", "video"],
        "created_at": timestamp(chat.created_at),
        "ends_at": chat.ended_at.map(timestamp),
        "timeout_at": chat.timeout_at.map(timestamp),
        "agent": chat.routing.agent().map(|agent| agent_json(agent, "connected")),
        "virtual_agent": active_virtual_agent,
        "all_agents": chat.agents.iter().map(|agent| agent_json(agent, agent_status(chat, agent))).collect::<Vec<_>>(),
        "all_virtual_agents": chat.virtual_agents.iter().map(|participant| virtual_agent(participant, "finished")).collect::<Vec<_>>(),
        "lang": chat.lang,
        "menus": menus,
        "end_user": {"id": chat.end_user.id, "identifier": chat.end_user.identifier},
    })
}

fn agent_status(chat: &Chat, agent: &HumanAgent) -> &'static str {
    match chat.routing.agent() {
        Some(current) if current.id == agent.id => "connected",
        _ => "finished",
    }
}

fn agent_json(agent: &HumanAgent, status: &str) -> Value {
    json!({
        "id": agent.id,
        "name": agent.name,
        "first_name": agent.first_name,
        "avatar_url": agent.avatar_url,
        "status": status,
    })
}

fn virtual_agent(participant: &VirtualAgentParticipant, status: &str) -> Value {
    json!({
        "id": participant.id,
        "name": participant.name,
        "avatar_url": participant.avatar_url,
        "status": status,
    })
}

/// An end user.
pub fn end_user(user: &EndUser) -> Value {
    json!({
        "id": user.id,
        "identifier": user.identifier,
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "created_at": timestamp(user.created_at),
    })
}
