use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ReportOrg;
use crate::api::csv_table::{self, Csv, num};
use crate::api::extract::Query;
use crate::auth::{MemberManagers, Require};
use crate::domain::organizations::Scope;
use crate::domain::reports::{self, Range};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TimeseriesParams {
    /// The organization (it and its subtree). Default: the org admin's own node; for
    /// admins, the whole tree.
    pub org_id: Option<i64>,
    /// First local day (`YYYY-MM-DD`, in `TONGXIN_TIMEZONE`). Default: 29 days before `to`
    /// (or before today). Not after `to`.
    #[param(format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last local day, inclusive. Default: 29 days after `from` but not after today (at
    /// least `from`), or today. Not before `from`, and the range from `from` to `to` covers
    /// at most 366 days (`to` at most 365 days after `from`).
    #[param(format = Date, example = "2026-11-30")]
    pub to: Option<String>,
}

/// One local day of the subtree.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayPoint {
    pub date: NaiveDate,
    /// Learners whose first activity that day happened while they belonged to the subtree.
    pub active_learners: i64,
    /// Study time credited, in seconds.
    pub study_seconds: i64,
    /// Articles and videos completed.
    pub completions: i64,
    pub quizzes_taken: i64,
    pub points: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeseries {
    /// The node reported on; `null` for the whole tree.
    pub org: Option<ReportOrg>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every day of the range in order, days without activity as zeros.
    pub items: Vec<DayPoint>,
}

/// Per local day: active learners, study time, completions, quizzes and points of an
/// organization's subtree, for charts. From daily aggregates only. `Accept: text/csv`
/// gives the same days as CSV (UTF-8 with a byte-order mark, a header row, one line per
/// day), like every report.
#[utoipa::path(
    operation_id = "admin_timeseries_report", tag = "admin: reports", security(("bearer" = [])),
    params(TimeseriesParams),
    responses(
        (status = 200, description = "One item per day", content(
            (Timeseries = "application/json"),
            (String = "text/csv", example = "\u{feff}date,active_learners,study_seconds,completions,quizzes_taken,points\r\n2026-11-01,12,5400,30,8,96\r\n")
        )),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin"),
        (status = 404, description = "`org_id` names no organization in the caller's scope (`unknown_reference`, with `errors` naming the field)"),
        (status = 422, description = "A bad date, `from` after `to` or a range over 366 days (`validation_failed`)"),
    )
)]
#[get("/admin/reports/timeseries")]
pub async fn timeseries(
    state: web::Data<AppState>,
    req: HttpRequest,
    Require { user: caller, body: Query(params), .. }: Require<MemberManagers, Query<TimeseriesParams>>,
) -> Result<HttpResponse, AppError> {
    let range = Range::parse(params.from.as_deref(), params.to.as_deref(), state.clock.now(), state.config.timezone)?;
    let scope = Scope::of(caller.role, caller.org_path());
    let own_org = caller.organization.as_ref().map(|o| o.id);
    let org_id = params.org_id;
    let (node, days) = state.db.run(move |conn| reports::timeseries(conn, &scope, own_org, org_id, range)).await?;
    let report = Timeseries {
        org: node.as_ref().map(ReportOrg::from),
        from: range.from,
        to: range.to,
        items: days
            .into_iter()
            .map(|d| DayPoint {
                date: d.date,
                active_learners: d.active_learners,
                study_seconds: d.study_seconds,
                completions: d.completions,
                quizzes_taken: d.quizzes_taken,
                points: d.points,
            })
            .collect(),
    };
    let file_name = format!("timeseries-{}-{}.csv", range.from, range.to);
    Ok(csv_table::respond(&req, &file_name, &report, to_csv))
}

fn to_csv(report: &Timeseries) -> Csv {
    let mut csv = Csv::new(&["date", "active_learners", "study_seconds", "completions", "quizzes_taken", "points"]);
    for d in &report.items {
        csv.row([
            num(d.date),
            num(d.active_learners),
            num(d.study_seconds),
            num(d.completions),
            num(d.quizzes_taken),
            num(d.points),
        ]);
    }
    csv
}
