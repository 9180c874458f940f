//! Keyset pagination: `limit` (default 20, at most 100) and an opaque `cursor`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;

use crate::db::models::Page;
use crate::error::AppError;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A page type: `{items, next_cursor}`.
pub trait PageOf {
    type Item;
    fn new(items: Vec<Self::Item>, next_cursor: Option<String>) -> Self;
}

/// Declares a page type. Each list has its own named type (not a generic `Paged<T>`) so
/// the OpenAPI document names every page and refers to the item schema instead of
/// inlining a copy of it.
#[macro_export]
macro_rules! page_type {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl $crate::api::pagination::PageOf for $name {
            type Item = $item;
            fn new(items: Vec<$item>, next_cursor: Option<String>) -> Self {
                Self { items, next_cursor }
            }
        }
    };
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

/// Cursors for lists ordered by a time, newest first, with an id to break ties.
pub fn encode_time_cursor(at: NaiveDateTime, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.and_utc().timestamp_micros()))
}

pub fn decode_time_cursor(cursor: Option<&str>) -> Result<Option<(NaiveDateTime, i64)>, AppError> {
    let Some(cursor) = cursor else { return Ok(None) };
    let bad = || AppError::bad_request("invalid_cursor", "The cursor is not one this API returned.");
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?).map_err(|_| bad())?;
    let (micros, id) = text.split_once('|').ok_or_else(bad)?;
    let at = chrono::DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok(Some((at.naive_utc(), id.parse().map_err(|_| bad())?)))
}

/// Maps a fetched page to response items, with the cursor taken from the last row.
pub fn paged<P: PageOf, R>(page: Page<R>, id_of: impl Fn(&R) -> i64, view: impl Fn(R) -> P::Item) -> P {
    let next_cursor = if page.has_more { page.items.last().map(|r| encode_cursor(id_of(r))) } else { None };
    P::new(page.items.into_iter().map(view).collect(), next_cursor)
}
