//! Conditional responses: an `ETag` on every single resource and list that can be
//! cached, and 304 when the client already has that version.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
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

fn etag_of(bytes: &[u8]) -> String {
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
    let etag = etag_of(&bytes);
    let cache_control = match audience {
        Audience::Public => "public, max-age=60",
        Audience::Private => "private, no-cache",
    };
    let mut response = if not_modified(req, &etag) {
        HttpResponse::build(StatusCode::NOT_MODIFIED).finish()
    } else {
        HttpResponse::Ok().content_type("application/json").body(bytes)
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).map_err(AppError::internal)?);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    Ok(response)
}
