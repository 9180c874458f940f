use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ReportOrg, SortOrder};
use crate::api::csv_table::{self, Csv, num, opt, text};
use crate::api::extract::Query;
use crate::auth::{MemberManagers, Require};
use crate::domain::organizations::Scope;
use crate::domain::reports::{self, Figures, ParticipationQuery, Range, Sort};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ParticipationParams {
    /// The organization to report on (it and its subtree). Default: the org admin's own
    /// node; for admins, the whole tree with one row per root.
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
    /// Rows for every demonstration site in the subtree (each with its own subtree's
    /// figures, side by side) instead of one per child.
    pub demonstration_only: Option<bool>,
    /// Column to sort rows by: `org_id` (default), `name`, `members`, `active_members`,
    /// `participation_rate`, `study_seconds`, `articles_completed`, `videos_completed`,
    /// `quizzes_taken`, `average_quiz_score` (no quizzes sorts lowest), `points`,
    /// `points_per_member`. Ties by organization id, ascending.
    #[param(inline)]
    pub sort: Option<Sort>,
    /// Default `asc`.
    #[param(inline)]
    pub order: Option<SortOrder>,
}

/// One organization's subtree over the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationRow {
    /// The node; `null` only in the total of the whole tree.
    pub org: Option<ReportOrg>,
    /// Learner accounts whose current organization is in the subtree and that existed
    /// during the range (created before its end, not deleted before its start; erased
    /// accounts keep their organization and still count).
    pub members: i64,
    /// Distinct learners with any activity (points, study time, a completion or a quiz)
    /// in the subtree during the range. Activity counts where the learner belonged on
    /// the day of their first activity that day, so a learner who moves leaves their
    /// past activity with the unit where it happened.
    pub active_members: i64,
    /// `active_members / members`, rounded to 4 places; 0 without members. It can pass 1
    /// only when learners active here have since moved elsewhere.
    pub participation_rate: f64,
    /// Study time the server credited (reading + watching), in seconds.
    pub study_seconds: i64,
    pub articles_completed: i64,
    pub videos_completed: i64,
    /// Scored quiz attempts (closed on a day in the range).
    pub quizzes_taken: i64,
    /// 100 × (sum of scores) / (sum of maximum scores) over those attempts, i.e. the
    /// percent of all questions answered right (each attempt weighted by its number of
    /// questions), rounded to 2 places; `null` without quizzes.
    pub average_quiz_score: Option<f64>,
    /// Points earned in the range (equal to the sum of the ledger entries of those days).
    pub points: i64,
    /// `points / members`, rounded to 2 places; 0 without members.
    pub points_per_member: f64,
}

impl ParticipationRow {
    fn new(org: Option<ReportOrg>, f: Figures) -> Self {
        Self {
            org,
            members: f.members,
            active_members: f.active_members,
            participation_rate: f.participation_rate,
            study_seconds: f.study_seconds,
            articles_completed: f.articles_completed,
            videos_completed: f.videos_completed,
            quizzes_taken: f.quizzes_taken,
            average_quiz_score: f.average_quiz_score,
            points: f.points,
            points_per_member: f.points_per_member,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationReport {
    /// The node reported on; `null` for the whole tree.
    pub org: Option<ReportOrg>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// One row per child (or per demonstration site), sorted as asked.
    pub rows: Vec<ParticipationRow>,
    /// The node's whole subtree, members attached to the node itself included. Distinct
    /// learners are counted once, so `active_members` may be less than the rows' sum.
    pub total: ParticipationRow,
}

/// Participation per child organization over a range of local days, with a total row:
/// members, active members, participation rate, study time, completions, quizzes,
/// average quiz score, points. Every figure comes from daily aggregates maintained with
/// the facts (never from the ledger or events at read time). Org admins see their own
/// subtree only. `Accept: text/csv` gives the same rows as CSV (UTF-8 with a byte-order
/// mark so spreadsheet software reads Chinese names; a header row; the `row` column is
/// `organization` or `total`; empty cells for null).
#[utoipa::path(
    operation_id = "admin_participation_report", tag = "admin: reports", security(("bearer" = [])),
    params(ParticipationParams),
    responses(
        (status = 200, description = "The report", content(
            (ParticipationReport = "application/json"),
            (String = "text/csv", example = "\u{feff}row,org_id,org_name,org_kind,demonstration_site,members,active_members,participation_rate,study_seconds,articles_completed,videos_completed,quizzes_taken,average_quiz_score,points,points_per_member\r\n")
        )),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin"),
        (status = 404, description = "`org_id` names no organization in the caller's scope (`unknown_reference`, with `errors` naming the field)"),
        (status = 422, description = "A bad date, `from` after `to`, a range over 366 days, or an unknown `sort` or `order` (`validation_failed`, naming the field)"),
    )
)]
#[get("/admin/reports/participation")]
pub async fn participation(
    state: web::Data<AppState>,
    req: HttpRequest,
    Require { user: caller, body: Query(params), .. }: Require<MemberManagers, Query<ParticipationParams>>,
) -> Result<HttpResponse, AppError> {
    let tz = state.config.timezone;
    let range = Range::parse(params.from.as_deref(), params.to.as_deref(), state.clock.now(), tz)?;
    let query = ParticipationQuery {
        org_id: params.org_id,
        range,
        demonstration_only: params.demonstration_only.unwrap_or(false),
        sort: params.sort.unwrap_or_default(),
        descending: params.order == Some(SortOrder::Desc),
    };
    let scope = Scope::of(caller.role, caller.org_path());
    let own_org = caller.organization.as_ref().map(|o| o.id);
    let report = state.db.run(move |conn| reports::participation(conn, &scope, own_org, &query, tz)).await?;
    let org = report.org.as_ref().map(ReportOrg::from);
    let total = ParticipationRow::new(report.org.as_ref().map(ReportOrg::from), report.total);
    let rows: Vec<ParticipationRow> =
        report.rows.into_iter().map(|(org, f)| ParticipationRow::new(Some(ReportOrg::from(&org)), f)).collect();
    let body = ParticipationReport { org, from: range.from, to: range.to, rows, total };
    let file_name = format!("participation-{}-{}.csv", range.from, range.to);
    Ok(csv_table::respond(&req, &file_name, &body, to_csv))
}

const CSV_HEADER: [&str; 15] = [
    "row",
    "org_id",
    "org_name",
    "org_kind",
    "demonstration_site",
    "members",
    "active_members",
    "participation_rate",
    "study_seconds",
    "articles_completed",
    "videos_completed",
    "quizzes_taken",
    "average_quiz_score",
    "points",
    "points_per_member",
];

fn csv_line(csv: &mut Csv, kind: &str, row: &ParticipationRow) {
    let org = row.org.as_ref();
    csv.row([
        kind.to_owned(),
        opt(org.map(|o| o.id)),
        text(org.map(|o| o.name.as_str()).unwrap_or_default()),
        opt(org.map(|o| o.kind.as_str())),
        opt(org.map(|o| o.demonstration_site)),
        num(row.members),
        num(row.active_members),
        num(row.participation_rate),
        num(row.study_seconds),
        num(row.articles_completed),
        num(row.videos_completed),
        num(row.quizzes_taken),
        opt(row.average_quiz_score),
        num(row.points),
        num(row.points_per_member),
    ]);
}

fn to_csv(report: &ParticipationReport) -> Csv {
    let mut csv = Csv::new(&CSV_HEADER);
    for row in &report.rows {
        csv_line(&mut csv, "organization", row);
    }
    csv_line(&mut csv, "total", &report.total);
    csv
}
