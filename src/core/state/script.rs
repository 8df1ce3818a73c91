//! The contact-center script: read it, replace parts of it at run time, reload it from the
//! fixture folder. Every change is a read-modify-write under the script's write lock, so
//! two concurrent uploads never lose one another's update, and the start-up overrides
//! (`--agent-join-delay`) are applied in one place. Chats already running keep the task
//! virtual agent they were handed.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::AppState;
use crate::core::domain::{ContactCenter, TaskVirtualAgent};
use crate::features::fixtures::loader::{self, FixtureError};

/// A task virtual agent stored by [`AppState::upsert_task_virtual_agent`].
pub struct StoredTaskVirtualAgent {
    pub vta: Arc<TaskVirtualAgent>,
    /// `false` when it replaced one with the same key.
    pub created: bool,
}

impl AppState {
    /// The current contact-center script.
    pub fn script(&self) -> Arc<ContactCenter> {
        Arc::clone(&self.script.read().expect("script lock"))
    }

    /// Installs a freshly loaded script (a fixture reload), with the start-up overrides
    /// applied, and records the outcome in the fixture status; a failed load keeps the
    /// previous script.
    pub fn reload_script(
        &self,
        loaded: Result<ContactCenter, FixtureError>,
    ) -> Result<(), FixtureError> {
        match loaded {
            Ok(script) => {
                *self.script.write().expect("script lock") =
                    Arc::new(self.overrides.applied_to(script));
                self.fixture_status.reloaded();
                self.live_events.notify_change();
                Ok(())
            }
            Err(error) => {
                self.fixture_status.failed(error.clone());
                self.live_events.notify_change();
                Err(error)
            }
        }
    }

    /// Replaces the agent, menus, join delay, agent script, queues and queue selection from
    /// a `contact_center.json` document, validated exactly like the file; VTAs and data
    /// tables stay. Answers the
    /// new script.
    /// With `--state-dir` the document is kept and applied again after a restart.
    pub fn replace_contact_center(
        &self,
        document: serde_json::Value,
    ) -> Result<Arc<ContactCenter>, FixtureError> {
        let kept = self.store.is_some().then(|| document.clone());
        let script = self.install_contact_center(document)?;
        if let Some(document) = kept {
            let _ = self.persist_fixture_upload("contact_center", &document);
        }
        Ok(script)
    }

    /// [`Self::replace_contact_center`] without keeping the document.
    pub(super) fn install_contact_center(
        &self,
        document: serde_json::Value,
    ) -> Result<Arc<ContactCenter>, FixtureError> {
        let mut current = self.script.write().expect("script lock");
        let known: BTreeSet<String> = current.task_virtual_agents.keys().cloned().collect();
        let media: BTreeSet<String> = current.media_files.keys().cloned().collect();
        let compiled = loader::compile_contact_center(document, &known, &media)?;
        let mut script = (**current).clone();
        script.agent = compiled.agent;
        script.join_delay = compiled.join_delay;
        script.menus = compiled.menus;
        script.agent_script = compiled.agent_script;
        script.queues = compiled.queues;
        script.queue_selection = compiled.queue_selection;
        *current = Arc::new(self.overrides.applied_to(script));
        Ok(Arc::clone(&current))
    }

    /// Uploads or replaces one task virtual agent, validated exactly like a fixture file.
    /// With `--state-dir` the document is kept and applied again after a restart.
    pub fn upsert_task_virtual_agent(
        &self,
        key: &str,
        document: serde_json::Value,
    ) -> Result<StoredTaskVirtualAgent, FixtureError> {
        let kept = self.store.is_some().then(|| document.clone());
        let stored = self.install_task_virtual_agent(key, document)?;
        if let Some(document) = kept {
            let _ = self.persist_fixture_upload(&format!("vta/{key}"), &document);
        }
        Ok(stored)
    }

    /// [`Self::upsert_task_virtual_agent`] without keeping the document.
    pub(super) fn install_task_virtual_agent(
        &self,
        key: &str,
        document: serde_json::Value,
    ) -> Result<StoredTaskVirtualAgent, FixtureError> {
        let mut current = self.script.write().expect("script lock");
        let tables: BTreeSet<String> = current.data.keys().cloned().collect();
        let vta = Arc::new(loader::compile_task_virtual_agent(key, document, &tables)?);
        let mut script = (**current).clone();
        let created = script
            .task_virtual_agents
            .insert(vta.key.clone(), Arc::clone(&vta))
            .is_none();
        *current = Arc::new(script);
        Ok(StoredTaskVirtualAgent { vta, created })
    }
}
