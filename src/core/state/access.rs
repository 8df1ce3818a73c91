//! Who may use the Apps API: the Basic-auth username is the tenant's subdomain,
//! the password its API token. In `open` mode any non-empty pair is accepted and the
//! tenant is created on first use, so parallel tests isolate themselves by choosing a
//! subdomain; in `strict` mode only the configured pairs are. Tokens are compared in
//! constant time (`subtle`).

use std::collections::HashMap;

/// Who may use the Apps API.
#[derive(Debug, Clone)]
pub enum AuthPolicy {
    Open,
    /// Subdomain to token.
    Strict(HashMap<String, String>),
}

impl AuthPolicy {
    pub fn admits(&self, subdomain: &str, token: &str) -> bool {
        match self {
            AuthPolicy::Open => !subdomain.is_empty() && !token.is_empty(),
            AuthPolicy::Strict(tokens) => tokens
                .get(subdomain)
                .is_some_and(|expected| constant_time_eq(expected, token)),
        }
    }

    pub fn is_open(&self) -> bool {
        matches!(self, AuthPolicy::Open)
    }
}

/// Compares two secrets without leaking where they differ through timing.
pub fn constant_time_eq(expected: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}
