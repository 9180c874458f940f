use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{RevisionStatus, StaffContent, StaffContentPage, WorkflowStatus};
use crate::api::contents::feed::KindFilter;
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::{ContentStaff, Require};
use crate::domain::contents::{self, Kind, StaffFilter};
use crate::domain::search;
use crate::domain::topics::TopicRef;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StaffListParams {
    pub status: Option<WorkflowStatus>,
    /// Only published contents with a pending change in this state (`in_review`: the
    /// changes waiting for a reviewer).
    pub revision_status: Option<RevisionStatus>,
    pub kind: Option<KindFilter>,
    /// Topic slug or id; one naming no topic is 404 `unknown_reference`.
    #[param(pattern = r"^([0-9]{1,18}|[a-z0-9][a-z0-9-]{0,38}[a-z0-9])$")]
    pub topic: Option<String>,
    pub author_id: Option<i64>,
    /// Search words (at most 100 characters).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Contents in every state, newest first (editors, reviewers, admins).
#[utoipa::path(
    operation_id = "admin_list_contents",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(StaffListParams),
    responses(
        (status = 200, description = "A page of contents (without translations)", body = StaffContentPage),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 404, description = "`topic` names no topic (`unknown_reference`)"),
    )
)]
#[get("/admin/contents")]
pub async fn list(
    state: web::Data<AppState>,
    Require { user: _, body: Query(params), .. }: Require<ContentStaff, Query<StaffListParams>>,
) -> Result<HttpResponse, AppError> {
    let filter = StaffFilter {
        status: params.status.map(WorkflowStatus::status),
        revision_status: params.revision_status.map(RevisionStatus::status),
        kind: params.kind.map(|k| match k {
            KindFilter::Article => Kind::Article,
            KindFilter::Video => Kind::Video,
        }),
        topic: params.topic.map(|t| t.parse().map_or(TopicRef::Slug(t), TopicRef::Id)),
        author_id: params.author_id,
        q: search::check_query("q", params.q.as_deref())?,
        before_id: pagination::decode_cursor(params.cursor.as_deref())?,
        limit: pagination::limit(params.limit)?,
    };
    let (items, next) = state.db.run(move |conn| contents::staff_list(conn, &filter)).await?;
    Ok(HttpResponse::Ok().json(StaffContentPage {
        items: items.into_iter().map(StaffContent::from_data).collect(),
        next_cursor: next.map(pagination::encode_cursor),
    }))
}
