//! The request journal on the control plane: list (filtered, optionally long-polled) and
//! reset, per tenant or all. Every answer says how full the journal is and how many
//! entries it evicted, so an incomplete journal is never mistaken for a complete one.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::super::Requests;
use crate::core::live_events::LiveEventBus;
use crate::features::requests::journal::{RequestFilter, RequestList};
use crate::http::error::ApiError;
use crate::http::openapi::Error400;
use crate::http::route_table::RouteTable;
use crate::http::waiting::{nothing_to_explain, respond_with_list, ListWait, Listed};

/// The request journal on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table.route(list, __path_list).route(reset, __path_reset)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// only this tenant
    tenant: Option<String>,
    /// only this HTTP method
    method: Option<String>,
    /// only this exact path
    path: Option<String>,
    /// only paths starting so
    path_prefix: Option<String>,
    /// only this response status
    status: Option<u16>,
    /// only entries with a larger id
    after: Option<u64>,
    /// long-poll: answer once this many match
    min_count: Option<usize>,
    /// long-poll: wait up to this long (e.g. 5s, at most 60s)
    wait: Option<String>,
}

#[utoipa::path(get, path = "/requests", summary = "The request journal of the Apps API",
    params(RequestsQuery),
    responses(
        (status = 200, description = "Journaled requests", body = Object),
        (status = 400, response = Error400),
        (status = 408, description = "The wait ended first; what was seen so far", body = Object),
        (status = 503, description = "The emulator began shutting down during the wait; what was seen so far", body = Object),
    ))]
pub async fn list(
    state: web::Data<Requests>,
    events: web::Data<LiveEventBus>,
    query: web::Query<RequestsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let list_wait = ListWait::from_query(query.wait.as_deref(), query.min_count)?;
    let filter = RequestFilter {
        tenant: query.tenant,
        method: query.method,
        path: query.path,
        path_prefix: query.path_prefix,
        status: query.status,
        after: query.after,
    };
    respond_with_list(
        &events,
        list_wait,
        || {
            let requests = state.list(&filter);
            let stats = state.stats();
            Ok(Listed {
                count: requests.len(),
                body: RequestList {
                    count: requests.len(),
                    requests,
                    stored: stats.stored,
                    cap: stats.cap,
                    evicted: stats.evicted,
                    evicted_for_tenant: filter
                        .tenant
                        .as_ref()
                        .map(|tenant| state.evicted_for(tenant)),
                },
            })
        },
        nothing_to_explain,
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResetQuery {
    /// only this tenant
    tenant: Option<String>,
}

#[utoipa::path(delete, path = "/requests",
    summary = "Empty the request journal (one tenant's, or all)",
    params(ResetQuery),
    responses((status = 200, description = "Emptied", body = Object)))]
pub async fn reset(state: web::Data<Requests>, query: web::Query<ResetQuery>) -> HttpResponse {
    let deleted = state.forget(query.tenant.as_deref());
    HttpResponse::Ok().json(json!({
        "deleted": deleted,
        "tenant": query.tenant.as_deref().unwrap_or("all"),
    }))
}
