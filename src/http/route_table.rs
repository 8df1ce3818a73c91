//! The route table: every (method, path) the server answers is registered through a
//! [`RouteTable`], which records it as it registers it. The OpenAPI document's test checks
//! itself against `crate::startup::all_endpoints`, so the registration and the document
//! cannot drift apart silently: a new route without documentation (or the reverse) fails
//! `cargo test`.
//! Every resource answers a method it does not have with 405 in the envelope and an
//! `Allow` header listing the methods it has.

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Resource, Responder, Route, Scope};
use serde::Serialize;

use super::error::{method_not_allowed, route_not_found};

/// One registered operation, e.g. `GET /__admin/health`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    pub method: String,
    /// The full path with actix/OpenAPI placeholders, e.g. `/__admin/chats/{chat_id}`.
    pub path: String,
}

/// The routes of one scope (the Apps API or the control plane), recorded as registered.
pub struct RouteTable {
    prefix: &'static str,
    resources: Vec<Resource>,
    endpoints: Vec<Endpoint>,
}

/// A handler for one method, for [`RouteTable::at`].
pub struct MethodRoute {
    method: Method,
    route: Route,
}

pub fn on<F, Args>(method: Method, handler: F) -> MethodRoute
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    MethodRoute {
        route: web::method(method.clone()).to(handler),
        method,
    }
}

macro_rules! method_helpers {
    ($($name:ident => $method:ident),*) => {$(
        pub fn $name<F, Args>(handler: F) -> MethodRoute
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            on(Method::$method, handler)
        }
    )*};
}

method_helpers!(get => GET, post => POST, put => PUT, patch => PATCH, delete => DELETE);

impl RouteTable {
    pub fn new(prefix: &'static str) -> RouteTable {
        RouteTable {
            prefix,
            resources: Vec::new(),
            endpoints: Vec::new(),
        }
    }

    /// Registers `path` (relative to the prefix) with one handler per method.
    pub fn at<const N: usize>(mut self, path: &str, routes: [MethodRoute; N]) -> RouteTable {
        let allow: Vec<String> = routes
            .iter()
            .map(|route| route.method.to_string())
            .collect();
        let allow = allow.join(", ");
        let mut resource = web::resource(path).default_service(web::to(move || {
            let allow = allow.clone();
            async move { method_not_allowed(&allow) }
        }));
        for MethodRoute { method, route } in routes {
            self.endpoints.push(Endpoint {
                method: method.to_string(),
                path: format!("{}{}", self.prefix, without_patterns(path)),
            });
            resource = resource.route(route);
        }
        self.resources.push(resource);
        self
    }

    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The scope that serves these routes; anything else under the prefix is a 404.
    pub fn into_scope(self) -> Scope {
        self.resources
            .into_iter()
            .fold(web::scope(self.prefix), |scope, resource| {
                scope.service(resource)
            })
            .default_service(web::to(route_not_found))
    }
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
