//! The OpenAPI 3 document of the emulated Apps API and the control plane, served at
//! `GET /__admin/openapi.json`. It is built in code from small builders so each operation
//! reads as one line of intent. To describe a new route, add one `Operation` to
//! `apps::operations` or `admin::operations` (and its schemas to `schemas`): the
//! `openapi` integration test compares the document with `crate::startup::all_endpoints()` in both
//! directions and calls every operation on a running server.

mod admin;
#[cfg(test)]
mod agreement;
mod apps;
mod builder;
mod escalations;
mod event_schemas;
mod media;
mod schemas;

use serde_json::{json, Map, Value};

use builder::schema;
pub use builder::Operation;

/// Every documented operation.
pub fn operations() -> Vec<Operation> {
    let mut operations = apps::operations();
    operations.extend(media::storage_operations());
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
        (
            403,
            "A limit was reached (the message names the flag that raises it)",
        ),
        (
            405,
            "The route exists but not with this method (Allow lists the ones it has)",
        ),
        (
            408,
            "The request body did not arrive within --body-read-timeout",
        ),
        (409, "The chat's state does not allow this"),
        (413, "Request body too large"),
        (415, "Content-Type must be application/json"),
        (
            507,
            "Past a media budget: the message names the flag to raise",
        ),
    ]
    .into_iter()
    .map(|(status, description)| {
        let mut response = json!({"description": description,
               "content": {"application/json": {"schema": schema("Error")}}});
        if status == 405 {
            response["headers"] = json!({"Allow": {"description": "the methods the route has",
                                                   "schema": {"type": "string"}}});
        }
        (format!("Error{status}"), response)
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
            {"name": "storage", "description": "The emulator's S3-style storage endpoint for pre-signed uploads"},
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
