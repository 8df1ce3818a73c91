//! The `--access-log` line: `%a "<request line>" %s %Dms`, with the request line written
//! by [`request_line`] so that no secret a URL carries reaches the log: the signature of
//! a media download link (`X-Amz-Signature`) is written `[redacted]`. A download link is
//! a bearer credential until it expires; a log is read by more people than the link.

use actix_web::dev::ServiceRequest;
use actix_web::middleware::Logger;

/// Query parameters whose value is a credential.
const SECRET_PARAMETERS: &[&str] = &["x-amz-signature"];

/// The access logger.
pub fn logger() -> Logger {
    Logger::new("%a \"%{request_line}xi\" %s %Dms")
        .custom_request_replace("request_line", request_line)
}

/// `GET /path?query HTTP/1.1`, with every secret query parameter's value redacted.
pub fn request_line(request: &ServiceRequest) -> String {
    let query = request.query_string();
    let target = if query.is_empty() {
        request.path().to_owned()
    } else {
        format!("{}?{}", request.path(), redact(query))
    };
    format!("{} {} {:?}", request.method(), target, request.version())
}

/// The query with the values of [`SECRET_PARAMETERS`] replaced by `[redacted]`.
pub fn redact(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _))
                if SECRET_PARAMETERS
                    .iter()
                    .any(|secret| name.eq_ignore_ascii_case(secret)) =>
            {
                format!("{name}=[redacted]")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn only_the_signature_is_redacted() {
        assert_eq!(
            redact("X-Amz-Date=20250101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=abc123"),
            "X-Amz-Date=20250101T000000Z&X-Amz-Expires=3600&X-Amz-Signature=[redacted]"
        );
        assert_eq!(redact("x-amz-signature=abc"), "x-amz-signature=[redacted]");
        assert_eq!(redact("from=test&wait=1s"), "from=test&wait=1s");
    }
}
