use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Campaign;
use crate::api::caching::{self, Audience};
use crate::api::contents::{FeedItem, preferences};
use crate::api::extract::Query;
use crate::api::quizzes::QuizSummary;
use crate::auth::MaybeAuthUser;
use crate::domain::campaigns;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignDetail {
    #[serde(flatten)]
    pub campaign: Campaign,
    /// Its published contents as feed items, newest first.
    pub contents: Vec<FeedItem>,
    /// Its published quizzes, in the campaign's order.
    pub quizzes: Vec<QuizSummary>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CampaignShowParams {
    /// Preferred locale for the contents; overrides `Accept-Language`.
    pub locale: Option<String>,
}

/// One campaign with its contents and quizzes. Campaigns the caller cannot see (not
/// published, or limited to another organization) answer 404.
#[utoipa::path(
    operation_id = "get_campaign", tag = "campaigns", security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id"), CampaignShowParams),
    responses(
        (status = 200, description = "The campaign", body = CampaignDetail,
            headers(("ETag" = String, description = "Version of this document"))),
        (status = 304, description = "Not modified since the ETag sent in If-None-Match"),
        (status = 401, description = "A token was sent and is invalid"),
        (status = 404, description = "No such campaign for this caller"),
    )
)]
#[get("/campaigns/{id}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<i64>,
    Query(params): Query<CampaignShowParams>,
) -> Result<HttpResponse, AppError> {
    let (id, now) = (id.into_inner(), state.clock.now());
    let viewer_path = caller.0.as_ref().and_then(|u| u.org_path().map(str::to_owned));
    let (viewer, prefs) = (caller.id(), preferences(&req, params.locale.as_deref()));
    let detail =
        state.db.run(move |conn| campaigns::detail(conn, id, viewer, viewer_path.as_deref(), prefs, now)).await?;
    let body = CampaignDetail {
        contents: detail.contents.iter().map(FeedItem::from_item).collect(),
        quizzes: detail.quizzes.iter().map(|q| QuizSummary::from_learner(q, now)).collect(),
        campaign: Campaign::from_full(detail.campaign, now),
    };
    caching::json(&req, &body, if caller.0.is_some() { Audience::Private } else { Audience::Public })
}
