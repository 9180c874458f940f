use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::admin::SortOrder;
use crate::api::csv_table::{self, Csv, num, opt, text};
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::{MemberManagers, Require};
use crate::domain::member_progress::{self, LearnerProgress, ProgressQuery, ProgressSort};
use crate::domain::organizations::Scope;
use crate::domain::reports::Range;
use crate::domain::vocab::Audience;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// First local day (`YYYY-MM-DD`, in `TONGXIN_TIMEZONE`). Default: 29 days before `to`
    /// (or before today). Not after `to`.
    #[param(format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last local day, inclusive. Default: 29 days after `from` but not after today (at
    /// least `from`), or today. Not before `from`, and the range from `from` to `to` covers
    /// at most 366 days (`to` at most 365 days after `from`).
    #[param(format = Date, example = "2026-11-30")]
    pub to: Option<String>,
    /// `true`: only learners with nothing in the range (no study time, completion, quiz or
    /// point); `false`: only the others. Absent: everyone.
    pub inactive: Option<bool>,
    /// Column to sort rows by: `display_name` (default), `username`, `study_seconds`,
    /// `articles_completed`, `videos_completed`, `quizzes_taken`, `average_score` (no
    /// quizzes sorts lowest), `points`, `points_total`, `streak`, `last_active_day` (never
    /// active sorts lowest). Ties by user id, ascending.
    #[param(inline)]
    pub sort: Option<ProgressSort>,
    /// Default `asc`.
    #[param(inline)]
    pub order: Option<SortOrder>,
    /// Page size, 1–100 (default 20). Ignored for CSV, which has every row.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (the last learner it listed). Ignored for CSV.
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// A unit of the tree, by id and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub name: String,
}

/// One learner over the range. Every figure is what the learner sees in their own
/// `GET /me/stats` and `GET /me/points`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerProgressRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The learner's unit (the requested one or a unit below it).
    pub organization: UnitRef,
    pub audience: Audience,
    /// Study time the server credited in the range (reading + watching), in seconds.
    pub study_seconds: i64,
    pub articles_completed: i64,
    pub videos_completed: i64,
    /// Quiz attempts scored on a day of the range.
    pub quizzes_taken: i64,
    /// 100 × (sum of scores) / (sum of maximum scores) over those attempts, rounded to 2
    /// places (as the participation report computes it); `null` without quizzes.
    pub average_score: Option<f64>,
    /// Points earned in the range (the ledger entries of those days).
    pub points: i64,
    /// All points ever earned (`total` in `/me/points`).
    pub points_total: i64,
    /// The current streak of days with points, as `streak_days` in `/me/stats`.
    pub streak: i64,
    /// The last local day with any activity, on or before `to`; `null`: none.
    pub last_active_day: Option<NaiveDate>,
}

impl From<LearnerProgress> for LearnerProgressRow {
    fn from(r: LearnerProgress) -> Self {
        Self {
            user_id: r.user_id,
            username: r.username,
            display_name: r.display_name,
            organization: UnitRef { id: r.org_id, name: r.org_name },
            audience: r.audience,
            study_seconds: r.study_seconds,
            articles_completed: r.articles_completed,
            videos_completed: r.videos_completed,
            quizzes_taken: r.quizzes_taken,
            average_score: r.average_score,
            points: r.points,
            points_total: r.points_total,
            streak: r.streak,
            last_active_day: r.last_active_day,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembersProgress {
    /// The unit asked for.
    pub org: UnitRef,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// One row per learner of the unit and the units below it, sorted as asked.
    pub items: Vec<LearnerProgressRow>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The teacher's view: one row per learner (not erased) of the unit and every unit below
/// it, with their study time, completions, quizzes and average score, points in the range
/// and in all, current streak and last active day, over a range of local days. The
/// figures equal what each learner sees in `GET /me/stats` and `GET /me/points`.
/// `inactive=true` lists who did nothing in the range. Admins may ask for any unit, org
/// admins for their own subtree; any other unit is 404, known or not.
///
/// Learners who may be under 14 are shown in full (names included): this view is only
/// for staff whose scope covers them, the school itself. Each read is recorded in the
/// audit log (`user.progress`, with the ids returned).
///
/// Paged by `limit` and `cursor` in the chosen order; a cursor naming no learner of the
/// list starts again from the first row. `Accept: text/csv` gives every row (no paging)
/// as CSV: UTF-8 with a byte-order mark, a header row, empty cells for null. Cross-field
/// rules: `from` not after `to`, and at most 366 days from `from` to `to`.
#[utoipa::path(
    operation_id = "admin_members_progress", tag = "admin: organizations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id", example = 1), ProgressParams),
    responses(
        (status = 200, description = "A page of learners", content(
            (MembersProgress = "application/json"),
            (String = "text/csv", example = "\u{feff}user_id,username,display_name,org_id,org_name,audience,study_seconds,articles_completed,videos_completed,quizzes_taken,average_score,points,points_total,streak,last_active_day\r\n")
        )),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin"),
        (status = 404, description = "No such organization in the caller's scope"),
        (status = 422, description = "A bad date, `from` after `to`, a range over 366 days, or a bad `limit`, `sort` or `order` (`validation_failed`, naming the field)"),
    )
)]
#[get("/admin/organizations/{id}/members/progress")]
pub async fn progress(
    state: web::Data<AppState>,
    req: HttpRequest,
    Require { user: caller, body: Query(params), .. }: Require<MemberManagers, Query<ProgressParams>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (now, tz) = (state.clock.now(), state.config.timezone);
    let range = Range::parse(params.from.as_deref(), params.to.as_deref(), now, tz)?;
    let limit = pagination::limit(params.limit)?;
    let after = pagination::decode_cursor(params.cursor.as_deref())?;
    let csv = csv_table::wants_csv(&req);
    let query = ProgressQuery {
        org_id: id.into_inner(),
        range,
        inactive: params.inactive,
        sort: params.sort.unwrap_or_default(),
        descending: params.order == Some(SortOrder::Desc),
    };
    let scope = Scope::of(caller.role, caller.org_path());
    let actor = caller.id;
    let (org, page) = state
        .db
        .run(move |conn| {
            let all = member_progress::learners(conn, &scope, &query, now, tz)?;
            let page = if csv {
                crate::db::models::Page { items: all.rows, has_more: false }
            } else {
                member_progress::page(all.rows, after, limit)
            };
            let returned: Vec<i64> = page.items.iter().map(|r| r.user_id).collect();
            member_progress::audit_read(conn, actor, all.org.id, range, &returned, now)?;
            Ok((UnitRef { id: all.org.id, name: all.org.name }, page))
        })
        .await?;
    let next_cursor =
        if page.has_more { page.items.last().map(|r| pagination::encode_cursor(r.user_id)) } else { None };
    let body = MembersProgress {
        org,
        from: range.from,
        to: range.to,
        items: page.items.into_iter().map(LearnerProgressRow::from).collect(),
        next_cursor,
    };
    let file_name = format!("members-progress-{}-{}-{}.csv", body.org.id, range.from, range.to);
    Ok(csv_table::respond(&req, &file_name, &body, to_csv))
}

const CSV_HEADER: [&str; 15] = [
    "user_id",
    "username",
    "display_name",
    "org_id",
    "org_name",
    "audience",
    "study_seconds",
    "articles_completed",
    "videos_completed",
    "quizzes_taken",
    "average_score",
    "points",
    "points_total",
    "streak",
    "last_active_day",
];

fn to_csv(report: &MembersProgress) -> Csv {
    let mut csv = Csv::new(&CSV_HEADER);
    for row in &report.items {
        csv.row([
            num(row.user_id),
            text(&row.username),
            text(&row.display_name),
            num(row.organization.id),
            text(&row.organization.name),
            num(row.audience.as_str()),
            num(row.study_seconds),
            num(row.articles_completed),
            num(row.videos_completed),
            num(row.quizzes_taken),
            opt(row.average_score),
            num(row.points),
            num(row.points_total),
            num(row.streak),
            opt(row.last_active_day),
        ]);
    }
    csv
}
