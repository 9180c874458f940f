//! Keyset pagination: `limit` (default 20, at most 100) and an opaque `cursor`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::Page;
use crate::error::AppError;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A page of items and the cursor for the next one (`null` on the last page).
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` when there is none.
    pub next_cursor: Option<String>,
}

pub fn limit(requested: Option<u32>) -> Result<i64, AppError> {
    match requested.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(i64::from(n)),
        _ => Err(AppError::validation("limit", format!("must be between 1 and {MAX_LIMIT}"))),
    }
}

/// Cursors are the last id seen, wrapped so clients treat them as opaque.
pub fn encode_cursor(last_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("id:{last_id}"))
}

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, AppError> {
    let Some(cursor) = cursor else { return Ok(None) };
    let bad = || AppError::bad_request("invalid_cursor", "The cursor is not one this API returned.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("id:").and_then(|id| id.parse().ok()).map(Some).ok_or_else(bad)
}

/// Maps a fetched page to response items, with the cursor taken from the last row.
pub fn paged<R, T: ToSchema>(page: Page<R>, id_of: impl Fn(&R) -> i64, view: impl Fn(R) -> T) -> Paged<T> {
    let next_cursor = if page.has_more { page.items.last().map(|r| encode_cursor(id_of(r))) } else { None };
    Paged { items: page.items.into_iter().map(view).collect(), next_cursor }
}
