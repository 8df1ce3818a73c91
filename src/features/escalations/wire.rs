//! The wire shapes of the wait-time API: one menu of `GET /apps/api/v1/wait_times`
//! ([`WaitTime`]) and the control plane's change of a queue's figures
//! ([`WaitFiguresChange`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::domain::wait_times::{ChannelType, MenuType, MenuWait, WaitFigures};

/// One menu (queue) and its estimated wait (`WaitTime`), with the fields of both pages:
/// `menu_id`, `wait` (minutes) and `materialized_path` from "Estimated wait time API";
/// `menu_type`, the per-channel `chat` / `voice_call` (seconds) and the agent counts from
/// "Wait time endpoints".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WaitTime {
    pub menu_id: u64,
    pub menu_type: MenuType,
    pub materialized_path: String,
    /// The wait in whole minutes, rounded up: of the asked `channel_type`, else the
    /// longest of the menu's channels.
    pub wait: u64,
    /// The chat wait in seconds (absent when another channel was asked, or the menu takes
    /// no chats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub chat: Option<u64>,
    /// The call wait in seconds (absent when another channel was asked, or the menu takes
    /// no calls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub voice_call: Option<u64>,
    pub logged_in_agents: u32,
    pub available_agents: u32,
    pub breakthrough_agents: u32,
}

impl WaitTime {
    pub fn of(found: &MenuWait, channel: Option<ChannelType>) -> WaitTime {
        let figures = found.figures;
        let shown = |wanted: ChannelType, value: Option<u64>| {
            channel
                .is_none_or(|asked| asked == wanted)
                .then_some(value)?
        };
        WaitTime {
            menu_id: found.menu.menu_id,
            menu_type: found.menu.menu_type,
            materialized_path: found.menu.materialized_path.clone(),
            wait: found.wait_minutes,
            chat: shown(ChannelType::Chat, figures.chat),
            voice_call: shown(ChannelType::VoiceCall, figures.voice_call),
            logged_in_agents: figures.logged_in_agents,
            available_agents: figures.available_agents,
            breakthrough_agents: figures.breakthrough_agents,
        }
    }
}

/// `PUT /__admin/tenants/{tenant}/queues/{queue_id}/wait_time`: the figures to change
/// (the others stay as they are).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitFiguresChange {
    /// The chat wait in seconds.
    pub chat: Option<u64>,
    /// The call wait in seconds.
    pub voice_call: Option<u64>,
    pub logged_in_agents: Option<u32>,
    pub available_agents: Option<u32>,
    pub breakthrough_agents: Option<u32>,
}

impl WaitFiguresChange {
    const FIELDS: [&'static str; 5] = [
        "chat",
        "voice_call",
        "logged_in_agents",
        "available_agents",
        "breakthrough_agents",
    ];

    /// Reads a change, naming the field of each problem.
    pub fn from_json(body: &Value) -> Result<WaitFiguresChange, String> {
        let object = body
            .as_object()
            .ok_or("The body must be an object such as {\"chat\": 300}")?;
        if let Some(unknown) = object
            .keys()
            .find(|key| !Self::FIELDS.contains(&key.as_str()))
        {
            return Err(format!(
                "{unknown} is not a wait-time figure (known: {})",
                Self::FIELDS.join(", ")
            ));
        }
        let number = |name: &str| -> Result<Option<u64>, String> {
            match object.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(value) => value.as_u64().map(Some).ok_or_else(|| {
                    format!("{name} must be a whole number (seconds for chat and voice_call), not {value}")
                }),
            }
        };
        let count = |name: &str| -> Result<Option<u32>, String> {
            number(name)?
                .map(|value| u32::try_from(value).map_err(|_| format!("{name} is too large")))
                .transpose()
        };
        Ok(WaitFiguresChange {
            chat: number("chat")?,
            voice_call: number("voice_call")?,
            logged_in_agents: count("logged_in_agents")?,
            available_agents: count("available_agents")?,
            breakthrough_agents: count("breakthrough_agents")?,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == WaitFiguresChange::default()
    }

    pub fn applied_to(self, figures: WaitFigures) -> WaitFigures {
        WaitFigures {
            chat: self.chat.or(figures.chat),
            voice_call: self.voice_call.or(figures.voice_call),
            logged_in_agents: self.logged_in_agents.unwrap_or(figures.logged_in_agents),
            available_agents: self.available_agents.unwrap_or(figures.available_agents),
            breakthrough_agents: self
                .breakthrough_agents
                .unwrap_or(figures.breakthrough_agents),
        }
    }
}
