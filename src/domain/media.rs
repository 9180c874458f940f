//! Registering stored files, and who may fetch them.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::clock::naive;
use crate::db::models::media::{self as media_db, MediaRow, NewMedia};
use crate::db::{DbConn, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::vocab::Role;
use crate::error::AppError;
use crate::media::Ingested;

/// Records an ingested file, or finds the existing record of identical bytes. The flag
/// says whether a new record was made.
pub fn register(
    conn: &mut DbConn,
    file: &Ingested,
    uploader: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(MediaRow, bool), AppError> {
    if let Some(existing) = media_db::find_by_sha256(conn, &file.sha256)? {
        return Ok((existing, false));
    }
    let result = write_tx(conn, |conn| {
        let id = media_db::insert(
            conn,
            &NewMedia {
                kind: file.sniffed.kind,
                mime: file.sniffed.mime,
                size: i64::try_from(file.size).unwrap_or(i64::MAX),
                sha256: &file.sha256,
                storage_key: &file.key,
                duration_s: file.sniffed.duration_s,
                width: file.sniffed.width,
                height: file.sniffed.height,
                uploader_id: uploader,
                created_at: naive(now),
            },
        )?;
        let detail = json!({"sha256": file.sha256, "mime": file.sniffed.mime, "size": file.size});
        audit::record(conn, uploader, "media.upload", Target::Media(id), &detail, now)?;
        media_db::find(conn, id)?.ok_or_else(|| AppError::not_found("media"))
    });
    match result {
        Ok(row) => Ok((row, true)),
        // Two uploads of the same bytes raced and the other registered it first.
        Err(AppError::Internal(cause)) => match media_db::find_by_sha256(conn, &file.sha256)? {
            Some(existing) => Ok((existing, false)),
            None => Err(AppError::Internal(cause)),
        },
        Err(other) => Err(other),
    }
}

/// The path a Markdown body uses to show a stored file (`![图](/api/v1/media/18)`, also
/// inside an absolute URL).
const MEDIA_PATH: &str = "/api/v1/media/";

/// The ids of the files a Markdown text points at, each once, in order. The migration
/// that created `content_media` reads old bodies the same way (the digits after the path).
pub fn referenced_ids(text: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for (at, _) in text.match_indices(MEDIA_PATH) {
        let rest = &text[at + MEDIA_PATH.len()..];
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if let Ok(id) = rest[..digits].parse::<i64>()
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// A file may be fetched by anyone when visible content uses it (attached, or inline in a
/// body of any locale), otherwise by staff who work on content. Unknown and hidden files
/// answer alike (404).
pub fn fetchable(
    conn: &mut DbConn,
    id: i64,
    role: Option<Role>,
    now: DateTime<Utc>,
) -> Result<(MediaRow, bool), AppError> {
    let row = media_db::find(conn, id)?.ok_or_else(|| AppError::not_found("media"))?;
    let public = media_db::is_public(conn, id, naive(now))?;
    if public || role.is_some_and(Role::edits_content) { Ok((row, public)) } else { Err(AppError::not_found("media")) }
}

#[cfg(test)]
mod tests {
    use super::referenced_ids;

    #[test]
    fn inline_references_are_read_from_relative_and_absolute_urls() {
        let body = "![图](/api/v1/media/18) [视频](https://x.example/api/v1/media/7?x=1) ![again](/api/v1/media/18)";
        assert_eq!(referenced_ids(body), [18, 7]);
        assert!(referenced_ids("/api/v1/media/ and /api/v1/media/abc").is_empty());
    }
}
