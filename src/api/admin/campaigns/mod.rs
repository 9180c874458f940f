//! Campaigns for staff: every state, the settings, the attachments and the workflow.

pub mod manage;
pub mod transitions;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::admin::contents::{RevisionStatus, WorkflowStatus};
use crate::api::campaigns::multiplier;
use crate::clock::utc;
use crate::domain::campaigns::{Full, Kind, Phase, Revision};

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffCampaign {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub status: WorkflowStatus,
    /// Where its window stands now (whatever the workflow status).
    pub phase: Phase,
    pub publish_at: Option<DateTime<Utc>>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub org_id: Option<i64>,
    #[schema(example = 1.5)]
    pub points_multiplier: f64,
    /// Attached contents in order, in any state.
    pub content_ids: Vec<i64>,
    /// Attached quizzes in order, in any state.
    pub quiz_ids: Vec<i64>,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    /// Why a reviewer sent the revision under work (this draft, or the pending `revision`)
    /// back, until it is approved.
    pub reject_reason: Option<String>,
    /// Who wrote the revision awaiting approval: this campaign until it is first published
    /// (its author first), then its pending `revision`. None of them may approve it.
    pub revised_by: Vec<i64>,
    /// Who sent the revision awaiting approval for review; they may not approve it either.
    pub submitted_by: Option<i64>,
    /// A change to this published campaign awaiting review (settings and attachments).
    /// Learners keep the published campaign (the fields above) until a reviewer who
    /// neither wrote nor submitted the change approves it. `null`: no pending change.
    pub revision: Option<CampaignRevision>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A pending change to a published campaign: as it will be once approved.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignRevision {
    pub status: RevisionStatus,
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub org_id: Option<i64>,
    #[schema(example = 1.5)]
    pub points_multiplier: f64,
    pub content_ids: Vec<i64>,
    pub quiz_ids: Vec<i64>,
    pub updated_at: DateTime<Utc>,
}

impl CampaignRevision {
    fn from_pending(status: crate::domain::workflow::Status, pending: Revision) -> Self {
        let s = pending.settings;
        Self {
            status: RevisionStatus::of(status),
            title: s.title,
            description: s.description,
            kind: s.kind,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            org_id: s.org_id,
            points_multiplier: multiplier(s.multiplier),
            content_ids: pending.content_ids,
            quiz_ids: pending.quiz_ids,
            updated_at: pending.updated_at,
        }
    }
}

impl StaffCampaign {
    pub fn from_full(c: Full, now: DateTime<Utc>) -> Self {
        let row = c.row;
        Self {
            phase: Phase::of(&row, now),
            status: match row.status.as_str() {
                "in_review" => WorkflowStatus::InReview,
                "published" => WorkflowStatus::Published,
                "archived" => WorkflowStatus::Archived,
                _ => WorkflowStatus::Draft,
            },
            id: row.id,
            title: row.title,
            description: row.description,
            kind: Kind::parse(&row.kind).unwrap_or(Kind::Themed),
            publish_at: row.publish_at.map(utc),
            starts_at: utc(row.starts_at),
            ends_at: utc(row.ends_at),
            org_id: row.org_id,
            points_multiplier: multiplier(row.points_multiplier),
            content_ids: c.content_ids,
            quiz_ids: c.quiz_ids,
            author_id: row.author_id,
            reviewer_id: row.reviewer_id,
            reject_reason: row.reject_reason,
            revised_by: crate::domain::workflow::parse_writers(&row.revised_by),
            submitted_by: row.submitted_by,
            revision: c.revision.map(|(status, pending)| CampaignRevision::from_pending(status, pending)),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}

crate::page_type!(
    /// A page of campaigns, newest first.
    StaffCampaignPage,
    StaffCampaign
);
