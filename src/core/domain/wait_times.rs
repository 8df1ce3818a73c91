//! Estimated wait times, as the platform's pages "Estimated wait time API" and "Wait time
//! endpoints" describe `GET /apps/api/v1/wait_times`: each queue (a *menu* on the platform)
//! may carry a [`WaitTimeMenu`] in the fixtures (its menu id and type, its place in the
//! menu tree, its languages) and [`WaitFigures`] (the wait per channel, in seconds, and
//! its agent counts), which the control plane can replace per tenant at run time. A
//! [`WaitTimeQuery`] picks the menus: a language (required), a sub-tree (`menu_id`), a menu
//! type, a channel, and a wait window in minutes (`wait[from]` < wait < `wait[to]`).
//! The pages disagree on units: the first gives `wait` "in minutes" and reads its
//! example's `voice_call: 120` as "120 seconds (or two minutes)"; the second shows
//! `chat` and `voice_call` per menu without a unit. The emulator answers both: the
//! per-channel values in seconds and `wait` in whole minutes (rounded up).

use serde::{Deserialize, Serialize};

/// The platform's menu types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MenuType {
    IvrMenu,
    MobileMenu,
    WebMenu,
}

impl MenuType {
    pub const NAMES: [&'static str; 3] = ["ivr_menu", "mobile_menu", "web_menu"];

    pub fn parse(name: &str) -> Option<MenuType> {
        match name {
            "ivr_menu" => Some(MenuType::IvrMenu),
            "mobile_menu" => Some(MenuType::MobileMenu),
            "web_menu" => Some(MenuType::WebMenu),
            _ => None,
        }
    }
}

/// The platform's channel types of a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelType {
    VoiceCall,
    Chat,
}

impl ChannelType {
    pub const NAMES: [&'static str; 2] = ["voice_call", "chat"];

    pub fn parse(name: &str) -> Option<ChannelType> {
        match name {
            "voice_call" => Some(ChannelType::VoiceCall),
            "chat" => Some(ChannelType::Chat),
            _ => None,
        }
    }
}

/// What can change at run time: the waits (seconds; `None`: the menu does not serve that
/// channel) and the agent counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WaitFigures {
    /// The chat wait in seconds (`null`: the menu takes no chats).
    pub chat: Option<u64>,
    /// The call wait in seconds (`null`: the menu takes no calls).
    pub voice_call: Option<u64>,
    pub logged_in_agents: u32,
    pub available_agents: u32,
    pub breakthrough_agents: u32,
}

impl WaitFigures {
    /// The wait of `channel`, or (no channel asked) the longest of the menu's channels.
    pub fn seconds(&self, channel: Option<ChannelType>) -> Option<u64> {
        match channel {
            Some(ChannelType::Chat) => self.chat,
            Some(ChannelType::VoiceCall) => self.voice_call,
            None => self.chat.max(self.voice_call),
        }
    }
}

/// A queue as a menu of the wait-time API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTimeMenu {
    pub menu_id: u64,
    pub menu_type: MenuType,
    /// Its path in the menu tree, as the platform's `/menus` would show it.
    pub materialized_path: String,
    /// The menu it is a sub-menu of (`menu_id` filters a menu and its sub-menus).
    pub parent_menu_id: Option<u64>,
    /// The languages whose queue structure lists it (empty: every language).
    pub languages: Vec<String>,
    /// Its figures as the fixtures give them (a tenant may replace them).
    pub figures: WaitFigures,
}

impl WaitTimeMenu {
    fn speaks(&self, lang: &str) -> bool {
        self.languages.is_empty()
            || self
                .languages
                .iter()
                .any(|known| known.eq_ignore_ascii_case(lang))
    }
}

/// What `GET /wait_times` asks, already checked.
#[derive(Debug, Clone, Default)]
pub struct WaitTimeQuery {
    pub lang: String,
    pub menu_id: Option<u64>,
    /// `None`: every type.
    pub menu_type: Option<MenuType>,
    pub channel_type: Option<ChannelType>,
    /// Minutes, exclusive.
    pub wait_from: Option<u64>,
    /// Minutes, exclusive.
    pub wait_to: Option<u64>,
}

/// One menu of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuWait<'a> {
    pub menu: &'a WaitTimeMenu,
    pub figures: WaitFigures,
    /// The wait in whole minutes, rounded up.
    pub wait_minutes: u64,
}

/// Minutes, rounded up: a wait of 10 s is shown as 1 minute, never as none.
pub fn minutes(seconds: u64) -> u64 {
    seconds.div_ceil(60)
}

/// Whether `menu` is `root` or one of its sub-menus (following `parent_menu_id`).
fn within(menus: &[&WaitTimeMenu], menu: &WaitTimeMenu, root: u64) -> bool {
    let mut current = Some(menu);
    // A compiled tree has no cycles; the bound keeps a bad one from looping.
    for _ in 0..=menus.len() {
        let Some(node) = current else {
            return false;
        };
        if node.menu_id == root {
            return true;
        }
        current = node
            .parent_menu_id
            .and_then(|parent| menus.iter().copied().find(|m| m.menu_id == parent));
    }
    false
}

/// The menus `query` selects, in the given order, each with the tenant's figures
/// (`figures_of`). A menu without a wait for the asked channel is left out.
pub fn select<'a>(
    menus: &[&'a WaitTimeMenu],
    figures_of: impl Fn(&WaitTimeMenu) -> WaitFigures,
    query: &WaitTimeQuery,
) -> Vec<MenuWait<'a>> {
    menus
        .iter()
        .copied()
        .filter(|menu| menu.speaks(&query.lang))
        .filter(|menu| query.menu_id.is_none_or(|root| within(menus, menu, root)))
        .filter(|menu| query.menu_type.is_none_or(|kind| menu.menu_type == kind))
        .filter_map(|menu| {
            let figures = figures_of(menu);
            let wait_minutes = minutes(figures.seconds(query.channel_type)?);
            let above = query.wait_from.is_none_or(|from| wait_minutes > from);
            let below = query.wait_to.is_none_or(|to| wait_minutes < to);
            (above && below).then_some(MenuWait {
                menu,
                figures,
                wait_minutes,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn menu(id: u64, parent: Option<u64>, kind: MenuType, chat: Option<u64>) -> WaitTimeMenu {
        WaitTimeMenu {
            menu_id: id,
            menu_type: kind,
            materialized_path: format!("menu {id}"),
            parent_menu_id: parent,
            languages: if id == 4 {
                vec!["es".into()]
            } else {
                Vec::new()
            },
            figures: WaitFigures {
                chat,
                voice_call: Some(120),
                ..WaitFigures::default()
            },
        }
    }

    fn ids(found: &[MenuWait]) -> Vec<u64> {
        found.iter().map(|entry| entry.menu.menu_id).collect()
    }

    #[test]
    fn the_query_filters_by_language_subtree_type_channel_and_wait() {
        let all = [
            menu(1, None, MenuType::WebMenu, Some(30)),
            menu(2, Some(1), MenuType::WebMenu, Some(600)),
            menu(3, Some(2), MenuType::MobileMenu, None),
            menu(4, None, MenuType::IvrMenu, Some(0)),
        ];
        let menus: Vec<&WaitTimeMenu> = all.iter().collect();
        let run = |query: WaitTimeQuery| ids(&select(&menus, |menu| menu.figures, &query));
        let en = || WaitTimeQuery {
            lang: "EN".into(),
            ..WaitTimeQuery::default()
        };
        assert_eq!(run(en()), [1, 2, 3]);
        assert_eq!(
            run(WaitTimeQuery {
                lang: "es".into(),
                ..WaitTimeQuery::default()
            }),
            [1, 2, 3, 4]
        );
        assert_eq!(
            run(WaitTimeQuery {
                menu_id: Some(2),
                ..en()
            }),
            [2, 3]
        );
        assert_eq!(
            run(WaitTimeQuery {
                menu_type: Some(MenuType::MobileMenu),
                ..en()
            }),
            [3]
        );
        assert_eq!(
            run(WaitTimeQuery {
                channel_type: Some(ChannelType::Chat),
                ..en()
            }),
            [1, 2],
            "menu 3 takes no chats"
        );
        // Without a channel, wait is the longest: 2, 10 and 2 minutes.
        assert_eq!(
            run(WaitTimeQuery {
                wait_from: Some(2),
                ..en()
            }),
            [2]
        );
        assert_eq!(
            run(WaitTimeQuery {
                wait_to: Some(10),
                ..en()
            }),
            [1, 3]
        );
    }

    #[test]
    fn a_wait_is_shown_in_whole_minutes_rounded_up() {
        assert_eq!(minutes(0), 0);
        assert_eq!(minutes(10), 1);
        assert_eq!(minutes(120), 2);
        assert_eq!(minutes(121), 3);
    }
}
