//! Full-text search, the one place where the two databases differ most. Both index the
//! same terms (CJK bigrams and words, made by `domain::search`): SQLite in an FTS5 table,
//! PostgreSQL in a `tsvector` built from those terms verbatim (no parser, so the result
//! does not depend on the database locale). Query text never becomes SQL: terms are bound.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text};

use crate::db::schema::contents;
use crate::db::{Backend as MultiBackend, DbConn};
use crate::domain::search::Term;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

/// A search ready to run: the match expressions for "anywhere" and "in the title".
#[derive(Debug, Clone)]
pub struct Prepared {
    dialect: Dialect,
    anywhere: String,
    in_title: String,
}

/// Builds the backend's match expressions; `None` when the query has no terms.
pub fn prepare(conn: &DbConn, terms: &[Term]) -> Option<Prepared> {
    if terms.is_empty() {
        return None;
    }
    Some(match conn {
        DbConn::Sqlite(_) => {
            let phrase = |t: &Term| format!("\"{}\"{}", t.text.replace('"', "\"\""), if t.prefix { "*" } else { "" });
            Prepared {
                dialect: Dialect::Sqlite,
                anywhere: terms.iter().map(phrase).collect::<Vec<_>>().join(" AND "),
                in_title: terms.iter().map(|t| format!("title : {}", phrase(t))).collect::<Vec<_>>().join(" AND "),
            }
        }
        DbConn::Pg(_) => {
            let lexeme = |t: &Term, weight: &str| {
                let quoted = t.text.replace('\\', "\\\\").replace('\'', "''");
                format!("'{quoted}':{}{weight}", if t.prefix { "*" } else { "" })
            };
            let join = |weight: &str| terms.iter().map(|t| lexeme(t, weight)).collect::<Vec<_>>().join(" & ");
            Prepared { dialect: Dialect::Postgres, anywhere: join(""), in_title: join("A") }
        }
    })
}

fn subquery(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SELECT rowid FROM content_search WHERE content_search MATCH ",
        Dialect::Postgres => "SELECT content_id FROM content_search WHERE document @@ CAST(",
    }
}

fn close(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => ")",
        Dialect::Postgres => " AS tsquery))",
    }
}

/// `contents.id` is among the matches.
pub fn matches(p: &Prepared) -> Box<dyn BoxableExpression<contents::table, MultiBackend, SqlType = Bool>> {
    Box::new(
        sql::<Bool>(&format!("contents.id IN ({}", subquery(p.dialect)))
            .bind::<Text, _>(p.anywhere.clone())
            .sql(close(p.dialect)),
    )
}

/// 1 when every term is in the title, else 0: the first sort key of a relevance order.
pub fn title_rank(p: &Prepared) -> Box<dyn BoxableExpression<contents::table, MultiBackend, SqlType = Integer>> {
    Box::new(
        sql::<Integer>(&format!("(CASE WHEN contents.id IN ({}", subquery(p.dialect)))
            .bind::<Text, _>(p.in_title.clone())
            .sql(close(p.dialect))
            .sql(" THEN 1 ELSE 0 END)"),
    )
}

/// Replaces a content's entry in the index. `title` and `body` are indexed texts
/// (space-separated terms).
pub fn index(conn: &mut DbConn, content_id: i64, title: &str, body: &str) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => {
            diesel::sql_query("DELETE FROM content_search WHERE rowid = $1")
                .bind::<BigInt, _>(content_id)
                .execute(conn)?;
            diesel::sql_query("INSERT INTO content_search (rowid, title, body) VALUES ($1, $2, $3)")
                .bind::<BigInt, _>(content_id)
                .bind::<Text, _>(title)
                .bind::<Text, _>(body)
                .execute(conn)?;
        }
        DbConn::Pg(_) => {
            diesel::sql_query(
                "INSERT INTO content_search (content_id, document) VALUES ($1, \
                 setweight(array_to_tsvector(string_to_array($2, ' ')), 'A') || \
                 setweight(array_to_tsvector(string_to_array($3, ' ')), 'B')) \
                 ON CONFLICT (content_id) DO UPDATE SET document = EXCLUDED.document",
            )
            .bind::<BigInt, _>(content_id)
            .bind::<Text, _>(title)
            .bind::<Text, _>(body)
            .execute(conn)?;
        }
    }
    Ok(())
}
