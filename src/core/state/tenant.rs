//! One tenant's state: its end users and its chats. Chats sit behind their own lock each,
//! so traffic on one chat never waits for another; the end-user directory has one lock per
//! tenant because upserts must be atomic on `identifier`. A tenant also holds each queue's
//! availability set at run time, which the core reads while routing, and each queue's
//! wait-time figures set at run time (`GET /wait_times` reads them).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use dashmap::DashMap;

use super::clock::{TenantClock, TenantTime};
use crate::core::domain::queues::{Availability, Queue};
use crate::core::domain::wait_times::WaitFigures;
use crate::core::domain::{Chat, ChatId, EndUser, EndUserId};

/// The fields of an end-user upsert.
#[derive(Debug, Clone, Default)]
pub struct EndUserFields {
    pub identifier: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Default)]
struct Directory {
    by_id: HashMap<EndUserId, EndUser>,
    id_by_identifier: HashMap<String, EndUserId>,
}

/// A tenant (one subdomain).
#[derive(Debug)]
pub struct Tenant {
    pub name: String,
    end_users: Mutex<Directory>,
    pub(super) chats: DashMap<ChatId, Arc<Mutex<Chat>>>,
    /// Queue availability set at run time, by queue id (otherwise the script's).
    queue_availability: Mutex<HashMap<String, Availability>>,
    /// Its clock and its timers.
    pub(super) time: TenantTime,
    /// Wait-time figures set at run time, by queue id (otherwise the script's).
    queue_wait_figures: Mutex<HashMap<String, WaitFigures>>,
}

impl Tenant {
    pub fn new(name: &str) -> Tenant {
        Tenant {
            name: name.to_owned(),
            end_users: Mutex::default(),
            chats: DashMap::new(),
            queue_availability: Mutex::default(),
            time: TenantTime::default(),
            queue_wait_figures: Mutex::default(),
        }
    }

    /// The queue's wait-time figures for this tenant (`None`: the queue is no menu of
    /// `GET /wait_times`).
    pub fn wait_figures(&self, queue: &Queue) -> Option<WaitFigures> {
        let menu = queue.wait_time.as_ref()?;
        let overrides = self.queue_wait_figures.lock().expect("wait figures lock");
        Some(overrides.get(&queue.id).copied().unwrap_or(menu.figures))
    }

    /// The wait-time figures set at run time, by queue id.
    pub fn wait_figure_overrides(&self) -> BTreeMap<String, WaitFigures> {
        let overrides = self.queue_wait_figures.lock().expect("wait figures lock");
        overrides
            .iter()
            .map(|(queue, figures)| (queue.clone(), *figures))
            .collect()
    }

    /// Sets the queue's wait-time figures for this tenant (`None`: back to the script's);
    /// answers whether the tenant had figures of its own for it.
    pub fn set_wait_figures(&self, queue_id: &str, figures: Option<WaitFigures>) -> bool {
        let mut overrides = self.queue_wait_figures.lock().expect("wait figures lock");
        match figures {
            Some(figures) => overrides.insert(queue_id.to_owned(), figures).is_some(),
            None => overrides.remove(queue_id).is_some(),
        }
    }

    /// The tenant's time now: real time, unless a test moved its clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.time.clock.now()
    }

    /// The tenant's clock.
    pub fn clock(&self) -> &TenantClock {
        &self.time.clock
    }

    /// How many of its timers are set.
    pub fn pending_timers(&self) -> usize {
        self.time.timers.lock().expect("timers lock").len()
    }

    /// The queue's availability for this tenant.
    pub fn availability(&self, queue: &Queue) -> Availability {
        self.queue_availability
            .lock()
            .expect("availability lock")
            .get(&queue.id)
            .copied()
            .unwrap_or(queue.availability)
    }

    /// The availability set at run time, by queue id.
    pub fn availability_overrides(&self) -> BTreeMap<String, Availability> {
        let overrides = self.queue_availability.lock().expect("availability lock");
        overrides
            .iter()
            .map(|(queue, availability)| (queue.clone(), *availability))
            .collect()
    }

    /// Sets the queue's availability for this tenant (`None`: back to the script's).
    pub fn set_availability(&self, queue_id: &str, availability: Option<Availability>) {
        let mut overrides = self.queue_availability.lock().expect("availability lock");
        match availability {
            Some(availability) => overrides.insert(queue_id.to_owned(), availability),
            None => overrides.remove(queue_id),
        };
    }

    /// Creates the end user, or updates the one with the same identifier (keeping its id).
    /// A new identifier when the tenant already holds `most` end users is refused with
    /// that count.
    pub fn upsert_end_user(
        &self,
        fields: EndUserFields,
        new_id: impl FnOnce() -> EndUserId,
        now: DateTime<Utc>,
        most: usize,
    ) -> Result<EndUser, usize> {
        let mut directory = self.end_users.lock().expect("directory lock");
        if let Some(id) = directory.id_by_identifier.get(&fields.identifier).copied() {
            let user = directory.by_id.get_mut(&id).expect("indexed users exist");
            user.name = fields.name.or(user.name.take());
            user.email = fields.email.or(user.email.take());
            user.phone = fields.phone.or(user.phone.take());
            return Ok(user.clone());
        }
        if directory.by_id.len() >= most {
            return Err(directory.by_id.len());
        }
        let user = EndUser {
            id: new_id(),
            identifier: fields.identifier,
            name: fields.name,
            email: fields.email,
            phone: fields.phone,
            created_at: now,
        };
        directory
            .id_by_identifier
            .insert(user.identifier.clone(), user.id);
        directory.by_id.insert(user.id, user.clone());
        Ok(user)
    }

    pub fn end_user_count(&self) -> usize {
        self.end_users.lock().expect("directory lock").by_id.len()
    }

    pub fn end_user(&self, id: EndUserId) -> Option<EndUser> {
        self.end_users
            .lock()
            .expect("directory lock")
            .by_id
            .get(&id)
            .cloned()
    }

    /// Every end user, by id.
    pub fn end_users(&self) -> Vec<EndUser> {
        let directory = self.end_users.lock().expect("directory lock");
        let mut users: Vec<EndUser> = directory.by_id.values().cloned().collect();
        users.sort_by_key(|user| user.id);
        users
    }

    /// Puts back an end user exactly as a snapshot had it (ids are the caller's concern).
    pub fn restore_end_user(&self, user: EndUser) {
        let mut directory = self.end_users.lock().expect("directory lock");
        directory
            .id_by_identifier
            .insert(user.identifier.clone(), user.id);
        directory.by_id.insert(user.id, user);
    }

    pub fn end_user_by_identifier(&self, identifier: &str) -> Option<EndUser> {
        let directory = self.end_users.lock().expect("directory lock");
        let id = directory.id_by_identifier.get(identifier)?;
        directory.by_id.get(id).cloned()
    }

    pub fn chat(&self, id: ChatId) -> Option<Arc<Mutex<Chat>>> {
        self.chats.get(&id).map(|chat| Arc::clone(chat.value()))
    }

    pub fn chat_ids(&self) -> Vec<ChatId> {
        let mut ids: Vec<ChatId> = self.chats.iter().map(|entry| *entry.key()).collect();
        ids.sort_unstable();
        ids
    }
}
