//! What a file really is, judged from its bytes, not from what the client claims.

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sniffed {
    /// `video` or `image`.
    pub kind: &'static str,
    pub mime: &'static str,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_s: Option<i32>,
}

/// The types an upload may have, with their kind; `GET /media/{id}` documents the same.
pub const ACCEPTED: &[(&str, &str)] = &[
    ("video/mp4", "video"),
    ("video/webm", "video"),
    ("video/quicktime", "video"),
    ("image/jpeg", "image"),
    ("image/png", "image"),
    ("image/webp", "image"),
    ("image/gif", "image"),
];

/// Checks the leading bytes are a supported video or image and, when the client named a
/// type, that it is the same one.
pub fn sniff(head: &[u8], claimed: Option<&str>) -> Result<Sniffed, AppError> {
    let found = infer::get(head).map(|t| t.mime_type());
    let Some(&(mime, kind)) = found.and_then(|m| ACCEPTED.iter().find(|(accepted, _)| *accepted == m)) else {
        return Err(AppError::UnsupportedMediaType(
            "The file is not a supported video (MP4, WebM, QuickTime) or image (JPEG, PNG, WebP, GIF).".into(),
        ));
    };
    let claimed = claimed.map(|c| c.split(';').next().unwrap_or(c).trim().to_ascii_lowercase());
    if let Some(claimed) = claimed.filter(|c| c != "application/octet-stream") {
        let same = claimed == mime || (claimed == "image/jpg" && mime == "image/jpeg");
        if !same {
            return Err(AppError::UnsupportedMediaType(format!(
                "The file claims to be {claimed} but its bytes are {mime}."
            )));
        }
    }
    Ok(Sniffed { kind, mime, width: None, height: None, duration_s: None })
}

impl Sniffed {
    /// Fills in what the leading bytes tell: image size, MP4 duration.
    #[must_use]
    pub fn with_details(mut self, head: &[u8]) -> Self {
        if self.kind == "image"
            && let Ok(size) = imagesize::blob_size(head)
        {
            self.width = i32::try_from(size.width).ok();
            self.height = i32::try_from(size.height).ok();
        }
        if matches!(self.mime, "video/mp4" | "video/quicktime") {
            self.duration_s = mp4_duration_s(head);
        }
        self
    }
}

/// Reads `moov/mvhd` when it is in the leading bytes ("fast start" files put it there).
fn mp4_duration_s(data: &[u8]) -> Option<i32> {
    let moov = find_box(data, *b"moov")?;
    let mvhd = find_box(moov, *b"mvhd")?;
    let version = *mvhd.first()?;
    let read = |at: usize, len: usize| -> Option<u64> {
        mvhd.get(at..at + len).map(|b| b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    };
    let (timescale, duration) = if version == 1 { (read(20, 4)?, read(24, 8)?) } else { (read(12, 4)?, read(16, 4)?) };
    if timescale == 0 {
        return None;
    }
    i32::try_from(duration.div_ceil(timescale)).ok().filter(|d| *d > 0)
}

/// The payload of the first box of this type among `data`'s top-level boxes.
fn find_box(mut data: &[u8], kind: [u8; 4]) -> Option<&[u8]> {
    while data.len() >= 8 {
        let size = u32::from_be_bytes(data[0..4].try_into().ok()?) as usize;
        let (header, size) = match size {
            1 => (16, usize::try_from(u64::from_be_bytes(data.get(8..16)?.try_into().ok()?)).ok()?),
            0 => (8, data.len()),
            n => (8, n),
        };
        if size < header {
            return None;
        }
        let body = data.get(header..size.min(data.len()))?;
        if data[4..8] == kind {
            return Some(body);
        }
        data = data.get(size..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_is_recognized_and_a_lie_about_it_is_not_accepted() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x08\x08\x02\0\0\0";
        let sniffed = sniff(png, Some("image/png")).map(|s| s.with_details(png));
        assert_eq!(sniffed.as_ref().map(|s| (s.kind, s.width, s.height)).ok(), Some(("image", Some(16), Some(8))));
        assert!(sniff(png, Some("video/mp4")).is_err());
        assert!(sniff(b"just some text", None).is_err());
    }
}
