//! One error type for the whole service and its one HTTP shape: `application/problem+json`
//! (RFC 9457) with a stable machine `code`. Domain and database code return [`AppError`]
//! without knowing about HTTP; the mapping to status codes lives here and nowhere else.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path in the request, e.g. `password` or `answers[2].response`.
    pub field: String,
    /// What is wrong with it, in English.
    pub message: String,
    /// The field is well formed but names something that does not exist (or that the
    /// caller may not see): a request whose only faults are such references is 404
    /// `unknown_reference`, not 422, as JSON:API does for related resources.
    #[serde(skip)]
    #[schema(ignore)]
    pub unknown: bool,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into(), unknown: false }
    }

    /// A reference to something that does not exist, e.g. `FieldError::unknown("topic",
    /// "no such topic")`.
    pub fn unknown(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { unknown: true, ..Self::new(field, message) }
    }
}

/// Everything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body or query could not be read (malformed JSON, bad cursor...).
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    /// Well-formed input that breaks a rule; one entry per offending field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A rule-specific refusal that clients handle by its own code (422).
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("{detail}")]
    Unauthorized { code: &'static str, detail: String },
    #[error("{detail}")]
    Forbidden { code: &'static str, detail: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("too many requests")]
    RateLimited { retry_after_s: u64 },
    #[error("request body too large")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The database pool is exhausted or the database is down: try again shortly.
    #[error("service unavailable")]
    Unavailable { retry_after_s: u64 },
    /// The database cannot store anything now: its disk (or its size cap) is full, its
    /// storage fails, or it is out of memory. 503 until an operator frees space.
    #[error("{}", .0.describe())]
    Storage(StorageFault),
    /// A bug or an infrastructure failure. The cause is logged, never sent.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
    /// A well-formed field naming something that does not exist: 404 `unknown_reference`
    /// with `errors` naming the field.
    pub fn unknown_reference(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::unknown(field, message)])
    }
    /// Whether every fault of a validation error is an unknown reference.
    fn only_unknown_references(&self) -> bool {
        matches!(self, Self::Validation(errors) if !errors.is_empty() && errors.iter().all(|e| e.unknown))
    }
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest { code, detail: detail.into() }
    }
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Unauthorized { code, detail: detail.into() }
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden { code: "forbidden", detail: detail.into() }
    }
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict { code, detail: detail.into() }
    }
    /// A checked request's faults, heaviest first: field errors (422, or 404 when all are
    /// unknown references), else clashes with the stored state (409 `conflict`, each named
    /// in `detail`), else none.
    pub fn from_faults(errors: Vec<FieldError>, conflicts: &[String]) -> Result<(), Self> {
        if !errors.is_empty() {
            Err(Self::Validation(errors))
        } else if !conflicts.is_empty() {
            Err(Self::conflict("conflict", conflicts.join("; ")))
        } else {
            Ok(())
        }
    }
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    /// The stable machine code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. } => code,
            Self::Validation(_) if self.only_unknown_references() => "unknown_reference",
            Self::Validation(_) => "validation_failed",
            Self::NotFound(_) => "not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Unavailable { .. } => "service_unavailable",
            Self::Storage(fault) => fault.code(),
            Self::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Validation(errors) if errors.len() == 1 => {
                format!("{}: {}", errors[0].field, errors[0].message)
            }
            Self::Validation(_) => "Several fields are invalid; see `errors`.".to_owned(),
            Self::RateLimited { retry_after_s } => {
                format!("Too many attempts; retry in {retry_after_s} s.")
            }
            Self::PayloadTooLarge { limit } => {
                format!("The request body is larger than the limit of {limit} bytes.")
            }
            Self::Unavailable { .. } => "The service is busy or its database is unreachable; retry shortly.".to_owned(),
            Self::Storage(StorageFault::Full { .. }) => {
                "The database has no space left to store this; nothing was changed. Retry later.".to_owned()
            }
            Self::Storage(StorageFault::Failure { .. }) => {
                "The database's storage is failing; nothing was changed. Retry later.".to_owned()
            }
            // Never leak the cause of an internal error: it may hold SQL, paths or secrets.
            Self::Internal(_) => "An unexpected error occurred. It has been logged.".to_owned(),
            other => other.to_string(),
        }
    }
}

impl From<std::convert::Infallible> for AppError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// Why the database could not store anything: not a bug, not bad input, and not over
/// when the request is retried at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageFault {
    /// SQLite's "database or disk is full" (SQLITE_FULL: the disk, or the size cap
    /// `TONGXIN_SQLITE_MAX_MB`); PostgreSQL's disk_full (SQLSTATE 53100).
    Full { cause: String },
    /// SQLite's "disk I/O error" (SQLITE_IOERR); PostgreSQL's other insufficient-resources
    /// errors (53xxx: out of memory, too many connections, a configured limit) and I/O
    /// errors (58030).
    Failure { cause: String },
}

impl StorageFault {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Full { .. } => "storage_full",
            Self::Failure { .. } => "storage_failure",
        }
    }

    /// For operators (logs, the CLI): what happened, with the database's own words.
    pub fn describe(&self) -> String {
        match self {
            Self::Full { cause } => format!("the database or its disk is full ({cause}); free space and retry"),
            Self::Failure { cause } => format!("the database's storage failed ({cause})"),
        }
    }

    /// Recognises a storage fault in a database error. Diesel passes on SQLite's message
    /// for the result code and PostgreSQL's primary message, not the SQLSTATE, so these
    /// are the servers' (English) messages for those codes.
    pub fn of(err: &diesel::result::Error) -> Option<Self> {
        let diesel::result::Error::DatabaseError(_, info) = err else { return None };
        let message = info.message();
        let cause = message.to_owned();
        let has = |needle: &str| message.contains(needle);
        if has("database or disk is full")
            || has("No space left on device")
            || has("could not extend file")
            || has("disk quota exceeded")
        {
            Some(Self::Full { cause })
        } else if has("disk I/O error")
            || has("out of memory")
            || has("out of shared memory")
            || has("temporary file size exceeds")
            || has("too many clients already")
            || has("could not write block")
            || has("could not read block")
            || has("could not write to file")
        {
            Some(Self::Failure { cause })
        } else {
            None
        }
    }
}

thread_local! {
    /// Set when an error of the current database task was a storage fault (read by
    /// `db::Db::run`, which marks the database not ready).
    static STORAGE_FAULT_SEEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a storage fault was seen on this thread since the last call (which resets it).
pub fn take_storage_fault_seen() -> bool {
    STORAGE_FAULT_SEEN.replace(false)
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        match err {
            diesel::result::Error::NotFound => Self::NotFound("resource not found".to_owned()),
            other => match StorageFault::of(&other) {
                Some(fault) => {
                    STORAGE_FAULT_SEEN.set(true);
                    Self::Storage(fault)
                }
                None => Self::Internal(anyhow::Error::new(other).context("database query failed")),
            },
        }
    }
}

/// The problem document (RFC 9457) every error response carries.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:tongxin:problem:validation_failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "password: must be at least 10 characters",
    "code": "validation_failed",
    "errors": [{"field": "password", "message": "must be at least 10 characters"}]
}))]
pub struct Problem {
    /// A URN naming the problem type: `urn:tongxin:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The HTTP status phrase.
    pub title: String,
    pub status: u16,
    /// A human-readable explanation of this occurrence, in English.
    pub detail: String,
    /// Stable machine code, e.g. `validation_failed`, `unauthorized`, `not_found`.
    pub code: String,
    /// Per-field problems; present only for `validation_failed` and `unknown_reference`
    /// (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// `Retry-After` of a storage fault: freeing space takes an operator, not a moment.
pub const STORAGE_RETRY_AFTER_S: u64 = 30;

/// Builds a problem response; used by [`AppError`] and by the framework-level handlers
/// (unknown route, wrong method) that have no `AppError` at hand.
pub fn problem_response(
    status: StatusCode,
    code: &str,
    detail: String,
    errors: Option<Vec<FieldError>>,
) -> HttpResponse {
    let body = Problem {
        type_: format!("urn:tongxin:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        code: code.to_owned(),
        errors,
    };
    HttpResponse::build(status)
        .content_type(PROBLEM_CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation(_) if self.only_unknown_references() => StatusCode::NOT_FOUND,
            Self::Validation(_) | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable { .. } | Self::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let errors = match self {
            Self::Validation(errors) => Some(errors.clone()),
            _ => None,
        };
        let mut response = problem_response(self.status_code(), self.code(), self.detail(), errors);
        let headers = response.headers_mut();
        match self {
            Self::RateLimited { retry_after_s } | Self::Unavailable { retry_after_s } => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after_s));
            }
            Self::Storage(_) => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from(STORAGE_RETRY_AFTER_S));
            }
            Self::Unauthorized { .. } => {
                headers.insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(message: &str) -> Error {
        Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned()))
    }

    #[test]
    fn storage_faults_of_both_databases_are_503_with_a_stable_code() {
        let cases = [
            ("database or disk is full", "storage_full"),
            ("disk I/O error", "storage_failure"),
            ("could not extend file \"base/16384/2619\": No space left on device", "storage_full"),
            ("could not write to file \"pg_wal/xlogtemp.42\": No space left on device", "storage_full"),
            ("out of memory", "storage_failure"),
            ("temporary file size exceeds temp_file_limit (1024kB)", "storage_failure"),
        ];
        for (message, code) in cases {
            let err = AppError::from(db_error(message));
            assert_eq!((err.status_code(), err.code()), (StatusCode::SERVICE_UNAVAILABLE, code), "{message}");
            assert!(err.to_string().contains(message), "operators see the cause: {err}");
            assert!(err.error_response().headers().contains_key(header::RETRY_AFTER));
        }
        assert!(take_storage_fault_seen());
        assert!(!take_storage_fault_seen());
        let other = AppError::from(db_error("syntax error at or near \"SELEC\""));
        assert_eq!(other.code(), "internal_error");
    }
}
