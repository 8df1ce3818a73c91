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
use crate::http::route_table::{delete, get, RouteTable};
use crate::http::waiting::{respond_with_list, ListWait, Listed};

/// The request journal on the control plane.
pub fn routes(table: RouteTable) -> RouteTable {
    table.at("/requests", [get(list), delete(reset)])
}

#[derive(Debug, Deserialize)]
pub struct RequestsQuery {
    tenant: Option<String>,
    method: Option<String>,
    path: Option<String>,
    path_prefix: Option<String>,
    status: Option<u16>,
    after: Option<u64>,
    min_count: Option<usize>,
    wait: Option<String>,
}

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
    respond_with_list(&events, list_wait, || {
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
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct ResetQuery {
    tenant: Option<String>,
}

pub async fn reset(state: web::Data<Requests>, query: web::Query<ResetQuery>) -> HttpResponse {
    let deleted = state.forget(query.tenant.as_deref());
    HttpResponse::Ok().json(json!({
        "deleted": deleted,
        "tenant": query.tenant.as_deref().unwrap_or("all"),
    }))
}
