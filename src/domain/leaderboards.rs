//! Rankings of learners and organizations. Learner boards read per-period totals kept
//! with the ledger and rank learner accounts only (staff, including learners promoted
//! since, are left out); organization boards rank the participation report's rows for
//! the period's days. Learners who may be under 14 (`accounts::may_be_minor`) are named
//! only to viewers of their own organization node (their class) and to staff whose scope
//! covers it; every other viewer sees them counted but masked, on every board.

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::models::leaderboards as board_db;
use crate::db::models::organizations::{self as org_db, OrganizationRow};
use crate::db::models::points as points_db;
use crate::db::models::reports as report_db;
use crate::domain::accounts::{local_year, may_be_minor};
use crate::domain::campaigns;
use crate::domain::points::Day;
use crate::domain::rank_snapshot::RankSnapshots;
use crate::domain::reports::{self, Figures, Range};
use crate::domain::vocab::Audience;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Today,
    /// Since Monday, local time.
    Week,
    Month,
    All,
}

impl Period {
    /// The period key of the aggregates for the local day `day`.
    pub fn key(self, day: &Day) -> String {
        let [d, w, m, all] = day.periods();
        match self {
            Self::Today => d,
            Self::Week => w,
            Self::Month => m,
            Self::All => all,
        }
    }

    /// The local days the period covers up to `day`: the day itself, its ISO week from
    /// Monday, its month, or everything before it (the organization board reads these).
    pub fn range(self, day: &Day) -> Range {
        let to = day.date;
        let from = match self {
            Self::Today => to,
            Self::Week => to - chrono::Days::new(u64::from(to.weekday().num_days_from_monday())),
            Self::Month => to.with_day(1).unwrap_or(to),
            Self::All => NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(to),
        };
        Range { from, to }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// An organization and everything below it.
    Org(i64),
    Campaign(i64),
}

impl Scope {
    /// The documented form: 1 to 18 ASCII digits (no sign, no spaces).
    fn id(text: &str) -> Option<i64> {
        let digits = (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| text.parse().ok()).flatten()
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.split_once(':') {
            None if text == "global" => Some(Self::Global),
            Some(("org", id)) => Self::id(id).map(Self::Org),
            Some(("campaign", id)) => Self::id(id).map(Self::Campaign),
            _ => None,
        }
    }
}

pub struct Ranked {
    pub rank: i64,
    pub points: i32,
    /// `None` when masked.
    pub user_id: Option<i64>,
    pub display_name: Option<String>,
    pub org: Option<(i64, String, String)>,
    pub masked: bool,
}

pub struct Board {
    pub items: Vec<Ranked>,
    /// The caller's rank and points, when they are in the scope.
    pub me: Option<(Option<i64>, i32)>,
}

/// Who reads a board, as far as its visibility and its masking care.
pub struct Viewer {
    pub id: i64,
    /// The node the viewer belongs to.
    pub org_id: Option<i64>,
    pub org_path: Option<String>,
    /// The part of the tree the viewer manages as staff (admins all, org admins their
    /// subtree, everyone else nothing).
    pub staff_scope: crate::domain::organizations::Scope,
    /// Only learners rank: a staff viewer has no place of their own on a learner board.
    pub learner: bool,
}

impl Viewer {
    /// Whether this viewer may read the name of a learner who may be under 14 and belongs
    /// to the node `org` (id, path): themselves, members of that very node, and staff
    /// whose scope covers it. Everyone else sees the entry masked, whatever the board.
    fn sees_minor(&self, user_id: i64, org: Option<(i64, &str)>) -> bool {
        user_id == self.id
            || org.is_some_and(|(id, _)| self.org_id == Some(id))
            || self.staff_scope.contains_member_path(org.map(|(_, path)| path))
    }
}

#[allow(clippy::too_many_arguments)]
pub fn users(
    conn: &mut DbConn,
    snapshots: &RankSnapshots,
    scope: Scope,
    period: Period,
    limit: i64,
    viewer: &Viewer,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<Board, AppError> {
    // A campaign's board covers its whole window, whatever the period.
    let (within, key) = match scope {
        Scope::Global => (None, period.key(&Day::of(now, tz))),
        Scope::Org(id) => (
            Some(org_db::find(conn, id)?.ok_or_else(|| AppError::not_found("organization"))?.path),
            period.key(&Day::of(now, tz)),
        ),
        Scope::Campaign(id) => {
            let (campaign, path) = campaigns::visible_to(conn, id, viewer.org_path.as_deref(), now)?;
            (path, campaigns::board_key(campaign.id))
        }
    };
    let year = local_year(now, tz);
    let items: Vec<Ranked> = board_db::top(conn, &key, within.as_deref(), limit)?
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            // An unknown audience cannot be told apart from a pupil's: masked.
            let minor = Audience::parse(&e.audience).is_none_or(|a| may_be_minor(a, e.birth_year, year));
            let masked = minor && !viewer.sees_minor(e.user_id, e.org_id.zip(e.org_path.as_deref()));
            Ranked {
                rank: i as i64 + 1,
                points: e.points,
                user_id: (!masked).then_some(e.user_id),
                display_name: (!masked).then_some(e.display_name),
                org: if masked {
                    None
                } else {
                    e.org_id.zip(e.org_name).zip(e.org_kind).map(|((id, n), k)| (id, n, k))
                },
                masked,
            }
        })
        .collect();
    let in_scope = match (&within, &viewer.org_path) {
        (None, _) => true,
        (Some(root), Some(path)) => crate::domain::organizations::Scope::Subtree(root.clone()).contains(path),
        (Some(_), None) => false,
    };
    let me = if in_scope && viewer.learner {
        Some(match points_db::period_points(conn, viewer.id, &key)?.filter(|(p, _)| *p > 0) {
            Some((points, at)) => {
                // In the list just read: that rank is exact and must agree with the list.
                let listed = items.iter().find(|i| i.user_id == Some(viewer.id)).map(|i| i.rank);
                let rank = match (listed, &within) {
                    (Some(rank), _) => rank,
                    (None, None) => match snapshots.ahead(conn, &key, (points, at, viewer.id), now)? {
                        Some(ahead) => ahead + 1,
                        None => board_db::ahead_of(conn, &key, None, points, at, viewer.id)? + 1,
                    },
                    (None, Some(_)) => board_db::ahead_of(conn, &key, within.as_deref(), points, at, viewer.id)? + 1,
                };
                (Some(rank), points)
            }
            None => (None, 0),
        })
    } else {
        None
    };
    Ok(Board { items, me })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Total,
    /// Points per member: fair between small and large units.
    PerMember,
    /// Share of members active in the period: the participation report's rate.
    Participation,
}

pub struct OrgRanked {
    pub rank: i64,
    pub org: OrganizationRow,
    pub figures: Figures,
    pub value: f64,
}

/// The children of `parent` (or the roots) ranked over the period's days. Each row is the
/// participation report's row for the same unit and days (`reports::unit_figures`): the
/// same members, active members, points and rates.
pub fn organizations(
    conn: &mut DbConn,
    parent: Option<i64>,
    period: Period,
    metric: Metric,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<Vec<OrgRanked>, AppError> {
    let within = match parent {
        Some(id) => Some(org_db::find(conn, id)?.ok_or_else(|| AppError::not_found("organization"))?.path),
        None => None,
    };
    let units = report_db::children(conn, parent)?;
    let range = period.range(&Day::of(now, tz));
    let (figures, _) = reports::unit_figures(conn, within.as_deref(), &units, range, tz)?;
    let mut rows: Vec<(f64, OrganizationRow, Figures)> = units
        .into_iter()
        .zip(figures)
        .map(|(org, f)| {
            let value = match metric {
                Metric::Total => f.points as f64,
                Metric::PerMember => f.points_per_member,
                Metric::Participation => f.participation_rate,
            };
            (value, org, f)
        })
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, (value, org, figures))| OrgRanked { rank: i as i64 + 1, org, figures, value })
        .collect())
}
