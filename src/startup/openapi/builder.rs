//! The small builders the operations are written with: [`op`] starts an operation (its
//! path parameters declared from the `{name}` placeholders), and [`Operation`]'s methods add
//! query parameters, a body, answers and rejections; [`schema`] and [`array_of`] refer to
//! the schemas of `components.schemas`.

use serde_json::{json, Value};

/// One documented operation.
pub struct Operation {
    pub method: &'static str,
    pub path: String,
    pub(super) body: Value,
}

/// A reference to a schema of `components.schemas`.
pub fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// A JSON array of `items`.
pub fn array_of(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

/// Starts an operation; its path parameters are declared from the `{name}` placeholders.
pub fn op(method: &'static str, path: &str, tag: &str, summary: &str) -> Operation {
    let parameters: Vec<Value> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let kind = if name == "chat_id" || name == "media_id" {
                "integer"
            } else {
                "string"
            };
            json!({"name": name, "in": "path", "required": true, "schema": {"type": kind}})
        })
        .collect();
    Operation {
        method,
        path: path.to_owned(),
        body: json!({
            "tags": [tag],
            "summary": summary,
            "operationId": operation_id(method, path),
            "parameters": parameters,
            "responses": {},
        }),
    }
}

fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty() && *word != "apps" && *word != "api" && *word != "v1")
        .collect();
    format!("{}_{}", method.to_lowercase(), words.join("_"))
}

impl Operation {
    /// A query parameter.
    pub fn query(mut self, name: &str, kind: &str, description: &str) -> Operation {
        self.parameters().push(json!({
            "name": name, "in": "query", "required": false,
            "schema": {"type": kind}, "description": description,
        }));
        self
    }

    /// A JSON request body: such an operation also answers 400 (malformed), 408 (body
    /// slower than --body-read-timeout), 413 (over --max-body-bytes) and 415 (not JSON).
    pub fn body(mut self, body_schema: Value) -> Operation {
        self.body["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": body_schema}},
        });
        self.rejects(&[400, 408, 413, 415])
    }

    /// A success answer with a JSON body (`None`: no body).
    pub fn answers(mut self, status: u16, description: &str, body: Option<Value>) -> Operation {
        let mut response = json!({"description": description});
        if let Some(body) = body {
            response["content"] = json!({"application/json": {"schema": body}});
        }
        self.body["responses"][status.to_string()] = response;
        self
    }

    /// Rejections in the `{"message": ...}` envelope.
    pub fn rejects(mut self, statuses: &[u16]) -> Operation {
        for status in statuses {
            self.body["responses"][status.to_string()] =
                json!({"$ref": format!("#/components/responses/Error{status}")});
        }
        self
    }

    fn parameters(&mut self) -> &mut Vec<Value> {
        match &mut self.body["parameters"] {
            Value::Array(parameters) => parameters,
            _ => unreachable!("op() always starts with a parameter list"),
        }
    }
}
