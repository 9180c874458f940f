//! Keyset pagination: `limit` (default 20, at most 100) and an opaque `cursor`.

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

/// Cursors are plain digits so that the OpenAPI document can state exactly which strings
/// are cursors (`CURSOR_PATTERN`) and every such string is accepted: a cursor is the last
/// id seen; one made up or from another list just starts the page at that id. Clients
/// still treat them as opaque.
pub fn encode_cursor(last_id: i64) -> String {
    last_id.to_string()
}

pub fn bad_cursor() -> AppError {
    AppError::bad_request("invalid_cursor", "The cursor is not one this API returned.")
}

/// A decimal number of 1 to `max_digits` ASCII digits (no sign, no spaces), as the
/// documented patterns say; `parse` alone would also take `+5`.
pub fn cursor_number(text: &str, max_digits: usize) -> Result<i64, AppError> {
    if text.is_empty() || text.len() > max_digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_cursor());
    }
    text.parse().map_err(|_| bad_cursor())
}

pub fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, AppError> {
    cursor.map(|c| cursor_number(c, 18)).transpose()
}

/// Cursors for lists ordered by a time, newest first, with an id to break ties:
/// `<microseconds since 1970>_<id>` (`TIME_CURSOR_PATTERN`).
pub fn encode_time_cursor(at: NaiveDateTime, id: i64) -> String {
    format!("{}_{id}", at.and_utc().timestamp_micros().max(0))
}

pub fn decode_time_cursor(cursor: Option<&str>) -> Result<Option<(NaiveDateTime, i64)>, AppError> {
    let Some(cursor) = cursor else { return Ok(None) };
    let (micros, id) = cursor.split_once('_').ok_or_else(bad_cursor)?;
    let at = chrono::DateTime::from_timestamp_micros(cursor_number(micros, 16)?).ok_or_else(bad_cursor)?;
    Ok(Some((at.naive_utc(), cursor_number(id, 18)?)))
}

/// Maps a fetched page to response items, with the cursor taken from the last row.
pub fn paged<P: PageOf, R>(page: Page<R>, id_of: impl Fn(&R) -> i64, view: impl Fn(R) -> P::Item) -> P {
    let next_cursor = if page.has_more { page.items.last().map(|r| encode_cursor(id_of(r))) } else { None };
    P::new(page.items.into_iter().map(view).collect(), next_cursor)
}
