use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ContentReportReaders, SortOrder};
use crate::api::csv_table::{self, Csv, num, opt, text};
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::Require;
use crate::db::models::reports::ContentOrder;
use crate::domain::reports::{self, Range};
use crate::error::AppError;
use crate::startup::AppState;

/// Content kinds the report filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportContentKind {
    Article,
    Video,
}

/// Column the content report sorts by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContentSort {
    Id,
    #[default]
    Views,
    Completions,
    AverageEffectivePercent,
    Likes,
    Favorites,
    Shares,
}

impl ContentSort {
    fn order(self) -> ContentOrder {
        match self {
            Self::Id => ContentOrder::Id,
            Self::Views => ContentOrder::Views,
            Self::Completions => ContentOrder::Completions,
            Self::AverageEffectivePercent => ContentOrder::AverageEffectivePercent,
            Self::Likes => ContentOrder::Likes,
            Self::Favorites => ContentOrder::Favorites,
            Self::Shares => ContentOrder::Shares,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContentReportParams {
    /// First local day (`YYYY-MM-DD`, in `TONGXIN_TIMEZONE`). Default: 29 days before `to`
    /// (or before today). Not after `to`.
    #[param(format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// Last local day, inclusive. Default: 29 days after `from` but not after today (at
    /// least `from`), or today. Not before `from`, and the range from `from` to `to` covers
    /// at most 366 days (`to` at most 365 days after `from`).
    #[param(format = Date, example = "2026-11-30")]
    pub to: Option<String>,
    #[param(inline)]
    pub kind: Option<ReportContentKind>,
    /// `views` (default), `completions`, `average_effective_percent` (none sorts lowest),
    /// `likes`, `favorites`, `shares` or `id`. Ties by content id, ascending.
    #[param(inline)]
    pub sort: Option<ContentSort>,
    /// Default `desc`.
    #[param(inline)]
    pub order: Option<SortOrder>,
    /// How many contents, 1–100 (default 20): the top of the sorted list.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// One content's figures over the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentFigures {
    pub id: i64,
    pub title: String,
    pub kind: String,
    /// `view` events received in the range.
    pub views: i64,
    /// Learners who completed it for the first time in the range.
    pub completions: i64,
    /// Over the learner-days in the range on which a learner sent any event for the
    /// content, the mean of the percent of the content (0–100) that learner had
    /// effectively studied (study time the server credited, 100 once completed) by the
    /// end of that day, rounded to 2 places. A learner who studies it on three days
    /// counts three times. `null` when there are no such learner-days.
    pub average_effective_percent: Option<f64>,
    /// The content's current like count (not limited to the range).
    pub likes: i64,
    /// The content's current favourite count (not limited to the range).
    pub favorites: i64,
    /// `share` events received in the range.
    pub shares: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContentReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Contents with any activity in the range, sorted as asked, at most `limit`.
    pub items: Vec<ContentFigures>,
}

/// Per content (county-wide, no personal data): views, completions, average effective
/// percent, likes, favourites and shares over a range of local days, from the daily
/// content aggregates. `Accept: text/csv` gives the same items as CSV (UTF-8 with a
/// byte-order mark, a header row, one line per content), like every report.
#[utoipa::path(
    operation_id = "admin_contents_report", tag = "admin: reports", security(("bearer" = [])),
    params(ContentReportParams),
    responses(
        (status = 200, description = "The report", content(
            (ContentReport = "application/json"),
            (String = "text/csv", example = "\u{feff}id,title,kind,views,completions,average_effective_percent,likes,favorites,shares\r\n8,民族团结一家亲,article,120,40,62.5,9,4,3\r\n")
        )),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs editor, reviewer, org_admin or admin"),
        (status = 422, description = "A bad date, `from` after `to`, a range over 366 days, a bad `limit`, or an unknown `kind`, `sort` or `order` (`validation_failed`)"),
    )
)]
#[get("/admin/reports/contents")]
pub async fn contents(
    state: web::Data<AppState>,
    req: HttpRequest,
    Require { body: Query(params), .. }: Require<ContentReportReaders, Query<ContentReportParams>>,
) -> Result<HttpResponse, AppError> {
    let range = Range::parse(params.from.as_deref(), params.to.as_deref(), state.clock.now(), state.config.timezone)?;
    let limit = pagination::limit(params.limit)?;
    let order = params.sort.unwrap_or_default().order();
    let descending = params.order != Some(SortOrder::Asc);
    let kind = params.kind.map(|k| if k == ReportContentKind::Video { "video" } else { "article" });
    let rows = state.db.run(move |conn| reports::contents(conn, range, kind, order, descending, limit)).await?;
    let report = ContentReport {
        from: range.from,
        to: range.to,
        items: rows
            .into_iter()
            .map(|r| ContentFigures {
                id: r.id,
                title: r.title,
                kind: r.kind,
                views: r.views,
                completions: r.completions,
                average_effective_percent: r.average_effective_percent.map(|p| (p * 100.0).round() / 100.0),
                likes: r.likes,
                favorites: r.favorites,
                shares: r.shares,
            })
            .collect(),
    };
    let file_name = format!("contents-{}-{}.csv", range.from, range.to);
    Ok(csv_table::respond(&req, &file_name, &report, to_csv))
}

fn to_csv(report: &ContentReport) -> Csv {
    let mut csv = Csv::new(&[
        "id",
        "title",
        "kind",
        "views",
        "completions",
        "average_effective_percent",
        "likes",
        "favorites",
        "shares",
    ]);
    for c in &report.items {
        csv.row([
            num(c.id),
            text(&c.title),
            text(&c.kind),
            num(c.views),
            num(c.completions),
            opt(c.average_effective_percent),
            num(c.likes),
            num(c.favorites),
            num(c.shares),
        ]);
    }
    csv
}
