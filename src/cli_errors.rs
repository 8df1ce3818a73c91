//! Start-up errors as a person reads them: each is printed once, on stderr, by the binary.
//! A value that came from the environment is named by its variable (`CCAI_EMU_BIND=19305`),
//! not by the flag the person never typed, and a malformed value comes with the form that
//! was expected (`host:port such as 127.0.0.1:8080`). [`ValueOrigins`] remembers where
//! clap found each value; the `explain_*` functions rewrite the messages with it.

use std::collections::HashMap;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{ArgMatches, Command};
use regex::Regex;

use crate::core::limits::Limits;
use crate::startup::StartError;

/// Where one flag's value came from, and its environment twin.
#[derive(Debug, Clone)]
struct Origin {
    env: Option<String>,
    source: Option<ValueSource>,
}

impl Origin {
    fn came_from_env(&self) -> bool {
        self.source == Some(ValueSource::EnvVariable)
    }
}

/// For every long flag of the command line: its environment variable, and whether the
/// value in use was read from it.
#[derive(Debug, Clone, Default)]
pub struct ValueOrigins {
    by_flag: HashMap<String, Origin>,
}

impl ValueOrigins {
    /// Reads the origins from a successful parse of `command`, and of the subcommand it
    /// ran (whose flags win over the top level's of the same name: `record`'s secrets).
    pub fn new(command: &Command, matches: &ArgMatches) -> ValueOrigins {
        let of = |command: &Command, matches: &ArgMatches| -> Vec<(String, Origin)> {
            command
                .get_arguments()
                .filter_map(|arg| {
                    let long = arg.get_long()?;
                    let env = arg
                        .get_env()
                        .map(|name| name.to_string_lossy().into_owned());
                    let source = matches
                        .try_get_raw(arg.get_id().as_str())
                        .ok()
                        .and_then(|_| matches.value_source(arg.get_id().as_str()));
                    Some((long.to_owned(), Origin { env, source }))
                })
                .collect()
        };
        let mut by_flag: HashMap<String, Origin> = of(command, matches).into_iter().collect();
        if let Some((name, sub_matches)) = matches.subcommand() {
            if let Some(subcommand) = command.find_subcommand(name) {
                by_flag.extend(of(subcommand, sub_matches));
            }
        }
        ValueOrigins { by_flag }
    }

    /// Rewrites every `--flag` of `message` whose value came from the environment as the
    /// variable's name, e.g. `--webhook-timeout: "x" is not a duration` becomes
    /// `CCAI_EMU_WEBHOOK_TIMEOUT: "x" is not a duration`.
    pub fn explain(&self, message: &str) -> String {
        let flag = Regex::new(r"--([a-z][a-z0-9-]*)").expect("the flag pattern compiles");
        flag.replace_all(message, |captures: &regex::Captures| {
            match self.by_flag.get(&captures[1]) {
                Some(origin @ Origin { env: Some(env), .. }) if origin.came_from_env() => {
                    env.clone()
                }
                _ => captures[0].to_owned(),
            }
        })
        .into_owned()
    }

    fn env_of(&self, flag: &str) -> Option<&str> {
        self.by_flag
            .get(flag)
            .filter(|origin| origin.came_from_env())
            .and_then(|origin| origin.env.as_deref())
    }

    fn is_default(&self, flag: &str) -> bool {
        self.by_flag
            .get(flag)
            .is_some_and(|origin| origin.source == Some(ValueSource::DefaultValue))
    }
}

/// Why the emulator could not start, naming `CCAI_EMU_BIND` / `CCAI_EMU_FIXTURES` when the
/// address or the folder came from there.
pub fn explain_start_error(error: &StartError, origins: &ValueOrigins) -> String {
    match error {
        StartError::Bind { address, source } => {
            let from = match origins.env_of("bind") {
                Some(env) => format!("{env}={address}"),
                None if origins.is_default("bind") => {
                    "the default; change it with --bind or CCAI_EMU_BIND".to_owned()
                }
                None => format!("--bind {address}"),
            };
            let hint = match source.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "; another program (perhaps another emulator) uses that port: choose another, or port 0 for any free one"
                }
                std::io::ErrorKind::AddrNotAvailable => {
                    "; that address is not one of this machine's: try 127.0.0.1 or 0.0.0.0"
                }
                _ => "",
            };
            format!("cannot listen on {address} ({from}): {source}{hint}")
        }
        StartError::Fixtures(fixture_error) => match origins.env_of("fixtures") {
            Some(env) => format!("fixture error: {fixture_error} (the folder comes from {env})"),
            None => format!("fixture error: {fixture_error}"),
        },
        other => origins.explain(&other.to_string()),
    }
}

/// A clap error about a value that came from the environment, said with the variable's
/// name and the expected form; `None` for every other clap error (clap prints those
/// itself, with its usage and `--help` hints).
pub fn explain_clap_error(error: &clap::Error, command: &Command) -> Option<String> {
    if !matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return None;
    }
    let Some(ContextValue::String(invalid_arg)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = invalid_arg.split_whitespace().next()?.strip_prefix("--")?;
    let arg = command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(long))?;
    let env = arg.get_env()?.to_string_lossy().into_owned();
    let value = std::env::var(&env).ok()?;
    let typed_on_the_command_line = std::env::args()
        .any(|word| word == format!("--{long}") || word.starts_with(&format!("--{long}=")));
    if typed_on_the_command_line {
        return None;
    }
    let problem = match error.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(valid)) => format!("expected one of {}", valid.join(", ")),
        _ => {
            let reason = std::error::Error::source(error)
                .map(|source| format!("{source}; "))
                .unwrap_or_default();
            format!("{reason}expected {}", expected_form(long))
        }
    };
    Some(format!(
        "{env}={value:?} is not valid for --{long}: {problem}"
    ))
}

/// The form a flag's value takes, for error messages.
pub fn expected_form(long: &str) -> &'static str {
    if let Some(spec) = Limits::SPECS.iter().find(|spec| spec.flag == long) {
        return spec.unit.form();
    }
    match long {
        "bind" => crate::config::BIND_FORM,
        "webhook-timeout"
        | "webhook-retry-after-max"
        | "shutdown-grace"
        | "agent-join-delay"
        | "chat-inactivity-timeout"
        | "watch-interval"
        | "timeout" => "a duration such as 250ms, 2s or 1m",
        "webhook-retry-schedule" => "comma-separated durations such as 100ms,500ms,2s",
        "webhook-retry-jitter" => "a fraction between 0 and 1 such as 0.2",
        "workers" => "a whole number such as 4",
        "watch" | "access-log" => "true or false",
        _ => "a value of the documented form (see --help)",
    }
}
