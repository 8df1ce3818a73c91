//! [`MediaFiles`]: the media use cases: pre-signed upload forms and the uploads they allow,
//! registering uploads as a chat's photos and videos, listing and downloading them,
//! checking that a `photo` or `video` message names media of its own chat, the files the
//! agent attaches (from the control plane, or from its script, through the core's
//! [`ScriptAttachments`] hook), and the budgets' usage. The bytes live in the
//! [`MediaLibrary`]; these methods tie them to tenants and chats.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::kinds::content_type_for_filename;
use super::library::Reservation;
use super::upload_policy::{DownloadLink, UploadTarget, VerifiedUpload, BUCKET};
use super::{MediaConfig, MediaError, MediaKind, MediaLibrary, MediaRecord, StorageError};
use crate::core::domain::{Chat, ChatError, ChatId, ContactCenter, Effect, MessageBody};
use crate::core::state::hooks::{ScriptAttachments, TenantParts};
use crate::core::state::{AppState, StateError, Tenant};

/// Why a media use case was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaProblem {
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error("Media not found")]
    NotFound,
}

impl From<ChatError> for MediaProblem {
    fn from(error: ChatError) -> MediaProblem {
        MediaProblem::State(error.into())
    }
}

/// The media use cases.
pub struct MediaFiles {
    state: Arc<AppState>,
    library: Arc<MediaLibrary>,
}

impl MediaFiles {
    pub fn new(state: Arc<AppState>, library: Arc<MediaLibrary>) -> MediaFiles {
        MediaFiles { state, library }
    }

    /// The form `fields` of a pre-signed upload of one `kind` file to a chat.
    pub fn issue_upload(
        &self,
        tenant: &Tenant,
        chat_id: ChatId,
        kind: MediaKind,
    ) -> Result<BTreeMap<String, String>, MediaProblem> {
        if self.state.with_chat(tenant, chat_id, Chat::is_finished)? {
            return Err(ChatError::Finished.into());
        }
        let now = tenant.now();
        let expiry = chrono::Duration::from_std(self.library.config().upload_url_expiry)
            .unwrap_or_else(|_| chrono::Duration::minutes(5));
        let target = UploadTarget {
            tenant: tenant.name.clone(),
            chat_id: chat_id.get(),
            kind,
        };
        Ok(self.library.signer.grant(&target, now, now + expiry))
    }

    /// Registers uploaded files (by `s3_path`) as the chat's media of `kind`.
    pub fn register_media(
        &self,
        tenant: &Tenant,
        chat_id: ChatId,
        kind: MediaKind,
        paths: &[String],
    ) -> Result<Vec<MediaRecord>, MediaProblem> {
        if self.state.with_chat(tenant, chat_id, Chat::is_finished)? {
            return Err(ChatError::Finished.into());
        }
        paths
            .iter()
            .map(|path| {
                let record = self
                    .library
                    .register(&tenant.name, chat_id.get(), kind, path)?;
                self.persist(&record, None)?;
                Ok(record)
            })
            .collect()
    }

    /// The chat's registered media of `kind`, oldest first.
    pub fn chat_media(
        &self,
        tenant: &Tenant,
        chat_id: ChatId,
        kind: MediaKind,
    ) -> Result<Vec<MediaRecord>, MediaProblem> {
        self.state.with_chat(tenant, chat_id, |_| ())?;
        Ok(self.library.list(&tenant.name, chat_id.get(), kind))
    }

    /// One media file of the chat, with its bytes.
    pub fn media_file(
        &self,
        tenant: &Tenant,
        chat_id: ChatId,
        media_id: u64,
    ) -> Result<(MediaRecord, Bytes), MediaProblem> {
        self.state.with_chat(tenant, chat_id, |_| ())?;
        self.library
            .media(&tenant.name, chat_id.get(), media_id)
            .ok_or(MediaProblem::NotFound)
    }

    /// A `photo` or `video` message must name media of that kind registered on its chat.
    pub fn check_message_media(
        &self,
        tenant: &Tenant,
        chat_id: ChatId,
        body: &MessageBody,
    ) -> Result<(), StateError> {
        let (kind, media_id) = match body {
            MessageBody::Photo { media_id } => (MediaKind::Photo, *media_id),
            MessageBody::Video { media_id } => (MediaKind::Video, *media_id),
            _ => return Ok(()),
        };
        self.state.with_chat(tenant, chat_id, |_| ())?;
        match self.library.media(&tenant.name, chat_id.get(), media_id) {
            Some((record, _)) if record.kind == kind => Ok(()),
            _ => Err(StateError::Invalid(format!(
                "media_id {media_id} is not a {} registered on chat {chat_id} (register it with POST /chats/{chat_id}/{}s first)",
                kind.name(),
                kind.name()
            ))),
        }
    }

    /// The human agent attaches a file: stored (within the budgets), then sent as a
    /// message. Answers the media record and the message id.
    pub async fn agent_attaches(
        &self,
        chat_id: ChatId,
        filename: &str,
        content_type: &str,
        bytes: Bytes,
        reservation: Reservation,
    ) -> Result<(MediaRecord, u64), MediaProblem> {
        let tenant = self.state.owner_of(chat_id)?;
        // The agent must have the chat before anything is stored.
        self.state
            .with_chat(&tenant, chat_id, |chat| chat.require_agent().map(|_| ()))??;
        let record = self.library.attach(
            &tenant.name,
            chat_id.get(),
            filename,
            content_type,
            bytes.clone(),
            tenant.now(),
            Some(reservation),
        )?;
        if let Err(error) = self.persist(&record, Some(&bytes)) {
            self.library.remove(record.media_id.unwrap_or_default());
            return Err(error.into());
        }
        let body = attachment_body(&record);
        let sent = self
            .state
            .transition_then(
                &tenant,
                chat_id,
                |chat, _, now| chat.agent_attaches(body, now),
                |chat| chat.messages.len() as u64,
            )
            .await;
        match sent {
            Ok(message_id) => Ok((record, message_id)),
            Err(error) => {
                self.library.remove(record.media_id.unwrap_or_default());
                self.library.persist_removed(&record.key);
                Err(error.into())
            }
        }
    }

    /// Whether a chat id exists (for the control plane, before it reads a body).
    pub fn chat_exists(&self, chat_id: ChatId) -> bool {
        self.state.owner_of(chat_id).is_ok()
    }

    /// An empty reservation against the budgets of the tenant that owns `chat_id`, for a
    /// file about to arrive (it grows as the bytes do).
    pub fn reserve_for_chat(&self, chat_id: ChatId) -> Result<Reservation, MediaProblem> {
        let tenant = self.state.owner_of(chat_id)?;
        Ok(self.library.reserve(&tenant.name))
    }

    /// An empty reservation against `upload`'s tenant's budgets.
    pub fn reserve_for_upload(&self, upload: &VerifiedUpload) -> Reservation {
        self.library.reserve(&upload.target.tenant)
    }

    /// Checks an upload's form fields; what they allow, or S3's refusal.
    pub fn verify_upload(
        &self,
        bucket: &str,
        fields: &BTreeMap<String, String>,
    ) -> Result<VerifiedUpload, StorageError> {
        if bucket != BUCKET {
            return Err(StorageError::new(
                404,
                "NoSuchBucket",
                "The specified bucket does not exist",
            )
            .with("BucketName", bucket));
        }
        self.library
            .signer
            .verify(bucket, fields, |tenant| self.tenant_now(tenant))
    }

    /// Stores a verified upload's file (once per form, within the budgets), in place of
    /// the bytes `reservation` held while it arrived.
    pub fn store_upload(
        &self,
        upload: VerifiedUpload,
        filename: Option<String>,
        bytes: Bytes,
        reservation: Reservation,
    ) -> Result<(), StorageError> {
        let stored_at = self.tenant_now(&upload.target.tenant);
        let record = MediaRecord {
            media_id: None,
            tenant: upload.target.tenant,
            chat_id: upload.target.chat_id,
            kind: upload.target.kind,
            key: upload.key,
            content_type: upload.content_type,
            filename,
            size: bytes.len() as u64,
            stored_at,
        };
        let kept = self
            .library
            .is_durable()
            .then(|| (record.clone(), bytes.clone()));
        self.library
            .store_upload(record, bytes, reservation)
            .map_err(storage_refusal)?;
        if let Some((record, bytes)) = kept {
            self.persist(&record, Some(&bytes)).map_err(|error| {
                StorageError::new(507, "InsufficientStorage", error.to_string())
            })?;
        }
        Ok(())
    }

    /// A stored object by key, when `link` is a valid, unexpired download link to it.
    pub fn signed_object(
        &self,
        bucket: &str,
        key: &str,
        link: &DownloadLink,
    ) -> Result<(MediaRecord, Bytes), StorageError> {
        // A link is checked on the clock of the tenant whose object it names (a link to
        // no object is checked in real time, then answered 404).
        let object = self.library.object(key);
        let now = object
            .as_ref()
            .map_or_else(Utc::now, |(record, _)| self.tenant_now(&record.tenant));
        self.library.signer.check_download(bucket, key, link, now)?;
        object.ok_or_else(|| {
            StorageError::new(404, "NoSuchKey", "The specified key does not exist.")
                .with("Key", key)
        })
    }

    /// The tenant's time (its clock may have been moved); real time for a tenant not seen.
    fn tenant_now(&self, tenant: &str) -> DateTime<Utc> {
        self.state
            .existing_tenant(tenant)
            .map_or_else(Utc::now, |tenant| tenant.now())
    }

    /// The query of a download link to a stored file, valid for `--download-url-expiry` from
    /// now on its tenant's clock.
    pub fn download_query(&self, record: &MediaRecord) -> String {
        self.library.signer.download_query(
            BUCKET,
            &record.key,
            self.tenant_now(&record.tenant),
            self.library.config().download_url_expiry,
        )
    }

    /// Any registered media file, for the control plane.
    pub fn media_by_id(&self, media_id: u64) -> Result<(MediaRecord, Bytes), MediaProblem> {
        self.library
            .media_by_id(media_id)
            .ok_or(MediaProblem::NotFound)
    }

    /// The media budgets and what each tenant holds.
    pub fn media_usage(&self) -> serde_json::Value {
        self.library.usage()
    }

    /// The media settings in force.
    pub fn media_config(&self) -> &MediaConfig {
        self.library.config()
    }

    /// Writes a stored file to `--state-dir`, in the state's terms.
    fn persist(&self, record: &MediaRecord, bytes: Option<&[u8]>) -> Result<(), StateError> {
        self.library.persist(record, bytes).map_err(|error| {
            StateError::NotPersisted(format!(
                "The change was made but could not be written to the state directory, so it will not survive a restart ({error})"
            ))
        })
    }
}

impl ScriptAttachments for MediaLibrary {
    /// Carries out a script rule's `attach`: the file is stored and sent, or, past the
    /// budget, the agent gets a note saying why it was not.
    fn attach(
        &self,
        tenant: &Tenant,
        chat: &mut Chat,
        file: &str,
        script: &ContactCenter,
    ) -> Vec<Effect> {
        let Some(bytes) = script.media_files.get(file) else {
            return Vec::new();
        };
        let content_type = content_type_for_filename(file).unwrap_or("application/octet-stream");
        let bytes = Bytes::copy_from_slice(bytes);
        let stored = MediaLibrary::attach(
            self,
            &tenant.name,
            chat.id.get(),
            file,
            content_type,
            bytes.clone(),
            tenant.now(),
            None,
        );
        if let Ok(record) = &stored {
            // A failed write is logged and counted; the script's message goes out anyway.
            let _ = self.persist(record, Some(&bytes));
        }
        match stored {
            Ok(record) => chat
                .agent_attaches(attachment_body(&record), tenant.now())
                .unwrap_or_default(),
            Err(error) => {
                tracing::warn!(tenant = %tenant.name, chat_id = chat.id.get(), %error, "script attachment not sent");
                let note = format!("The attachment {file} was not sent: {error}");
                chat.note_to_agent(note, tenant.now())
            }
        }
    }
}

impl TenantParts for MediaLibrary {
    fn forget(&self, tenant: Option<&str>) {
        MediaLibrary::forget(self, tenant);
    }

    fn forget_chat(&self, tenant: &str, chat_id: ChatId) {
        MediaLibrary::forget_chat(self, tenant, chat_id.get());
    }
}

/// A media refusal in S3's terms: past a budget is 507 `InsufficientStorage`.
pub fn storage_refusal(error: MediaError) -> StorageError {
    match error {
        MediaError::OverBudget { .. } => {
            StorageError::new(507, "InsufficientStorage", error.to_string())
        }
        other => StorageError::access_denied(other.to_string()),
    }
}

fn attachment_body(record: &MediaRecord) -> MessageBody {
    MessageBody::Attachment {
        media_id: record.media_id.unwrap_or_default(),
        content_type: record.content_type.clone(),
        filename: record.filename.clone().unwrap_or_default(),
        size: record.size,
    }
}
