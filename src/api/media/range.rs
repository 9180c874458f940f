//! HTTP `Range: bytes=...` for one range (RFC 9110 §14). Multiple ranges are answered
//! with the whole file, which the RFC allows and players do not ask for.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// No usable Range header: send everything (200).
    Full,
    /// Send `start..=end` (206).
    Part { start: u64, end: u64 },
    /// The range starts past the end (416).
    Unsatisfiable,
}

pub fn parse(header: Option<&str>, size: u64) -> ByteRange {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return ByteRange::Full };
    if spec.contains(',') {
        return ByteRange::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return ByteRange::Full };
    let (first, last) = (first.trim(), last.trim());
    let number = |s: &str| if s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<u64>().ok() } else { None };
    match (first.is_empty(), last.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match number(last) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if size == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Part { start: size.saturating_sub(n), end: size - 1 },
            None => ByteRange::Full,
        },
        // bytes=N-: from N to the end.
        (false, true) => match number(first) {
            Some(start) if start >= size => ByteRange::Unsatisfiable,
            Some(start) => ByteRange::Part { start, end: size - 1 },
            None => ByteRange::Full,
        },
        // bytes=A-B, B clipped to the end.
        (false, false) => match (number(first), number(last)) {
            (Some(start), Some(end)) if start > end => ByteRange::Full,
            (Some(start), Some(_)) if start >= size => ByteRange::Unsatisfiable,
            (Some(start), Some(end)) => ByteRange::Part { start, end: end.min(size - 1) },
            _ => ByteRange::Full,
        },
        (true, true) => ByteRange::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse(None, 10), ByteRange::Full);
        assert_eq!(parse(Some("bytes=0-"), 10), ByteRange::Part { start: 0, end: 9 });
        assert_eq!(parse(Some("bytes=2-4"), 10), ByteRange::Part { start: 2, end: 4 });
        assert_eq!(parse(Some("bytes=8-100"), 10), ByteRange::Part { start: 8, end: 9 });
        assert_eq!(parse(Some("bytes=-3"), 10), ByteRange::Part { start: 7, end: 9 });
        assert_eq!(parse(Some("bytes=-30"), 10), ByteRange::Part { start: 0, end: 9 });
        assert_eq!(parse(Some("bytes=10-"), 10), ByteRange::Unsatisfiable);
        assert_eq!(parse(Some("bytes=-0"), 10), ByteRange::Unsatisfiable);
        assert_eq!(parse(Some("bytes=5-2"), 10), ByteRange::Full);
        assert_eq!(parse(Some("bytes=0-1,4-5"), 10), ByteRange::Full);
        assert_eq!(parse(Some("items=0-1"), 10), ByteRange::Full);
        assert_eq!(parse(Some("bytes=x-1"), 10), ByteRange::Full);
    }
}
