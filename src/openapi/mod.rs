//! The OpenAPI 3 document of the emulated Apps API and the control plane, served at
//! `GET /__admin/openapi.json`. It is built in code from small builders so each operation
//! reads as one line of intent. To describe a new route, add one [`Operation`] to
//! `apps::operations` or `admin::operations` (and its schemas to `schemas`): the
//! `openapi` integration test compares the document with `crate::routes::all()` in both
//! directions and calls every operation on a running server.

mod admin;
mod apps;
mod escalations;
mod schemas;

use serde_json::{json, Map, Value};

/// One documented operation.
pub struct Operation {
    pub method: &'static str,
    pub path: String,
    body: Value,
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
            let kind = if name == "chat_id" {
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

    /// A JSON request body.
    pub fn body(mut self, body_schema: Value) -> Operation {
        self.body["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": body_schema}},
        });
        self
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

/// Every documented operation.
pub fn operations() -> Vec<Operation> {
    let mut operations = apps::operations();
    operations.extend(admin::operations());
    operations.extend(escalations::operations());
    operations
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for operation in operations() {
        let item = paths
            .entry(operation.path.clone())
            .or_insert_with(|| json!({}));
        item[operation.method.to_lowercase()] = operation.body;
    }
    let error_responses: Map<String, Value> = [
        (400, "Malformed or invalid request"),
        (401, "Missing or wrong credentials"),
        (404, "No such object (or route)"),
        (405, "The route exists but not with this method"),
        (409, "The chat's state does not allow this"),
        (413, "Request body too large"),
        (415, "Content-Type must be application/json"),
    ]
    .into_iter()
    .map(|(status, description)| {
        (
            format!("Error{status}"),
            json!({"description": description,
                   "content": {"application/json": {"schema": schema("Error")}}}),
        )
    })
    .collect();
    let mut schemas = schemas::all();
    schemas.extend(escalations::schemas());
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "ccai-emulator",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The emulated CCAI Platform chat Apps API (/apps/api/v1, HTTP Basic auth: subdomain and API token) and the emulator's control plane (/__admin, optional bearer token).",
        },
        "tags": [
            {"name": "Apps API", "description": "The emulated platform API"},
            {"name": "admin", "description": "The emulator's control plane"},
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "tenantBasic": {"type": "http", "scheme": "basic",
                                "description": "username = tenant subdomain, password = API token"},
                "adminToken": {"type": "http", "scheme": "bearer",
                               "description": "only when the emulator runs with --admin-token"},
            },
            "schemas": schemas,
            "responses": error_responses,
        },
    })
}
