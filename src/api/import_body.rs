//! The body of a bulk import (questions, a class roster): `application/json` or
//! `text/csv`, read whole up to a limit, each JSON row read on its own so that one bad
//! row does not hide the others.

use actix_web::http::header;
use actix_web::{HttpMessage as _, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::api::control_chars;
use crate::api::extract::{field_error, read_body};
use crate::error::{AppError, FieldError};

pub enum Upload {
    Json(Vec<u8>),
    /// UTF-8 text without control characters other than tab and line ends.
    Csv(String),
}

/// Reads the body as JSON or CSV by its `Content-Type` (415 for anything else).
pub async fn read(req: &HttpRequest, payload: web::Payload, limit: usize) -> Result<Upload, AppError> {
    let mime = req.mime_type().ok().flatten();
    let is_csv = mime.as_ref().is_some_and(|m| m.essence_str() == "text/csv");
    let is_json = mime.as_ref().is_some_and(|m| m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"));
    if !is_csv && !is_json {
        return Err(AppError::UnsupportedMediaType("Send application/json or text/csv.".into()));
    }
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let mut payload = payload.into_inner();
    let body = read_body(&mut payload, declared, limit).await?;
    if !is_csv {
        return Ok(Upload::Json(body));
    }
    let text =
        String::from_utf8(body).map_err(|_| AppError::bad_request("malformed_csv", "The CSV is not valid UTF-8."))?;
    // Cells may span lines (quoted), so tab and line ends pass; other controls do not.
    let refused: Vec<FieldError> = text
        .split('\n')
        .enumerate()
        .filter_map(|(i, line)| control_chars::check(&format!("line[{}]", i + 1), line, true).err())
        .collect();
    if !refused.is_empty() {
        return Err(AppError::Validation(refused));
    }
    Ok(Upload::Csv(text))
}

/// Each JSON row of the list `name` read on its own: the prefix naming its fields in
/// errors (`name[i].`) and the row, or what made it unreadable.
pub fn json_rows<T: DeserializeOwned>(
    name: &str,
    values: Vec<serde_json::Value>,
) -> Vec<(String, Result<T, FieldError>)> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let at = format!("{name}[{i}].");
            let row = serde_path_to_error::deserialize(value).map_err(|e| {
                let path = e.path().to_string();
                let fe = field_error(&path, &e.into_inner().to_string());
                FieldError::new(format!("{at}{}", fe.field), fe.message)
            });
            (at, row)
        })
        .collect()
}
