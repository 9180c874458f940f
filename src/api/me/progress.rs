use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::contents::ContentKind;
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::AuthUser;
use crate::clock::utc;
use crate::db::models::contents::ContentRow;
use crate::db::models::progress::ProgressRow;
use crate::domain::contents::published_at;
use crate::domain::engagement;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub content_id: i64,
    /// Where to resume, in seconds.
    pub position_s: i32,
    /// Study time the server credited.
    pub effective_s: i32,
    /// 0–100.
    pub percent: i32,
    pub completed: bool,
}

impl Progress {
    pub fn from_rows(row: &ProgressRow, content: &ContentRow) -> Self {
        Self {
            content_id: row.content_id,
            position_s: row.position_s,
            effective_s: row.effective_s,
            percent: engagement::percent(row, content),
            completed: row.completed_at.is_some(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProgressParams {
    /// 1 to 100 content ids, comma-separated, without spaces.
    #[param(example = "1,2,3", pattern = r"^[0-9]{1,18}(,[0-9]{1,18}){0,99}$")]
    pub content_ids: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressList {
    pub items: Vec<Progress>,
}

/// The caller's progress on some contents (those they have opened).
#[utoipa::path(
    operation_id = "get_my_progress", tag = "engagement", security(("bearer" = [])),
    params(ProgressParams),
    responses((status = 200, description = "Progress per content", body = ProgressList))
)]
#[get("/me/progress")]
pub async fn progress(
    state: web::Data<AppState>,
    caller: AuthUser,
    Query(params): Query<ProgressParams>,
) -> Result<HttpResponse, AppError> {
    let ids: Vec<i64> = params
        .content_ids
        .split(',')
        .map(|id| crate::api::pagination::cursor_number(id, 18).ok())
        .collect::<Option<_>>()
        .filter(|ids: &Vec<i64>| ids.len() <= 100)
        .ok_or_else(|| AppError::validation("content_ids", "must be 1 to 100 content ids, comma-separated"))?;
    let (user, now) = (caller.id, state.clock.now());
    let rows = state.db.run(move |conn| engagement::progress_of(conn, user, &ids, now)).await?;
    Ok(HttpResponse::Ok().json(ProgressList { items: rows.iter().map(|(p, c)| Progress::from_rows(p, c)).collect() }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryItem {
    pub content_id: i64,
    pub kind: ContentKind,
    pub title: String,
    pub published_at: DateTime<Utc>,
    pub progress: Progress,
    pub last_studied_at: DateTime<Utc>,
}

crate::page_type!(
    /// What the caller opened, most recent first.
    HistoryPage,
    HistoryItem
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    #[param(pattern = r"^[0-9]{1,16}_[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// The caller's study history: what they opened, most recent first, with progress.
#[utoipa::path(
    operation_id = "get_my_history", tag = "engagement", security(("bearer" = [])),
    params(HistoryParams),
    responses((status = 200, description = "A page of history", body = HistoryPage), (status = 400, description = "Bad cursor (`invalid_cursor`)"))
)]
#[get("/me/history")]
pub async fn history(
    state: web::Data<AppState>,
    caller: AuthUser,
    Query(params): Query<HistoryParams>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let after = pagination::decode_time_cursor(params.cursor.as_deref())?;
    let (user, now) = (caller.id, state.clock.now());
    let page = state.db.run(move |conn| engagement::history(conn, user, after, limit, now)).await?;
    let next = if page.has_more {
        page.items
            .last()
            .and_then(|(p, _)| p.last_receipt_at.map(|at| pagination::encode_time_cursor(at, p.content_id)))
    } else {
        None
    };
    let items = page
        .items
        .iter()
        .map(|(p, c)| HistoryItem {
            content_id: c.id,
            kind: if c.kind == "video" { ContentKind::Video } else { ContentKind::Article },
            title: c.title.clone(),
            published_at: published_at(c).unwrap_or_default(),
            progress: Progress::from_rows(p, c),
            last_studied_at: p.last_receipt_at.map(utc).unwrap_or_default(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(HistoryPage { items, next_cursor: next }))
}
