//! `POST /end_users` (upsert by identifier) and `GET /end_users?id=|identifier=`. The
//! body also serves mid-session authentication ([`super::Chats::authenticate_in_chat`]).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::super::{Chats, MISSING_IDENTIFIER};
use crate::core::domain::{ChatId, EndUserId};
use crate::core::state::EndUserFields;
use crate::core::wire::apps::EndUser;
use crate::http::basic_auth::AuthenticatedTenant;
use crate::http::error::ApiError;
use crate::http::openapi::{Error400, Error403, Error404, ErrorEnvelope};
use crate::http::route_table::RouteTable;

/// The end-user routes of the Apps API.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .route(upsert, __path_upsert)
        .route(find, __path_find)
        .route(authenticate_in_chat, __path_authenticate_in_chat)
}

/// The fields may come flat or nested under `end_user`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = EndUserInput)]
pub struct UpsertBody {
    #[serde(flatten)]
    flat: EndUserDto,
    /// The same fields, nested.
    end_user: Option<EndUserDto>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = EndUserFields)]
struct EndUserDto {
    identifier: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

impl UpsertBody {
    fn into_fields(self) -> Result<EndUserFields, ApiError> {
        self.into_fields_or(|| ApiError::BadRequest("identifier is required".to_owned()))
    }

    /// The fields, or `missing()` when there is no identifier.
    pub(super) fn into_fields_or(
        self,
        missing: impl FnOnce() -> ApiError,
    ) -> Result<EndUserFields, ApiError> {
        let dto = self.end_user.unwrap_or(self.flat);
        let identifier = dto.identifier.ok_or_else(missing)?;
        Ok(EndUserFields {
            identifier,
            name: dto.name,
            email: dto.email,
            phone: dto.phone,
        })
    }
}

#[utoipa::path(post, path = "/end_users", summary = "Upsert an end user by identifier",
    request_body = UpsertBody,
    responses(
        (status = 200, description = "The end user (same identifier, same id)", body = EndUser),
        // A new subdomain past --max-tenants (open mode).
        (status = 403, response = Error403),
    ))]
pub async fn upsert(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<Chats>,
    body: web::Json<UpsertBody>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.into_inner().into_fields()?;
    // The first thing a tenant stores: register it (within --max-tenants) only now.
    let tenant = state.state().admit_tenant(&tenant.name)?;
    let user = state.upsert_end_user(&tenant, fields)?;
    Ok(HttpResponse::Ok().json(EndUser::of(&user)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindQuery {
    /// the end user's id
    id: Option<EndUserId>,
    /// the end user's identifier
    identifier: Option<String>,
}

#[utoipa::path(get, path = "/end_users", summary = "Find one end user",
    params(FindQuery),
    responses(
        (status = 200, description = "The end user", body = EndUser),
        (status = 404, response = Error404),
    ))]
pub async fn find(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    query: web::Query<FindQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = match (query.id, query.identifier.as_deref()) {
        (Some(id), _) => tenant.end_user(id),
        (None, Some(identifier)) => tenant.end_user_by_identifier(identifier),
        (None, None) => {
            return Err(ApiError::BadRequest(
                "Give id or identifier as a query parameter".to_owned(),
            ))
        }
    };
    let user = user.ok_or_else(|| ApiError::NotFound("End user not found".to_owned()))?;
    Ok(HttpResponse::Ok().json(EndUser::of(&user)))
}

/// Mid-session authentication (page "Mid-Session authentication by API"): 202
/// `{"message": "accepted"}`; the documented 400s (see [`super::Chats::authenticate_in_chat`]).
#[utoipa::path(post, path = "/chats/{chat_id}/end_user",
    summary = "Mid-session authentication: re-point the chat at a verified end user",
    params(("chat_id" = ChatId, Path)),
    request_body = UpsertBody,
    responses(
        (status = 202, description = "Accepted", body = ErrorEnvelope),
        (status = 400, response = Error400),
        (status = 404, response = Error404),
    ))]
pub async fn authenticate_in_chat(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    state: web::Data<Chats>,
    chat_id: web::Path<ChatId>,
    body: web::Json<UpsertBody>,
) -> Result<HttpResponse, ApiError> {
    let fields = body
        .into_inner()
        .into_fields_or(|| ApiError::BadRequest(MISSING_IDENTIFIER.to_owned()))?;
    state
        .authenticate_in_chat(&tenant, chat_id.into_inner(), fields)
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({"message": "accepted"})))
}
