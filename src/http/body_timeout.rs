//! The request-body read timeout (`--body-read-timeout`): a client that sends
//! its headers and then its body slowly, or never, would otherwise hold a worker's
//! connection for as long as it likes. This middleware gives every request that declares
//! a body a deadline, counted from its arrival; a body not complete by then ends in an
//! I/O error of kind `TimedOut`, which the JSON extractor's error handler
//! (`api::error::json_error`) answers with 408 in the envelope, naming the flag.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::HttpMessage;
use futures_util::stream::{Stream, StreamExt};
use tokio::time::Instant;

use crate::core::state::AppState;

type PayloadStream = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// Puts a deadline on the body of every request that declares one.
pub async fn limit_body_read_time(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let declares_body = request.headers().contains_key(TRANSFER_ENCODING)
        || request
            .headers()
            .get(CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0");
    let timeout = request
        .app_data::<web::Data<AppState>>()
        .map(|state| state.limits().body_read_timeout);
    if let (true, Some(timeout)) = (declares_body, timeout) {
        let payload = request.take_payload();
        request.set_payload(Payload::from(with_deadline(payload, timeout)));
    }
    next.call(request).await
}

/// The same chunks, or a `TimedOut` error once `timeout` has passed.
fn with_deadline(payload: Payload, timeout: Duration) -> PayloadStream {
    Box::pin(Deadline {
        payload: Some(payload),
        deadline: Instant::now() + timeout,
        timeout,
        timer: None,
    })
}

/// A body with a deadline. The timer is set only when the body is not there yet: a body
/// that has already arrived (the usual case) costs no timer at all. Once it has ended, or
/// timed out, it answers `None` (readers such as multipart poll again after the end).
struct Deadline {
    payload: Option<Payload>,
    deadline: Instant,
    timeout: Duration,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(payload) = this.payload.as_mut() else {
            return Poll::Ready(None);
        };
        match payload.poll_next_unpin(cx) {
            Poll::Ready(Some(chunk)) => return Poll::Ready(Some(chunk)),
            Poll::Ready(None) => {
                this.payload = None;
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        let deadline = this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.payload = None;
                Poll::Ready(Some(Err(PayloadError::Io(timed_out(this.timeout)))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

fn timed_out(timeout: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "The request body did not arrive within {}ms",
            timeout.as_millis()
        ),
    )
}

/// The 408 message when `error` is this module's timeout.
pub fn timeout_message(error: &PayloadError) -> Option<String> {
    match error {
        PayloadError::Io(inner) if inner.kind() == io::ErrorKind::TimedOut => {
            Some(inner.to_string())
        }
        _ => None,
    }
}
