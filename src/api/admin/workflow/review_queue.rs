use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::StaffMember;
use crate::api::admin::contents::actor;
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::{Require, Reviewers};
use crate::clock::utc;
use crate::domain::review_work::{self, QueueItem};
use crate::domain::workflow::FourEyes;
use crate::error::AppError;
use crate::startup::AppState;

/// What kind of item waits for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewItemKind {
    Content,
    Quiz,
    Campaign,
}

impl ReviewItemKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Content => "content",
            Self::Quiz => "quiz",
            Self::Campaign => "campaign",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "quiz" => Self::Quiz,
            "campaign" => Self::Campaign,
            _ => Self::Content,
        }
    }
}

/// A content's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueContentKind {
    Article,
    Video,
}

/// Why the caller may not approve an item (four eyes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotApprovableReason {
    /// The caller wrote (part of) what is under review.
    OwnWork,
    /// The caller submitted it for review.
    OwnSubmission,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueueItem {
    pub kind: ReviewItemKind,
    /// The content's, quiz's or campaign's id (ids are per kind).
    pub id: i64,
    /// The published title (for a change, the change itself may rename it: open the item).
    pub title: String,
    /// Contents only (`null` for quizzes and campaigns).
    pub content_kind: Option<QueueContentKind>,
    /// `true`: a change to a published item (learners keep the published version until it
    /// is approved); `false`: a first publication.
    pub is_change: bool,
    pub submitted_at: DateTime<Utc>,
    /// Who sent it for review (`null` for items loaded in review without a submitter).
    pub submitted_by: Option<StaffMember>,
    /// The item's author when not the submitter; `null` when they are the same person.
    pub author: Option<StaffMember>,
    /// Whether the caller may approve it: only the four-eyes rule can say no here.
    pub approvable_by_caller: bool,
    /// Why not (`null` when approvable).
    pub not_approvable_reason: Option<NotApprovableReason>,
}

impl From<QueueItem> for ReviewQueueItem {
    fn from(item: QueueItem) -> Self {
        let row = item.row;
        let content_kind = row.content_kind.as_deref().map(|k| match k {
            "video" => QueueContentKind::Video,
            _ => QueueContentKind::Article,
        });
        let reason = item.not_approvable.map(|why| match why {
            FourEyes::OwnWork => NotApprovableReason::OwnWork,
            FourEyes::OwnSubmission => NotApprovableReason::OwnSubmission,
        });
        let author_is_submitter = row.submitted_by == Some(row.author_id);
        Self {
            kind: ReviewItemKind::parse(&row.item_kind),
            id: row.id,
            title: row.title,
            content_kind,
            is_change: row.status == "published",
            submitted_at: utc(row.submitted_at),
            submitted_by: item.submitted_by.map(StaffMember::from),
            author: (!author_is_submitter).then(|| StaffMember::from(item.author)),
            approvable_by_caller: reason.is_none(),
            not_approvable_reason: reason,
        }
    }
}

crate::page_type!(
    /// A page of the review queue, oldest submission first.
    ReviewQueuePage,
    ReviewQueueItem
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQueueParams {
    /// Only items of this kind.
    pub kind: Option<ReviewItemKind>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,16}_(content|quiz|campaign)_[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// One review queue for contents, quizzes and campaigns (reviewers, admins): first
/// submissions and changes to published items, oldest submission first (ties: contents,
/// quizzes, campaigns, then id). Each item says whether the caller may approve it; the
/// four-eyes rule answers `own_work` (they wrote it) or `own_submission` (they sent it).
#[utoipa::path(
    operation_id = "admin_review_queue",
    tag = "admin: workflow",
    security(("bearer" = [])),
    params(ReviewQueueParams),
    responses(
        (status = 200, description = "A page of items waiting for review", body = ReviewQueuePage),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 403, description = "Needs reviewer or admin"),
    )
)]
#[get("/admin/review-queue")]
pub async fn list(
    state: web::Data<AppState>,
    Require { user: caller, body: Query(params), .. }: Require<Reviewers, Query<ReviewQueueParams>>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let after = params.cursor.as_deref().map(|c| review_work::decode_cursor(c).ok_or_else(pagination::bad_cursor));
    let after = after.transpose()?;
    let kind = params.kind.map(ReviewItemKind::as_str);
    let actor = actor(&caller);
    let (items, next) = state.db.run(move |conn| review_work::queue(conn, actor, kind, after, limit)).await?;
    Ok(HttpResponse::Ok().json(ReviewQueuePage {
        items: items.into_iter().map(ReviewQueueItem::from).collect(),
        next_cursor: next.map(review_work::encode_cursor),
    }))
}
