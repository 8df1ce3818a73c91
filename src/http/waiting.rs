//! Waiting without sleeping: the one long-poll mechanism behind every `wait=` query on the
//! control plane (request journal, webhook deliveries, chat record, transcripts). A handler
//! gives a check that reads the current state and says whether its condition is met; the
//! check runs now and again after every change published on the live event bus, until it is
//! met (200 with the usual body) or the wait is over (408 with the usual body, i.e. what
//! was seen so far, plus `message` and `waited_ms`). Nothing polls on a timer.
//!
//! When shutdown starts every waiting request is answered at once: 503 with what was
//! seen, plus `message` (so `--shutdown-grace` is never spent waiting for long-polls).
//!
//! A condition without `wait` is checked once (an immediate 200 or 408); `wait` on a list
//! without `min_count` means `min_count=1`. Waits above [`MAX_WAIT`] are refused.
//!
//! A 408 explains itself: the handler's `explain` reads what the wait last saw (a chat's
//! state and last messages, the deliveries that did arrive, an event the tenant's selection
//! leaves out) into an [`Explanation`], whose text ends the `message` (so every client's
//! error says it) and whose data is the body's `last_seen`.

use std::cell::Cell;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::core::formats::parse_duration;
use crate::core::live_events::LiveEventBus;
use crate::http::error::ApiError;

/// The longest a single request may wait.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// Whether a check's condition holds; either way, what it saw (a wire struct, serialised
/// straight to the answer's bytes).
pub enum Check<T> {
    Met(T),
    NotYet(T),
}

/// Why a wait ran out, in words (appended to the 408's `message`) and as data (`last_seen`).
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub text: String,
    pub last_seen: Value,
}

/// The `explain` of a wait whose body says everything there is to say.
pub fn nothing_to_explain() -> Result<Option<Explanation>, ApiError> {
    Ok(None)
}

/// A list answer: its items' count (what `min_count` compares with) and its body.
pub struct Listed<T> {
    pub count: usize,
    pub body: T,
}

/// Parses `wait=` (`500ms`, `5s`, `1m`, bare milliseconds); absent means no waiting.
pub fn parse_wait(wait: Option<&str>) -> Result<Duration, ApiError> {
    let Some(text) = wait else {
        return Ok(Duration::ZERO);
    };
    let duration =
        parse_duration(text).map_err(|error| ApiError::BadRequest(format!("wait: {error}")))?;
    if duration > MAX_WAIT {
        return Err(ApiError::BadRequest(format!(
            "wait: {text:?} is longer than the maximum of {}s",
            MAX_WAIT.as_secs()
        )));
    }
    Ok(duration)
}

/// A list query's long-poll: how long, and how many items must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListWait {
    pub wait: Duration,
    pub min_count: usize,
}

impl ListWait {
    /// `None` when the query neither waits nor asks for a count.
    pub fn from_query(
        wait: Option<&str>,
        min_count: Option<usize>,
    ) -> Result<Option<ListWait>, ApiError> {
        if wait.is_none() && min_count.is_none() {
            return Ok(None);
        }
        Ok(Some(ListWait {
            wait: parse_wait(wait)?,
            min_count: min_count.unwrap_or(1),
        }))
    }
}

/// Answers a list query (a body with a `count`), waiting for `min_count` items if asked;
/// a 408's message says how many matched, then `explain`'s text.
pub async fn respond_with_list<T: Serialize>(
    events: &LiveEventBus,
    list_wait: Option<ListWait>,
    mut list: impl FnMut() -> Result<Listed<T>, ApiError>,
    explain: impl FnOnce() -> Result<Option<Explanation>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let Some(ListWait { wait, min_count }) = list_wait else {
        return Ok(HttpResponse::Ok().json(list()?.body));
    };
    let condition = format!("min_count={min_count}");
    let matched = Cell::new(0);
    let check = || {
        let listed = list()?;
        matched.set(listed.count);
        Ok(if listed.count >= min_count {
            Check::Met(listed.body)
        } else {
            Check::NotYet(listed.body)
        })
    };
    respond_when(events, wait, &condition, check, || {
        let found = format!("{} matched", matched.get());
        Ok(Some(match explain()? {
            Some(Explanation {
                text,
                mut last_seen,
            }) => {
                if let Value::Object(map) = &mut last_seen {
                    map.insert("matched".to_owned(), json!(matched.get()));
                }
                Explanation {
                    text: format!("{found}; {text}"),
                    last_seen,
                }
            }
            None => Explanation {
                text: found,
                last_seen: json!({ "matched": matched.get() }),
            },
        }))
    })
    .await
}

/// Runs `check` now and after every published change until it is met or `wait` is over.
/// `condition` names what was awaited and `explain` what was seen, for the 408.
pub async fn respond_when<T: Serialize>(
    events: &LiveEventBus,
    wait: Duration,
    condition: &str,
    mut check: impl FnMut() -> Result<Check<T>, ApiError>,
    explain: impl FnOnce() -> Result<Option<Explanation>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let deadline = started + wait;
    let mut changes = events.changes();
    let mut closing = events.closing();
    loop {
        // Marked seen before checking, so a change during the check wakes the next wait.
        changes.borrow_and_update();
        let seen = match check()? {
            Check::Met(body) => return Ok(HttpResponse::Ok().json(&body)),
            Check::NotYet(seen) => seen,
        };
        if *closing.borrow_and_update() {
            return Ok(shutting_down_response(condition, seen));
        }
        let mut timed_out = Instant::now() >= deadline;
        if !timed_out {
            timed_out = tokio::select! {
                changed = changes.changed() => changed.is_err(),
                () = tokio::time::sleep_until(deadline) => true,
                _ = closing.changed() => return Ok(shutting_down_response(condition, seen)),
            };
        }
        if timed_out {
            let explanation = explain()?;
            return Ok(timed_out_response(
                condition,
                started.elapsed(),
                seen,
                explanation,
            ));
        }
    }
}

/// 503 with what was seen so far, plus `message`: the emulator is stopping.
fn shutting_down_response(condition: &str, seen: impl Serialize) -> HttpResponse {
    let mut body = match serde_json::to_value(seen).unwrap_or(Value::Null) {
        Value::Object(map) => Value::Object(map),
        other => json!({ "seen": other }),
    };
    body["message"] = json!(format!(
        "The emulator is shutting down; stopped waiting for {condition}"
    ));
    HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE).json(body)
}

/// 408 with what was seen so far, plus `message`, `waited_ms` and the explanation's
/// `last_seen`.
fn timed_out_response(
    condition: &str,
    waited: Duration,
    seen: impl Serialize,
    explanation: Option<Explanation>,
) -> HttpResponse {
    let mut body = match serde_json::to_value(seen).unwrap_or(Value::Null) {
        Value::Object(map) => Value::Object(map),
        other => json!({ "seen": other }),
    };
    let mut message = format!(
        "Timed out after {}ms waiting for {condition}",
        waited.as_millis()
    );
    if let Some(explanation) = explanation {
        message = format!("{message}: {}", explanation.text);
        body["last_seen"] = explanation.last_seen;
    }
    body["message"] = json!(message);
    body["waited_ms"] = json!(waited.as_millis() as u64);
    HttpResponse::build(StatusCode::REQUEST_TIMEOUT).json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_parse_and_are_bounded() {
        assert_eq!(parse_wait(None), Ok(Duration::ZERO));
        assert_eq!(parse_wait(Some("5s")), Ok(Duration::from_secs(5)));
        assert!(parse_wait(Some("soon")).is_err());
        assert!(parse_wait(Some("61s")).is_err());
        assert_eq!(ListWait::from_query(None, None), Ok(None));
        assert_eq!(
            ListWait::from_query(Some("1s"), None),
            Ok(Some(ListWait {
                wait: Duration::from_secs(1),
                min_count: 1
            }))
        );
    }
}
