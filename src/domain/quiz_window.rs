//! A quiz in a campaign follows the campaign: only viewers inside the scope of a campaign
//! that holds it (published, its publication time reached) see it, and it can be taken
//! only inside that campaign's window (and its own opening times, if narrower). A quiz in
//! no campaign follows its own settings alone. Listing, detail, starting an attempt and
//! the attempt's deadline all read the window from here.
//!
//! When several campaigns the viewer may see hold the quiz, the one that applies is the
//! one running now (the latest to end among them), else the next to start, else the last
//! to end.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::clock::utc;
use crate::db::DbConn;
use crate::db::models::campaigns::{self as campaign_db, PUBLISHED, QuizCampaign};
use crate::db::models::quizzes::QuizRow;
use crate::domain::campaigns::in_scope;
use crate::error::AppError;

/// How the campaigns a quiz is attached to govern it for one viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// In no campaign.
    Free,
    /// Only in campaigns this viewer may not see (unpublished, or scoped elsewhere): the
    /// quiz does not exist for them.
    Hidden,
    /// The campaign whose scope and window apply.
    Campaign { id: i64, starts_at: DateTime<Utc>, ends_at: DateTime<Utc> },
}

/// When a viewer may take a quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    /// The campaign whose window this is, if any.
    pub campaign_id: Option<i64>,
}

impl Window {
    /// The quiz's own window, narrowed by its campaign's; `None` when the quiz is hidden.
    pub fn of(quiz: &QuizRow, gate: Gate) -> Option<Self> {
        let (opens_at, closes_at) = (quiz.opens_at.map(utc), quiz.closes_at.map(utc));
        match gate {
            Gate::Free => Some(Self { opens_at, closes_at, campaign_id: None }),
            Gate::Hidden => None,
            Gate::Campaign { id, starts_at, ends_at } => Some(Self {
                opens_at: Some(opens_at.map_or(starts_at, |o| o.max(starts_at))),
                closes_at: Some(closes_at.map_or(ends_at, |c| c.min(ends_at))),
                campaign_id: Some(id),
            }),
        }
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.opens_at.is_none_or(|at| at <= now) && self.closes_at.is_none_or(|at| at > now)
    }

    /// 409 `quiz_not_open` before the window, `quiz_closed` after it.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.opens_at.is_some_and(|at| at > now) {
            return Err(AppError::conflict("quiz_not_open", "This quiz has not opened yet."));
        }
        if self.closes_at.is_some_and(|at| at <= now) {
            return Err(AppError::conflict("quiz_closed", "This quiz has closed."));
        }
        Ok(())
    }
}

/// The gate of every quiz among `attachments` for a viewer at `viewer_path` (quizzes
/// without attachments are absent: `Gate::Free`).
pub fn gates(attachments: &[QuizCampaign], viewer_path: Option<&str>, now: DateTime<Utc>) -> HashMap<i64, Gate> {
    let mut by_quiz: HashMap<i64, Vec<&QuizCampaign>> = HashMap::new();
    for a in attachments {
        by_quiz.entry(a.quiz_id).or_default().push(a);
    }
    by_quiz
        .into_iter()
        .map(|(quiz, all)| {
            let seen: Vec<(i64, DateTime<Utc>, DateTime<Utc>)> = all
                .into_iter()
                .filter(|a| a.status == PUBLISHED && a.publish_at.is_some_and(|at| utc(at) <= now))
                .filter(|a| in_scope(a.scope_path.as_deref(), viewer_path))
                .map(|a| (a.campaign_id, utc(a.starts_at), utc(a.ends_at)))
                .collect();
            let running = seen.iter().filter(|(_, s, e)| *s <= now && now < *e).max_by_key(|(id, _, e)| (*e, -*id));
            let next = || seen.iter().filter(|(_, s, _)| *s > now).min_by_key(|(id, s, _)| (*s, *id));
            let last = || seen.iter().filter(|(_, _, e)| *e <= now).max_by_key(|(id, _, e)| (*e, -*id));
            let gate = running
                .or_else(next)
                .or_else(last)
                .map_or(Gate::Hidden, |&(id, starts_at, ends_at)| Gate::Campaign { id, starts_at, ends_at });
            (quiz, gate)
        })
        .collect()
}

/// The gates of these quizzes for a viewer (one query).
pub fn gates_of(
    conn: &mut DbConn,
    quiz_ids: &[i64],
    viewer_path: Option<&str>,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Gate>, AppError> {
    if quiz_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(gates(&campaign_db::quiz_campaigns(conn, Some(quiz_ids))?, viewer_path, now))
}

/// Every quiz this viewer may not see because of its campaigns (for list filters).
pub fn hidden(conn: &mut DbConn, viewer_path: Option<&str>, now: DateTime<Utc>) -> Result<Vec<i64>, AppError> {
    let mut ids: Vec<i64> = gates(&campaign_db::quiz_campaigns(conn, None)?, viewer_path, now)
        .into_iter()
        .filter_map(|(quiz, gate)| (gate == Gate::Hidden).then_some(quiz))
        .collect();
    ids.sort_unstable();
    Ok(ids)
}
