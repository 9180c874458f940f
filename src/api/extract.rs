//! Request body and query extractors that fail with problem+json naming the bad field.
//! actix-web's own `Json`/`Query` report serde's message without the field's path.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};

/// JSON bodies above this size are refused with 413.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// A JSON request body (`application/json` or any `+json` type), at most 1 MiB.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = matches!(req.mime_type(), Ok(Some(mime))
            if mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"));
        let declared_len = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(AppError::UnsupportedMediaType(
                    "The body must be JSON: Content-Type: application/json.".into(),
                ));
            }
            let mut body = Vec::with_capacity(declared_len.unwrap_or(1024).min(JSON_LIMIT));
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|_| AppError::bad_request("malformed_body", "The request body could not be read."))?;
                if body.len() + chunk.len() > JSON_LIMIT {
                    return Err(AppError::PayloadTooLarge { limit: JSON_LIMIT });
                }
                body.extend_from_slice(&chunk);
            }
            parse_json(&body).map(Json)
        })
    }
}

/// Reads a whole body, refusing it with 413 as soon as it passes `limit` bytes.
pub async fn read_body(payload: &mut Payload, declared_len: Option<usize>, limit: usize) -> Result<Vec<u8>, AppError> {
    if declared_len.is_some_and(|len| len > limit) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    let mut body = Vec::with_capacity(declared_len.unwrap_or(1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| AppError::bad_request("malformed_body", "The request body could not be read."))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses a JSON document into `T`, with the same errors as [`Json`].
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_request(
            "malformed_json",
            "The request body is empty; a JSON document was expected.",
        ));
    }
    let malformed = |e: &serde_json::Error| {
        AppError::bad_request("malformed_json", format!("The request body is not valid JSON: {e}."))
    };
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::bad_request("malformed_json", "The request body is not valid UTF-8."))?;
    // Syntax first, so a broken document is always 400 whatever its content.
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| malformed(&e))?;
    // Every request body is an object; serde would otherwise read a struct from an array.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(AppError::validation("body", "must be a JSON object"));
    }
    let refused = super::control_chars::check_json(text);
    if !refused.is_empty() {
        return Err(AppError::Validation(refused));
    }
    let mut value: serde_json::Value = serde_json::from_str(text).map_err(|e| malformed(&e))?;
    integral_floats_to_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        AppError::Validation(vec![field_error(&path, &err.into_inner().to_string())])
    })
}

/// JSON has one number type and JSON Schema calls `3.0` an integer, so the document's
/// `type: integer` admits it; serde would refuse it for an `i64`. `3.5` stays a float and
/// is refused where an integer is expected.
fn integral_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // 2^63 is exactly representable; anything at or beyond it would saturate.
            if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

/// Turns serde's message into a field error: the path when serde knows it, else the
/// field named in "missing field `x`" / "unknown field `x`", without line/column noise.
pub fn field_error(path: &str, message: &str) -> FieldError {
    let message = message.split(" at line ").next().unwrap_or(message);
    let named = message.split('`').nth(1).filter(|_| message.contains("field `"));
    let field = match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "body".to_owned(),
        (path, Some(name)) if message.starts_with("missing field") => format!("{path}.{name}"),
        (path, _) => path.to_owned(),
    };
    FieldError::new(field, message)
}

/// An optional JSON body: `None` when the request has no body at all; otherwise it must
/// be valid JSON like [`Json`] (a malformed body is an error, never silently ignored).
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let declared = headers.get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
        let chunked = headers.contains_key(actix_web::http::header::TRANSFER_ENCODING);
        if declared.is_none_or(|len| len.trim() == "0") && !chunked {
            return Box::pin(async { Ok(OptionalJson(None)) });
        }
        let body = Json::<T>::from_request(req, payload);
        Box::pin(async move { body.await.map(|Json(value)| OptionalJson(Some(value))) })
    }
}

/// Query-string parameters, with the same error shape as [`Json`].
pub struct Query<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(req.query_string().as_bytes()));
        let result = serde_path_to_error::deserialize(de).map(Query).map_err(|err| {
            let path = err.path().to_string();
            AppError::Validation(vec![field_error(&path, &err.into_inner().to_string())])
        });
        std::future::ready(result)
    }
}

pub use crate::serde_ext::nullable;
