//! The limits' flags, made from their declarations (`crate::core::limits::Limits::SPECS`)
//! rather than written out: each limit gets its `--flag`, its `CCAI_EMU_*` twin, its default
//! and its help from the one table, and its value is checked by clap against the limit's
//! form, so a malformed value is refused naming the variable it came from.

use clap::builder::{TypedValueParser, ValueParser};
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

use crate::core::limits::{LimitSpec, Limits, Unit};

/// The limits as given on the command line (text, checked against each limit's form).
#[derive(Debug, Clone, Default)]
pub struct LimitFlags {
    /// Each limit given (by flag or environment) or defaulted: its name and text.
    given: Vec<(&'static str, String)>,
}

impl LimitFlags {
    /// The limits, each from its flag, its twin or its default; checked against their
    /// minimums.
    pub fn into_limits(self) -> Result<Limits, String> {
        let mut limits = Limits::default();
        for (name, text) in self.given {
            let spec = Limits::SPECS
                .iter()
                .find(|spec| spec.name == name)
                .expect("given limits are declared");
            limits
                .set(name, &text)
                .map_err(|error| format!("--{}: {error}", spec.flag))?;
        }
        limits.validate()?;
        Ok(limits)
    }
}

/// Accepts text that parses as the limit's value.
fn checker(spec: &'static LimitSpec) -> ValueParser {
    ValueParser::new(
        clap::builder::NonEmptyStringValueParser::new()
            .try_map(move |text: String| Limits::default().set(spec.name, &text).map(|()| text)),
    )
}

impl Args for LimitFlags {
    fn augment_args(command: Command) -> Command {
        Limits::SPECS.iter().fold(command, |command, spec| {
            let mut arg = Arg::new(spec.flag)
                .long(spec.flag)
                .env(spec.env)
                .help(spec.help)
                .value_name(value_name(spec.unit))
                .value_parser(checker(spec));
            if let Some(default) = spec.default {
                arg = arg.default_value(default);
            }
            command.arg(arg)
        })
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

fn value_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Count => "COUNT",
        Unit::Bytes => "BYTES",
        Unit::Size => "SIZE",
        Unit::Millis | Unit::Seconds => "DURATION",
        Unit::PerSecond => "PER_SECOND",
    }
}

impl FromArgMatches for LimitFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let given = Limits::SPECS
            .iter()
            .filter_map(|spec| {
                matches
                    .get_one::<String>(spec.flag)
                    .map(|text| (spec.name, text.clone()))
            })
            .collect();
        Ok(LimitFlags { given })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}
