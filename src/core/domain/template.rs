//! Reply templates: `{{name}}`, `{{name.field}}` and `{{name|masked}}` placeholders filled
//! from a JSON object of captured values and lookup results. Deliberately tiny: fixtures
//! are written by people, so an unknown placeholder renders as an empty string at run time
//! and is caught when the fixture loads (see [`placeholders`]).

use serde_json::{Map, Value};

use super::card;

/// One `{{...}}` placeholder of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Dotted path, e.g. `["order", "status"]`.
    pub path: Vec<String>,
    /// True for `|masked`.
    pub masked: bool,
}

/// Parses every placeholder of `template`, or says what is malformed.
pub fn placeholders(template: &str) -> Result<Vec<Placeholder>, String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed placeholder in template {template:?}"))?;
        found.push(parse_placeholder(after[..end].trim())?);
        rest = &after[end + 2..];
    }
    Ok(found)
}

fn parse_placeholder(inner: &str) -> Result<Placeholder, String> {
    let (path, filter) = match inner.split_once('|') {
        Some((path, filter)) => (path.trim(), Some(filter.trim())),
        None => (inner, None),
    };
    let masked = match filter {
        None => false,
        Some("masked") => true,
        Some(other) => return Err(format!("unknown template filter {other:?} (known: masked)")),
    };
    if path.is_empty() {
        return Err("empty placeholder {{}}".to_owned());
    }
    let path: Vec<String> = path.split('.').map(str::to_owned).collect();
    if path.iter().any(|segment| segment.is_empty()) {
        return Err(format!("malformed placeholder path {inner:?}"));
    }
    Ok(Placeholder { path, masked })
}

/// Renders `template` with `values`. Unknown placeholders render as empty text.
pub fn render(template: &str, values: &Map<String, Value>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        if let Ok(placeholder) = parse_placeholder(after[..end].trim()) {
            out.push_str(&resolve(&placeholder, values));
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn resolve(placeholder: &Placeholder, values: &Map<String, Value>) -> String {
    let mut segments = placeholder.path.iter();
    let Some(first) = segments.next() else {
        return String::new();
    };
    let mut current = values.get(first);
    for segment in segments {
        current = current.and_then(|value| value.get(segment));
    }
    let text = match current {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    if placeholder.masked {
        card::mask(&text)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values() -> Map<String, Value> {
        json!({"order_number": "A10001", "order": {"status": "shipped", "items": 2}, "card": "4111111111111111"})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn renders_plain_nested_and_masked_placeholders() {
        let text = render(
            "Order {{ order_number }} is {{order.status}} ({{order.items}} items), card {{card|masked}}.",
            &values(),
        );
        assert_eq!(
            text,
            "Order A10001 is shipped (2 items), card **** **** **** 1111."
        );
    }

    #[test]
    fn unknown_placeholders_render_empty() {
        assert_eq!(render("[{{nothing.here}}]", &values()), "[]");
    }

    #[test]
    fn malformed_templates_are_reported() {
        assert!(placeholders("Hi {{name").is_err());
        assert!(placeholders("Hi {{name|upper}}").is_err());
        assert!(placeholders("Hi {{a..b}}").is_err());
        assert_eq!(
            placeholders("{{a.b|masked}}").unwrap()[0].path,
            vec!["a", "b"]
        );
    }
}
