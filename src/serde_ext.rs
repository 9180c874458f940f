//! Small serde helpers shared by request types.

use serde::{Deserialize, Deserializer};

/// For PATCH fields where `null` means "clear": absent → `None`, `null` → `Some(None)`.
/// Use with `#[serde(default, deserialize_with = "crate::serde_ext::nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A calendar date exactly as JSON Schema's `format: date` (RFC 3339 `full-date`) writes
/// it: `YYYY-MM-DD`, four-digit year, no sign, no spaces. chrono's own parser is laxer
/// (`2026-1-5`, ` 2026-01-05`, `+12026-01-05`), and the document promises this form only.
pub fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
    chrono::NaiveDate::from_ymd_opt(i32::try_from(number(0..4)?).ok()?, number(5..7)?, number(8..10)?)
}

/// An optional `format: date` field read with [`parse_date`]. Use with
/// `#[serde(default, deserialize_with = "crate::serde_ext::optional_date")]`.
pub fn optional_date<'de, D>(d: D) -> Result<Option<chrono::NaiveDate>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => {
            parse_date(&text).map(Some).ok_or_else(|| serde::de::Error::custom("must be a date as YYYY-MM-DD"))
        }
    }
}
