//! The submissions waiting for the writer, in order, and what the database is known to
//! hold. A submission is turned into rows ([`Op`]s) when it is submitted, under the queue's
//! lock, so submissions and their rows keep the order callers submitted them in (a chat's
//! changes are submitted under its lock, hence in the chat's order). Only what is new is
//! written: a chat's messages past the count already submitted for it, a counter that
//! moved, a chat's header when it differs from the one last submitted (a message added to
//! a chat usually leaves its header as it was, and serialising it for nothing was about a
//! tenth of a durable message's instructions). The headers are taken from the chats before
//! the queue's lock is taken ([`Queue::headers_of`]). The counts are kept twice: as submitted (what the rows queued so far add up to)
//! and as committed (what the database holds); when a transaction fails, every submission
//! still queued fails with it and the submitted counts go back to the committed ones, so
//! the next change of a chat writes again everything the database lacks.

use std::collections::HashMap;
use std::sync::Arc;

use super::writer::Op;
use crate::core::state::durability::Change;
use crate::core::state::id_counters::NextIds;
use crate::features::snapshots::ChatSnapshot;

/// What the database holds (or will, once the queued submissions commit).
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// Chat id to its tenant and how many of its messages are written.
    messages: HashMap<u64, (String, usize)>,
    /// Chat id to its tenant and its header as written.
    headers: HashMap<u64, (String, Arc<ChatSnapshot>)>,
    /// Each counter's value.
    counters: HashMap<&'static str, u64>,
}

/// One change of the marks, applied to the committed marks once its submission commits.
#[derive(Debug, Clone)]
enum MarkChange {
    Messages {
        chat_id: u64,
        tenant: String,
        count: usize,
    },
    Header {
        chat_id: u64,
        tenant: String,
        header: Arc<ChatSnapshot>,
    },
    ForgetChat(u64),
    ForgetTenant(Option<String>),
    Counter(&'static str, u64),
}

impl Marks {
    /// The marks of a database as read at start-up.
    pub fn read(messages: HashMap<u64, (String, usize)>, counters: HashMap<String, u64>) -> Marks {
        let counters = counters
            .into_iter()
            .filter_map(|(name, next)| Some((counter_name(&name)?, next)))
            .collect();
        Marks {
            messages,
            headers: HashMap::new(),
            counters,
        }
    }

    fn apply(&mut self, change: &MarkChange) {
        match change {
            MarkChange::Messages {
                chat_id,
                tenant,
                count,
            } => match self.messages.get_mut(chat_id) {
                Some(mark) if mark.0 == *tenant => mark.1 = *count,
                _ => {
                    self.messages.insert(*chat_id, (tenant.clone(), *count));
                }
            },
            MarkChange::Header {
                chat_id,
                tenant,
                header,
            } => {
                self.headers
                    .insert(*chat_id, (tenant.clone(), Arc::clone(header)));
            }
            MarkChange::ForgetChat(id) => {
                self.messages.remove(id);
                self.headers.remove(id);
            }
            MarkChange::ForgetTenant(None) => {
                self.messages.clear();
                self.headers.clear();
            }
            MarkChange::ForgetTenant(Some(name)) => {
                self.messages.retain(|_, (tenant, _)| tenant != name);
                self.headers.retain(|_, (tenant, _)| tenant != name);
            }
            MarkChange::Counter(name, next) => {
                let value = self.counters.entry(name).or_default();
                *value = (*value).max(*next);
            }
        }
    }
}

fn counter_name(name: &str) -> Option<&'static str> {
    ["chat", "end_user", "escalation", "media"]
        .into_iter()
        .find(|known| *known == name)
}

/// One submission: its number in the commit order, its rows and what it changes in the
/// marks.
#[derive(Debug)]
pub struct Submission {
    pub seq: u64,
    pub ops: Vec<Op>,
    marks: Vec<MarkChange>,
}

/// The queue and both sets of marks.
#[derive(Debug, Default)]
pub struct Queue {
    pub items: Vec<Submission>,
    /// The number the next submission gets (the first is 1).
    next_seq: u64,
    submitted: Marks,
    committed: Marks,
    pub closed: bool,
}

impl Queue {
    pub fn new(marks: Marks) -> Queue {
        Queue {
            items: Vec::new(),
            next_seq: 1,
            submitted: marks.clone(),
            committed: marks,
            closed: false,
        }
    }

    /// The header of each chat among `changes` (`None` for the other changes), taken
    /// before the queue is locked.
    pub fn headers_of(changes: &[Change<'_>]) -> Vec<Option<ChatSnapshot>> {
        changes
            .iter()
            .map(|change| match change {
                Change::Chat { chat, .. } => Some(ChatSnapshot::header_of(chat)),
                _ => None,
            })
            .collect()
    }

    /// Turns `changes` into rows and queues them; answers the submission's number.
    /// `headers` are [`Queue::headers_of`] the same changes.
    pub fn submit(
        &mut self,
        changes: &[Change<'_>],
        headers: Vec<Option<ChatSnapshot>>,
        next_ids: Option<NextIds>,
    ) -> Result<u64, String> {
        let mut submission = Submission {
            seq: self.next_seq,
            ops: Vec::new(),
            marks: Vec::new(),
        };
        for (change, header) in changes.iter().zip(headers) {
            self.rows_of(change, header, &mut submission)?;
        }
        if let Some(next) = next_ids {
            for (name, value) in [
                ("chat", next.chat),
                ("end_user", next.end_user),
                ("escalation", next.escalation),
                ("media", next.media),
            ] {
                if self
                    .submitted
                    .counters
                    .get(name)
                    .is_some_and(|&known| known >= value)
                {
                    continue;
                }
                submission.ops.push(Op::Counter { name, next: value });
                self.mark(&mut submission, MarkChange::Counter(name, value));
            }
        }
        if submission.ops.is_empty() {
            // Nothing to write: settled as soon as everything before it is.
            submission.marks.clear();
        }
        self.next_seq += 1;
        let seq = submission.seq;
        self.items.push(submission);
        Ok(seq)
    }

    fn mark(&mut self, submission: &mut Submission, change: MarkChange) {
        self.submitted.apply(&change);
        submission.marks.push(change);
    }

    fn rows_of(
        &mut self,
        change: &Change<'_>,
        header: Option<ChatSnapshot>,
        submission: &mut Submission,
    ) -> Result<(), String> {
        let json = |value: &dyn erased::Json| value.to_json();
        match change {
            Change::TenantAdmitted { tenant } => submission.ops.push(Op::Tenant {
                name: (*tenant).to_owned(),
            }),
            Change::TenantSettings { tenant, settings } => {
                submission.ops.push(Op::TenantSettings {
                    name: (*tenant).to_owned(),
                    doc: json(*settings)?,
                })
            }
            Change::EndUser { tenant, user } => submission.ops.push(Op::EndUser {
                tenant: (*tenant).to_owned(),
                id: user.id.get(),
                doc: json(*user)?,
            }),
            Change::Chat { tenant, chat } => {
                let id = chat.id.get();
                let header = header.unwrap_or_else(|| ChatSnapshot::header_of(chat));
                let unchanged = self
                    .submitted
                    .headers
                    .get(&id)
                    .is_some_and(|(_, written)| **written == header);
                if !unchanged {
                    submission.ops.push(Op::ChatHeader {
                        tenant: (*tenant).to_owned(),
                        id,
                        doc: json(&header)?,
                    });
                    self.mark(
                        submission,
                        MarkChange::Header {
                            chat_id: id,
                            tenant: (*tenant).to_owned(),
                            header: Arc::new(header),
                        },
                    );
                }
                let written = self
                    .submitted
                    .messages
                    .get(&id)
                    .map_or(0, |(_, count)| *count);
                if chat.messages.len() > written {
                    for (position, message) in chat.messages.iter().enumerate().skip(written) {
                        submission.ops.push(Op::Message {
                            chat_id: id,
                            position: position as u64,
                            doc: json(message)?,
                        });
                    }
                    self.mark(
                        submission,
                        MarkChange::Messages {
                            chat_id: id,
                            tenant: (*tenant).to_owned(),
                            count: chat.messages.len(),
                        },
                    );
                }
            }
            Change::ChatsEvicted { ids } => {
                for id in *ids {
                    submission.ops.push(Op::DeleteChat { id: id.get() });
                    self.mark(submission, MarkChange::ForgetChat(id.get()));
                }
            }
            Change::TenantsForgotten { tenant } => {
                let name = tenant.map(str::to_owned);
                submission.ops.push(Op::DeleteTenant { name: name.clone() });
                self.mark(submission, MarkChange::ForgetTenant(name));
            }
            Change::FixtureUpload { key, document } => submission.ops.push(Op::FixtureUpload {
                key: (*key).to_owned(),
                doc: json(*document)?,
            }),
            Change::Media {
                key,
                tenant,
                chat_id,
                record,
                bytes,
            } => submission.ops.push(Op::Media {
                key: (*key).to_owned(),
                tenant: (*tenant).to_owned(),
                chat_id: *chat_id,
                record: json(record)?,
                bytes: bytes.map(<[u8]>::to_vec),
            }),
            Change::MediaRemoved { key } => submission.ops.push(Op::DeleteMedia {
                key: (*key).to_owned(),
            }),
            Change::DeliveryQueued(delivery) => {
                submission.ops.push(Op::Delivery((*delivery).clone()))
            }
            Change::DeliveryFinished { id } => submission.ops.push(Op::DeliveryFinished {
                id: (*id).to_owned(),
            }),
        }
        Ok(())
    }

    /// The submissions of a transaction committed: the database now holds what they say.
    pub fn committed(&mut self, batch: &[Submission]) {
        for submission in batch {
            for change in &submission.marks {
                self.committed.apply(change);
            }
        }
    }

    /// A transaction failed: the submissions still queued fail with it (they may build on
    /// what it did not write), and the next ones start again from what the database holds.
    /// Answers the failed submissions that were still queued.
    pub fn failed(&mut self) -> Vec<Submission> {
        self.submitted = self.committed.clone();
        std::mem::take(&mut self.items)
    }
}

/// Serialising any value the changes hold, as JSON text.
mod erased {
    pub trait Json {
        fn to_json(&self) -> Result<String, String>;
    }

    impl<T: serde::Serialize + ?Sized> Json for T {
        fn to_json(&self) -> Result<String, String> {
            serde_json::to_string(self).map_err(|error| error.to_string())
        }
    }
}
