//! The named interfaces through which the core reaches the features without knowing them.
//! Start-up hands the state one implementation of each (see `crate::startup`):
//! - [`ChatObserver`]s hear every happening of a chat, under its lock and in its order (the
//!   webhooks feature turns them into deliveries);
//! - [`ScriptAttachments`] carries out a script rule's `attach` (the media feature stores the
//!   file);
//! - [`TenantParts`] are the per-tenant state a feature keeps beside the core's: each is
//!   forgotten on a reset and on an eviction, and its settings are written to and read back
//!   from `--state-dir` with the tenant's.
//!
//! A feature that keeps per-tenant state registers it as a [`TenantParts`], so a reset and
//! persistence cannot forget it.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use super::durability::Outbox;
use super::tenant::Tenant;
use crate::core::domain::{Chat, ChatId, ContactCenter, Effect, Happening};

/// Hears every happening of every chat.
pub trait ChatObserver: Send + Sync {
    /// `happening` of `chat`, called under the chat's lock, in the chat's order. What it
    /// must write with the change, and do once the change is submitted, goes in `outbox`.
    fn happened(
        &self,
        tenant: &Tenant,
        handle: &Arc<Mutex<Chat>>,
        chat: &Chat,
        happening: &Happening,
        outbox: &mut Outbox,
    );
}

/// Carries out a script rule's `attach`.
pub trait ScriptAttachments: Send + Sync {
    /// Stores `file` of the script for `chat` and answers the effects of sending it (or of
    /// a note to the agent saying why it was not sent).
    fn attach(
        &self,
        tenant: &Tenant,
        chat: &mut Chat,
        file: &str,
        script: &ContactCenter,
    ) -> Vec<Effect>;
}

/// Per-tenant state a feature keeps beside the core's.
pub trait TenantParts: Send + Sync {
    /// Forgets what it holds for one tenant, or for every tenant (a reset).
    fn forget(&self, tenant: Option<&str>);

    /// The tenant's state was replaced (a snapshot load): forgets what belonged to the
    /// replaced state, by default everything it holds for the tenant.
    fn replaced(&self, tenant: &str) {
        self.forget(Some(tenant));
    }

    /// Forgets what it holds for one chat (the chat was evicted).
    fn forget_chat(&self, _tenant: &str, _chat_id: ChatId) {}

    /// The tenant's own settings it holds, as entries of the tenant's settings document
    /// (nothing for a setting left at its default).
    fn settings(&self, _tenant: &str) -> Map<String, Value> {
        Map::new()
    }

    /// Applies the entries it owns of a settings document read back at start-up.
    fn apply_settings(&self, _tenant: &str, _settings: &Map<String, Value>) -> Result<(), String> {
        Ok(())
    }
}

/// Every hook the state calls.
#[derive(Default)]
pub struct Hooks {
    pub observers: Vec<Arc<dyn ChatObserver>>,
    pub attachments: Option<Arc<dyn ScriptAttachments>>,
    pub parts: Vec<Arc<dyn TenantParts>>,
}
