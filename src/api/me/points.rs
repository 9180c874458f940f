use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::AuthUser;
use crate::clock::utc;
use crate::domain::points::{self as points_domain, Action};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleToday {
    pub action: Action,
    /// Points earned today under this rule (已获 X 分).
    pub points: i32,
    /// The daily cap (上限 Y 分); `null`: none.
    pub cap: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: i64,
    pub action: Action,
    /// What earned it: `content:12`, `attempt:5`, `day`, `level:3` (a block of study time).
    pub source: String,
    /// The local day it counts for.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub points: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyPoints {
    pub total: i32,
    pub today: Vec<RuleToday>,
    /// The ledger, newest first.
    pub items: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PointsParams {
    /// Ledger page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// The caller's points: total, today's progress per rule against its cap, and the ledger.
#[utoipa::path(
    operation_id = "get_my_points", tag = "engagement", security(("bearer" = [])),
    params(PointsParams),
    responses((status = 200, description = "Points", body = MyPoints), (status = 400, description = "Bad cursor (`invalid_cursor`)"))
)]
#[get("/me/points")]
pub async fn points(
    state: web::Data<AppState>,
    caller: AuthUser,
    Query(params): Query<PointsParams>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let before = pagination::decode_cursor(params.cursor.as_deref())?;
    let (user, now, tz) = (caller.id, state.clock.now(), state.config.timezone);
    let summary = state.db.run(move |conn| points_domain::summary(conn, user, before, limit, now, tz)).await?;
    Ok(HttpResponse::Ok().json(MyPoints {
        total: summary.total,
        today: summary
            .today
            .into_iter()
            .map(|t| RuleToday { action: t.action, points: t.points, cap: t.cap })
            .collect(),
        next_cursor: if summary.ledger.has_more {
            summary.ledger.items.last().map(|r| pagination::encode_cursor(r.id))
        } else {
            None
        },
        items: summary
            .ledger
            .items
            .into_iter()
            .filter_map(|r| {
                Some(LedgerEntry {
                    id: r.id,
                    action: Action::parse(&r.action)?,
                    source: r.source,
                    date: r.local_date.parse().ok()?,
                    points: r.points,
                    created_at: utc(r.created_at),
                })
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyStats {
    pub total_points: i32,
    /// Consecutive local days with points, up to today (or yesterday, if today has none yet).
    pub streak_days: i32,
    pub longest_streak: i32,
    pub study_seconds_today: i32,
    pub study_seconds_total: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
}

/// The caller's totals and streak.
#[utoipa::path(
    operation_id = "get_my_stats", tag = "engagement", security(("bearer" = [])),
    responses((status = 200, description = "Stats", body = MyStats))
)]
#[get("/me/stats")]
pub async fn stats(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, AppError> {
    let (user, now, tz) = (caller.id, state.clock.now(), state.config.timezone);
    let s = state.db.run(move |conn| points_domain::stats(conn, user, now, tz)).await?;
    Ok(HttpResponse::Ok().json(MyStats {
        total_points: s.total_points,
        streak_days: s.streak_days,
        longest_streak: s.longest_streak,
        study_seconds_today: s.study_seconds_today,
        study_seconds_total: s.study_seconds_total,
        articles_completed: s.articles_completed,
        videos_completed: s.videos_completed,
        quizzes_taken: s.quizzes_taken,
    }))
}
