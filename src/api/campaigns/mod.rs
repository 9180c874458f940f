//! Campaigns as learners see them: published, in their organization's scope, with only
//! the published contents and quizzes attached.

pub mod list;
pub mod show;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::utc;
use crate::domain::campaigns::{Full, Kind, Phase};

#[derive(Debug, Serialize, ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: Kind,
    /// Where the campaign stands now.
    pub status: Phase,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The organization subtree it is limited to; `null`: everyone.
    pub org_id: Option<i64>,
    /// Points from its contents and quizzes while it runs are multiplied by this.
    #[schema(example = 1.5)]
    pub points_multiplier: f64,
    /// Published contents attached, in the campaign's order.
    pub content_ids: Vec<i64>,
    /// Published quizzes attached, in the campaign's order.
    pub quiz_ids: Vec<i64>,
}

impl Campaign {
    pub fn from_full(c: Full, now: DateTime<Utc>) -> Self {
        let row = c.row;
        Self {
            status: Phase::of(&row, now),
            id: row.id,
            title: row.title,
            description: row.description,
            kind: Kind::parse(&row.kind).unwrap_or(Kind::Themed),
            starts_at: utc(row.starts_at),
            ends_at: utc(row.ends_at),
            org_id: row.org_id,
            points_multiplier: multiplier(row.points_multiplier),
            content_ids: c.content_ids,
            quiz_ids: c.quiz_ids,
        }
    }
}

/// Percent as stored → the factor clients show (150 → 1.5).
pub fn multiplier(percent: i32) -> f64 {
    f64::from(percent) / 100.0
}

crate::page_type!(
    /// A page of campaigns in the order of the requested status.
    CampaignPage,
    Campaign
);
