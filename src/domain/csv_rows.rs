//! The CSV side of bulk imports (questions, class rosters): a header that must be exactly
//! the documented one, then each record with the prefix that names its fields in errors
//! (`line[n].`, n the line in the file, so a spreadsheet user finds it).

use crate::error::AppError;

fn malformed(e: &csv::Error) -> AppError {
    AppError::bad_request("malformed_csv", format!("The CSV could not be read: {e}."))
}

/// The records after the header, each with its `line[n].` prefix. A header other than
/// `header` (compared trimmed, lower-cased, without a byte-order mark) is 422 naming
/// `header`; a file the CSV reader cannot read is 400 `malformed_csv`.
pub fn records(text: &str, header: &[&str]) -> Result<Vec<(String, csv::StringRecord)>, AppError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let found: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(&e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    if found != header {
        return Err(AppError::validation("header", format!("must be exactly: {}", header.join(","))));
    }
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| malformed(&e))?;
            Ok((format!("line[{}].", record.position().map_or(0, csv::Position::line)), record))
        })
        .collect()
}
