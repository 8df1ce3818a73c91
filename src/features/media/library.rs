//! Every file the emulator holds, in memory, within a budget: the end users' uploads
//! (registered as media or not yet), and the files agents attach. One lock guards the
//! files and the byte counts together, so a budget check and the store it allows cannot
//! interleave with another. A file that would pass the per-tenant or the total budget is
//! refused before anything is stored, so a refusal loses nothing else. Files still
//! arriving count too: a [`Reservation`] takes its bytes from the budgets as they arrive
//! (refused as soon as they would pass one), and is turned into the stored file or given
//! back, so what is held and what is arriving together stay within the budgets.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::kinds::MediaKind;
use super::settings::MediaConfig;
use super::upload_policy::PolicySigner;
use crate::core::limits::Limit;
use crate::core::state::durability::{Change, Durability, DurabilityError};
use crate::core::state::id_counters::IdCounters;

/// A stored file as its chat knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MediaRecord {
    /// Set once the file is registered (uploads) or attached (agents).
    pub media_id: Option<u64>,
    #[serde(skip)]
    pub tenant: String,
    pub chat_id: u64,
    pub kind: MediaKind,
    /// The object key; for uploads, the `s3_path` it is registered by.
    pub key: String,
    pub content_type: String,
    pub filename: Option<String>,
    pub size: u64,
    pub stored_at: DateTime<Utc>,
}

/// Why a file was not stored or found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("This upload form was already used: each pre-signed upload takes one file; ask for a new one")]
    AlreadyUsed,
    #[error("Media budget exhausted: {scope} holds {used} of {bytes} bytes and this file needs {size} more; raise {names_flag} or free media with POST /__admin/reset?tenant=<tenant>", names_flag = limit.names_flag())]
    OverBudget {
        scope: String,
        used: u64,
        bytes: u64,
        size: u64,
        limit: Limit,
    },
    #[error("s3_path {0:?} names no file uploaded for this chat")]
    UnknownPath(String),
    #[error("s3_path {path:?} holds a {actual} upload, not a {wanted}")]
    WrongKind {
        path: String,
        actual: &'static str,
        wanted: &'static str,
    },
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
struct Usage {
    bytes: u64,
    files: u64,
    /// Bytes of files still arriving, reserved against the budgets.
    #[serde(skip)]
    reserved: u64,
}

#[derive(Default)]
struct Holdings {
    /// By object key.
    files: HashMap<String, (MediaRecord, Bytes)>,
    /// Media id to object key.
    media: HashMap<u64, String>,
    tenants: HashMap<String, Usage>,
    total: Usage,
}

/// The media budgets (`--media-budget-per-tenant`, `--media-budget-total`), in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaBudgets {
    pub per_tenant: u64,
    pub total: u64,
}

/// All stored media.
pub struct MediaLibrary {
    config: MediaConfig,
    budgets: MediaBudgets,
    pub signer: PolicySigner,
    ids: Arc<IdCounters>,
    /// Where files are written, with `--state-dir`.
    durability: Option<Arc<dyn Durability>>,
    holdings: Mutex<Holdings>,
}

impl MediaLibrary {
    pub fn new(
        config: MediaConfig,
        budgets: MediaBudgets,
        ids: Arc<IdCounters>,
        durability: Option<Arc<dyn Durability>>,
    ) -> MediaLibrary {
        MediaLibrary {
            config,
            budgets,
            signer: PolicySigner::random(),
            ids,
            durability,
            holdings: Mutex::default(),
        }
    }

    /// Whether files are written to `--state-dir`.
    pub fn is_durable(&self) -> bool {
        self.durability.is_some()
    }

    /// Writes a stored file's record (and its bytes, when they are new) to `--state-dir`.
    pub fn persist(
        &self,
        record: &MediaRecord,
        bytes: Option<&[u8]>,
    ) -> Result<(), DurabilityError> {
        let Some(durability) = &self.durability else {
            return Ok(());
        };
        let change = Change::Media {
            key: &record.key,
            tenant: &record.tenant,
            chat_id: record.chat_id,
            record: serde_json::to_value(record).unwrap_or_default(),
            bytes,
        };
        durability
            .submit(&[change], Some(self.ids.peek()))?
            .committed_blocking()
    }

    /// Forgets a removed file's row in `--state-dir` (a failure is logged and counted).
    pub fn persist_removed(&self, key: &str) {
        if let Some(durability) = &self.durability {
            let _ = durability.submit(&[Change::MediaRemoved { key }], Some(self.ids.peek()));
        }
    }

    pub fn config(&self) -> &MediaConfig {
        &self.config
    }

    /// Puts back a file kept in `--state-dir` (its budget was checked when it came in).
    pub fn restore(&self, tenant: &str, record: &str, bytes: Bytes) -> Result<(), String> {
        let mut record: MediaRecord =
            serde_json::from_str(record).map_err(|error| error.to_string())?;
        record.tenant = tenant.to_owned();
        if let Some(media_id) = record.media_id {
            self.ids.move_media_past(media_id);
        }
        hold(&mut self.holdings(), record, bytes);
        Ok(())
    }

    fn holdings(&self) -> std::sync::MutexGuard<'_, Holdings> {
        self.holdings.lock().expect("media lock")
    }

    /// Stores an uploaded file under its key (once: a key takes one file), in place of
    /// the bytes `reservation` held for it.
    pub fn store_upload(
        &self,
        record: MediaRecord,
        bytes: Bytes,
        reservation: Reservation,
    ) -> Result<(), MediaError> {
        let mut holdings = self.holdings();
        reservation.give_back(&mut holdings);
        if holdings.files.contains_key(&record.key) {
            return Err(MediaError::AlreadyUsed);
        }
        self.admit(&mut holdings, record, bytes)
    }

    /// An empty reservation for a file of `tenant` about to arrive.
    pub fn reserve(self: &Arc<Self>, tenant: &str) -> Reservation {
        Reservation {
            library: Arc::clone(self),
            tenant: tenant.to_owned(),
            bytes: 0,
        }
    }

    /// Refuses a file of `size` bytes for `tenant` if it would pass a budget.
    pub fn check_budget(&self, tenant: &str, size: u64) -> Result<(), MediaError> {
        let holdings = self.holdings();
        self.within_budget(&holdings, tenant, size)
    }

    fn within_budget(
        &self,
        holdings: &Holdings,
        tenant: &str,
        size: u64,
    ) -> Result<(), MediaError> {
        let tenant_usage = holdings.tenants.get(tenant).copied().unwrap_or_default();
        let tenant_used = tenant_usage.bytes + tenant_usage.reserved;
        if tenant_used + size > self.budgets.per_tenant {
            return Err(MediaError::OverBudget {
                scope: format!("tenant {tenant:?}"),
                used: tenant_used,
                bytes: self.budgets.per_tenant,
                size,
                limit: Limit::MediaBudgetPerTenant,
            });
        }
        let total_used = holdings.total.bytes + holdings.total.reserved;
        if total_used + size > self.budgets.total {
            return Err(MediaError::OverBudget {
                scope: "the emulator".to_owned(),
                used: total_used,
                bytes: self.budgets.total,
                size,
                limit: Limit::MediaBudgetTotal,
            });
        }
        Ok(())
    }

    /// Budget-checks and inserts, under the caller's lock.
    fn admit(
        &self,
        holdings: &mut Holdings,
        record: MediaRecord,
        bytes: Bytes,
    ) -> Result<(), MediaError> {
        self.within_budget(holdings, &record.tenant, record.size)?;
        hold(holdings, record, bytes);
        Ok(())
    }

    /// Registers an upload of this tenant's chat as media of `kind` (again: the same id).
    pub fn register(
        &self,
        tenant: &str,
        chat_id: u64,
        kind: MediaKind,
        path: &str,
    ) -> Result<MediaRecord, MediaError> {
        let key = object_key(path);
        let mut holdings = self.holdings();
        let Some((record, _)) = holdings.files.get_mut(key) else {
            return Err(MediaError::UnknownPath(path.to_owned()));
        };
        if record.tenant != tenant || record.chat_id != chat_id {
            return Err(MediaError::UnknownPath(path.to_owned()));
        }
        if record.kind != kind {
            return Err(MediaError::WrongKind {
                path: path.to_owned(),
                actual: record.kind.name(),
                wanted: kind.name(),
            });
        }
        if record.media_id.is_none() {
            record.media_id = Some(self.ids.next_media());
        }
        let record = record.clone();
        let media_id = record.media_id.expect("just set");
        holdings.media.insert(media_id, record.key.clone());
        Ok(record)
    }

    /// Stores a file an agent attaches to a chat, as new media (in place of the bytes
    /// `reservation` held for it, when it arrived over HTTP).
    #[allow(clippy::too_many_arguments)]
    pub fn attach(
        &self,
        tenant: &str,
        chat_id: u64,
        filename: &str,
        content_type: &str,
        bytes: Bytes,
        now: DateTime<Utc>,
        reservation: Option<Reservation>,
    ) -> Result<MediaRecord, MediaError> {
        let mut holdings = self.holdings();
        if let Some(reservation) = reservation {
            reservation.give_back(&mut holdings);
        }
        self.within_budget(&holdings, tenant, bytes.len() as u64)?;
        let record = MediaRecord {
            media_id: Some(self.ids.next_media()),
            tenant: tenant.to_owned(),
            chat_id,
            kind: MediaKind::Attachment,
            key: format!(
                "chats/{chat_id}/attachments/{}/{}",
                uuid::Uuid::new_v4().simple(),
                safe_filename(filename)
            ),
            content_type: content_type.to_owned(),
            filename: Some(filename.to_owned()),
            size: bytes.len() as u64,
            stored_at: now,
        };
        self.admit(&mut holdings, record.clone(), bytes)?;
        Ok(record)
    }

    /// Drops one media file (an attachment whose message could not be sent).
    pub fn remove(&self, media_id: u64) {
        let mut holdings = self.holdings();
        let Some(key) = holdings.media.remove(&media_id) else {
            return;
        };
        if let Some((record, _)) = holdings.files.remove(&key) {
            if let Some(usage) = holdings.tenants.get_mut(&record.tenant) {
                usage.bytes -= record.size;
                usage.files -= 1;
            }
            holdings.total.bytes -= record.size;
            holdings.total.files -= 1;
        }
    }

    /// Frees the media registered on one chat (evicted with it); says how many files.
    pub fn forget_chat(&self, tenant: &str, chat_id: u64) -> usize {
        let ids: Vec<u64> = {
            let holdings = self.holdings();
            holdings
                .media
                .iter()
                .filter(|(_, key)| {
                    holdings.files.get(*key).is_some_and(|(record, _)| {
                        record.tenant == tenant && record.chat_id == chat_id
                    })
                })
                .map(|(id, _)| *id)
                .collect()
        };
        for id in &ids {
            self.remove(*id);
        }
        ids.len()
    }

    /// A registered media file of this tenant's chat, with its bytes.
    pub fn media(&self, tenant: &str, chat_id: u64, media_id: u64) -> Option<(MediaRecord, Bytes)> {
        self.media_by_id(media_id)
            .filter(|(record, _)| record.tenant == tenant && record.chat_id == chat_id)
    }

    /// Any registered media file, for the control plane.
    pub fn media_by_id(&self, media_id: u64) -> Option<(MediaRecord, Bytes)> {
        let holdings = self.holdings();
        let key = holdings.media.get(&media_id)?;
        holdings.files.get(key).cloned()
    }

    /// A stored object by key (registered or not).
    pub fn object(&self, key: &str) -> Option<(MediaRecord, Bytes)> {
        self.holdings().files.get(key).cloned()
    }

    /// The media of `kind` registered on this tenant's chat, oldest first.
    pub fn list(&self, tenant: &str, chat_id: u64, kind: MediaKind) -> Vec<MediaRecord> {
        let holdings = self.holdings();
        let mut records: Vec<MediaRecord> = holdings
            .media
            .values()
            .filter_map(|key| holdings.files.get(key))
            .map(|(record, _)| record)
            .filter(|record| {
                record.tenant == tenant && record.chat_id == chat_id && record.kind == kind
            })
            .cloned()
            .collect();
        records.sort_by_key(|record| record.media_id);
        records
    }

    /// Frees the media of one tenant, or of all.
    pub fn forget(&self, tenant: Option<&str>) {
        let mut holdings = self.holdings();
        let Holdings {
            files,
            media,
            tenants,
            total,
        } = &mut *holdings;
        files.retain(|_, (record, _)| tenant.is_some_and(|tenant| record.tenant != tenant));
        media.retain(|_, key| files.contains_key(key));
        // Files still arriving keep their reservations: they give them back themselves.
        for (name, usage) in tenants.iter_mut() {
            if tenant.is_none_or(|tenant| tenant == name) {
                total.bytes -= usage.bytes;
                total.files -= usage.files;
                usage.bytes = 0;
                usage.files = 0;
            }
        }
        tenants.retain(|_, usage| usage.reserved > 0 || usage.files > 0);
    }

    /// The most bytes one tenant's files take, with those still arriving.
    pub fn largest_tenant_bytes(&self) -> u64 {
        let holdings = self.holdings();
        holdings
            .tenants
            .values()
            .map(|usage| usage.bytes + usage.reserved)
            .max()
            .unwrap_or(0)
    }

    /// The bytes every file takes, with those still arriving.
    pub fn total_bytes(&self) -> u64 {
        let holdings = self.holdings();
        holdings.total.bytes + holdings.total.reserved
    }

    /// Budgets and what is held, in all and per tenant.
    pub fn usage(&self) -> Value {
        let holdings = self.holdings();
        let mut tenants: Vec<(&String, &Usage)> = holdings
            .tenants
            .iter()
            .filter(|(_, usage)| usage.files > 0)
            .collect();
        tenants.sort_by_key(|(name, _)| name.as_str());
        json!({
            "budget_per_tenant_bytes": self.budgets.per_tenant,
            "budget_total_bytes": self.budgets.total,
            "upload_url_expiry_ms": self.config.upload_url_expiry.as_millis() as u64,
            "download_url_expiry_ms": self.config.download_url_expiry.as_millis() as u64,
            "used_bytes": holdings.total.bytes,
            "in_flight_bytes": holdings.total.reserved,
            "files": holdings.total.files,
            "tenants": tenants.into_iter()
                .map(|(name, usage)| (name.clone(), json!(usage)))
                .collect::<serde_json::Map<String, Value>>(),
        })
    }
}

/// Bytes of one file still arriving, taken from the budgets as they arrive and given back
/// when dropped (or turned into the stored file).
pub struct Reservation {
    library: Arc<MediaLibrary>,
    tenant: String,
    bytes: u64,
}

impl Reservation {
    /// Takes `more` bytes from the budgets, or refuses (the message names the flag).
    pub fn grow(&mut self, more: u64) -> Result<(), MediaError> {
        let mut holdings = self.library.holdings();
        self.library.within_budget(&holdings, &self.tenant, more)?;
        holdings
            .tenants
            .entry(self.tenant.clone())
            .or_default()
            .reserved += more;
        holdings.total.reserved += more;
        self.bytes += more;
        Ok(())
    }

    /// How many bytes it holds.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Gives the bytes back, under the caller's lock.
    fn give_back(mut self, holdings: &mut Holdings) {
        release(holdings, &self.tenant, self.bytes);
        self.bytes = 0;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.bytes > 0 {
            let mut holdings = self.library.holdings();
            release(&mut holdings, &self.tenant, self.bytes);
        }
    }
}

fn release(holdings: &mut Holdings, tenant: &str, bytes: u64) {
    if let Some(usage) = holdings.tenants.get_mut(tenant) {
        usage.reserved -= bytes.min(usage.reserved);
        if usage.reserved == 0 && usage.files == 0 {
            holdings.tenants.remove(tenant);
        }
    }
    holdings.total.reserved -= bytes.min(holdings.total.reserved);
}

/// Adds a file to the holdings and its size to the counts (budgets are the caller's).
fn hold(holdings: &mut Holdings, record: MediaRecord, bytes: Bytes) {
    let usage = holdings.tenants.entry(record.tenant.clone()).or_default();
    usage.bytes += record.size;
    usage.files += 1;
    holdings.total.bytes += record.size;
    holdings.total.files += 1;
    if let Some(media_id) = record.media_id {
        holdings.media.insert(media_id, record.key.clone());
    }
    holdings.files.insert(record.key.clone(), (record, bytes));
}

/// An `s3_path` as a key: the key itself, `s3://bucket/key`, `/bucket/key` or `bucket/key`.
pub fn object_key(path: &str) -> &str {
    let bucket = super::upload_policy::BUCKET;
    let path = path.strip_prefix("s3://").unwrap_or(path);
    let path = path.strip_prefix('/').unwrap_or(path);
    path.strip_prefix(bucket)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(path)
}

/// A file name that is safe as the last segment of a key and a URL.
fn safe_filename(filename: &str) -> String {
    let cleaned: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.trim_matches('.').is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}
