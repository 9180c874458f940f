use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{Campaign, CampaignPage};
use crate::api::caching::{self, Audience};
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::MaybeAuthUser;
use crate::db::models::campaigns::Window;
use crate::domain::campaigns;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    /// Running now, ending soonest first (the default).
    Active,
    /// Not started yet, starting soonest first.
    Upcoming,
    /// Over, most recently ended first.
    Past,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CampaignListParams {
    #[param(inline)]
    pub status: Option<StatusFilter>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (with the same status).
    #[param(pattern = r"^[0-9]{1,16}_[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Campaigns the caller can see: published, and either county-wide or limited to an
/// organization subtree the caller belongs to (without a token: county-wide ones only).
/// A page may hold fewer than `limit` items when some are outside the caller's scope;
/// follow `next_cursor` until it is `null`.
#[utoipa::path(
    operation_id = "list_campaigns", tag = "campaigns", security((), ("bearer" = [])),
    params(CampaignListParams),
    responses(
        (status = 200, description = "A page of campaigns", body = CampaignPage,
            headers(("ETag" = String, description = "Version of this page"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 401, description = "A token was sent and is invalid"),
        (status = 422, description = "A parameter is invalid"),
    )
)]
#[get("/campaigns")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    Query(params): Query<CampaignListParams>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let after = pagination::decode_time_cursor(params.cursor.as_deref())?;
    let window = match params.status.unwrap_or(StatusFilter::Active) {
        StatusFilter::Active => Window::Active,
        StatusFilter::Upcoming => Window::Upcoming,
        StatusFilter::Past => Window::Past,
    };
    let viewer_path = caller.0.as_ref().and_then(|u| u.org_path().map(str::to_owned));
    let now = state.clock.now();
    let listing =
        state.db.run(move |conn| campaigns::list(conn, window, viewer_path.as_deref(), after, limit, now)).await?;
    let page = CampaignPage {
        items: listing.items.into_iter().map(|c| Campaign::from_full(c, now)).collect(),
        next_cursor: listing.next.map(|(at, id)| pagination::encode_time_cursor(at, id)),
    };
    caching::json(&req, &page, if caller.0.is_some() { Audience::Private } else { Audience::Public })
}
