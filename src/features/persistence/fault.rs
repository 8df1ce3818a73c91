//! Fault points for tests of the durability promise (`--fault-point`, hidden from `--help`;
//! `CCAI_EMU_FAULT_POINT`): the writer fails or the process dies at an exact step of the
//! transaction whose rows hold a marker text (in a chat's header or one of its messages), so
//! a test can check what exists after each step without racing a random `kill -9`:
//! - `abort-before-commit:MARKER`: the process aborts before that transaction commits,
//!   after holding it half a second, so that anything that did not wait for the commit
//!   (a webhook sent too early) has time to go out and be caught by the test;
//! - `abort-after-commit:MARKER`: it aborts right after the commit, before anyone is told;
//! - `fail-commit:MARKER`: that transaction fails (as a full disk would) and the process
//!   goes on.

use super::queue::Submission;

/// Where the writer fails, and for which transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultPoint {
    AbortBeforeCommit(String),
    AbortAfterCommit(String),
    FailCommit(String),
}

impl std::str::FromStr for FaultPoint {
    type Err = String;

    fn from_str(text: &str) -> Result<FaultPoint, String> {
        let (step, marker) = text.split_once(':').ok_or_else(|| {
            format!("{text:?} is not STEP:MARKER (abort-before-commit, abort-after-commit, fail-commit)")
        })?;
        if marker.is_empty() {
            return Err(format!("{text:?} names no marker"));
        }
        let marker = marker.to_owned();
        match step {
            "abort-before-commit" => Ok(FaultPoint::AbortBeforeCommit(marker)),
            "abort-after-commit" => Ok(FaultPoint::AbortAfterCommit(marker)),
            "fail-commit" => Ok(FaultPoint::FailCommit(marker)),
            other => Err(format!(
                "{other:?} is not a fault point (abort-before-commit, abort-after-commit, fail-commit)"
            )),
        }
    }
}

fn holds(batch: &[Submission], marker: &str) -> bool {
    batch
        .iter()
        .flat_map(|submission| &submission.ops)
        .any(|op| op.text().contains(marker))
}

impl FaultPoint {
    pub(super) fn before_commit(&self, batch: &[Submission]) {
        if let FaultPoint::AbortBeforeCommit(marker) = self {
            if holds(batch, marker) {
                std::thread::sleep(std::time::Duration::from_millis(500));
                eprintln!("fault point: aborting before the commit that holds {marker:?}");
                std::process::abort();
            }
        }
    }

    pub(super) fn after_commit(&self, batch: &[Submission]) {
        if let FaultPoint::AbortAfterCommit(marker) = self {
            if holds(batch, marker) {
                eprintln!("fault point: aborting after the commit that holds {marker:?}");
                std::process::abort();
            }
        }
    }

    pub(super) fn fail_commit(&self, batch: &[Submission]) -> rusqlite::Result<()> {
        match self {
            FaultPoint::FailCommit(marker) if holds(batch, marker) => {
                Err(rusqlite::Error::InvalidQuery)
            }
            _ => Ok(()),
        }
    }
}
