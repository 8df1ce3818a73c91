//! Custom data and the reserved data properties (page "Send reserved data properties"):
//! what a consumer tells the platform about the end user, shown to the human agent
//! (reserved properties "in the form of user profile flags"). Each entry is
//! `{"label", "value", "type"?, "invisible_to_agent"?}` as the SDK guides' custom data
//! format gives it, with the types `string`, `number`, `date` (a UTC Unix timestamp in
//! milliseconds, 13 digits) and `url`; the three reserved properties
//! (`reserved_verified_customer`, `reserved_bad_actor`, `reserved_repeat_customer`) take a
//! boolean (`type` `boolean`, if given). A chat collects them from `custom_data` on
//! `POST /chats` and from `POST /chats/{id}/custom_data` (later values of a key replace
//! earlier ones). Every problem names its place, e.g.
//! `custom_data.reserved_bad_actor.value: must be true or false`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The reserved data properties: the key, the flag it raises when true (and when false,
/// for the verified-customer one), and the label the agent sees by default.
pub const RESERVED: [ReservedProperty; 3] = [
    ReservedProperty {
        key: "reserved_verified_customer",
        flag_when_true: "verified_customer",
        flag_when_false: Some("unverified_customer"),
    },
    ReservedProperty {
        key: "reserved_bad_actor",
        flag_when_true: "bad_actor",
        flag_when_false: None,
    },
    ReservedProperty {
        key: "reserved_repeat_customer",
        flag_when_true: "repeat_customer",
        flag_when_false: None,
    },
];

/// One reserved data property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedProperty {
    pub key: &'static str,
    pub flag_when_true: &'static str,
    pub flag_when_false: Option<&'static str>,
}

fn reserved(key: &str) -> Option<&'static ReservedProperty> {
    RESERVED.iter().find(|property| property.key == key)
}

/// The type of a custom data value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomDataType {
    String,
    Number,
    Date,
    Url,
    /// The reserved data properties only.
    Boolean,
}

impl CustomDataType {
    const FOR_CUSTOM_DATA: [&'static str; 4] = ["string", "number", "date", "url"];

    fn parse(name: &str) -> Option<CustomDataType> {
        match name {
            "string" => Some(CustomDataType::String),
            "number" => Some(CustomDataType::Number),
            "date" => Some(CustomDataType::Date),
            "url" => Some(CustomDataType::Url),
            "boolean" => Some(CustomDataType::Boolean),
            _ => None,
        }
    }
}

/// One custom data entry, as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomDataField {
    pub label: String,
    /// A string, a number or (reserved properties) a boolean.
    #[schema(value_type = Object)]
    pub value: Value,
    /// As sent (absent when not given).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CustomDataType>,
    /// Hidden from the human agent's view (never for the reserved properties, which the
    /// agent always sees).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invisible_to_agent: bool,
}

impl CustomDataField {
    /// Whether the human agent sees it: always for a reserved property ("The
    /// invisible_to_agent property does not prevent reserved data properties from
    /// displaying in the agent adapter").
    pub fn seen_by_agent(&self, key: &str) -> bool {
        !self.invisible_to_agent || reserved(key).is_some()
    }
}

/// A chat's custom data, by key.
pub type CustomData = BTreeMap<String, CustomDataField>;

/// A user profile flag a reserved property raises, as the human agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserProfileFlag {
    /// `verified_customer`, `unverified_customer`, `bad_actor` or `repeat_customer`.
    pub flag: String,
    /// The label sent with the property.
    pub label: String,
    /// The reserved property that raised it.
    pub property: String,
}

/// The flags `data`'s reserved properties raise, in the order of [`RESERVED`].
pub fn user_profile_flags(data: &CustomData) -> Vec<UserProfileFlag> {
    RESERVED
        .iter()
        .filter_map(|property| {
            let field = data.get(property.key)?;
            let flag = match field.value.as_bool()? {
                true => property.flag_when_true,
                false => property.flag_when_false?,
            };
            Some(UserProfileFlag {
                flag: flag.to_owned(),
                label: field.label.clone(),
                property: property.key.to_owned(),
            })
        })
        .collect()
}

/// Reads and checks a custom data object (`place` names it, e.g. `custom_data`); the error
/// is `"<place>.<key>.<field>: <problem>"`.
pub fn parse_custom_data(place: &str, value: &Value) -> Result<CustomData, String> {
    let object = value.as_object().ok_or_else(|| {
        format!("{place}: must be an object of entries {{\"<key>\": {{\"label\", \"value\", \"type\"?}}}}")
    })?;
    object
        .iter()
        .map(|(key, entry)| {
            let place = format!("{place}.{key}");
            if key.trim().is_empty() {
                return Err(format!("{place}: a key must not be empty"));
            }
            parse_entry(&place, key, entry).map(|field| (key.clone(), field))
        })
        .collect()
}

fn parse_entry(place: &str, key: &str, entry: &Value) -> Result<CustomDataField, String> {
    const FIELDS: [&str; 4] = ["label", "value", "type", "invisible_to_agent"];
    let object: &Map<String, Value> = entry
        .as_object()
        .ok_or_else(|| format!("{place}: must be an object {{\"label\", \"value\", \"type\"?}}"))?;
    if let Some(unknown) = object.keys().find(|name| !FIELDS.contains(&name.as_str())) {
        return Err(format!(
            "{place}.{unknown}: is not a custom data field (known: {})",
            FIELDS.join(", ")
        ));
    }
    let label = match object.get("label") {
        Some(Value::String(label)) if !label.trim().is_empty() => label.clone(),
        _ => return Err(format!("{place}.label: is required: a non-empty string")),
    };
    let value = object
        .get("value")
        .filter(|value| !value.is_null())
        .ok_or_else(|| format!("{place}.value: is required"))?;
    let kind = match object.get("type") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(CustomDataType::parse(name).ok_or_else(|| {
            format!(
                "{place}.type: {name:?} is not one of {} (boolean for the reserved data properties)",
                CustomDataType::FOR_CUSTOM_DATA.join(", ")
            )
        })?),
        Some(other) => return Err(format!("{place}.type: must be a string, not {other}")),
    };
    let invisible_to_agent = match object.get("invisible_to_agent") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(invisible)) => *invisible,
        Some(_) => return Err(format!("{place}.invisible_to_agent: must be true or false")),
    };
    check_value(place, key, kind, value)?;
    Ok(CustomDataField {
        label,
        value: value.clone(),
        kind,
        invisible_to_agent,
    })
}

fn check_value(
    place: &str,
    key: &str,
    kind: Option<CustomDataType>,
    value: &Value,
) -> Result<(), String> {
    if reserved(key).is_some() {
        if kind.is_some_and(|kind| kind != CustomDataType::Boolean) {
            return Err(format!(
                "{place}.type: must be boolean (a reserved data property is a boolean)"
            ));
        }
        if !value.is_boolean() {
            return Err(format!(
                "{place}.value: must be true or false (a reserved data property is a boolean), not {value}"
            ));
        }
        return Ok(());
    }
    let problem = match kind {
        Some(CustomDataType::Boolean) => Some(format!(
            "type boolean is for the reserved data properties only; {key:?} takes one of {}",
            CustomDataType::FOR_CUSTOM_DATA.join(", ")
        )),
        Some(CustomDataType::String) => (!value.is_string()).then(|| "must be a string".into()),
        Some(CustomDataType::Number) => (!value.is_number()).then(|| "must be a number".into()),
        Some(CustomDataType::Date) => match value.as_u64() {
            Some(millis) if (1_000_000_000_000..10_000_000_000_000).contains(&millis) => None,
            _ => Some(
                "must be a UTC Unix timestamp in milliseconds (13 digits, e.g. 1700000000000)"
                    .into(),
            ),
        },
        Some(CustomDataType::Url) => match value.as_str() {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => None,
            _ => Some("must be an http(s) URL".into()),
        },
        None => (!value.is_string() && !value.is_number())
            .then(|| "must be a string or a number (or give its type)".into()),
    };
    match problem {
        Some(problem) if kind == Some(CustomDataType::Boolean) => {
            Err(format!("{place}.type: {problem}"))
        }
        Some(problem) => Err(format!("{place}.value: {problem}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_sdk_guides_shape_of_the_reserved_properties_is_accepted_and_raises_flags() {
        let data = parse_custom_data(
            "custom_data",
            &json!({
                "reserved_verified_customer": {"label": "Verified Customer", "value": false, "type": "boolean"},
                "reserved_bad_actor": {"label": "Bad Actor", "value": true, "type": "boolean"},
                "reserved_repeat_customer": {"label": "Repeat Customer", "value": false},
                "plan": {"label": "Plan", "value": "gold"},
                "since": {"label": "Customer since", "value": 1700000000000u64, "type": "date"},
                "secret": {"label": "Secret", "value": 7, "type": "number", "invisible_to_agent": true}
            }),
        )
        .unwrap();
        let flags = user_profile_flags(&data);
        let names: Vec<&str> = flags.iter().map(|flag| flag.flag.as_str()).collect();
        assert_eq!(names, ["unverified_customer", "bad_actor"]);
        assert_eq!(flags[1].label, "Bad Actor");
        assert!(!data["secret"].seen_by_agent("secret"));
        assert!(data["plan"].seen_by_agent("plan"));
    }

    #[test]
    fn every_wrong_shape_names_its_place() {
        let problem = |value: Value| parse_custom_data("custom_data", &value).unwrap_err();
        assert!(problem(json!([])).starts_with("custom_data:"));
        assert!(
            problem(json!({"reserved_bad_actor": {"label": "B", "value": "yes"}}))
                .starts_with("custom_data.reserved_bad_actor.value:")
        );
        assert!(problem(
            json!({"reserved_bad_actor": {"label": "B", "value": true, "type": "string"}})
        )
        .starts_with("custom_data.reserved_bad_actor.type:"));
        assert!(problem(json!({"plan": {"value": "gold"}})).starts_with("custom_data.plan.label:"));
        assert!(problem(json!({"plan": {"label": "P"}})).starts_with("custom_data.plan.value:"));
        assert!(
            problem(json!({"plan": {"label": "P", "value": true, "type": "boolean"}}))
                .starts_with("custom_data.plan.type:")
        );
        assert!(
            problem(json!({"plan": {"label": "P", "value": 1, "type": "colour"}}))
                .starts_with("custom_data.plan.type:")
        );
        assert!(
            problem(json!({"since": {"label": "S", "value": 17, "type": "date"}}))
                .starts_with("custom_data.since.value:")
        );
        assert!(
            problem(json!({"site": {"label": "S", "value": "ftp://x", "type": "url"}}))
                .starts_with("custom_data.site.value:")
        );
        assert!(
            problem(json!({"plan": {"label": "P", "value": "g", "colour": 1}}))
                .starts_with("custom_data.plan.colour:")
        );
        assert!(problem(json!({"plan": "gold"})).starts_with("custom_data.plan:"));
    }
}
