//! Control characters never reach the domain or the database: PostgreSQL refuses NUL in
//! text (a 500 otherwise), and the others corrupt logs, CSV files and screens. This is the
//! one place that checks every string a request carries: path segments and query
//! parameters (the `request_line` middleware, in front of every route) and every string
//! and key of a JSON body (`api::extract`, for every JSON body). A refused request gets
//! 422 `validation_failed` naming the field.
//!
//! Refused: C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F). Multi-line text
//! fields (Markdown bodies, summaries, descriptions, explanations, stems, reasons) may
//! carry tab, line feed and carriage return; nothing else may.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError as _};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::error::{AppError, FieldError};

/// JSON fields (by name, at any depth) whose text may span lines.
pub const MULTILINE_FIELDS: &[&str] =
    &["body_markdown", "summary", "description", "explanation", "stem", "reason", "reject_reason"];

/// The first character of `text` that the rule refuses, if any.
pub fn forbidden(text: &str, multiline: bool) -> Option<char> {
    text.chars().find(|&c| c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')))
}

fn refusal(field: impl Into<String>, c: char) -> FieldError {
    FieldError::new(field, format!("must not contain control characters (U+{:04X} found)", u32::from(c)))
}

/// Checks one string; `Err` names the field.
pub fn check(field: &str, text: &str, multiline: bool) -> Result<(), FieldError> {
    forbidden(text, multiline).map_or(Ok(()), |c| Err(refusal(field, c)))
}

/// Whether a JSON document's text could hold a refused character at all: raw C0 is
/// already a syntax error, so only escapes, DEL and C1 need the full walk.
fn may_hold_controls(text: &str) -> bool {
    text.bytes().any(|b| b == b'\\' || b == 0x7F) || text.contains(|c: char| ('\u{80}'..='\u{9f}').contains(&c))
}

/// Every refused string or key in a JSON document (already known to be valid JSON), named
/// by its path as in other validation errors (`rules[0].action`).
pub fn check_json(text: &str) -> Vec<FieldError> {
    if !may_hold_controls(text) {
        return Vec::new();
    }
    let Ok(value) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    let mut errors = Vec::new();
    walk(&value, "", false, &mut errors);
    errors
}

fn walk(value: &Value, path: &str, multiline: bool, errors: &mut Vec<FieldError>) {
    let name = |path: &str| if path.is_empty() { "body".to_owned() } else { path.to_owned() };
    match value {
        Value::String(text) => {
            if let Some(c) = forbidden(text, multiline) {
                errors.push(refusal(name(path), c));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{i}]"), multiline, errors);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if let Some(c) = forbidden(key, false) {
                    errors.push(refusal(name(path), c));
                    continue;
                }
                walk(item, &child, MULTILINE_FIELDS.contains(&key.as_str()), errors);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Every refused character in the request's path segments and query parameters.
pub fn check_request_line(path: &str, query: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (index, segment) in path.split('/').enumerate() {
        let decoded = percent_decode_str(segment).decode_utf8_lossy();
        if let Some(c) = forbidden(&decoded, false) {
            let field = super::fallback::parameter_name(path, index).unwrap_or_else(|| "path".to_owned());
            errors.push(refusal(field, c));
        }
    }
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if let Some(c) = forbidden(&key, false).or_else(|| forbidden(&value, false)) {
            let field = if forbidden(&key, false).is_some() { "query".to_owned() } else { key.into_owned() };
            errors.push(refusal(field, c));
        }
    }
    errors
}

/// Refuses a request whose path or query carries a control character, before routing,
/// authentication or any handler sees it.
pub async fn request_line(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let errors = check_request_line(req.uri().path(), req.query_string());
    if errors.is_empty() {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    let response = AppError::Validation(errors).error_response();
    Ok(req.into_response(response).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_and_line_ends_pass_only_in_multi_line_fields() {
        assert_eq!(forbidden("a\nb\tc\r", true), None);
        assert_eq!(forbidden("a\nb", false), Some('\n'));
        for c in ['\0', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            assert_eq!(forbidden(&format!("x{c}"), true), Some(c));
        }
        assert_eq!(forbidden("民族团结 ئىتتىپاقلىق", false), None);
    }

    #[test]
    fn json_strings_and_keys_are_named_by_their_path() {
        let errors = check_json(
            r#"{"title": "a\u0000", "body_markdown": "x\ny", "rules": [{"action": "b\u007f"}], "k\u0001": 1}"#,
        );
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "rules[0].action", "body"]);
        assert!(check_json(r#"{"title": "民族\\n"}"#).is_empty(), "an escaped backslash is no control");
    }

    #[test]
    fn query_parameters_and_unknown_path_segments_are_named() {
        let errors = check_request_line("/api/v1/contents", "topic=a%00&limit=2");
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["topic"]);
        let errors = check_request_line("/api/v1/nothing/a%1Fb", "");
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["path"]);
        assert!(check_request_line("/api/v1/contents/12", "q=%E5%9B%A2%E7%BB%93+x").is_empty());
    }
}
