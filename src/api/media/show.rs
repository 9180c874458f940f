use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::ToSchema;

use super::range::{self, ByteRange};
use crate::api::caching::not_modified;
use crate::auth::MaybeAuthUser;
use crate::domain::media;
use crate::error::{AppError, problem_response};
use crate::startup::AppState;

/// The bytes of a media file. The documented types are those an upload may have
/// (`media::sniff::ACCEPTED`; a test keeps the two lists the same).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct MediaBytes(pub Vec<u8>);

/// A media file (video, poster, cover), with HTTP Range so players can seek.
///
/// Files of published content are public and cacheable for a long time (they never
/// change: the ETag is their SHA-256). Files not (yet) used by published content are
/// served only to content staff.
#[utoipa::path(
    operation_id = "get_media",
    tag = "contents",
    security((), ("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Media id"),
        ("Range" = Option<String>, Header, description = "e.g. `bytes=0-`, `bytes=1000-1999`, `bytes=-500`"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag the client has"),
    ),
    responses(
        (status = 200, description = "The whole file, in the type it was uploaded as",
            content(
                (MediaBytes = "video/mp4"), (MediaBytes = "video/webm"), (MediaBytes = "video/quicktime"),
                (MediaBytes = "image/jpeg"), (MediaBytes = "image/png"), (MediaBytes = "image/webp"),
                (MediaBytes = "image/gif"),
            ),
            headers(("ETag" = String), ("Accept-Ranges" = String), ("Content-Length" = u64))),
        (status = 206, description = "The requested byte range",
            content(
                (MediaBytes = "video/mp4"), (MediaBytes = "video/webm"), (MediaBytes = "video/quicktime"),
                (MediaBytes = "image/jpeg"), (MediaBytes = "image/png"), (MediaBytes = "image/webp"),
                (MediaBytes = "image/gif"),
            ),
            headers(("Content-Range" = String, description = "bytes start-end/size"), ("Content-Length" = u64))),
        (status = 304, description = "Not modified"),
        (status = 401, description = "A token was sent and is invalid"),
        (status = 404, description = "No such file, or not visible to the caller"),
        (status = 416, description = "The range starts past the end of the file (`range_not_satisfiable`)"),
    )
)]
#[get("/media/{id}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, role, now) = (id.into_inner(), caller.role(), state.clock.now());
    let (file, public) = state.db.run(move |conn| media::fetchable(conn, id, role, now)).await?;
    let etag = format!("\"{}\"", file.sha256);
    let cache_control = if public { "public, max-age=31536000, immutable" } else { "private, no-store" };
    let size = u64::try_from(file.size).unwrap_or(0);
    if not_modified(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish());
    }
    let mut builder = HttpResponse::Ok();
    // A conditional range whose validator no longer matches gets the whole file.
    let if_range_ok = req.headers().get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v == etag);
    let range_header = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|_| if_range_ok);
    let (start, end) = match range::parse(range_header, size) {
        ByteRange::Full => (0, size),
        ByteRange::Part { start, end } => {
            builder.status(StatusCode::PARTIAL_CONTENT);
            builder.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            (start, end + 1)
        }
        ByteRange::Unsatisfiable => {
            let mut response = problem_response(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("The file has {size} bytes."),
                None,
            );
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{size}")).map_err(AppError::internal)?,
            );
            headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
            return Ok(response);
        }
    };
    let body = if start == end { None } else { Some(state.media.open(&file.storage_key, start..end).await?) };
    builder
        .content_type(file.mime.as_str())
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        // Not compressed: the Compress middleware leaves video and image types alone.
        .no_chunking(end - start);
    Ok(match body {
        Some(stream) => builder.streaming(stream),
        None => builder.finish(),
    })
}
