//! The ids the emulator hands out, each its own type so one cannot be passed for another:
//! [`ChatId`], [`EndUserId`], [`MessageId`] (numbers on the wire) and [`DeliveryId`] (a
//! UUID on the wire). Each serialises exactly as the bare value it wraps.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The bare number, as the wire has it.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> $name {
                $name(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

numeric_id!(
    /// A chat's id, unique across tenants.
    ChatId
);
numeric_id!(
    /// An end user's id, unique across tenants.
    EndUserId
);
numeric_id!(
    /// A message's id within its chat (1, 2, 3, ... in order).
    MessageId
);

/// A webhook delivery's id, unchanged across retries and redeliveries.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct DeliveryId(pub Uuid);

impl DeliveryId {
    /// A fresh random id.
    pub fn new() -> DeliveryId {
        // From the thread's random generator: `Uuid::new_v4` without uuid's `fast-rng`
        // feature makes a getrandom system call per id, and ids are made per message.
        DeliveryId(uuid::Builder::from_random_bytes(rand::random()).into_uuid())
    }

    /// Parses the hyphenated (or any standard) UUID form.
    pub fn parse(text: &str) -> Option<DeliveryId> {
        Uuid::parse_str(text).ok().map(DeliveryId)
    }
}

impl Default for DeliveryId {
    fn default() -> DeliveryId {
        DeliveryId::new()
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_as_the_bare_value() {
        assert_eq!(serde_json::to_string(&ChatId(7)).unwrap(), "7");
        assert_eq!(
            serde_json::from_str::<EndUserId>("1001").unwrap(),
            EndUserId(1001)
        );
        let id = DeliveryId::new();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            format!("\"{}\"", id.0.hyphenated())
        );
        assert_eq!(DeliveryId::parse(&id.to_string()), Some(id));
        assert_eq!(MessageId(3).to_string(), "3");
    }
}
