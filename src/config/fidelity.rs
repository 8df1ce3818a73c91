//! The settings where the emulator can differ from the platform, and their defaults, which
//! follow the platform (see `docs/fidelity.md`): only the webhook events a page documents,
//! `chat_created` answered after the response, a text message's webhook content as a plain
//! string (what the one public client decodes), the emulator's delivery-id header (a
//! convenience the platform lacks, which can be turned off), and the interval within which a
//! repeated mid-session authentication is a duplicate. Each flag has a `CCAI_EMU_*` twin.

use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::core::formats::parse_duration;
use crate::features::webhooks::creation_order::ChatCreatedOrder;
use crate::features::webhooks::event_selection::EventSelection;
use crate::features::webhooks::{MessageContentShape, WebhookOptions};

/// The default `--mid-session-duplicate-interval`. The platform documents a duplicate-request
/// error but not its interval: emulator's choice.
pub const DEFAULT_DUPLICATE_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EventsMode {
    Documented,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ContentShapeMode {
    String,
    Object,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
enum CreatedOrderMode {
    AfterResponse,
    BeforeResponse,
    Random,
}

/// The command-line flags (flattened into the main command line).
#[derive(Debug, Clone, Args)]
pub struct FidelityArgs {
    /// Webhook events sent to tenants that choose none: `documented` (those a page of the platform documents) or `all` (adds the ones no page mentions).
    #[arg(
        long,
        env = "CCAI_EMU_WEBHOOK_EVENTS",
        value_enum,
        default_value = "documented"
    )]
    webhook_events: EventsMode,
    /// When chat_created goes out: `after_response` of POST /chats, `before_response`, or `random` per chat.
    #[arg(
        long,
        env = "CCAI_EMU_CHAT_CREATED_ORDER",
        value_enum,
        default_value = "after_response"
    )]
    chat_created_order: CreatedOrderMode,
    /// A text message_received's body.message.content: `string` (the text) or `object` ({"type": "text", "content": ...}), for tenants that choose none.
    #[arg(
        long,
        env = "CCAI_EMU_MESSAGE_CONTENT_SHAPE",
        value_enum,
        default_value = "string"
    )]
    message_content_shape: ContentShapeMode,
    /// Send the emulator's X-Emulator-Delivery-Id header (true/false); the platform sends none.
    #[arg(
        long,
        env = "CCAI_EMU_WEBHOOK_DELIVERY_ID_HEADER",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    webhook_delivery_id_header: bool,
    /// A second mid-session authentication of a chat with the same identifier within this interval is a 400 duplicate (0: off).
    #[arg(
        long,
        env = "CCAI_EMU_MID_SESSION_DUPLICATE_INTERVAL",
        default_value = "5s"
    )]
    mid_session_duplicate_interval: String,
}

/// The validated settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fidelity {
    pub webhooks: WebhookOptions,
    /// `Duration::ZERO`: duplicates are not detected.
    pub mid_session_duplicate_interval: Duration,
}

impl Default for Fidelity {
    fn default() -> Self {
        Fidelity {
            webhooks: WebhookOptions::default(),
            mid_session_duplicate_interval: DEFAULT_DUPLICATE_INTERVAL,
        }
    }
}

impl TryFrom<FidelityArgs> for Fidelity {
    type Error = String;

    fn try_from(args: FidelityArgs) -> Result<Fidelity, String> {
        let mid_session_duplicate_interval =
            parse_duration(&args.mid_session_duplicate_interval)
                .map_err(|error| format!("--mid-session-duplicate-interval: {error}"))?;
        Ok(Fidelity {
            webhooks: WebhookOptions {
                events: match args.webhook_events {
                    EventsMode::Documented => EventSelection::Documented,
                    EventsMode::All => EventSelection::All,
                },
                chat_created_order: match args.chat_created_order {
                    CreatedOrderMode::AfterResponse => ChatCreatedOrder::AfterResponse,
                    CreatedOrderMode::BeforeResponse => ChatCreatedOrder::BeforeResponse,
                    CreatedOrderMode::Random => ChatCreatedOrder::Random,
                },
                delivery_id_header: args.webhook_delivery_id_header,
                message_content_shape: match args.message_content_shape {
                    ContentShapeMode::String => MessageContentShape::String,
                    ContentShapeMode::Object => MessageContentShape::Object,
                },
            },
            mid_session_duplicate_interval,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        fidelity: FidelityArgs,
    }

    fn parse(args: &[&str]) -> Result<Fidelity, String> {
        Fidelity::try_from(
            Command::try_parse_from(args)
                .map_err(|e| e.to_string())?
                .fidelity,
        )
    }

    #[test]
    fn no_flags_follow_the_platform() {
        assert_eq!(parse(&["e"]).unwrap(), Fidelity::default());
    }

    #[test]
    fn every_flag_parses() {
        let fidelity = parse(&[
            "e",
            "--webhook-events",
            "all",
            "--chat-created-order",
            "before_response",
            "--webhook-delivery-id-header",
            "false",
            "--mid-session-duplicate-interval",
            "0",
            "--message-content-shape",
            "object",
        ])
        .unwrap();
        assert_eq!(
            fidelity.webhooks.message_content_shape,
            MessageContentShape::Object
        );
        assert_eq!(fidelity.webhooks.events, EventSelection::All);
        assert_eq!(
            fidelity.webhooks.chat_created_order,
            ChatCreatedOrder::BeforeResponse
        );
        assert!(!fidelity.webhooks.delivery_id_header);
        assert_eq!(fidelity.mid_session_duplicate_interval, Duration::ZERO);
        assert!(parse(&["e", "--mid-session-duplicate-interval", "soon"]).is_err());
        assert!(parse(&["e", "--webhook-events", "some"]).is_err());
        assert!(parse(&["e", "--message-content-shape", "text"]).is_err());
    }
}
