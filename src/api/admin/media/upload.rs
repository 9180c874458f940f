use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::contents::media_url;
use crate::auth::{ContentStaff, Require};
use crate::clock::utc;
use crate::domain::media;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaFile {
    pub id: i64,
    pub url: String,
    /// `video` or `image`.
    pub kind: String,
    /// The type found in the file's bytes.
    #[schema(example = "video/mp4")]
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_s: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// The one part an upload has (any other part is 400 `malformed_body`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The video (MP4, WebM, QuickTime) or image (JPEG, PNG, WebP, GIF).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload a video or image (multipart, the file in part `file`, the only part).
///
/// The type is read from the bytes; a file whose bytes are not what its part claims is
/// refused. The file is streamed to storage while its SHA-256 is computed, and the same
/// bytes uploaded twice are stored once (the second upload returns the first record, 200).
#[utoipa::path(
    operation_id = "admin_upload_media",
    tag = "admin: contents",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = MediaFile, headers(("Location" = String))),
        (status = 200, description = "These bytes were already stored: the existing record", body = MediaFile),
        (status = 400, description = "No `file` part, another part, or a broken multipart body (`malformed_body`)"),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 413, description = "Larger than the upload limit (`payload_too_large`)"),
        (status = 415, description = "Not multipart, not a supported video or image, or not what it claims (`unsupported_media_type`)"),
    )
)]
#[post("/admin/media")]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    Require { user: caller, body: payload, .. }: Require<ContentStaff, web::Payload>,
) -> Result<HttpResponse, AppError> {
    let limit = state.config.max_upload_bytes;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit + 64 * 1024) {
        return Err(AppError::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) });
    }
    let bad = |detail: &str| AppError::bad_request("malformed_body", detail.to_owned());
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if !multipart {
        return Err(AppError::UnsupportedMediaType(
            "Send the file as multipart/form-data in a part named `file`.".into(),
        ));
    }
    let mut form = Multipart::new(req.headers(), payload);
    // Exactly one part, `file`: any other is refused, as the document says.
    let only_file = "Send exactly one part, named `file`, holding the file.";
    let mut ingested = None;
    while let Some(part) = form.next().await {
        let part = part.map_err(|e| bad(&format!("The multipart body could not be read: {e}.")))?;
        if part.name() != Some("file") || ingested.is_some() {
            // A file already stored stays an unreferenced, content-addressed blob, which
            // the same bytes uploaded again would reuse.
            return Err(bad(only_file));
        }
        let claimed = part.content_type().map(ToString::to_string);
        ingested = Some(state.media.ingest(part, claimed.as_deref(), limit).await?);
    }
    let file = ingested.ok_or_else(|| bad(only_file))?;
    let (uploader, now) = (caller.id, state.clock.now());
    let (row, created) = state.db.run(move |conn| media::register(conn, &file, Some(uploader), now)).await?;
    let body = MediaFile {
        id: row.id,
        url: media_url(row.id),
        kind: row.kind,
        mime: row.mime,
        size: row.size,
        sha256: row.sha256,
        width: row.width,
        height: row.height,
        duration_s: row.duration_s,
        created_at: utc(row.created_at),
    };
    Ok(if created {
        HttpResponse::Created().insert_header((header::LOCATION, body.url.clone())).json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}
