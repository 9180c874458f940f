//! Points: rules with daily caps, an append-only ledger written in the same transaction
//! as the fact that earned the points, and the aggregates leaderboards and reports read,
//! updated in that same transaction so they always agree with the ledger.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::naive;
use crate::db::DbConn;
use crate::db::models::Page;
use crate::db::models::points::{self as points_db, DayDelta, OrgDelta};
use crate::error::AppError;

/// What earns points. The rules table gives each its points and daily cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// First activity of the day.
    Login,
    /// An article completed after a plausible reading time.
    ArticleRead,
    /// A video at least 90 % watched.
    VideoWatched,
    /// Per 2 minutes of effective reading.
    ReadingTime,
    /// Per 3 minutes of effective watching.
    WatchingTime,
    /// Per correct answer in the daily quiz.
    DailyQuiz,
    /// A contest quiz's own points.
    ContestQuiz,
    Share,
    /// The extra points of a campaign's multiplier (not a rule: set on the campaign).
    CampaignBonus,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Self::Login,
        Self::ArticleRead,
        Self::VideoWatched,
        Self::ReadingTime,
        Self::WatchingTime,
        Self::DailyQuiz,
        Self::ContestQuiz,
        Self::Share,
        Self::CampaignBonus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::ArticleRead => "article_read",
            Self::VideoWatched => "video_watched",
            Self::ReadingTime => "reading_time",
            Self::WatchingTime => "watching_time",
            Self::DailyQuiz => "daily_quiz",
            Self::ContestQuiz => "contest_quiz",
            Self::Share => "share",
            Self::CampaignBonus => "campaign_bonus",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// Seconds of effective reading and watching per point.
pub const READING_SECONDS_PER_POINT: i32 = 120;
pub const WATCHING_SECONDS_PER_POINT: i32 = 180;

/// The local day of an instant, and the period keys it belongs to.
#[derive(Debug, Clone)]
pub struct Day {
    pub date: NaiveDate,
}

impl Day {
    pub fn of(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Self {
        Self { date: now.with_timezone(&tz).date_naive() }
    }

    pub fn key(&self) -> String {
        self.date.to_string()
    }

    pub fn yesterday(&self) -> String {
        (self.date - chrono::Days::new(1)).to_string()
    }

    /// `d:2026-11-30`, `w:2026-W49` (ISO weeks start on Monday), `m:2026-11`, `all`.
    pub fn periods(&self) -> [String; 4] {
        let week = self.date.iso_week();
        [
            format!("d:{}", self.date),
            format!("w:{}-W{:02}", week.year(), week.week()),
            format!("m:{}-{:02}", self.date.year(), self.date.month()),
            "all".to_owned(),
        ]
    }
}

/// A user being credited, with their organization and role at that moment.
///
/// Staff are not learners in any figure: only a learner account earns points, counts as
/// active or adds to day, period and organization aggregates. A staff member's progress
/// (resume position, effective time) is still kept for them, but `award`, `award_bonus`,
/// `record_day` and `touch_day` change nothing for a non-learner.
#[derive(Debug, Clone, Copy)]
pub struct Earner {
    pub user_id: i64,
    pub org_id: Option<i64>,
    /// Whether the account is a learner now (its role when the fact is recorded).
    pub learner: bool,
}

impl Earner {
    /// The account as it is now: `role` is the stored role text.
    pub fn of(user_id: i64, org_id: Option<i64>, role: &str) -> Self {
        Self { user_id, org_id, learner: role == crate::domain::vocab::Role::Learner.as_str() }
    }

    /// A learner account (the demo's learners).
    pub fn learner(user_id: i64, org_id: Option<i64>) -> Self {
        Self { user_id, org_id, learner: true }
    }
}

/// Records a learner's activity on a day (streak and active-learner counts) and adds the
/// day's study figures, without points.
pub fn record_day(
    conn: &mut DbConn,
    who: Earner,
    day: &Day,
    delta: DayDelta,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !who.learner {
        return Ok(());
    }
    let date = day.key();
    let first_today = points_db::add_user_day(conn, who.user_id, &date, delta)?;
    points_db::add_totals(conn, who.user_id, delta.points, delta)?;
    if delta.points > 0 {
        points_db::mark_active_day(conn, who.user_id, &date, &day.yesterday())?;
        for period in day.periods() {
            points_db::add_user_period(conn, who.user_id, &period, delta.points, naive(now))?;
        }
    }
    if let Some(org) = who.org_id {
        let org_delta = OrgDelta {
            points: delta.points,
            study_seconds: delta.reading_seconds + delta.watching_seconds,
            completions: delta.articles_completed + delta.videos_completed,
            active_learners: i32::from(first_today),
            articles_completed: delta.articles_completed,
            videos_completed: delta.videos_completed,
            quizzes_taken: delta.quizzes_taken,
            quiz_score_sum: delta.quiz_score,
            quiz_max_sum: delta.quiz_max,
        };
        points_db::add_org_day(conn, org, &date, org_delta)?;
        // The same first activity of the day that counts in `active_learners` marks the
        // learner in the organization's activity map: the two always agree.
        if first_today {
            points_db::mark_org_active(conn, org, day.date.year(), who.user_id, day.date.ordinal())?;
        }
    }
    Ok(())
}

/// Awards `units` × the rule's points under `action` for `source` (what earned them: a
/// content, an attempt, a level of the day's study time), at most once per (source, day)
/// and never past the rule's daily cap, even with concurrent awards. Must run inside the
/// transaction that records the fact. Returns the points granted.
pub fn award(
    conn: &mut DbConn,
    who: Earner,
    action: Action,
    source: &str,
    units: i32,
    day: &Day,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    award_top_up(conn, who, action, source, units, 0, day, now)
}

/// `award`, less `paid` points already granted for the same thing under other sources:
/// a retaken contest quiz pays only what a better attempt adds to the best so far (its own
/// ledger entry, so every point stays explainable), and nothing for an equal or worse one.
#[allow(clippy::too_many_arguments)]
pub fn award_top_up(
    conn: &mut DbConn,
    who: Earner,
    action: Action,
    source: &str,
    units: i32,
    paid: i64,
    day: &Day,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    if !who.learner {
        return Ok(0);
    }
    let Some(rule) = points_db::rule(conn, action.as_str())?.filter(|r| r.enabled) else { return Ok(0) };
    let wanted = i32::try_from((i64::from(units.saturating_mul(rule.points)) - paid).max(0)).unwrap_or(i32::MAX);
    if wanted <= 0 {
        return Ok(0);
    }
    let date = day.key();
    let Some(entry) = points_db::claim(conn, who.user_id, action.as_str(), source, &date, naive(now))? else {
        return Ok(0);
    };
    let mut granted = 0;
    for _ in 0..16 {
        let current = points_db::rule_day_points(conn, who.user_id, action.as_str(), &date)?;
        let room = rule.daily_cap.map_or(wanted, |cap| (cap - current).max(0));
        let grant = wanted.min(room);
        if grant == 0 || points_db::rule_day_cas(conn, who.user_id, action.as_str(), &date, current, current + grant)? {
            granted = grant;
            break;
        }
    }
    points_db::settle(conn, entry, granted)?;
    if granted > 0 {
        record_day(conn, who, day, DayDelta { points: granted, ..DayDelta::default() }, now)?;
    }
    Ok(granted)
}

/// Grants `points` outside any rule or cap (a campaign's bonus), once per (source, day),
/// in the transaction that granted the points it multiplies. Returns the points granted.
pub fn award_bonus(
    conn: &mut DbConn,
    who: Earner,
    source: &str,
    points: i32,
    day: &Day,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    if points <= 0 || !who.learner {
        return Ok(0);
    }
    let action = Action::CampaignBonus.as_str();
    let Some(entry) = points_db::claim(conn, who.user_id, action, source, &day.key(), naive(now))? else {
        return Ok(0);
    };
    points_db::settle(conn, entry, points)?;
    record_day(conn, who, day, DayDelta { points, ..DayDelta::default() }, now)?;
    Ok(points)
}

/// The first activity of the day earns the `login` point (once per local day).
pub fn touch_day(conn: &mut DbConn, who: Earner, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<(), AppError> {
    if !who.learner {
        return Ok(());
    }
    points_db::lock_learner(conn, who.user_id)?;
    award_first_activity(conn, who, &Day::of(now, tz), now)
}

/// The login point, for a caller that already holds the learner's lock.
pub fn award_first_activity(conn: &mut DbConn, who: Earner, day: &Day, now: DateTime<Utc>) -> Result<(), AppError> {
    award(conn, who, Action::Login, "day", 1, day, now)?;
    Ok(())
}

/// Time-based rules pay a point per full block of seconds (2 minutes reading, 3 watching),
/// each block its own ledger entry ("level:N"), up to the cap.
pub fn award_time(
    conn: &mut DbConn,
    who: Earner,
    action: Action,
    seconds_today: i32,
    day: &Day,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    let per_point = if action == Action::ReadingTime { READING_SECONDS_PER_POINT } else { WATCHING_SECONDS_PER_POINT };
    let Some(rule) = points_db::rule(conn, action.as_str())?.filter(|r| r.enabled) else { return Ok(0) };
    let reached = seconds_today / per_point;
    let limit = rule.daily_cap.map_or(reached, |cap| reached.min(cap / rule.points.max(1)));
    let mut total = 0;
    for level in 1..=limit {
        total += award(conn, who, action, &format!("level:{level}"), 1, day, now)?;
    }
    Ok(total)
}

/// Rules as stored, in a stable order.
pub fn rules(conn: &mut DbConn) -> Result<Vec<points_db::RuleRow>, AppError> {
    let mut rows = points_db::rules(conn)?;
    rows.sort_by_key(|r| {
        Action::parse(&r.action).map_or(usize::MAX, |a| Action::ALL.iter().position(|x| *x == a).unwrap_or(0))
    });
    Ok(rows)
}

/// The actions that have a rule: every action but `campaign_bonus`, which is not a rule (a
/// campaign sets its own multiplier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    Login,
    ArticleRead,
    VideoWatched,
    ReadingTime,
    WatchingTime,
    DailyQuiz,
    ContestQuiz,
    Share,
}

impl From<RuleAction> for Action {
    fn from(action: RuleAction) -> Self {
        match action {
            RuleAction::Login => Self::Login,
            RuleAction::ArticleRead => Self::ArticleRead,
            RuleAction::VideoWatched => Self::VideoWatched,
            RuleAction::ReadingTime => Self::ReadingTime,
            RuleAction::WatchingTime => Self::WatchingTime,
            RuleAction::DailyQuiz => Self::DailyQuiz,
            RuleAction::ContestQuiz => Self::ContestQuiz,
            RuleAction::Share => Self::Share,
        }
    }
}

/// A change to one rule: only the fields sent change; an absent field keeps its value.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// The rule to change (`campaign_bonus` is not a rule: it is set on each campaign).
    pub action: RuleAction,
    /// Points per occurrence (per block for time rules, per correct answer for the daily
    /// quiz), 0–1000. Absent: unchanged.
    #[schema(minimum = 0, maximum = 1000)]
    pub points: Option<i32>,
    /// At most this many points per learner per local day (0–100000); `null`: no cap.
    /// Absent: unchanged.
    #[serde(default, deserialize_with = "crate::serde_ext::nullable")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100_000)]
    pub daily_cap: Option<Option<i32>>,
    /// Absent: unchanged.
    pub enabled: Option<bool>,
}

/// Changes the given rules (others stay; within a rule, only the fields sent), audited.
/// The audit entry (`{"rules": [...]}`) holds each changed rule as it now is.
pub fn set_rules(conn: &mut DbConn, actor: i64, input: &[RuleInput], now: DateTime<Utc>) -> Result<(), AppError> {
    let mut errors = Vec::new();
    for (i, rule) in input.iter().enumerate() {
        if rule.points.is_some_and(|p| !(0..=1000).contains(&p)) {
            errors.push(crate::error::FieldError::new(format!("rules[{i}].points"), "must be 0 to 1000"));
        }
        if rule.daily_cap.flatten().is_some_and(|c| !(0..=100_000).contains(&c)) {
            errors.push(crate::error::FieldError::new(format!("rules[{i}].daily_cap"), "must be 0 to 100000 or null"));
        }
    }
    if input.is_empty() {
        errors.push(crate::error::FieldError::new("rules", "give at least one rule"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    crate::db::write_tx(conn, |conn| {
        let mut detail = Vec::with_capacity(input.len());
        for rule in input {
            let action = Action::from(rule.action);
            let current = points_db::rule(conn, action.as_str())?.ok_or_else(|| AppError::not_found("point rule"))?;
            let points = rule.points.unwrap_or(current.points);
            let daily_cap = rule.daily_cap.unwrap_or(current.daily_cap);
            let enabled = rule.enabled.unwrap_or(current.enabled);
            points_db::set_rule(conn, action.as_str(), points, daily_cap, enabled, naive(now))?;
            detail.push(serde_json::json!({
                "action": action.as_str(), "points": points, "daily_cap": daily_cap, "enabled": enabled,
            }));
        }
        crate::domain::audit::record(
            conn,
            Some(actor),
            "point_rules.update",
            crate::domain::audit::Target::PointRules,
            &serde_json::json!({ "rules": detail }),
            now,
        )
    })
}

/// Today's standing under one rule.
pub struct Today {
    pub action: Action,
    pub points: i32,
    pub cap: Option<i32>,
}

/// The learner's points: total, today's per rule against its cap, and a ledger page.
pub struct Summary {
    pub total: i32,
    pub today: Vec<Today>,
    pub ledger: Page<points_db::LedgerRow>,
}

pub fn summary(
    conn: &mut DbConn,
    user: i64,
    before: Option<i64>,
    limit: i64,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<Summary, AppError> {
    let day = Day::of(now, tz);
    let earned: std::collections::HashMap<String, i32> =
        points_db::rule_days(conn, user, &day.key())?.into_iter().collect();
    let today = rules(conn)?
        .into_iter()
        .filter(|r| r.enabled)
        .filter_map(|r| {
            let action = Action::parse(&r.action)?;
            Some(Today { action, points: earned.get(&r.action).copied().unwrap_or(0), cap: r.daily_cap })
        })
        .collect();
    let ledger = Page::from_probe(points_db::ledger_page(conn, user, before, limit)?, limit);
    let total = points_db::stats(conn, user)?.map_or(0, |s| s.total_points);
    Ok(Summary { total, today, ledger })
}

pub struct Stats {
    pub total_points: i32,
    /// Consecutive local days with points, ending today or yesterday.
    pub streak_days: i32,
    pub longest_streak: i32,
    pub study_seconds_today: i32,
    pub study_seconds_total: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
}

pub fn stats(conn: &mut DbConn, user: i64, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<Stats, AppError> {
    let day = Day::of(now, tz);
    let row = points_db::stats(conn, user)?;
    let (_, reading, watching) = points_db::user_day(conn, user, &day.key())?.unwrap_or_default();
    let Some(row) = row else {
        return Ok(Stats {
            total_points: 0,
            streak_days: 0,
            longest_streak: 0,
            study_seconds_today: reading + watching,
            study_seconds_total: 0,
            articles_completed: 0,
            videos_completed: 0,
            quizzes_taken: 0,
        });
    };
    Ok(Stats {
        total_points: row.total_points,
        streak_days: current_streak(row.streak_days, row.last_active_date.as_deref(), &day),
        longest_streak: row.longest_streak,
        study_seconds_today: reading + watching,
        study_seconds_total: row.study_seconds_total,
        articles_completed: row.articles_completed,
        videos_completed: row.videos_completed,
        quizzes_taken: row.quizzes_taken,
    })
}

/// The streak as of `today`: the stored count while its last day is today or yesterday;
/// a streak whose last day is before yesterday is broken, whatever the stored count.
/// `/me/stats` and the teacher's view both read the streak through this.
pub fn current_streak(stored: i32, last_active_date: Option<&str>, today: &Day) -> i32 {
    let alive = last_active_date.is_some_and(|d| d == today.key() || d == today.yesterday());
    if alive { stored } else { 0 }
}
