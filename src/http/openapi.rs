//! The OpenAPI document, assembled from what the route tables registered. Each handler
//! carries its operation (`#[utoipa::path(...)]` next to it, with the path relative to its
//! surface) and [`crate::http::route_table::RouteTable::route`] registers the two together;
//! the schemas come from the wire types (`#[derive(utoipa::ToSchema)]`), collected from the
//! operations that use them. What every operation of a surface shares (its tag, its
//! security, the rejections every route of it can answer) is added here from the
//! [`Surface`], and so are the rejections of a JSON body; the shared rejections are
//! `components.responses` (`Error400`, `Error404`, ...), named in an operation as
//! `response = Error404`.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::openapi::path::{Operation, Paths};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, InfoBuilder, OpenApi, OpenApiBuilder, RefOr,
    Schema, Tag,
};
use utoipa::{PartialSchema, ToResponse, ToSchema};

/// The platform's error envelope, `{"message": "..."}` (`Error`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorEnvelope {
    pub message: String,
}

/// What every operation of one surface (the Apps API, the control plane, the storage
/// endpoint) shares.
#[derive(Debug, Clone, Copy)]
pub struct Surface {
    pub tag: &'static str,
    pub tag_description: &'static str,
    /// The security scheme its operations name (`None`: no credentials).
    security: Security,
    /// Rejections every one of its routes can answer.
    rejects: &'static [u16],
}

#[derive(Debug, Clone, Copy)]
enum Security {
    None,
    /// Basic auth: the tenant's subdomain and API token.
    TenantBasic,
    /// The control plane's bearer token, needed only with `--admin-token`.
    OptionalAdminToken,
}

impl Surface {
    /// `/apps/api/v1`: Basic auth (401); 400 also answers a subdomain over
    /// `--max-subdomain-length` (open mode).
    pub const APPS_API: Surface = Surface {
        tag: "Apps API",
        tag_description: "The emulated platform API",
        security: Security::TenantBasic,
        rejects: &[400, 401],
    };
    /// `/__admin`: the token when the emulator runs with `--admin-token` (401).
    pub const CONTROL_PLANE: Surface = Surface {
        tag: "admin",
        tag_description: "The emulator's control plane",
        security: Security::OptionalAdminToken,
        rejects: &[401],
    };
    /// `/__storage`: the signed form or link is the permission; its errors are S3's XML.
    pub const STORAGE: Surface = Surface {
        tag: "storage",
        tag_description: "The emulator's S3-style storage endpoint for pre-signed uploads",
        security: Security::None,
        rejects: &[],
    };

    /// Gives `operation` (served at `path`) what the surface's operations share, and the
    /// rejections of a JSON body (400 malformed, 408 slower than --body-read-timeout, 413
    /// over --max-body-bytes, 415 not JSON) when it takes one. A control-plane path that is
    /// open without the admin token (the console page and its icon) names no security and
    /// no 401.
    pub(crate) fn complete(&self, path: &str, operation: &mut Operation) {
        let open = matches!(self.security, Security::OptionalAdminToken)
            && super::admin_token::is_open(path);
        operation.tags = Some(vec![self.tag.to_owned()]);
        let takes_json = operation
            .request_body
            .as_ref()
            .is_some_and(|body| body.content.contains_key("application/json"));
        let body_rejects: &[u16] = if takes_json {
            &[400, 408, 413, 415]
        } else {
            &[]
        };
        let surface_rejects: &[u16] = if open { &[] } else { self.rejects };
        for status in surface_rejects.iter().chain(body_rejects) {
            operation
                .responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| RefOr::Ref(rejection_ref(*status)));
        }
        let security = match self.security {
            _ if open => Some(Vec::new()),
            Security::None => None,
            Security::TenantBasic => Some(vec![SecurityRequirement::new(
                "tenantBasic",
                Vec::<String>::new(),
            )]),
            Security::OptionalAdminToken => Some(vec![
                SecurityRequirement::default(),
                SecurityRequirement::new("adminToken", Vec::<String>::new()),
            ]),
        };
        if security.is_some() {
            operation.security = security;
        }
    }
}

/// The shared rejections: `components.responses.Error<status>`, each the envelope.
const REJECTIONS: [(u16, &str); 10] = [
    (400, "Malformed or invalid request"),
    (401, "Missing or wrong credentials"),
    (
        403,
        "A limit was reached (the message names the flag that raises it)",
    ),
    (404, "No such object (or route)"),
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
];

fn rejection_ref(status: u16) -> utoipa::openapi::Ref {
    assert!(
        REJECTIONS.iter().any(|(known, _)| *known == status),
        "no shared rejection for {status}"
    );
    utoipa::openapi::Ref::from_response_name(format!("Error{status}"))
}

fn rejection(status: u16) -> Response {
    let description = REJECTIONS
        .iter()
        .find(|(known, _)| *known == status)
        .map(|(_, description)| *description)
        .unwrap_or_default();
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(ErrorEnvelope::schema()))
            .build(),
    );
    if status == 405 {
        response = response.header(
            "Allow",
            HeaderBuilder::new()
                .description(Some("the methods the route has"))
                .schema(String::schema())
                .build(),
        );
    }
    response.build()
}

macro_rules! rejections {
    ($($name:ident => $status:literal),*) => {$(
        #[doc = concat!("The shared ", stringify!($status), " rejection, for `response = ", stringify!($name), "`.")]
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), RefOr::T(rejection($status)))
            }
        }
    )*};
}

rejections!(Error400 => 400, Error401 => 401, Error403 => 403, Error404 => 404,
    Error405 => 405, Error408 => 408, Error409 => 409, Error413 => 413, Error415 => 415,
    Error507 => 507);

/// The operations and schemas the route tables gathered.
#[derive(Default)]
pub struct Described {
    pub paths: Paths,
    schemas: BTreeMap<String, RefOr<Schema>>,
}

impl Described {
    /// Adds the schemas an operation names (each operation names again every schema it
    /// reaches, so they are kept once, as they come).
    pub fn add_schemas(&mut self, schemas: Vec<(String, RefOr<Schema>)>) {
        for (name, schema) in schemas {
            match self.schemas.get(&name) {
                // Two wire types under one name would make one of them silently wrong.
                Some(known) => assert!(
                    *known == schema,
                    "two different schemas are named {name}: give one of them #[schema(as = ...)]"
                ),
                None => {
                    self.schemas.insert(name, schema);
                }
            }
        }
    }

    /// Adds what another table described.
    pub fn extend(&mut self, other: Described) {
        self.paths.paths.extend(other.paths.paths);
        self.add_schemas(other.schemas.into_iter().collect());
    }
}

/// The whole document from the operations of every surface.
pub fn document(mut described: Described, surfaces: &[Surface]) -> OpenApi {
    described.add_schemas(vec![(
        ErrorEnvelope::name().into_owned(),
        ErrorEnvelope::schema(),
    )]);
    let schemas = described.schemas;
    let responses = REJECTIONS
        .iter()
        .map(|(status, _)| (format!("Error{status}"), rejection(*status)));
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .responses_from_iter(responses)
        .security_scheme(
            "tenantBasic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("username = tenant subdomain, password = API token"))
                    .build(),
            ),
        )
        .security_scheme(
            "adminToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("only when the emulator runs with --admin-token"))
                    .build(),
            ),
        )
        .build();
    let tags = surfaces
        .iter()
        .map(|surface| {
            let mut tag = Tag::new(surface.tag);
            tag.description = Some(surface.tag_description.to_owned());
            tag
        })
        .collect::<Vec<_>>();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("ccai-emulator")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The emulated CCAI Platform chat Apps API (/apps/api/v1, HTTP Basic auth: subdomain and API token) and the emulator's control plane (/__admin, optional bearer token).",
                ))
                .build(),
        )
        .paths(described.paths)
        .components(Some(components))
        .tags(Some(tags))
        .build()
}
