//! Which webhook targets the HTTP client can send to: an absolute `http(s)` URL, parsed by
//! the client's own parser, with a primary secret (and a secondary one only when it is not
//! empty).

use awc::http::Uri;

use super::super::{WebhookError, WebhookTarget};

impl WebhookTarget {
    /// Checks the URL is absolute HTTP(S) and the primary secret is not empty.
    pub fn validate(&self) -> Result<(), WebhookError> {
        let uri: Uri = self.url.parse().map_err(|_| {
            WebhookError::InvalidTarget(format!("url {:?} is not a valid URL", self.url))
        })?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(WebhookError::InvalidTarget(format!(
                "url {:?} must be an absolute http:// or https:// URL",
                self.url
            )));
        }
        if self.primary_secret.is_empty() {
            return Err(WebhookError::InvalidTarget(
                "primary_secret must not be empty".into(),
            ));
        }
        if self.secondary_secret.as_deref() == Some("") {
            return Err(WebhookError::InvalidTarget(
                "secondary_secret must not be empty when given".into(),
            ));
        }
        Ok(())
    }
}
