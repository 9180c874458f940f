//! Campaigns for staff: every state, the settings, the attachments and the workflow.

pub mod manage;
pub mod transitions;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::admin::contents::WorkflowStatus;
use crate::api::campaigns::multiplier;
use crate::clock::utc;
use crate::domain::campaigns::{Full, Kind, Phase};

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
    pub reject_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
