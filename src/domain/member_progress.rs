//! The teacher's view (issue 14): one row per learner of a unit's subtree over a range of
//! local days, with the figures each learner sees in their own `/me/stats` and
//! `/me/points`. Nothing is defined twice: range sums come from `user_daily` (the rows
//! `user_stats` totals add up), the streak through `points::current_streak`, the average
//! quiz score through `reports::average_score`, the range through `reports::Range`.
//!
//! Learners who may be under 14 are shown in full: only staff whose scope covers the unit
//! reach this view (the school itself), the viewers the masking rule names as allowed.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::db::models::Page;
use crate::db::models::member_progress::{self as progress_db, DaySums, ScoreSums};
use crate::db::models::organizations::{OrganizationRow, subtree_range};
use crate::db::{DbConn, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::organizations::{Scope, find_in_scope};
use crate::domain::points::{Day, current_streak};
use crate::domain::reports::{Range, average_score};
use crate::domain::vocab::Audience;
use crate::error::AppError;

/// One learner's row.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnerProgress {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub audience: Audience,
    pub org_id: i64,
    pub org_name: String,
    pub study_seconds: i64,
    pub articles_completed: i64,
    pub videos_completed: i64,
    pub quizzes_taken: i64,
    pub average_score: Option<f64>,
    pub points: i64,
    pub points_total: i64,
    pub streak: i64,
    pub last_active_day: Option<NaiveDate>,
}

impl LearnerProgress {
    /// Nothing in the range: no study time, completion, quiz or point.
    pub fn inactive(&self) -> bool {
        self.study_seconds == 0
            && self.articles_completed == 0
            && self.videos_completed == 0
            && self.quizzes_taken == 0
            && self.points == 0
    }
}

/// Column to sort rows by. Ties by user id, ascending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgressSort {
    #[default]
    DisplayName,
    Username,
    StudySeconds,
    ArticlesCompleted,
    VideosCompleted,
    QuizzesTaken,
    /// No quizzes sorts lowest.
    AverageScore,
    Points,
    PointsTotal,
    Streak,
    /// Never active sorts lowest.
    LastActiveDay,
}

impl ProgressSort {
    fn compare(self, a: &LearnerProgress, b: &LearnerProgress) -> std::cmp::Ordering {
        match self {
            Self::DisplayName => a.display_name.cmp(&b.display_name),
            Self::Username => a.username.cmp(&b.username),
            Self::StudySeconds => a.study_seconds.cmp(&b.study_seconds),
            Self::ArticlesCompleted => a.articles_completed.cmp(&b.articles_completed),
            Self::VideosCompleted => a.videos_completed.cmp(&b.videos_completed),
            Self::QuizzesTaken => a.quizzes_taken.cmp(&b.quizzes_taken),
            // No quizzes sorts below any score.
            Self::AverageScore => a.average_score.unwrap_or(-1.0).total_cmp(&b.average_score.unwrap_or(-1.0)),
            Self::Points => a.points.cmp(&b.points),
            Self::PointsTotal => a.points_total.cmp(&b.points_total),
            Self::Streak => a.streak.cmp(&b.streak),
            // `None` sorts before any day.
            Self::LastActiveDay => a.last_active_day.cmp(&b.last_active_day),
        }
    }
}

pub struct ProgressQuery {
    pub org_id: i64,
    pub range: Range,
    /// `Some(true)`: only the inactive; `Some(false)`: only the active.
    pub inactive: Option<bool>,
    pub sort: ProgressSort,
    pub descending: bool,
}

/// The unit and every row of its subtree, filtered and sorted (ties by user id).
pub struct Progress {
    pub org: OrganizationRow,
    pub rows: Vec<LearnerProgress>,
}

/// The rows of the unit `query.org_id` (404 outside the caller's scope, whether it exists
/// or not). Three queries over the subtree, whatever its size. `now` decides which
/// streaks are still alive, as in `/me/stats`.
pub fn learners(
    conn: &mut DbConn,
    scope: &Scope,
    query: &ProgressQuery,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<Progress, AppError> {
    let org = find_in_scope(conn, scope, query.org_id)?;
    let (path_from, path_to) = subtree_range(&org.path);
    let range = query.range;
    let (from, to) = (range.from.to_string(), range.to.to_string());
    let (start, end) = range.instants(tz);
    let learners = progress_db::learners(conn, &path_from, &path_to, &to)?;
    let mut days: HashMap<i64, DaySums> =
        progress_db::day_sums(conn, &path_from, &path_to, &from, &to)?.into_iter().map(|s| (s.user_id, s)).collect();
    let mut scores: HashMap<i64, ScoreSums> =
        progress_db::score_sums(conn, &path_from, &path_to, start, end)?.into_iter().map(|s| (s.user_id, s)).collect();
    let today = Day::of(now, tz);
    let mut rows: Vec<LearnerProgress> = learners
        .into_iter()
        .map(|l| {
            let day = days.remove(&l.user_id).unwrap_or_default();
            let score = scores.remove(&l.user_id).unwrap_or_default();
            LearnerProgress {
                user_id: l.user_id,
                // An unknown audience reads as a pupil's, the cautious reading (as boards do).
                audience: Audience::parse(&l.audience).unwrap_or(Audience::Primary),
                username: l.username,
                display_name: l.display_name,
                org_id: l.org_id,
                org_name: l.org_name,
                study_seconds: day.study_seconds,
                articles_completed: day.articles_completed,
                videos_completed: day.videos_completed,
                quizzes_taken: day.quizzes_taken,
                average_score: average_score(score.score_sum, score.max_sum),
                points: day.points,
                points_total: i64::from(l.total_points),
                streak: i64::from(current_streak(l.streak_days, l.streak_last_day.as_deref(), &today)),
                last_active_day: l.last_active_day.as_deref().and_then(|d| d.parse().ok()),
            }
        })
        .filter(|r| query.inactive.is_none_or(|wanted| r.inactive() == wanted))
        .collect();
    rows.sort_by(|a, b| {
        let primary = query.sort.compare(a, b);
        (if query.descending { primary.reverse() } else { primary }).then(a.user_id.cmp(&b.user_id))
    });
    Ok(Progress { org, rows })
}

/// The page after the learner `after` (the last id of the previous page) in the rows'
/// order. An id that is not among the rows (made up, or a learner who has left the unit
/// since) starts from the first row, so no learner is ever skipped.
pub fn page(rows: Vec<LearnerProgress>, after: Option<i64>, limit: i64) -> Page<LearnerProgress> {
    let start = after.and_then(|id| rows.iter().position(|r| r.user_id == id)).map_or(0, |i| i + 1);
    Page::from_probe(rows.into_iter().skip(start).take(limit as usize + 1).collect(), limit)
}

/// Staff reading learners' personal figures is recorded (`user.progress`), with the unit,
/// the range and the ids returned, as member searches are.
pub fn audit_read(
    conn: &mut DbConn,
    actor: i64,
    org_id: i64,
    range: Range,
    returned: &[i64],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let detail = json!({ "from": range.from, "to": range.to, "returned_ids": returned });
    write_tx(conn, |conn| audit::record(conn, Some(actor), "user.progress", Target::Organization(org_id), &detail, now))
}
