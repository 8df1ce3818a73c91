//! Who may use the Apps API: the Basic-auth username is the tenant's subdomain,
//! the password its API token. In `open` mode any non-empty pair is accepted and the
//! tenant is created on first use, so parallel tests isolate themselves by choosing a
//! subdomain; in `strict` mode only the configured pairs are. A bearer token names no
//! subdomain: [`AuthPolicy::bearer_tenant`] finds its tenant (strict: the configured
//! tenant whose token it is; open: the Host's first label). Tokens are compared in
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

    /// The tenant a bearer `token` stands for; `host_subdomain` is the Host header's first
    /// label, if the host is a name. Strict: the Host's tenant when the token is its token,
    /// else the one configured tenant whose token it is. Open: the Host's subdomain.
    pub fn bearer_tenant(&self, token: &str, host_subdomain: Option<&str>) -> BearerTenant {
        match self {
            AuthPolicy::Open => match host_subdomain {
                Some(subdomain) => BearerTenant::Tenant(subdomain.to_owned()),
                None => BearerTenant::NoSubdomain,
            },
            AuthPolicy::Strict(tokens) => {
                if let Some(subdomain) = host_subdomain.filter(|name| self.admits(name, token)) {
                    return BearerTenant::Tenant(subdomain.to_owned());
                }
                // Every configured token is compared, so the time does not say which matched.
                let owners: Vec<&String> = tokens
                    .iter()
                    .filter(|(_, expected)| constant_time_eq(expected, token))
                    .map(|(subdomain, _)| subdomain)
                    .collect();
                match owners.as_slice() {
                    [] => BearerTenant::Unknown,
                    [only] => BearerTenant::Tenant((*only).clone()),
                    _ => BearerTenant::Shared,
                }
            }
        }
    }
}

/// Whom a bearer token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerTenant {
    /// This subdomain (still to be admitted with the token).
    Tenant(String),
    /// Strict mode: no configured tenant has this token.
    Unknown,
    /// Strict mode: several configured tenants share this token, and the Host names none.
    Shared,
    /// Open mode: the Host header names no subdomain.
    NoSubdomain,
}

/// Compares two secrets without leaking where they differ through timing.
pub fn constant_time_eq(expected: &str, given: &str) -> bool {
    use subtle::ConstantTimeEq;
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bearer_token_finds_its_tenant() {
        let strict = AuthPolicy::Strict(
            [("acme", "t1"), ("beta", "t2"), ("gamma", "t2")]
                .into_iter()
                .map(|(s, t)| (s.to_owned(), t.to_owned()))
                .collect(),
        );
        assert_eq!(
            strict.bearer_tenant("t1", None),
            BearerTenant::Tenant("acme".into())
        );
        assert_eq!(strict.bearer_tenant("nope", None), BearerTenant::Unknown);
        assert_eq!(strict.bearer_tenant("t2", None), BearerTenant::Shared);
        assert_eq!(
            strict.bearer_tenant("t2", Some("gamma")),
            BearerTenant::Tenant("gamma".into())
        );
        // A Host naming another tenant does not lend its name to this token.
        assert_eq!(
            strict.bearer_tenant("t1", Some("beta")),
            BearerTenant::Tenant("acme".into())
        );
        let open = AuthPolicy::Open;
        assert_eq!(
            open.bearer_tenant("any", Some("acme")),
            BearerTenant::Tenant("acme".into())
        );
        assert_eq!(open.bearer_tenant("any", None), BearerTenant::NoSubdomain);
    }
}
