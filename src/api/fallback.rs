//! Answers for requests no handler takes: an unknown path is a 404, a known path asked
//! with a method it lacks is a 405 naming the methods it has in `Allow` (RFC 9110
//! §15.5.6). The methods come from the OpenAPI document, which is built from the same
//! `configure` the server runs, so the two cannot drift.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};

use super::head::HeadRequest;
use crate::error::{AppError, PROBLEM_CONTENT_TYPE, problem_response};

/// Unknown path → 404; known path, other method → 405. Both as problem+json.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    if req.resource_map().has_resource(req.path()) {
        // Routes outside the document (the document itself, the docs UI) are GET only.
        method_not_allowed(&req, &allowed(req.path()).map_or_else(|| "GET".to_owned(), |a| a.methods))
    } else {
        problem_response(StatusCode::NOT_FOUND, "not_found", "No such endpoint.".to_owned(), None)
    }
}

/// A path segment that does not parse as its route's parameter (`/questions/abc`) names no
/// resource: 404. Unless the path is a concrete documented one that lacks this method
/// (`PATCH /admin/questions/import`, which `/admin/questions/{id}` also matches): as in
/// OpenAPI, the concrete path wins, so that is a 405.
pub fn path_error(req: &HttpRequest) -> actix_web::Error {
    match allowed(req.path()) {
        Some(allowed) if allowed.concrete && !allowed.methods.split(", ").any(|m| m == req.method().as_str()) => {
            let response = method_not_allowed(req, &allowed.methods);
            actix_web::error::InternalError::from_response("method not allowed", response).into()
        }
        _ => AppError::not_found("resource").into(),
    }
}

fn method_not_allowed(req: &HttpRequest, allow: &str) -> HttpResponse {
    // A HEAD request reads GET by now (see `api::head`); HEAD goes wherever GET does.
    let method = if req.extensions().contains::<HeadRequest>() { "HEAD".to_owned() } else { req.method().to_string() };
    let mut response = problem_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not supported on this path."),
        None,
    );
    let mut methods: Vec<&str> = allow.split(", ").collect();
    if methods.contains(&"GET") {
        methods.push("HEAD");
        methods.sort_unstable();
    }
    let allow = methods.join(", ");
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// Every error answer is problem+json, those the framework and its middleware build too
/// (a CORS preflight from an origin that is not allowed, a body the multipart parser
/// cannot read, ...): an error response of another type gets a problem body with the
/// same status and headers. Ours already are, and pass untouched.
pub async fn problem_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let res = next.call(req).await?;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_CONTENT_TYPE));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return Ok(res.map_into_left_body());
    }
    let (code, detail) = match status {
        StatusCode::BAD_REQUEST if preflight => {
            ("cors_rejected", "This origin, method or header is not allowed by CORS on this server.".to_owned())
        }
        _ if status.is_server_error() => {
            ("internal_error", "An unexpected error occurred. It has been logged.".to_owned())
        }
        _ => {
            let detail = res.response().error().map(ToString::to_string).filter(|d| !d.is_empty());
            (generic_code(status), detail.unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned()))
        }
    };
    let (req, old) = res.into_parts();
    let mut problem = problem_response(status, code, detail, None);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && name != header::CACHE_CONTROL {
            problem.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, problem).map_into_right_body())
}

/// The stable code for an error status nothing more specific names.
fn generic_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "not_acceptable",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        _ => "bad_request",
    }
}

/// The methods of the documented path that best matches a request path.
#[derive(Debug, PartialEq, Eq)]
pub struct Allowed {
    /// e.g. `GET, PATCH`.
    pub methods: String,
    /// The path is documented as is, without a `{parameter}`.
    pub concrete: bool,
}

/// Path templates split into segments (`{id}` matches any one segment), with their methods.
type Table = Vec<(Vec<String>, BTreeSet<String>)>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc = super::openapi::document();
        let Some(paths) = doc["paths"].as_object() else { return Vec::new() };
        paths
            .iter()
            .map(|(template, item)| {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods =
                    item.as_object().into_iter().flat_map(|ops| ops.keys()).map(|m| m.to_uppercase()).collect();
                (segments, methods)
            })
            .collect()
    })
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// How many `{parameter}` segments `template` needed to match `path`, if it matches.
fn placeholders(template: &[String], path: &[&str]) -> Option<usize> {
    if template.len() != path.len() {
        return None;
    }
    let mut count = 0;
    for (t, p) in template.iter().zip(path) {
        if is_parameter(t) && !p.is_empty() {
            count += 1;
        } else if t != p {
            return None;
        }
    }
    Some(count)
}

/// The documented methods for `path`. Where several templates match, the one with the fewest
/// parameters wins, as OpenAPI matches concrete paths before templated ones.
pub fn allowed(path: &str) -> Option<Allowed> {
    let segments: Vec<&str> = path.split('/').collect();
    let matching: Vec<(usize, &BTreeSet<String>)> =
        table().iter().filter_map(|(t, methods)| placeholders(t, &segments).map(|n| (n, methods))).collect();
    let best = matching.iter().map(|(n, _)| *n).min()?;
    let methods: BTreeSet<&str> =
        matching.iter().filter(|(n, _)| *n == best).flat_map(|(_, m)| m.iter().map(String::as_str)).collect();
    Some(Allowed { methods: methods.into_iter().collect::<Vec<_>>().join(", "), concrete: best == 0 })
}

/// The name of the documented path parameter at segment `index` of `path` (`locale` in
/// `/api/v1/admin/contents/3/translations/{locale}`), when a documented path matches.
pub fn parameter_name(path: &str, index: usize) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    table()
        .iter()
        .filter_map(|(t, _)| placeholders(t, &segments).map(|n| (n, t)))
        .min_by_key(|(n, _)| *n)
        .and_then(|(_, template)| template.get(index))
        .filter(|segment| is_parameter(segment))
        .map(|segment| segment.trim_matches(|c| c == '{' || c == '}').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concrete_path_wins_over_a_template_that_also_matches() {
        let import = allowed("/api/v1/admin/questions/import");
        assert_eq!(import, Some(Allowed { methods: "POST".into(), concrete: true }));
        let question = allowed("/api/v1/admin/questions/12");
        assert_eq!(question, Some(Allowed { methods: "DELETE, GET, PATCH".into(), concrete: false }));
        assert_eq!(allowed("/api/v1/contents/12/like").map(|a| a.methods).as_deref(), Some("DELETE, PUT"));
        assert_eq!(allowed("/api/v1/contents//like"), None);
        assert_eq!(allowed("/api/v1/nothing"), None);
    }
}
