//! Supervision reports (督促检查, 考核评价): participation per organization subtree, a
//! daily series for charts, and per-content figures. Every figure comes from the daily
//! aggregates maintained with the facts (`org_daily`, `org_active`, `content_daily`) and
//! from member counts, never from the ledger or the raw events, so a year's report costs
//! the same whatever the number of events.
//!
//! Activity (points, study time, completions, quizzes) is attributed to the organization
//! the learner belonged to at the time: a learner who moves leaves their past activity
//! with the unit where it happened.
//!
//! Members and active members have one definition, shared with the organization board
//! (`unit_figures`): a unit's members over a range are the learner accounts whose current
//! organization is in its subtree and that existed during the range (registered before
//! its end, not erased before its start); its active members are those members who were
//! active in the subtree on a day of the range. Staff are never members; a learner
//! promoted to staff leaves members and active members of every range, while the points
//! and study time earned as a learner stay in the unit's daily sums. So active members
//! never outnumber members and a participation rate never exceeds 100 %.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone as _, Utc};

use crate::db::DbConn;
use crate::db::models::organizations::{OrganizationRow, subtree_range};
use crate::db::models::reports::{self as report_db, ActivePair, ActiveSpans, ContentOrder, GroupSums, YearSpan};
use crate::domain::organizations::{Scope, find_in_scope, referenced_in_scope};
use crate::error::{AppError, FieldError};

/// Longest range a report covers, in days (a leap year).
pub const MAX_DAYS: i64 = 366;
/// Default range: this many days ending today.
pub const DEFAULT_DAYS: i64 = 30;

/// An inclusive range of local days in the service's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Range {
    /// `from`/`to` as sent (`YYYY-MM-DD`); missing ones default to the 30 days ending today.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let mut date = |field: &str, raw: Option<&str>| match raw.map(crate::serde_ext::parse_date) {
            None => None,
            Some(Some(d)) => Some(d),
            Some(None) => {
                errors.push(FieldError::new(field, "must be a date as YYYY-MM-DD"));
                None
            }
        };
        let (from_d, to_d) = (date("from", from), date("to", to));
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let today = now.with_timezone(&tz).date_naive();
        let to_d = to_d.unwrap_or_else(|| {
            from_d.map_or(today, |f| (f + chrono::Days::new(DEFAULT_DAYS as u64 - 1)).min(today).max(f))
        });
        let from_d = from_d.unwrap_or(to_d - chrono::Days::new(DEFAULT_DAYS as u64 - 1));
        if from_d > to_d {
            return Err(AppError::validation("from", "must not be after `to`"));
        }
        if (to_d - from_d).num_days() + 1 > MAX_DAYS {
            return Err(AppError::validation("to", format!("a range covers at most {MAX_DAYS} days")));
        }
        Ok(Self { from: from_d, to: to_d })
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }

    /// The instant the first day starts and the instant after the last day ends (UTC).
    pub fn instants(&self, tz: chrono_tz::Tz) -> (NaiveDateTime, NaiveDateTime) {
        let start_of = |d: NaiveDate| {
            let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            tz.from_local_datetime(&local)
                .earliest()
                .or_else(|| tz.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())
                .map_or(local, |t| t.with_timezone(&Utc).naive_utc())
        };
        (start_of(self.from), start_of(self.to + chrono::Days::new(1)))
    }

    /// The range as `org_active` holds it: the first and last years' stretches of
    /// `org_active.days` and every whole year between them.
    pub fn active_spans(&self) -> ActiveSpans {
        let span = |year: i32| {
            let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(self.from).max(self.from);
            let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(self.to).min(self.to);
            YearSpan { year, start: first.ordinal() as i32, len: (last.ordinal() as i32 - first.ordinal() as i32 + 1) }
        };
        let (first, last) = (self.from.year(), self.to.year());
        ActiveSpans { first: span(first), last: (last > first).then(|| span(last)) }
    }
}

/// The participation figures of one subtree over a range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub members: i64,
    pub active_members: i64,
    pub participation_rate: f64,
    pub study_seconds: i64,
    pub articles_completed: i64,
    pub videos_completed: i64,
    pub quizzes_taken: i64,
    pub average_quiz_score: Option<f64>,
    pub points: i64,
    pub points_per_member: f64,
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// 100 × (sum of scores) / (sum of maximum scores), i.e. the percent of all questions
/// answered right, rounded to 2 places; `None` without quizzes. The one definition of an
/// average quiz score, for units and learners alike.
pub fn average_score(score_sum: i64, max_sum: i64) -> Option<f64> {
    (max_sum > 0).then(|| round(100.0 * score_sum as f64 / max_sum as f64, 2))
}

impl Figures {
    fn from_parts(members: i64, active: i64, sums: &GroupSums) -> Self {
        let per_member = |x: i64| if members > 0 { x as f64 / members as f64 } else { 0.0 };
        Self {
            members,
            active_members: active,
            participation_rate: round(per_member(active), 4),
            study_seconds: sums.study_seconds,
            articles_completed: sums.articles_completed,
            videos_completed: sums.videos_completed,
            quizzes_taken: sums.quizzes_taken,
            average_quiz_score: average_score(sums.quiz_score_sum, sums.quiz_max_sum),
            points: sums.points,
            points_per_member: round(per_member(sums.points), 2),
        }
    }
}

/// Column to sort rows by. Ties by organization id, ascending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    OrgId,
    Name,
    Members,
    ActiveMembers,
    ParticipationRate,
    StudySeconds,
    ArticlesCompleted,
    VideosCompleted,
    QuizzesTaken,
    /// No quizzes sorts lowest.
    AverageQuizScore,
    Points,
    PointsPerMember,
}

impl Sort {
    fn compare(self, a: &(OrganizationRow, Figures), b: &(OrganizationRow, Figures)) -> std::cmp::Ordering {
        let (fa, fb) = (&a.1, &b.1);
        let float = |x: f64, y: f64| x.total_cmp(&y);
        match self {
            Self::OrgId => a.0.id.cmp(&b.0.id),
            Self::Name => a.0.name.cmp(&b.0.name),
            Self::Members => fa.members.cmp(&fb.members),
            Self::ActiveMembers => fa.active_members.cmp(&fb.active_members),
            Self::ParticipationRate => float(fa.participation_rate, fb.participation_rate),
            Self::StudySeconds => fa.study_seconds.cmp(&fb.study_seconds),
            Self::ArticlesCompleted => fa.articles_completed.cmp(&fb.articles_completed),
            Self::VideosCompleted => fa.videos_completed.cmp(&fb.videos_completed),
            Self::QuizzesTaken => fa.quizzes_taken.cmp(&fb.quizzes_taken),
            // No quizzes sorts below any score.
            Self::AverageQuizScore => {
                float(fa.average_quiz_score.unwrap_or(-1.0), fb.average_quiz_score.unwrap_or(-1.0))
            }
            Self::Points => fa.points.cmp(&fb.points),
            Self::PointsPerMember => float(fa.points_per_member, fb.points_per_member),
        }
    }
}

pub struct ParticipationQuery {
    pub org_id: Option<i64>,
    pub range: Range,
    pub demonstration_only: bool,
    pub sort: Sort,
    pub descending: bool,
}

pub struct Participation {
    /// The requested node; `None`: the whole tree (admins without `org_id`).
    pub org: Option<OrganizationRow>,
    pub range: Range,
    pub rows: Vec<(OrganizationRow, Figures)>,
    pub total: Figures,
}

/// The node a report is about: the requested one if in scope (404 `unknown_reference`
/// otherwise), else the
/// caller's own node for org admins, else the whole tree for admins.
fn requested_node(
    conn: &mut DbConn,
    scope: &Scope,
    own_org: Option<i64>,
    requested: Option<i64>,
) -> Result<Option<OrganizationRow>, AppError> {
    match (requested, scope) {
        (Some(id), _) => referenced_in_scope(conn, scope, "org_id", id).map(Some),
        (None, Scope::All) => Ok(None),
        (None, Scope::Subtree(_)) => {
            let id = own_org.ok_or_else(|| AppError::not_found("organization"))?;
            find_in_scope(conn, scope, id).map(Some)
        }
        (None, Scope::Nothing) => Err(AppError::forbidden("Reports need the org_admin or admin role.")),
    }
}

/// Everything a participation report needs about one subtree, per organization, read
/// once (one pass over each aggregate); rows and the total are rolled up from it.
struct Subtree {
    paths: Vec<(i64, String)>,
    sums: HashMap<i64, GroupSums>,
    members: HashMap<i64, i64>,
    active: Vec<ActivePair>,
}

impl Subtree {
    /// `within`: the node's path (`None`: the whole tree).
    fn load(conn: &mut DbConn, within: Option<&str>, range: Range, tz: chrono_tz::Tz) -> Result<Self, AppError> {
        // Every path starts with '/', and '0' follows '/': `["/", "0")` is the whole tree.
        let (path_from, path_to) = within.map_or_else(|| ("/".to_owned(), "0".to_owned()), subtree_range);
        let (start, end) = range.instants(tz);
        let (from, to) = (range.from.to_string(), range.to.to_string());
        Ok(Self {
            paths: report_db::paths_within(conn, &path_from, &path_to)?,
            sums: report_db::sums_by_org(conn, &path_from, &path_to, &from, &to)?
                .into_iter()
                .map(|s| (s.group_id, s))
                .collect(),
            members: report_db::members_by_org(conn, &path_from, &path_to, start, end)?
                .into_iter()
                .map(|c| (c.group_id, c.n))
                .collect(),
            active: report_db::active_pairs(conn, &path_from, &path_to, range.active_spans(), start, end)?,
        })
    }

    /// The figures of each group (a node and everything below it, by path), and of the
    /// whole subtree. Groups may nest (demonstration sites inside sites). A group's active
    /// members are its members (learners whose current organization is in the group) who
    /// were active in the group during the range, so they never outnumber its members.
    /// Distinct learners do not add up across organizations (one may have moved), so they
    /// are counted as sets.
    fn figures(&self, groups: &[&str]) -> (Vec<Figures>, Figures) {
        let member_of: HashMap<i64, Vec<usize>> = self
            .paths
            .iter()
            .map(|(id, path)| {
                (*id, groups.iter().enumerate().filter(|(_, g)| path.starts_with(*g)).map(|(i, _)| i).collect())
            })
            .collect();
        let of = |org: &i64| member_of.get(org).map_or(&[][..], Vec::as_slice);
        let mut sums = vec![GroupSums::default(); groups.len()];
        let mut members = vec![0; groups.len()];
        let mut active: Vec<HashSet<i64>> = vec![HashSet::new(); groups.len()];
        let (mut all_sums, mut all_members, mut all_active) = (GroupSums::default(), 0, HashSet::new());
        for (org, s) in &self.sums {
            for &g in of(org) {
                sums[g].add(s);
            }
            all_sums.add(s);
        }
        for (org, n) in &self.members {
            for &g in of(org) {
                members[g] += n;
            }
            all_members += n;
        }
        for pair in &self.active {
            // Members only: a learner who has left the subtree (or become staff) is not one.
            let Some(home) = pair.member_of.filter(|org| member_of.contains_key(org)) else { continue };
            for &g in of(&pair.org_id).iter().filter(|g| of(&home).contains(g)) {
                active[g].insert(pair.user_id);
            }
            all_active.insert(pair.user_id);
        }
        let rows =
            (0..groups.len()).map(|g| Figures::from_parts(members[g], active[g].len() as i64, &sums[g])).collect();
        (rows, Figures::from_parts(all_members, all_active.len() as i64, &all_sums))
    }
}

/// The figures of each unit (a node with its subtree) over a range, all inside `within`
/// (`None`: the whole tree), read in one pass; and the figures of `within` itself. The
/// participation report and the organization board both read their rows here.
pub fn unit_figures(
    conn: &mut DbConn,
    within: Option<&str>,
    units: &[OrganizationRow],
    range: Range,
    tz: chrono_tz::Tz,
) -> Result<(Vec<Figures>, Figures), AppError> {
    let subtree = Subtree::load(conn, within, range, tz)?;
    let groups: Vec<&str> = units.iter().map(|n| n.path.as_str()).collect();
    Ok(subtree.figures(&groups))
}

/// One row per child of the node (or per demonstration site in its subtree, or per root
/// for the whole tree), each with its subtree's figures, and the node's own total.
pub fn participation(
    conn: &mut DbConn,
    scope: &Scope,
    own_org: Option<i64>,
    query: &ParticipationQuery,
    tz: chrono_tz::Tz,
) -> Result<Participation, AppError> {
    let node = requested_node(conn, scope, own_org, query.org_id)?;
    let within = node.as_ref().map(|n| n.path.as_str());
    let row_nodes = if query.demonstration_only {
        report_db::demonstration_sites(conn, within)?
    } else {
        report_db::children(conn, node.as_ref().map(|n| n.id))?
    };
    let (figures, total) = unit_figures(conn, within, &row_nodes, query.range, tz)?;
    let mut rows: Vec<(OrganizationRow, Figures)> = row_nodes.into_iter().zip(figures).collect();
    rows.sort_by(|a, b| {
        let primary = query.sort.compare(a, b);
        (if query.descending { primary.reverse() } else { primary }).then(a.0.id.cmp(&b.0.id))
    });
    Ok(Participation { org: node, range: query.range, rows, total })
}

/// One day of the series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayFigures {
    pub date: NaiveDate,
    pub active_learners: i64,
    pub study_seconds: i64,
    pub completions: i64,
    pub quizzes_taken: i64,
    pub points: i64,
}

/// Per local day of the range (days without activity as zeros), the node's subtree
/// figures.
pub fn timeseries(
    conn: &mut DbConn,
    scope: &Scope,
    own_org: Option<i64>,
    org_id: Option<i64>,
    range: Range,
) -> Result<(Option<OrganizationRow>, Vec<DayFigures>), AppError> {
    let node = requested_node(conn, scope, own_org, org_id)?;
    let (path_from, path_to) = subtree_range(node.as_ref().map_or("/", |n| n.path.as_str()));
    let sums: HashMap<String, report_db::DaySums> =
        report_db::days(conn, &path_from, &path_to, &range.from.to_string(), &range.to.to_string())?
            .into_iter()
            .map(|d| (d.local_date.clone(), d))
            .collect();
    let days = range
        .days()
        .map(|date| match sums.get(&date.to_string()) {
            Some(d) => DayFigures {
                date,
                active_learners: d.active_learners,
                study_seconds: d.study_seconds,
                completions: d.completions,
                quizzes_taken: d.quizzes_taken,
                points: d.points,
            },
            None => DayFigures { date, ..DayFigures::default() },
        })
        .collect();
    Ok((node, days))
}

pub fn contents(
    conn: &mut DbConn,
    range: Range,
    kind: Option<&str>,
    order: ContentOrder,
    descending: bool,
    limit: i64,
) -> Result<Vec<report_db::ContentSums>, AppError> {
    Ok(report_db::contents(conn, &range.from.to_string(), &range.to.to_string(), kind, order, descending, limit)?)
}
