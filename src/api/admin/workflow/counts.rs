use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::admin::contents::actor;
use crate::api::extract::Query;
use crate::auth::{ContentStaff, Require};
use crate::db::models::workflow_items::StatusCounts;
use crate::domain::review_work;
use crate::error::AppError;
use crate::startup::AppState;

/// How many items are in each workflow state. The states split every item exactly once.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateCounts {
    /// Drafts never sent back by a reviewer.
    pub draft: i64,
    /// Waiting for a reviewer (first publication).
    pub in_review: i64,
    /// Drafts a reviewer sent back with a reason (`reject_reason` on the item).
    pub rejected: i64,
    /// Approved, with a `publish_at` still to come.
    pub scheduled: i64,
    /// Approved and visible to learners.
    pub published: i64,
    pub archived: i64,
    /// Of the published and scheduled ones: those with a change waiting for a reviewer
    /// (also counted under their own state).
    pub changes_in_review: i64,
}

impl From<StatusCounts> for StateCounts {
    fn from(c: StatusCounts) -> Self {
        Self {
            draft: c.draft,
            in_review: c.in_review,
            rejected: c.rejected,
            scheduled: c.scheduled,
            published: c.published,
            archived: c.archived,
            changes_in_review: c.changes_in_review,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowCounts {
    pub contents: StateCounts,
    pub quizzes: StateCounts,
    pub campaigns: StateCounts,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountsParams {
    /// `true`: only items the caller authored ("my items"). Absent or `false`: everyone's
    /// (content staff may list everyone's items in `/admin/contents` too).
    pub mine: Option<bool>,
}

/// Counts per workflow state of contents, quizzes and campaigns (editors, reviewers,
/// admins), of everyone's items or, with `mine=true`, of the caller's own.
#[utoipa::path(
    operation_id = "admin_workflow_counts",
    tag = "admin: workflow",
    security(("bearer" = [])),
    params(CountsParams),
    responses(
        (status = 200, description = "Counts per state", body = WorkflowCounts),
        (status = 403, description = "Needs editor, reviewer or admin"),
    )
)]
#[get("/admin/workflow/counts")]
pub async fn counts(
    state: web::Data<AppState>,
    Require { user: caller, body: Query(params), .. }: Require<ContentStaff, Query<CountsParams>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now) = (actor(&caller), state.clock.now());
    let author = params.mine.unwrap_or(false).then_some(caller.id);
    let [contents, quizzes, campaigns] =
        state.db.run(move |conn| review_work::counts(conn, actor, author, now)).await?;
    Ok(HttpResponse::Ok().json(WorkflowCounts {
        contents: contents.into(),
        quizzes: quizzes.into(),
        campaigns: campaigns.into(),
    }))
}
