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
use crate::http::route_table::{get, post, RouteTable};

/// The end-user routes of the Apps API.
pub fn routes(table: RouteTable) -> RouteTable {
    table
        .at("/end_users", [post(upsert), get(find)])
        .at("/chats/{chat_id}/end_user", [post(authenticate_in_chat)])
}

/// The fields may come flat or nested under `end_user`.
#[derive(Debug, Deserialize)]
pub struct UpsertBody {
    #[serde(flatten)]
    flat: EndUserDto,
    end_user: Option<EndUserDto>,
}

#[derive(Debug, Default, Deserialize)]
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

#[derive(Debug, Deserialize)]
pub struct FindQuery {
    id: Option<EndUserId>,
    identifier: Option<String>,
}

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
