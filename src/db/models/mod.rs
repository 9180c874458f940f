//! Rows and the queries that read and write them, one file per table.

pub mod attempts;
pub mod audit;
pub mod campaigns;
pub mod contents;
pub mod leaderboards;
pub mod media;
pub mod member_progress;
pub mod organizations;
pub mod points;
pub mod privacy;
pub mod progress;
pub mod questions;
pub mod quizzes;
pub mod reactions;
pub mod refresh_tokens;
pub mod reports;
pub mod topics;
pub mod users;
pub mod workflow_items;

/// A keyset page: rows after the cursor plus whether more exist.
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Takes `limit + 1` fetched rows and splits off the probe row.
    pub fn from_probe(mut rows: Vec<T>, limit: i64) -> Self {
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Self { items: rows, has_more }
    }
}

diesel::define_sql_function! {
    /// SQL `lower()`: ASCII-only on SQLite, full Unicode on PostgreSQL.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A `LIKE` pattern matching `needle` anywhere, with its wildcards escaped (escape char `\`).
pub fn like_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
