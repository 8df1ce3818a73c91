//! `GET /apps/api/v1/wait_times` (pages "Estimated wait time API" and "Wait time
//! endpoints"): the estimated wait of each menu (queue) of the tenant's queue structure
//! for a language. `lang` is required; `menu_id` (a menu and its sub-menus), `menu_type`
//! (`ivr_menu`, `mobile_menu`, `web_menu`, or `all`), `channel_type` (`voice_call`,
//! `chat`), `wait[from]` and `wait[to]` (positive integers: minutes, exclusive) narrow it.
//! Every bad parameter is a 400 naming it. The figures are each queue's `wait_time` in the
//! fixtures, or what the control plane set for the tenant.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::super::Escalations;
use crate::core::domain::wait_times::{ChannelType, MenuType, WaitTimeQuery};
use crate::features::escalations::wire::WaitTime;
use crate::http::basic_auth::AuthenticatedTenant;
use crate::http::error::ApiError;
use crate::http::openapi::Error400;
use crate::http::route_table::RouteTable;

/// The wait-time route of the Apps API.
pub fn routes(table: RouteTable) -> RouteTable {
    table.route(list, __path_list)
}

/// The query, read as text so that each bad value is refused naming its parameter.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitTimeParams {
    /// required: the language of the queue structure, e.g. en
    lang: Option<String>,
    /// a menu: it and its sub-menus
    #[param(value_type = Option<u64>)]
    menu_id: Option<String>,
    /// ivr_menu, mobile_menu, web_menu or all (the default)
    menu_type: Option<String>,
    /// voice_call or chat
    channel_type: Option<String>,
    /// only menus whose wait (minutes) is greater than this positive integer
    #[serde(rename = "wait[from]")]
    #[param(rename = "wait[from]", value_type = Option<u64>)]
    wait_from: Option<String>,
    /// only menus whose wait (minutes) is less than this positive integer
    #[serde(rename = "wait[to]")]
    #[param(rename = "wait[to]", value_type = Option<u64>)]
    wait_to: Option<String>,
}

impl WaitTimeParams {
    fn query(self) -> Result<WaitTimeQuery, ApiError> {
        let lang = match self.lang.as_deref().map(str::trim) {
            None | Some("") => {
                return Err(ApiError::BadRequest(
                    "lang is required: the language of the queue structure, e.g. lang=en"
                        .to_owned(),
                ))
            }
            Some(lang) if lang.len() > 35 || !lang.chars().all(is_lang_char) => {
                return Err(ApiError::BadRequest(format!(
                    "lang {lang:?} is not a language code such as en or pt-BR"
                )))
            }
            Some(lang) => lang.to_owned(),
        };
        let positive = |name: &str, value: Option<String>| -> Result<Option<u64>, ApiError> {
            value
                .map(|text| match text.trim().parse::<u64>() {
                    Ok(number) if number > 0 => Ok(number),
                    _ => Err(ApiError::BadRequest(format!(
                        "{name} must be a positive integer, not {text:?}"
                    ))),
                })
                .transpose()
        };
        let menu_type = match self.menu_type.as_deref() {
            None | Some("all") => None,
            Some(name) => Some(MenuType::parse(name).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "menu_type {name:?} is not one of {}, all",
                    MenuType::NAMES.join(", ")
                ))
            })?),
        };
        let channel_type = self
            .channel_type
            .as_deref()
            .map(|name| {
                ChannelType::parse(name).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "channel_type {name:?} is not one of {}",
                        ChannelType::NAMES.join(", ")
                    ))
                })
            })
            .transpose()?;
        Ok(WaitTimeQuery {
            lang,
            menu_id: positive("menu_id", self.menu_id)?,
            menu_type,
            channel_type,
            wait_from: positive("wait[from]", self.wait_from)?,
            wait_to: positive("wait[to]", self.wait_to)?,
        })
    }
}

fn is_lang_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

#[utoipa::path(get, path = "/wait_times",
    summary = "The estimated wait of each menu (queue) for a language",
    params(WaitTimeParams),
    responses(
        (status = 200, description = "The menus, each with its wait", body = Vec<WaitTime>),
        (status = 400, response = Error400),
    ))]
pub async fn list(
    AuthenticatedTenant(tenant): AuthenticatedTenant,
    escalations: web::Data<Escalations>,
    params: web::Query<WaitTimeParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_inner().query()?;
    Ok(HttpResponse::Ok().json(escalations.wait_times(&tenant, &query)?))
}
