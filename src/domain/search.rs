//! Free-text search input shared by the list endpoints.

use crate::error::AppError;

pub const MAX_QUERY_CHARS: usize = 100;

/// A trimmed search string, `None` when blank. Control characters (NUL included, which
/// PostgreSQL refuses in text) are refused rather than sent to the database.
pub fn check_query(field: &str, raw: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::validation(field, format!("must be at most {MAX_QUERY_CHARS} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::validation(field, "must not contain control characters"));
    }
    Ok(Some(text.to_owned()))
}
