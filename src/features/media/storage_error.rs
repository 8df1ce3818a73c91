//! Refusals of the emulator's S3-style storage endpoint, in the terms a storage service
//! uses: an XML `<Error>` document with a `Code` (`EntityTooLarge`,
//! `AccessDenied`, `InvalidPolicyDocument`, ...), a `Message` and the status S3 uses, so an
//! upload client's error handling meets what it will meet in production.

/// One refusal of the storage endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct StorageError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// Extra elements S3 adds for some codes, e.g. `MaxSizeAllowed`.
    pub details: Vec<(&'static str, String)>,
}

impl StorageError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> StorageError {
        StorageError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> StorageError {
        self.details.push((name, value.to_string()));
        self
    }

    pub fn access_denied(message: impl Into<String>) -> StorageError {
        StorageError::new(403, "AccessDenied", message)
    }

    pub fn invalid_argument(message: impl Into<String>) -> StorageError {
        StorageError::new(400, "InvalidArgument", message)
    }

    pub fn invalid_policy(message: impl Into<String>) -> StorageError {
        StorageError::new(400, "InvalidPolicyDocument", message)
    }

    /// The document S3 sends.
    pub fn to_xml(&self) -> String {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>",
            self.code,
            escape(&self.message)
        );
        for (name, value) in &self.details {
            xml.push_str(&format!("<{name}>{}</{name}>", escape(value)));
        }
        xml.push_str(&format!(
            "<RequestId>{}</RequestId></Error>",
            uuid::Uuid::new_v4().simple()
        ));
        xml
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
