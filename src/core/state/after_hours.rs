//! A per-tenant "after hours" switch. On the platform, `PATCH /chats/:id/resume` outside
//! operating hours returns the tenant's after-hours message and does not resume the chat
//! (page "Resume a chat"). Until queue availability is modelled, the control plane turns a
//! tenant's hours off and on here (`PUT /__admin/tenants/{sub}/after_hours`); whatever
//! models availability later only has to answer [`AfterHours::message_for`].

use dashmap::DashMap;

/// The after-hours message when the switch names none. The platform's wording is each
/// tenant's own (configured in its portal): emulator's choice.
pub const DEFAULT_MESSAGE: &str =
    "We are currently closed. Please contact us again during our hours of operation.";

/// Which tenants are after hours, with the message each one answers.
#[derive(Debug, Default)]
pub struct AfterHours {
    closed: DashMap<String, String>,
}

impl AfterHours {
    /// The after-hours message when the tenant is after hours.
    pub fn message_for(&self, tenant: &str) -> Option<String> {
        self.closed.get(tenant).map(|message| message.clone())
    }

    /// Puts the tenant after hours (`message: None` uses [`DEFAULT_MESSAGE`]).
    pub fn close(&self, tenant: &str, message: Option<String>) -> String {
        let message = message
            .filter(|message| !message.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_MESSAGE.to_owned());
        self.closed.insert(tenant.to_owned(), message.clone());
        message
    }

    /// Back within hours; false when the tenant was not after hours.
    pub fn open(&self, tenant: &str) -> bool {
        self.closed.remove(tenant).is_some()
    }

    /// Forgets one tenant's switch, or every tenant's.
    pub fn forget(&self, tenant: Option<&str>) {
        match tenant {
            Some(tenant) => {
                self.closed.remove(tenant);
            }
            None => self.closed.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_is_within_hours_until_closed() {
        let hours = AfterHours::default();
        assert_eq!(hours.message_for("acme"), None);
        assert_eq!(hours.close("acme", None), DEFAULT_MESSAGE);
        assert_eq!(hours.close("beta", Some("Back at 9".into())), "Back at 9");
        assert_eq!(hours.message_for("beta").as_deref(), Some("Back at 9"));
        assert!(hours.open("acme"));
        assert!(!hours.open("acme"));
        hours.forget(None);
        assert_eq!(hours.message_for("beta"), None);
    }
}
