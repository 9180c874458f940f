//! One connection type over the two backends, for seeding and for reading back what the
//! bench needs. Only plain SQL strings: the few dialect differences are the helpers on
//! [`Dialect`].

use anyhow::Context as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A UTC `TIMESTAMP` from epoch seconds.
    pub fn ts(self, epoch: &str) -> String {
        match self {
            Dialect::Sqlite => format!("datetime({epoch}, 'unixepoch')"),
            Dialect::Postgres => format!("(to_timestamp({epoch}) AT TIME ZONE 'UTC')"),
        }
    }

    /// An integer as 12 zero-padded digits.
    pub fn pad12(self, n: &str) -> String {
        match self {
            Dialect::Sqlite => format!("printf('%012d', {n})"),
            Dialect::Postgres => format!("lpad(CAST({n} AS TEXT), 12, '0')"),
        }
    }
}

pub enum Db {
    Sqlite(rusqlite::Connection),
    Pg(postgres::Client),
}

impl Db {
    pub fn sqlite(path: &std::path::Path) -> anyhow::Result<Self> {
        let conn = rusqlite::Connection::open(path).with_context(|| format!("open {}", path.display()))?;
        Ok(Db::Sqlite(conn))
    }

    pub fn postgres(url: &str) -> anyhow::Result<Self> {
        let client = postgres::Client::connect(url, postgres::NoTls).with_context(|| format!("connect to {url}"))?;
        Ok(Db::Pg(client))
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Pg(_) => Dialect::Postgres,
        }
    }

    /// Runs one statement and returns the rows it changed.
    pub fn exec(&mut self, sql: &str) -> anyhow::Result<u64> {
        let result = match self {
            Db::Sqlite(c) => c.execute(sql, []).map(|n| n as u64).map_err(anyhow::Error::from),
            Db::Pg(c) => c.execute(sql, &[]).map_err(anyhow::Error::from),
        };
        result.with_context(|| format!("SQL failed: {}", excerpt(sql)))
    }

    /// Runs statements separated by `;`.
    pub fn batch(&mut self, sql: &str) -> anyhow::Result<()> {
        let result = match self {
            Db::Sqlite(c) => c.execute_batch(sql).map_err(anyhow::Error::from),
            Db::Pg(c) => c.batch_execute(sql).map_err(anyhow::Error::from),
        };
        result.with_context(|| format!("SQL failed: {}", excerpt(sql)))
    }

    /// Rows of BIGINT columns (cast them in the query on PostgreSQL).
    pub fn ints(&mut self, sql: &str, columns: usize) -> anyhow::Result<Vec<Vec<i64>>> {
        let rows = match self {
            Db::Sqlite(c) => {
                let mut statement = c.prepare(sql)?;
                let rows = statement.query_map([], |row| (0..columns).map(|i| row.get::<_, i64>(i)).collect())?;
                rows.collect::<Result<Vec<Vec<i64>>, _>>()?
            }
            Db::Pg(c) => {
                c.query(sql, &[])?.iter().map(|row| (0..columns).map(|i| row.get::<_, i64>(i)).collect()).collect()
            }
        };
        Ok(rows)
    }

    /// Rows of TEXT columns.
    pub fn texts(&mut self, sql: &str, columns: usize) -> anyhow::Result<Vec<Vec<String>>> {
        let rows = match self {
            Db::Sqlite(c) => {
                let mut statement = c.prepare(sql)?;
                let rows = statement.query_map([], |row| (0..columns).map(|i| row.get::<_, String>(i)).collect())?;
                rows.collect::<Result<Vec<Vec<String>>, _>>()?
            }
            Db::Pg(c) => {
                c.query(sql, &[])?.iter().map(|row| (0..columns).map(|i| row.get::<_, String>(i)).collect()).collect()
            }
        };
        Ok(rows)
    }

    pub fn text(&mut self, sql: &str) -> anyhow::Result<String> {
        self.texts(sql, 1)?.into_iter().next().and_then(|row| row.into_iter().next()).context("no row")
    }

    /// Inserts already formatted SQL tuples, `chunk` rows per statement.
    pub fn insert_values(
        &mut self,
        head: &str,
        rows: impl IntoIterator<Item = String>,
        chunk: usize,
    ) -> anyhow::Result<()> {
        let mut values = Vec::with_capacity(chunk);
        for row in rows {
            values.push(row);
            if values.len() == chunk {
                self.exec(&format!("{head} VALUES {}", values.join(",")))?;
                values.clear();
            }
        }
        if !values.is_empty() {
            self.exec(&format!("{head} VALUES {}", values.join(",")))?;
        }
        Ok(())
    }

    /// The secondary indexes of a table (name, definition), which a bulk load drops and
    /// recreates: building an index once is much faster than growing it row by row.
    pub fn secondary_indexes(&mut self, table: &str) -> anyhow::Result<Vec<(String, String)>> {
        let sql = match self {
            Db::Sqlite(_) => format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL"
            ),
            Db::Pg(_) => format!(
                "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = '{table}' \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            ),
        };
        Ok(self.texts(&sql, 2)?.into_iter().map(|mut row| (row.remove(0), row.remove(0))).collect())
    }
}

fn excerpt(sql: &str) -> &str {
    let end = sql.char_indices().nth(300).map_or(sql.len(), |(i, _)| i);
    &sql[..end]
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// The database name in a PostgreSQL URL.
pub fn database_of(url: &str) -> Option<&str> {
    let base = url.split('?').next().unwrap_or(url);
    let scheme_end = base.find("://")? + 3;
    let slash = base[scheme_end..].find('/')?;
    Some(&base[scheme_end + slash + 1..]).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(with_database("postgres://p@h:5432/a", "b"), "postgres://p@h:5432/b");
        assert_eq!(with_database("postgres://p@h:5432", "b"), "postgres://p@h:5432/b");
        assert_eq!(with_database("postgres://p@h/a?sslmode=disable", "b"), "postgres://p@h/b?sslmode=disable");
        assert_eq!(database_of("postgres://p@h:5432/tongxin_bench"), Some("tongxin_bench"));
        assert_eq!(database_of("postgres://p@h:5432"), None);
    }
}
