use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::Query;
use crate::api::me::OrgRef;
use crate::api::pagination;
use crate::auth::AuthUser;
use crate::domain::leaderboards::{self, Metric, Period, Scope, Viewer};
use crate::domain::organizations::Scope as StaffScope;
use crate::domain::vocab::OrgKind;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserBoardParams {
    /// `global`, `org:{id}` (that organization and below) or `campaign:{id}` (points from the
    /// campaign's contents and quizzes inside its window; `period` does not apply).
    #[param(example = "org:3", pattern = r"^(global|org:[0-9]{1,18}|campaign:[0-9]{1,18})$")]
    pub scope: Option<String>,
    #[param(inline)]
    pub period: Option<Period>,
    /// How many to list, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankedUser {
    /// `null` when masked.
    pub id: Option<i64>,
    /// `null` when masked.
    pub display_name: Option<String>,
    pub org: Option<OrgRef>,
    /// A learner who may be under 14 (a birth year less than 15 years ago, or a `primary`
    /// or `junior` audience without one), whose name, id and organization are shown only to
    /// viewers of their own organization node and to staff whose scope covers it.
    pub masked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserRank {
    pub rank: i64,
    pub user: RankedUser,
    pub points: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyRank {
    /// `null` when the caller has no points in the period.
    pub rank: Option<i64>,
    pub points: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserBoard {
    pub items: Vec<UserRank>,
    /// The caller's own place, even outside the top; `null` when they are not in the scope
    /// or not a learner (only learner accounts rank).
    pub me: Option<MyRank>,
}

/// Learners ranked by points in a period. Ties go to whoever reached the score first.
///
/// Learners who may be under 14 are ranked on every board, but named only to viewers who
/// belong to their own organization node and to staff whose scope covers it (admins, org
/// admins of a subtree containing it); to everyone else they are `masked`.
/// Only learner accounts earn points and rank: staff never appear, and a learner promoted
/// to staff leaves every board (their ledger stays).
///
/// `me` gives the caller's current points and rank. On a county-wide board of at least
/// `TONGXIN_RANK_SNAPSHOT_MIN` learners (10,000) a caller outside the returned list is
/// ranked against the others' scores as of at most `TONGXIN_RANK_SNAPSHOT_S` seconds ago
/// (5); elsewhere the rank is counted exactly.
#[utoipa::path(
    operation_id = "leaderboard_users", tag = "engagement", security(("bearer" = [])),
    params(UserBoardParams),
    responses(
        (status = 200, description = "The board", body = UserBoard),
        (status = 400, description = "Unknown scope (`invalid_scope`)"),
        (status = 404, description = "No such organization, or no campaign the caller can see"),
    )
)]
#[get("/leaderboards/users")]
pub async fn users(
    state: web::Data<AppState>,
    caller: AuthUser,
    Query(params): Query<UserBoardParams>,
) -> Result<HttpResponse, AppError> {
    let scope = match params.scope.as_deref() {
        None => Scope::Global,
        Some(text) => Scope::parse(text)
            .ok_or_else(|| AppError::bad_request("invalid_scope", "scope is global, org:{id} or campaign:{id}"))?,
    };
    let limit = pagination::limit(params.limit)?;
    let viewer = Viewer {
        id: caller.id,
        org_id: caller.user.organization_id,
        org_path: caller.org_path().map(str::to_owned),
        staff_scope: StaffScope::of(caller.role, caller.org_path()),
        learner: caller.role == crate::domain::vocab::Role::Learner,
    };
    let (period, now, tz) = (params.period.unwrap_or(Period::Week), state.clock.now(), state.config.timezone);
    let snapshots = state.rank_snapshots.clone();
    let board =
        state.db.run(move |conn| leaderboards::users(conn, &snapshots, scope, period, limit, &viewer, now, tz)).await?;
    Ok(HttpResponse::Ok().json(UserBoard {
        items: board
            .items
            .into_iter()
            .map(|r| UserRank {
                rank: r.rank,
                points: r.points,
                user: RankedUser {
                    id: r.user_id,
                    display_name: r.display_name,
                    org: r.org.map(|(id, name, kind)| OrgRef {
                        id,
                        name,
                        kind: OrgKind::parse(&kind).unwrap_or(OrgKind::Unit),
                    }),
                    masked: r.masked,
                },
            })
            .collect(),
        me: board.me.map(|(rank, points)| MyRank { rank, points }),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrgBoardParams {
    /// Rank this organization's children; absent: the top-level organizations.
    pub parent: Option<i64>,
    #[param(inline)]
    pub period: Option<Period>,
    #[param(inline)]
    pub metric: Option<Metric>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgRank {
    pub rank: i64,
    pub org: OrgRef,
    /// The ranked figure: `points`, `points_per_member` or `participation_rate` of the
    /// participation report's row for this unit over the period's days.
    pub value: f64,
    /// Points earned in the unit's subtree during the period.
    pub points: i64,
    /// Learner accounts of the subtree that existed during the period (staff never count).
    pub members: i64,
    /// Members active in the subtree on a day of the period; never more than `members`.
    pub active_members: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgBoard {
    pub items: Vec<OrgRank>,
}

/// Organizations under a parent ranked by total points, points per member, or
/// participation (the share of members active in the period), each counting its subtree.
///
/// Each row holds the same figures as the participation report's row for the same unit
/// over the period's local days (`today`; `week`: from Monday; `month`: from the 1st;
/// `all`: everything up to today): members are learner accounts only, active members are
/// members who were active in the unit, so participation is never above 1.
#[utoipa::path(
    operation_id = "leaderboard_organizations", tag = "engagement", security(("bearer" = [])),
    params(OrgBoardParams),
    responses((status = 200, description = "The board", body = OrgBoard), (status = 404, description = "No such organization"))
)]
#[get("/leaderboards/organizations")]
pub async fn organizations(
    state: web::Data<AppState>,
    _caller: AuthUser,
    Query(params): Query<OrgBoardParams>,
) -> Result<HttpResponse, AppError> {
    let (period, metric) = (params.period.unwrap_or(Period::Week), params.metric.unwrap_or(Metric::Total));
    let (parent, now, tz) = (params.parent, state.clock.now(), state.config.timezone);
    let rows = state.db.run(move |conn| leaderboards::organizations(conn, parent, period, metric, now, tz)).await?;
    Ok(HttpResponse::Ok().json(OrgBoard {
        items: rows
            .into_iter()
            .map(|r| OrgRank {
                rank: r.rank,
                value: r.value,
                points: r.figures.points,
                members: r.figures.members,
                active_members: r.figures.active_members,
                org: OrgRef {
                    id: r.org.id,
                    kind: OrgKind::parse(&r.org.kind).unwrap_or(OrgKind::Unit),
                    name: r.org.name,
                },
            })
            .collect(),
    }))
}
