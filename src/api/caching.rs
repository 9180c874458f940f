//! Conditional responses: an `ETag` on every single resource and list that can be
//! cached, and 304 when the client already has that version.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::error::AppError;

/// Who may keep a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone (shared caches too), for a short while: the same for every caller.
    Public,
    /// Only the caller's own client, which must revalidate: it depends on the caller.
    Private,
}

pub(crate) fn etag_of(bytes: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(bytes))[..32])
}

/// Whether `If-None-Match` names this ETag (or `*`).
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|list| {
        list.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
    })
}

/// A JSON 200 with an ETag (or a bodiless 304 when the client has it).
pub fn json(req: &HttpRequest, body: &impl Serialize, audience: Audience) -> Result<HttpResponse, AppError> {
    let bytes = serde_json::to_vec(body).map_err(AppError::internal)?;
    let etag = HeaderValue::from_str(&etag_of(&bytes)).map_err(AppError::internal)?;
    Ok(stored(req, Bytes::from(bytes), &etag, audience))
}

/// A JSON 200 for a body serialized earlier, with its ETag (or a bodiless 304).
pub fn stored(req: &HttpRequest, body: Bytes, etag: &HeaderValue, audience: Audience) -> HttpResponse {
    let cache_control = match audience {
        Audience::Public => "public, max-age=60",
        Audience::Private => "private, no-cache",
    };
    let mut response = if etag.to_str().is_ok_and(|tag| not_modified(req, tag)) {
        HttpResponse::build(StatusCode::NOT_MODIFIED).finish()
    } else {
        HttpResponse::Ok().content_type("application/json").body(body)
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}
