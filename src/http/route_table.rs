//! The route table: every (method, path) the server answers is registered through a
//! [`RouteTable`] together with its OpenAPI operation, the `#[utoipa::path(...)]` written
//! on the handler: `table.route(create, __path_create)`. The operation gives the method and
//! the path (relative to the table's prefix, written once), the table serves the handler
//! there and keeps the operation and the schemas it names for the document
//! ([`crate::http::openapi`]), so a route without an operation, or an operation without a
//! route, cannot be written.
//! Every resource answers a method it does not have with 405 in the envelope and an
//! `Allow` header listing the methods it has.

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Resource, Responder, Route, Scope};
use serde::Serialize;
use utoipa::__dev::SchemaReferences;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::{RefOr, Schema};

use super::error::{method_not_allowed, route_not_found};
use super::openapi::{Described, Surface};

/// One registered operation, e.g. `GET /__admin/health`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    pub method: String,
    /// The full path with actix/OpenAPI placeholders, e.g. `/__admin/chats/{chat_id}`.
    pub path: String,
}

/// The routes of one surface (the Apps API, the storage endpoint or the control plane),
/// recorded as registered, with their operations.
pub struct RouteTable {
    prefix: &'static str,
    surface: Surface,
    /// (actix path relative to the prefix, method, route), in registration order.
    routes: Vec<(String, Method, Route)>,
    endpoints: Vec<Endpoint>,
    operations: Vec<Registered>,
}

/// A registered operation, described only when the document is built ([`RouteTable::described`]):
/// the tables are also built for every worker, which serves the routes and needs no
/// description.
struct Registered {
    /// The full path as the document writes it.
    path: String,
    method: Method,
    /// The handler's function name, which its operation's default id must be.
    handler: &'static str,
    operation: fn() -> Operation,
    schemas: fn(&mut Vec<(String, RefOr<Schema>)>),
}

impl RouteTable {
    pub fn new(prefix: &'static str, surface: Surface) -> RouteTable {
        RouteTable {
            prefix,
            surface,
            routes: Vec::new(),
            endpoints: Vec::new(),
            operations: Vec::new(),
        }
    }

    /// Serves `handler` where its operation `_operation` (the struct `#[utoipa::path]`
    /// made for it, `__path_<handler>`) says, and keeps the operation for the document.
    /// The path may carry an actix pattern (`/{key:.*}`); the document writes `/{key}`.
    ///
    /// Panics when the operation names other than one method, and [`RouteTable::described`]
    /// when the operation is not the handler's (its default operation id, the function's
    /// name, differs from the handler's): the document is built when the server starts
    /// and in every test.
    pub fn route<O, F, Args>(mut self, handler: F, _operation: O) -> RouteTable
    where
        O: utoipa::Path + SchemaReferences,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let relative = O::path();
        let methods = O::methods();
        assert_eq!(
            methods.len(),
            1,
            "{relative}: an operation takes one method"
        );
        let method = actix_method(methods[0].clone());
        let path = format!("{}{}", self.prefix, without_patterns(&relative));
        self.operations.push(Registered {
            path: path.clone(),
            method: method.clone(),
            handler: std::any::type_name::<F>(),
            operation: O::operation,
            schemas: O::schemas,
        });
        self.endpoints.push(Endpoint {
            method: method.to_string(),
            path,
        });
        let route = web::method(method.clone()).to(handler);
        self.routes.push((relative, method, route));
        self
    }

    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The operations and schemas of these routes, for the document.
    pub fn described(&self) -> Described {
        let mut described = Described::default();
        for registered in &self.operations {
            let mut operation = (registered.operation)();
            let handler = registered.handler.rsplit("::").next();
            assert_eq!(
                operation.operation_id.as_deref(),
                handler,
                "{} {}: the operation is not the handler's ({})",
                registered.method,
                registered.path,
                registered.handler
            );
            operation.operation_id = Some(operation_id(&registered.method, &registered.path));
            self.surface.complete(&registered.path, &mut operation);
            let method = utoipa_method(&registered.method);
            described
                .paths
                .add_path_operation(&registered.path, vec![method], operation);
            let mut schemas = Vec::new();
            (registered.schemas)(&mut schemas);
            described.add_schemas(schemas);
        }
        described
    }

    pub fn surface(&self) -> Surface {
        self.surface
    }

    /// The scope that serves these routes; anything else under the prefix is a 404.
    pub fn into_scope(self) -> Scope {
        let prefix = self.prefix;
        self.resources()
            .into_iter()
            .fold(web::scope(prefix), |scope, resource| {
                scope.service(resource)
            })
            .default_service(web::to(route_not_found))
    }

    /// One resource per path (in the order first registered), with one route per method.
    fn resources(self) -> Vec<Resource> {
        let mut by_path: Vec<(String, Vec<(Method, Route)>)> = Vec::new();
        for (path, method, route) in self.routes {
            match by_path.iter_mut().find(|(known, _)| *known == path) {
                Some((_, routes)) => routes.push((method, route)),
                None => by_path.push((path, vec![(method, route)])),
            }
        }
        by_path
            .into_iter()
            .map(|(path, routes)| {
                let allow: Vec<String> = routes
                    .iter()
                    .map(|(method, _)| method.to_string())
                    .collect();
                let allow = allow.join(", ");
                let resource = web::resource(path).default_service(web::to(move || {
                    let allow = allow.clone();
                    async move { method_not_allowed(&allow) }
                }));
                routes
                    .into_iter()
                    .fold(resource, |resource, (_, route)| resource.route(route))
            })
            .collect()
    }
}

fn utoipa_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        Method::OPTIONS => HttpMethod::Options,
        Method::HEAD => HttpMethod::Head,
        Method::PATCH => HttpMethod::Patch,
        Method::TRACE => HttpMethod::Trace,
        _ => HttpMethod::Get,
    }
}

fn actix_method(method: HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// `get_chats_chat_id` for `GET /apps/api/v1/chats/{chat_id}`: the method and the path's
/// words (the Apps API's base left out), unique by construction.
fn operation_id(method: &Method, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty() && *word != "apps" && *word != "api" && *word != "v1")
        .collect();
    format!("{}_{}", method.as_str().to_lowercase(), words.join("_"))
}

/// `/{key:.*}` as OpenAPI writes it, `/{key}`.
fn without_patterns(path: &str) -> String {
    path.split('/')
        .map(
            |segment| match (segment.starts_with('{'), segment.find(':')) {
                (true, Some(colon)) => format!("{}}}", &segment[..colon]),
                _ => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use actix_web::HttpResponse;

    use super::*;

    /// A stand-in handler.
    #[utoipa::path(get, path = "/files/{key:.*}", summary = "A file",
        params(("key" = String, Path)),
        responses((status = 200, description = "The file")))]
    async fn file() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    /// Another one, with a JSON body.
    #[utoipa::path(post, path = "/notes", summary = "A note",
        request_body = crate::http::openapi::ErrorEnvelope,
        responses((status = 200, description = "Stored")))]
    async fn note() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[test]
    fn a_route_is_served_and_described_from_its_operation() {
        let table = RouteTable::new("/x", Surface::CONTROL_PLANE)
            .route(file, __path_file)
            .route(note, __path_note);
        let endpoints: Vec<(&str, &str)> = table
            .endpoints()
            .iter()
            .map(|endpoint| (endpoint.method.as_str(), endpoint.path.as_str()))
            .collect();
        assert_eq!(endpoints, [("GET", "/x/files/{key}"), ("POST", "/x/notes")]);
        let paths = serde_json::to_value(table.described().paths).unwrap();
        let get = &paths["/x/files/{key}"]["get"];
        assert_eq!(get["operationId"], "get_x_files_key");
        assert_eq!(get["tags"], serde_json::json!(["admin"]));
        assert_eq!(get["security"], serde_json::json!([{}, {"adminToken": []}]));
        let statuses = |operation: &serde_json::Value| {
            operation["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(statuses(get), ["200", "401"]);
        // A JSON body brings the body's rejections.
        let post = &paths["/x/notes"]["post"];
        assert_eq!(statuses(post), ["200", "400", "401", "408", "413", "415"]);
        assert_eq!(
            post["responses"]["415"]["$ref"],
            "#/components/responses/Error415"
        );
    }

    #[test]
    #[should_panic(expected = "the operation is not the handler's")]
    fn an_operation_cannot_be_registered_with_another_handler() {
        let _ = RouteTable::new("/x", Surface::CONTROL_PLANE)
            .route(note, __path_file)
            .described();
    }
}
