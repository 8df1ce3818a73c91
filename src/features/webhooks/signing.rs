//! Webhook signatures exactly as the platform makes them:
//! `base64(HMAC-SHA256(key = secret, data = timestamp + raw_body))`, standard base64 with
//! padding, sent as `X-Signature: primary=<sig> secondary=<sig>` beside
//! `X-Signature-Timestamp: <timestamp>`. Known-answer tests pin the signing vectors (tests/signing_vectors.json).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The signature of `body` sent at `timestamp` under `secret`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The `X-Signature` header value: `primary=<sig>`, plus ` secondary=<sig>` when there is a
/// secondary secret.
pub fn signature_header(
    primary: &str,
    secondary: Option<&str>,
    timestamp: &str,
    body: &[u8],
) -> String {
    let mut header = format!("primary={}", sign(primary, timestamp, body));
    if let Some(secondary) = secondary {
        header.push_str(" secondary=");
        header.push_str(&sign(secondary, timestamp, body));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    const VTA_BODY: &str = r#"{"event_type":"message_received","timestamp":"2025-09-25T14:30:00Z","chat_id":37,"body":{"sender":{"id":71,"type":"task_virtual_agent","status":"connected"},"message":{"type":"server_message","message_id":1,"visibility":"task_virtual_agent"}}}"#;

    #[test]
    fn matches_the_spec_vector_for_a_tiny_body() {
        assert_eq!(
            sign("secret", "1700000000", br#"{"a":1}"#),
            "86FWgFUUlefScwLE0Z5MvtxlDxn6W0A3PADL6lKmRAY="
        );
    }

    #[test]
    fn matches_the_spec_vectors_for_primary_and_secondary_secrets() {
        let ts = "2025-09-25T14:30:00Z";
        assert_eq!(
            sign("primary-secret-123", ts, VTA_BODY.as_bytes()),
            "vKAnWdW6Tbi90WoVoC7YwxqfFrA7RcCU+yXyNUbgOrs="
        );
        assert_eq!(
            sign("secondary-secret-456", ts, VTA_BODY.as_bytes()),
            "+lbGXiDw8gUDLSQf+kcXKPJx2hk3UksFuNoDn5kv5FQ="
        );
    }

    #[test]
    fn header_lists_primary_then_secondary() {
        let ts = "2025-09-25T14:30:00Z";
        assert_eq!(
            signature_header("primary-secret-123", Some("secondary-secret-456"), ts, VTA_BODY.as_bytes()),
            "primary=vKAnWdW6Tbi90WoVoC7YwxqfFrA7RcCU+yXyNUbgOrs= secondary=+lbGXiDw8gUDLSQf+kcXKPJx2hk3UksFuNoDn5kv5FQ="
        );
        assert_eq!(
            signature_header("secret", None, "1700000000", br#"{"a":1}"#),
            "primary=86FWgFUUlefScwLE0Z5MvtxlDxn6W0A3PADL6lKmRAY="
        );
    }
}

/// The same vectors, from the file the Python and TypeScript clients' tests read too.
#[cfg(test)]
mod shared_vectors {
    use super::*;

    #[test]
    fn every_vector_in_tests_signing_vectors_json_holds() {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/signing_vectors.json")).unwrap();
        let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap().to_owned();
        for v in file["signatures"].as_array().unwrap() {
            let body = text(v, "body");
            assert_eq!(
                sign(&text(v, "secret"), &text(v, "timestamp"), body.as_bytes()),
                text(v, "signature")
            );
        }
        for v in file["headers"].as_array().unwrap() {
            let body = text(v, "body");
            let secondary = v["secondary_secret"].as_str();
            assert_eq!(
                signature_header(
                    &text(v, "primary_secret"),
                    secondary,
                    &text(v, "timestamp"),
                    body.as_bytes()
                ),
                text(v, "x_signature")
            );
        }
    }
}
