//! The emulator's limits, each declared once in [`limits!`]: its field in [`Limits`], its
//! name on `GET /__admin/limits`, its flag and `CCAI_EMU_*` twin, its default, the form of
//! its value, what happens when it is reached and how its use is counted. That one
//! declaration feeds the command line (`crate::config`), the limits report (the health
//! feature), the message of the 4xx a reached limit answers ([`Limit::names_flag`]) and the
//! configuration docs (`ccai-emulator limits --markdown`, checked against
//! `docs/configuration.md` by a test). Nothing here knows about HTTP.

use std::time::Duration;

use serde_json::{json, Value};

use crate::core::formats::{parse_duration, parse_size};

/// How a limit's value is written on the command line and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A whole number of things.
    Count,
    /// A whole number of bytes (`1048576`).
    Bytes,
    /// A size with an optional unit (`256MiB`, `1GiB`).
    Size,
    /// A duration, reported in milliseconds.
    Millis,
    /// A duration, reported in seconds.
    Seconds,
    /// Requests per second.
    PerSecond,
}

impl Unit {
    /// The form of a value, for error messages and the docs.
    pub fn form(self) -> &'static str {
        match self {
            Unit::Count => "a whole number such as 4",
            Unit::Bytes => "a whole number of bytes such as 8192",
            Unit::Size => "a size such as 1048576, 512KiB or 256MiB",
            Unit::Millis | Unit::Seconds => "a duration such as 250ms, 2s or 1m",
            Unit::PerSecond => "a whole number of requests per second such as 10",
        }
    }
}

/// One limit's declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSpec {
    /// Its name on `GET /__admin/limits` (`chats_per_tenant`).
    pub name: &'static str,
    /// Its flag, without the dashes (`max-chats-per-tenant`).
    pub flag: &'static str,
    /// The flag's environment twin (`CCAI_EMU_MAX_CHATS_PER_TENANT`).
    pub env: &'static str,
    /// The default as written on the command line; `None`: off unless set.
    pub default: Option<&'static str>,
    pub unit: Unit,
    /// The smallest accepted value (counts) or whether zero is refused (durations: 1).
    pub minimum: u64,
    /// The largest accepted value, for a limit that cannot safely go higher.
    pub maximum: Option<u64>,
    /// The command line's help.
    pub help: &'static str,
    /// What happens when it is reached.
    pub when_reached: &'static str,
    /// How its use is counted on `GET /__admin/limits` (`None`: not counted).
    pub usage: Option<&'static str>,
}

/// A limit's value, typed by its unit.
pub trait LimitValue: Sized {
    fn parse(text: &str, unit: Unit) -> Result<Self, String>;
    /// The value as `GET /__admin/limits` reports it.
    fn report(&self, unit: Unit) -> Value;
    /// The value compared with a spec's minimum.
    fn magnitude(&self) -> Option<u64>;
}

fn whole_number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))
}

impl LimitValue for usize {
    fn parse(text: &str, _: Unit) -> Result<Self, String> {
        whole_number(text)
    }
    fn report(&self, _: Unit) -> Value {
        json!(self)
    }
    fn magnitude(&self) -> Option<u64> {
        Some(*self as u64)
    }
}

impl LimitValue for u64 {
    fn parse(text: &str, unit: Unit) -> Result<Self, String> {
        match unit {
            Unit::Size => parse_size(text),
            _ => whole_number(text),
        }
    }
    fn report(&self, _: Unit) -> Value {
        json!(self)
    }
    fn magnitude(&self) -> Option<u64> {
        Some(*self)
    }
}

impl LimitValue for Duration {
    fn parse(text: &str, _: Unit) -> Result<Self, String> {
        parse_duration(text)
    }
    fn report(&self, unit: Unit) -> Value {
        match unit {
            Unit::Seconds => json!(self.as_secs()),
            _ => json!(self.as_millis() as u64),
        }
    }
    fn magnitude(&self) -> Option<u64> {
        Some(self.as_nanos().min(u64::MAX as u128) as u64)
    }
}

impl<T: LimitValue> LimitValue for Option<T> {
    fn parse(text: &str, unit: Unit) -> Result<Self, String> {
        T::parse(text, unit).map(Some)
    }
    fn report(&self, unit: Unit) -> Value {
        self.as_ref()
            .map_or(Value::Null, |value| value.report(unit))
    }
    fn magnitude(&self) -> Option<u64> {
        self.as_ref().and_then(LimitValue::magnitude)
    }
}

impl LimitValue for u32 {
    fn parse(text: &str, _: Unit) -> Result<Self, String> {
        whole_number(text)
    }
    fn report(&self, _: Unit) -> Value {
        json!(self)
    }
    fn magnitude(&self) -> Option<u64> {
        Some(u64::from(*self))
    }
}

/// `Some(value)` when a value is given, else `None`.
macro_rules! optional {
    () => {
        None
    };
    ($value:literal) => {
        Some($value)
    };
}

/// Declares every limit: a field of [`Limits`], a variant of [`Limit`] and a row of
/// [`Limits::SPECS`].
macro_rules! limits {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident $field:ident: $ty:ty {
            name: $name:literal,
            flag: $flag:literal,
            env: $env:literal,
            default: $default:expr,
            unit: $unit:ident,
            minimum: $minimum:literal,
            $(maximum: $maximum:literal,)?
            help: $help:literal,
            when_reached: $reached:literal,
            usage: $usage:expr $(,)?
        }
    )*) => {
        /// Every limit's value (see the module's documentation).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Limits {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        /// One limit, to name it in a refusal or a report.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Limit {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Limits {
            /// Every limit's declaration, in the order they are reported.
            pub const SPECS: &'static [LimitSpec] = &[$(
                LimitSpec {
                    name: $name,
                    flag: $flag,
                    env: $env,
                    default: $default,
                    unit: Unit::$unit,
                    minimum: $minimum,
                    maximum: optional!($($maximum)?),
                    help: $help,
                    when_reached: $reached,
                    usage: $usage,
                },
            )*];

            /// The value of the limit declared as `spec`, as reported.
            pub fn report(&self, limit: Limit) -> Value {
                match limit {
                    $( Limit::$variant => self.$field.report(Unit::$unit), )*
                }
            }

            /// Sets the limit named `name` from its command-line text.
            pub fn set(&mut self, name: &str, text: &str) -> Result<(), String> {
                match name {
                    $( $name => {
                        self.$field = <$ty as LimitValue>::parse(text, Unit::$unit)?;
                        Ok(())
                    } )*
                    other => Err(format!("{other} is not a limit")),
                }
            }

            /// Checks every limit against its minimum; the message names the flag.
            pub fn validate(&self) -> Result<(), String> {
                $( check(Limit::$variant.spec(), self.$field.magnitude())?; )*
                Ok(())
            }
        }

        impl Limit {
            pub const ALL: &'static [Limit] = &[$( Limit::$variant, )*];

            /// Its declaration.
            pub fn spec(self) -> &'static LimitSpec {
                &Limits::SPECS[self as usize]
            }
        }

        impl Default for Limits {
            /// The declared defaults (off for a limit without one).
            fn default() -> Limits {
                Limits {
                    $( $field: match $default {
                        Some(text) => <$ty as LimitValue>::parse(text, Unit::$unit)
                            .expect("a declared default parses"),
                        None => Default::default(),
                    }, )*
                }
            }
        }
    };
}

fn check(spec: &LimitSpec, magnitude: Option<u64>) -> Result<(), String> {
    let Some(value) = magnitude else {
        return Ok(());
    };
    if let Some(maximum) = spec.maximum.filter(|maximum| value > *maximum) {
        return Err(format!("--{} must be at most {maximum}", spec.flag));
    }
    if value >= spec.minimum {
        return Ok(());
    }
    Err(match spec.unit {
        Unit::Millis | Unit::Seconds => format!("--{} must be more than 0", spec.flag),
        Unit::PerSecond => format!(
            "--{} must be at least 1 request per second (omit it for no limit)",
            spec.flag
        ),
        _ => format!("--{} must be at least {}", spec.flag, spec.minimum),
    })
}

impl Limit {
    /// The flag and its twin, as a refusal names them:
    /// `--max-chats-per-tenant (CCAI_EMU_MAX_CHATS_PER_TENANT)`.
    pub fn names_flag(self) -> String {
        let spec = self.spec();
        format!("--{} ({})", spec.flag, spec.env)
    }

    /// The flag, `--max-chats-per-tenant`.
    pub fn flag(self) -> String {
        format!("--{}", self.spec().flag)
    }
}

limits! {
    /// Tenants `open` auth mode may create (seeds and snapshot loads are not refused).
    Tenants max_tenants: usize {
        name: "tenants",
        flag: "max-tenants",
        env: "CCAI_EMU_MAX_TENANTS",
        default: Some("1000"),
        unit: Count,
        minimum: 1,
        help: "Tenants `open` auth mode may create; past it new subdomains get 403.",
        when_reached: "open mode: 403 for a new subdomain's first end-user upsert; nothing is created",
        usage: Some("tenants held"),
    }
    /// Longest Basic-auth username (subdomain) accepted in `open` mode.
    SubdomainLength max_subdomain_length: usize {
        name: "subdomain_length",
        flag: "max-subdomain-length",
        env: "CCAI_EMU_MAX_SUBDOMAIN_LENGTH",
        default: Some("63"),
        unit: Count,
        minimum: 1,
        help: "Longest subdomain (Basic username) accepted in `open` mode; a DNS label is at most 63.",
        when_reached: "open mode: 400 for a longer Basic username; nothing is created",
        usage: None,
    }
    /// The largest accepted request body.
    RequestBodyBytes max_body_bytes: usize {
        name: "request_body_bytes",
        flag: "max-body-bytes",
        env: "CCAI_EMU_MAX_BODY_BYTES",
        default: Some("1048576"),
        unit: Bytes,
        minimum: 0,
        help: "Largest accepted request body, in bytes.",
        when_reached: "413",
        usage: None,
    }
    /// How long a client may take to send a request body.
    BodyReadTimeout body_read_timeout: Duration {
        name: "body_read_timeout_ms",
        flag: "body-read-timeout",
        env: "CCAI_EMU_BODY_READ_TIMEOUT",
        default: Some("10s"),
        unit: Millis,
        minimum: 1,
        help: "How long a client may take to send a whole request body (then 408).",
        when_reached: "408 when the body has not arrived in time",
        usage: None,
    }
    /// Entries the request journal keeps.
    RequestJournalEntries request_journal_cap: usize {
        name: "request_journal_entries",
        flag: "request-journal-cap",
        env: "CCAI_EMU_REQUEST_JOURNAL_CAP",
        default: Some("10000"),
        unit: Count,
        minimum: 1,
        help: "How many Apps API requests the request journal keeps (the oldest are evicted, counted).",
        when_reached: "the oldest entries are evicted and counted (evicted)",
        usage: Some("entries kept"),
    }
    /// Bytes kept per request journal entry (tenant, path, query, headers and body).
    RequestJournalEntryBytes request_journal_entry_bytes: usize {
        name: "request_journal_entry_bytes",
        flag: "request-journal-entry-bytes",
        env: "CCAI_EMU_REQUEST_JOURNAL_ENTRY_BYTES",
        default: Some("16384"),
        unit: Bytes,
        minimum: 1,
        help: "Bytes kept per journaled request: path, query, headers and body together.",
        when_reached: "the entry's head is cut (head_truncated) and its body truncated (body_truncated)",
        usage: None,
    }
    /// Body bytes kept per journaled request.
    RequestJournalBodyBytes request_journal_body_cap: usize {
        name: "request_journal_body_bytes",
        flag: "request-journal-body-cap",
        env: "CCAI_EMU_REQUEST_JOURNAL_BODY_CAP",
        default: Some("8192"),
        unit: Bytes,
        minimum: 1,
        help: "How many bytes of each request body the journal keeps.",
        when_reached: "the journaled body is truncated (body_truncated)",
        usage: None,
    }
    /// Deliveries the delivery journal keeps.
    DeliveryJournalEntries delivery_journal_cap: usize {
        name: "delivery_journal_entries",
        flag: "delivery-journal-cap",
        env: "CCAI_EMU_DELIVERY_JOURNAL_CAP",
        default: Some("100000"),
        unit: Count,
        minimum: 0,
        help: "Deliveries the journal keeps; past it the oldest finished ones are evicted (and counted).",
        when_reached: "eviction is batched: up to 110% of the cap is kept, then the oldest finished deliveries are evicted down to the cap and counted (evicted); unfinished ones are never evicted",
        usage: Some("deliveries kept"),
    }
    /// Payload bytes a delivery keeps once it is finished (delivered, failed, skipped).
    DeliveryPayloadBytes delivery_payload_cap: usize {
        name: "delivery_payload_bytes",
        flag: "delivery-payload-cap",
        env: "CCAI_EMU_DELIVERY_PAYLOAD_CAP",
        default: Some("16384"),
        unit: Bytes,
        minimum: 1,
        help: "Payload bytes a finished webhook delivery keeps (longer payloads are trimmed).",
        when_reached: "a finished delivery keeps only this many payload bytes (payload_truncated); redelivering it answers 409",
        usage: Some("payloads trimmed"),
    }
    /// Attempts a delivery keeps (the oldest are dropped and counted).
    DeliveryAttempts delivery_attempts_cap: usize {
        name: "delivery_attempts",
        flag: "delivery-attempts-cap",
        env: "CCAI_EMU_DELIVERY_ATTEMPTS_CAP",
        default: Some("50"),
        unit: Count,
        minimum: 1,
        help: "Attempts kept per webhook delivery (the oldest are dropped and counted).",
        when_reached: "the oldest attempts are dropped and counted (attempts_dropped)",
        usage: Some("attempts dropped"),
    }
    /// Finished chats kept, process-wide.
    RetainedFinishedChats retain_finished_chats: usize {
        name: "retained_finished_chats",
        flag: "retain-finished-chats",
        env: "CCAI_EMU_RETAIN_FINISHED_CHATS",
        default: Some("1000"),
        unit: Count,
        minimum: 0,
        help: "Finished chats kept, process-wide; past it the oldest are evicted with their messages (counted).",
        when_reached: "the oldest finished chats are evicted with their messages and media, and counted (chats.evicted on /__admin/health)",
        usage: Some("finished chats retained"),
    }
    /// Finished chats older than this (since they finished) are evicted too.
    RetainFinishedChatsFor retain_finished_for: Option<Duration> {
        name: "retain_finished_chats_for_seconds",
        flag: "retain-finished-chats-for",
        env: "CCAI_EMU_RETAIN_FINISHED_CHATS_FOR",
        default: None,
        unit: Seconds,
        minimum: 0,
        help: "Also evict finished chats this long after they finished (e.g. 1h). Off if unset.",
        when_reached: "finished chats older than this are evicted and counted (off unless set)",
        usage: None,
    }
    /// Chats one tenant may hold.
    ChatsPerTenant max_chats_per_tenant: usize {
        name: "chats_per_tenant",
        flag: "max-chats-per-tenant",
        env: "CCAI_EMU_MAX_CHATS_PER_TENANT",
        default: Some("10000"),
        unit: Count,
        minimum: 1,
        help: "Chats one tenant may hold; at the limit its oldest finished chat makes room, else 409.",
        when_reached: "the tenant's oldest finished chat is evicted to make room; with none finished, 409 for a new chat",
        usage: Some("the most chats one tenant holds"),
    }
    /// Messages one chat may hold.
    MessagesPerChat max_messages_per_chat: usize {
        name: "messages_per_chat",
        flag: "max-messages-per-chat",
        env: "CCAI_EMU_MAX_MESSAGES_PER_CHAT",
        default: Some("10000"),
        unit: Count,
        minimum: 1,
        help: "Messages one chat may hold; an end-user message to a chat at the limit gets 409.",
        when_reached: "409 for an end user's next message once the chat holds this many (the answers to an acknowledged message may go past it); every acknowledged message is kept",
        usage: Some("the most messages one chat holds"),
    }
    /// Custom data entries (reserved data properties included) one chat may hold.
    CustomDataPerChat max_custom_data_per_chat: usize {
        name: "custom_data_per_chat",
        flag: "max-custom-data-per-chat",
        env: "CCAI_EMU_MAX_CUSTOM_DATA_PER_CHAT",
        default: Some("100"),
        unit: Count,
        minimum: 1,
        help: "Custom data entries (reserved data properties included) one chat may hold; past it 409.",
        when_reached: "409 for POST /chats or POST /chats/{id}/custom_data that would leave a chat with more keys; nothing is stored",
        usage: None,
    }
    /// End users one tenant may hold.
    EndUsersPerTenant max_end_users_per_tenant: usize {
        name: "end_users_per_tenant",
        flag: "max-end-users-per-tenant",
        env: "CCAI_EMU_MAX_END_USERS_PER_TENANT",
        default: Some("100000"),
        unit: Count,
        minimum: 1,
        help: "End users one tenant may hold; a new identifier past it gets 409 (updates still work).",
        when_reached: "409 for an end-user upsert with a new identifier (updates of existing end users still work)",
        usage: Some("the most end users one tenant holds"),
    }
    /// Apps API requests per second per tenant; `None`: no limit.
    RateLimit rate_limit: Option<u32> {
        name: "rate_limit_per_second",
        flag: "rate-limit",
        env: "CCAI_EMU_RATE_LIMIT",
        default: None,
        unit: PerSecond,
        minimum: 1,
        help: "Apps API requests per second per tenant before 429 (the platform's limit is 10). Off if unset.",
        when_reached: "429 with Retry-After (off unless set)",
        usage: None,
    }
    /// The most bytes of files one tenant may hold.
    MediaBudgetPerTenant media_budget_per_tenant: u64 {
        name: "media_budget_per_tenant_bytes",
        flag: "media-budget-per-tenant",
        env: "CCAI_EMU_MEDIA_BUDGET_PER_TENANT",
        default: Some("256MiB"),
        unit: Size,
        minimum: 1,
        help: "Memory the stored media of one tenant may take (e.g. 256MiB); past it uploads get 507.",
        when_reached: "507 for an upload or attachment that would pass it; nothing is stored",
        usage: Some("the most bytes one tenant's media holds"),
    }
    /// The most bytes of files all tenants together may hold.
    MediaBudgetTotal media_budget_total: u64 {
        name: "media_budget_total_bytes",
        flag: "media-budget-total",
        env: "CCAI_EMU_MEDIA_BUDGET_TOTAL",
        default: Some("1GiB"),
        unit: Size,
        minimum: 1,
        help: "Memory the stored media of all tenants may take (e.g. 1GiB); past it uploads get 507.",
        when_reached: "507 for an upload or attachment that would pass it; nothing is stored",
        usage: Some("bytes all media holds"),
    }

    /// The longest message text, in UTF-8 bytes (the platform publishes none).
    MessageBytes max_message_bytes: usize {
        name: "message_bytes",
        flag: "max-message-bytes",
        env: "CCAI_EMU_MAX_MESSAGE_BYTES",
        default: Some("65536"),
        unit: Bytes,
        minimum: 1,
        help: "Longest message text, in UTF-8 bytes, an end user or the agent may send (emulator's choice: the platform publishes none).",
        when_reached: "413 for a longer message (an end user's, the agent's, or one in a pre-chat transcript); nothing is stored",
        usage: None,
    }
    /// The most bytes one tenant's chats may take in memory.
    ChatBudgetPerTenant chat_budget_per_tenant: u64 {
        name: "chat_budget_per_tenant_bytes",
        flag: "chat-budget-per-tenant",
        env: "CCAI_EMU_CHAT_BUDGET_PER_TENANT",
        default: Some("256MiB"),
        unit: Size,
        minimum: 1,
        help: "Memory one tenant's chats may take: messages, contexts and transcripts by their bytes, and about 3.5 KiB per chat besides (e.g. 256MiB).",
        when_reached: "the tenant's oldest finished chat is evicted to make room; with none finished, 409 for a new chat or message",
        usage: Some("the most bytes one tenant's chats take"),
    }
    /// The most bytes all tenants' chats together may take in memory.
    ChatBudgetTotal chat_budget_total: u64 {
        name: "chat_budget_total_bytes",
        flag: "chat-budget-total",
        env: "CCAI_EMU_CHAT_BUDGET_TOTAL",
        default: Some("1GiB"),
        unit: Size,
        minimum: 1,
        help: "Memory the chats of all tenants may take, counted as for --chat-budget-per-tenant (e.g. 1GiB).",
        when_reached: "the oldest finished chat (of any tenant) is evicted to make room; with none finished, 409 for a new chat or message",
        usage: Some("bytes all chats take"),
    }
    /// The deepest nesting of JSON the emulator stores from a request (a chat's context).
    JsonDepth max_json_depth: usize {
        name: "json_depth",
        flag: "max-json-depth",
        env: "CCAI_EMU_MAX_JSON_DEPTH",
        default: Some("32"),
        unit: Count,
        minimum: 1,
        maximum: 100,
        help: "Deepest nesting of a chat's context (objects and arrays) accepted, at most 100: anything deeper could not be snapshotted and loaded back.",
        when_reached: "400 for a chat context nested deeper, or a snapshot or fixture upload holding a value nested deeper; nothing is stored",
        usage: None,
    }
    /// Live event streams open at once.
    EventSubscribers max_event_subscribers: usize {
        name: "event_subscribers",
        flag: "max-event-subscribers",
        env: "CCAI_EMU_MAX_EVENT_SUBSCRIBERS",
        default: Some("64"),
        unit: Count,
        minimum: 1,
        help: "Live event streams (/__admin/events, the console's) open at once.",
        when_reached: "429 for another stream until one closes",
        usage: Some("streams open"),
    }
    /// Bytes of live events held for subscribers that have not read them yet.
    LiveEventBacklogBytes live_event_backlog_bytes: u64 {
        name: "live_event_backlog_bytes",
        flag: "live-event-backlog-bytes",
        env: "CCAI_EMU_LIVE_EVENT_BACKLOG_BYTES",
        default: Some("16MiB"),
        unit: Size,
        minimum: 1,
        help: "Memory the live events not yet read by every subscriber may take; a subscriber further behind is dropped (e.g. 16MiB).",
        when_reached: "the oldest events are let go; a subscriber that had not read them gets event: dropped and its stream ends (reconnect for events from then on)",
        usage: Some("bytes of events held for subscribers"),
    }
}

/// The environment twin of a flag: `--max-tenants` is `CCAI_EMU_MAX_TENANTS`.
pub fn env_twin(flag: &str) -> String {
    format!(
        "CCAI_EMU_{}",
        flag.trim_start_matches('-')
            .replace('-', "_")
            .to_uppercase()
    )
}

/// The limits as a Markdown table, for `docs/configuration.md`.
pub fn markdown_table() -> String {
    let mut table = String::from(
        "| flag | environment | default | meaning | value | when reached | `used` on /__admin/limits |\n|---|---|---|---|---|---|---|\n",
    );
    for spec in Limits::SPECS {
        table.push_str(&format!(
            "| `--{}` | `{}` | {} | {} | {} | {} | {} |\n",
            spec.flag,
            spec.env,
            spec.default
                .map_or("off".to_owned(), |value| format!("`{value}`")),
            spec.help.replace('|', "\\|"),
            spec.unit.form(),
            spec.when_reached,
            spec.usage.unwrap_or("not counted"),
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_declares_its_twin_and_a_default_that_parses() {
        for spec in Limits::SPECS {
            assert_eq!(spec.env, env_twin(spec.flag), "{}", spec.name);
        }
        let defaults = Limits::default();
        assert!(defaults.validate().is_ok());
        assert_eq!(defaults.max_tenants, 1_000);
        assert_eq!(defaults.media_budget_total, 1 << 30);
        assert_eq!(defaults.rate_limit, None);
        assert_eq!(Limit::ALL.len(), Limits::SPECS.len());
        for limit in Limit::ALL {
            assert!(!limit.spec().name.is_empty());
        }
    }

    #[test]
    fn flags_have_environment_twins_and_zero_limits_are_refused() {
        assert_eq!(env_twin("--max-tenants"), "CCAI_EMU_MAX_TENANTS");
        let zero = Limits {
            delivery_attempts_cap: 0,
            ..Limits::default()
        };
        assert!(zero
            .validate()
            .unwrap_err()
            .contains("--delivery-attempts-cap"));
        let mut limits = Limits::default();
        limits.set("rate_limit_per_second", "0").unwrap();
        assert!(limits
            .validate()
            .unwrap_err()
            .contains("request per second"));
        assert!(limits.set("body_read_timeout_ms", "soon").is_err());
    }
}
