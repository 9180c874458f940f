use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{StaffCampaign, StaffCampaignPage};
use crate::api::admin::contents::{RevisionStatus, WorkflowStatus};
use crate::api::extract::{Json, Query};
use crate::api::pagination;
use crate::auth::{ContentStaff, Require};
use crate::domain::campaigns::{self, CampaignInput};
use crate::domain::workflow::Actor;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StaffCampaignParams {
    pub status: Option<WorkflowStatus>,
    /// Only published campaigns with a pending change in this state (`in_review`: the
    /// changes waiting for a reviewer).
    pub revision_status: Option<RevisionStatus>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Campaigns in every state, newest first.
#[utoipa::path(
    operation_id = "admin_list_campaigns", tag = "admin: campaigns", security(("bearer" = [])),
    params(StaffCampaignParams),
    responses((status = 200, description = "A page of campaigns", body = StaffCampaignPage), (status = 400, description = "Bad cursor (`invalid_cursor`)"), (status = 403, description = "Needs editor, reviewer or admin"))
)]
#[get("/admin/campaigns")]
pub async fn list(
    state: web::Data<AppState>,
    Require { body: Query(params), .. }: Require<ContentStaff, Query<StaffCampaignParams>>,
) -> Result<HttpResponse, AppError> {
    let status = params.status.map(WorkflowStatus::status);
    let revision = params.revision_status.map(RevisionStatus::status);
    let (limit, before) = (pagination::limit(params.limit)?, pagination::decode_cursor(params.cursor.as_deref())?);
    let now = state.clock.now();
    let page = state.db.run(move |conn| campaigns::staff_list(conn, status, revision, before, limit)).await?;
    let next = if page.has_more { page.items.last().map(|c| pagination::encode_cursor(c.row.id)) } else { None };
    Ok(HttpResponse::Ok().json(StaffCampaignPage {
        items: page.items.into_iter().map(|c| StaffCampaign::from_full(c, now)).collect(),
        next_cursor: next,
    }))
}

pub(super) async fn respond(state: &AppState, id: i64) -> Result<StaffCampaign, AppError> {
    let now = state.clock.now();
    Ok(StaffCampaign::from_full(state.db.run(move |conn| campaigns::find(conn, id)).await?, now))
}

/// Create a draft campaign: kind, window, optional organization scope and multiplier,
/// attached contents and quizzes.
///
/// `ends_at` is after `starts_at` and at most 366 days later (422 otherwise). An `org_id`,
/// content id or quiz id naming nothing is 404 `unknown_reference`.
#[utoipa::path(
    operation_id = "admin_create_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    request_body = CampaignInput,
    responses((status = 201, description = "The new draft", body = StaffCampaign, headers(("Location" = String))), (status = 403, description = "Needs editor, reviewer or admin"), (status = 404, description = "An organization, content or quiz named does not exist (`unknown_reference`)"), (status = 422, description = "Invalid fields (`validation_failed`)"))
)]
#[post("/admin/campaigns")]
pub async fn create(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(input), .. }: Require<ContentStaff, Json<CampaignInput>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now) = (Actor { id: caller.id, role: caller.role }, state.clock.now());
    let id = state.db.run(move |conn| campaigns::create(conn, actor, &input, now)).await?;
    let body = respond(&state, id).await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/admin/campaigns/{id}"))).json(body))
}

/// One campaign in any state, with its pending change (`revision`) if it is published.
#[utoipa::path(
    operation_id = "admin_get_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses((status = 200, description = "The campaign", body = StaffCampaign), (status = 403, description = "Needs editor, reviewer or admin"), (status = 404, description = "No such campaign"))
)]
#[get("/admin/campaigns/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    _caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(respond(&state, id.into_inner()).await?))
}

/// Change a campaign, under the same rules as contents: a draft (its author or a
/// reviewer) in place; a published campaign (its author or a reviewer) through its pending
/// `revision`, which learners do not see until a reviewer who neither wrote nor submitted
/// it approves it. `content_ids` and `quiz_ids`, when given, replace the attachments. The
/// caller becomes one of the revision's writers.
///
/// `ends_at` is after `starts_at` and at most 366 days later: broken by the request alone
/// (both given), 422; broken only together with the stored value, 409 `conflict`. An
/// `org_id`, content id or quiz id naming nothing is 404 `unknown_reference`.
#[utoipa::path(
    operation_id = "admin_update_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = CampaignInput,
    responses(
        (status = 200, description = "The campaign", body = StaffCampaign),
        (status = 403, description = "Not allowed for this caller in this state"),
        (status = 404, description = "No such campaign, or a reference naming nothing (`unknown_reference`)"),
        (status = 409, description = "Not editable in its state (`invalid_state`), or the window conflicts with the stored one (`conflict`)"),
        (status = 422, description = "Invalid fields (`validation_failed`)"),
    )
)]
#[patch("/admin/campaigns/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    Require { user: caller, body: Json(input), .. }: Require<ContentStaff, Json<CampaignInput>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (Actor { id: caller.id, role: caller.role }, state.clock.now(), id.into_inner());
    state.db.run(move |conn| campaigns::update(conn, actor, id, &input, now)).await?;
    Ok(HttpResponse::Ok().json(respond(&state, id).await?))
}

/// Archive a campaign: learners no longer see it; its board and the points already
/// earned stay. Idempotent.
#[utoipa::path(
    operation_id = "admin_archive_campaign", tag = "admin: campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses((status = 204, description = "Archived"), (status = 403, description = "Authors archive their own unpublished campaigns; reviewers any"), (status = 404, description = "No such campaign"))
)]
#[delete("/admin/campaigns/{id}")]
pub async fn archive(
    state: web::Data<AppState>,
    caller: Require<ContentStaff>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, id) = (Actor { id: caller.id, role: caller.role }, state.clock.now(), id.into_inner());
    state.db.run(move |conn| campaigns::archive(conn, actor, id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
