//! How the emulator writes times and reads durations and sizes, shared by every layer:
//! platform timestamps (ISO-8601 UTC to the second), durations like `250ms`, `2s`, `1m` and
//! sizes like `512KiB`; and how deep a JSON value nests ([`json_depth`]). A leaf
//! module: it imports nothing from the crate.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// Platform timestamps: ISO-8601 UTC to the second, as in the documentation's examples.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses `250ms`, `2s`, `1.5s`, `1m`, `2h` or a bare number of milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 250ms, 2s or 1m"))?;
    let millis = match unit.trim() {
        "" | "ms" => value,
        "s" => value * 1_000.0,
        "m" => value * 60_000.0,
        "h" => value * 3_600_000.0,
        other => {
            return Err(format!(
                "{text:?} has an unknown unit {other:?} (ms, s, m, h)"
            ))
        }
    };
    Ok(Duration::from_micros((millis * 1_000.0).round() as u64))
}

/// Parses `1048576`, `512KiB`, `256MiB` or `1GiB` (also `KB`/`MB`/`GB` as powers of 1000).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like 1048576, 512KiB or 256MiB"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => {
            return Err(format!(
                "{text:?} has an unknown unit {other:?} (KiB, MiB, GiB, KB, MB, GB)"
            ))
        }
    };
    value
        .checked_mul(factor)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// How deep the emulator's own documents (a snapshot, a chat as `--state-dir` keeps it, a
/// fixture) nest around a value they hold: a value within `--max-json-depth` stays within
/// that and this in any of them, well below the 128 levels serde_json reads.
pub const DOCUMENT_NESTING: usize = 8;

/// How deep `value` nests: 0 for a scalar, 1 for `{}` or `[]`, 2 for `{"a": {}}`, ...
/// (counted without recursion).
pub fn json_depth(value: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 1)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        deepest = deepest.max(depth);
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_depth_counts_objects_and_arrays() {
        use serde_json::json;
        assert_eq!(json_depth(&json!(1)), 0);
        assert_eq!(json_depth(&json!({})), 1);
        assert_eq!(json_depth(&json!({"a": [1, {"b": []}]})), 4);
    }

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1_500)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3_600)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("40"), Ok(Duration::from_millis(40)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7_200)));
        assert!(parse_duration("3d").is_err());
    }

    #[test]
    fn timestamps_are_utc_to_the_second() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678+01:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(at), "2026-01-02T02:04:05Z");
    }

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("1048576"), Ok(1_048_576));
        assert_eq!(parse_size("2MiB"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size("1 GiB"), Ok(1 << 30));
        assert_eq!(parse_size("5MB"), Ok(5_000_000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("3TiB").is_err());
    }
}
