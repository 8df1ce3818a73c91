//! The envelope for the HTTP parser's own rejections. actix-http's
//! HTTP/1 dispatcher answers a request it cannot parse before any of the emulator's code
//! runs, with a hard-coded empty body: 431 (too many or too large headers), 400 (a
//! malformed request line or header, a bad or duplicate `Content-Length`, a URI over
//! 64 KiB) and 408 (a request head slower than 5 s), each followed by closing the
//! connection. actix-web has no hook for these, so the socket itself is wrapped
//! ([`EnvelopeStream`]): when what the dispatcher writes ends with such a response, which
//! the emulator's own code never produces (its errors always carry a body), the response
//! is rewritten with the `{"message": ...}` envelope. Everything else passes through
//! untouched, byte for byte.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_rt::net::TcpStream;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The parser's rejections: status line, and the message the envelope gives.
const REJECTIONS: &[(&str, &str)] = &[
    (
        "HTTP/1.1 431 Request Header Fields Too Large\r\n",
        "Request headers too large: at most 96 headers and 128 KiB of request head are accepted (a fixed limit of the HTTP parser)",
    ),
    (
        "HTTP/1.1 400 Bad Request\r\n",
        "Malformed HTTP request: the request line, a header or Content-Length could not be parsed, or the URI is longer than 64 KiB",
    ),
    (
        "HTTP/1.1 408 Request Timeout\r\n",
        "The request head did not arrive within 5 s",
    ),
];

/// A client connection whose bodiless parser rejections are rewritten with the envelope.
pub struct EnvelopeStream {
    io: TcpStream,
    /// The rewritten response being written, how much of it is written, and how many
    /// bytes of the caller's buffer it stands for.
    rewriting: Option<(Vec<u8>, usize, usize)>,
}

impl EnvelopeStream {
    pub fn new(io: TcpStream) -> EnvelopeStream {
        EnvelopeStream {
            io,
            rewriting: None,
        }
    }
}

/// Where, in `written`, a bodiless parser rejection starts (it is always the last thing
/// written on the connection), with its rewritten form.
fn parser_rejection(written: &[u8]) -> Option<(usize, Vec<u8>)> {
    if !written.ends_with(b"\r\n\r\n") {
        return None;
    }
    let start = find_last(written, b"HTTP/1.1 ")?;
    let head = &written[start..];
    let (status_line, message) = REJECTIONS
        .iter()
        .find(|(status_line, _)| head.starts_with(status_line.as_bytes()))?;
    let head = std::str::from_utf8(head).ok()?;
    let headers: Vec<&str> = head[status_line.len()..head.len() - 4]
        .split("\r\n")
        .collect();
    let bodiless = headers
        .iter()
        .any(|line| line.eq_ignore_ascii_case("content-length: 0"));
    if !bodiless {
        return None;
    }
    let body = json!({ "message": message }).to_string();
    let mut rewritten = String::from(*status_line);
    rewritten.push_str("content-type: application/json\r\n");
    rewritten.push_str(&format!("content-length: {}\r\n", body.len()));
    for line in headers {
        if !line.to_ascii_lowercase().starts_with("content-length:") {
            rewritten.push_str(line);
            rewritten.push_str("\r\n");
        }
    }
    rewritten.push_str("\r\n");
    rewritten.push_str(&body);
    Some((start, rewritten.into_bytes()))
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

impl AsyncRead for EnvelopeStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for EnvelopeStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.rewriting.is_none() {
            match parser_rejection(buf) {
                // Whatever precedes the rejection goes out first, unchanged.
                Some((start, _)) if start > 0 => {
                    return Pin::new(&mut this.io).poll_write(cx, &buf[..start]);
                }
                Some((_, rewritten)) => this.rewriting = Some((rewritten, 0, buf.len())),
                None => return Pin::new(&mut this.io).poll_write(cx, buf),
            }
        }
        let (bytes, written, stands_for) = this.rewriting.as_mut().expect("set above");
        while *written < bytes.len() {
            match Pin::new(&mut this.io).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(count)) => *written += count,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let stands_for = *stands_for;
        this.rewriting = None;
        Poll::Ready(Ok(stands_for))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bodiless_parser_rejection_at_the_end_is_rewritten() {
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let rejection = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\ndate: Fri, 27 Nov 2026 07:08:28 GMT\r\n\r\n";
        assert!(parser_rejection(ok).is_none());
        let mut both = ok.to_vec();
        both.extend_from_slice(rejection);
        let (start, rewritten) = parser_rejection(&both).unwrap();
        assert_eq!(start, ok.len());
        let text = String::from_utf8(rewritten).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert!(head.contains("connection: close"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(body["message"].as_str().unwrap().contains("96 headers"));
        // The emulator's own 400s carry a body: never touched.
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 13\r\n\r\n{\"message\":1}";
        assert!(parser_rejection(own).is_none());
    }
}
