//! The one CSV writer of the reports: `Accept: text/csv` gives the same figures as the
//! JSON, as UTF-8 with a byte-order mark (so Excel and WPS read Chinese names intact),
//! a header row and CRLF line ends (RFC 4180), empty cells for null.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

/// True when the client ranks CSV above JSON (or asks only for CSV).
pub fn wants_csv(req: &HttpRequest) -> bool {
    let Ok(accept) = <header::Accept as header::Header>::parse(req) else { return false };
    for mime in accept.ranked() {
        match (mime.type_().as_str(), mime.subtype().as_str()) {
            ("text", "csv") => return true,
            ("application", "json" | "*") | ("*", "*") => return false,
            _ => {}
        }
    }
    false
}

/// A CSV document being written.
pub struct Csv(String);

impl Csv {
    pub fn new(header: &[&str]) -> Self {
        let mut csv = Self(String::from("\u{feff}"));
        csv.row(header.iter().map(|h| (*h).to_owned()));
        csv
    }

    /// One line of cells, each already made by [`text`], [`num`] or [`opt`].
    pub fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.0.push_str(&cell);
        }
        self.0.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.0
    }
}

/// A text cell: quoted when it holds a comma, quote or line break. Text a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) is prefixed with `'`.
pub fn text(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// A number or other plain value (never quoted, never prefixed: `-0.5` stays a number).
pub fn num(value: impl std::fmt::Display) -> String {
    value.to_string()
}

/// A nullable plain value: empty when `None`.
pub fn opt(value: Option<impl std::fmt::Display>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The report as JSON, or as CSV (downloaded as `file_name`) when the client asks for it.
/// Both vary with `Accept`.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    file_name: &str,
    report: &T,
    csv: impl FnOnce(&T) -> Csv,
) -> HttpResponse {
    if wants_csv(req) {
        return HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")))
            .insert_header((header::VARY, "Accept"))
            .body(csv(report).finish());
    }
    HttpResponse::Ok().insert_header((header::VARY, "Accept")).json(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused_but_numbers_stay_numbers() {
        assert_eq!(text("第一小学"), "第一小学");
        assert_eq!(text("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(text("=1+1"), "'=1+1");
        assert_eq!(num(-0.5), "-0.5");
        assert_eq!(opt(None::<f64>), "");
        let mut csv = Csv::new(&["a", "b"]);
        csv.row([text("x"), num(1)]);
        assert_eq!(csv.finish(), "\u{feff}a,b\r\nx,1\r\n");
    }
}
