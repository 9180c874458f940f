//! The raw reference for the authenticated feed: a keyset page of 20 published contents
//! from the seeded SQLite file, with nothing but actix-web, an r2d2 pool of rusqlite
//! connections and `web::block`: one indexed query, rows to JSON.
//!
//! `tongxin-raw --port 8082 --db bench/data/sqlite/tongxin.db`
//! `GET /page` (newest) or `GET /page?p=2026-01-01%2012:00:00&i=123` (after that key).

use std::path::PathBuf;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, error, web};
use clap::Parser;
use rusqlite::{OpenFlags, OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    port: u16,
    #[arg(long)]
    db: PathBuf,
    /// HTTP worker threads (the server's default is one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Pooled connections (the server's default pool size).
    #[arg(long, default_value_t = 8)]
    pool: u32,
}

struct Manager(PathBuf);

impl r2d2::ManageConnection for Manager {
    type Connection = rusqlite::Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        let conn = rusqlite::Connection::open_with_flags(
            &self.0,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Self::Connection) -> Result<(), Self::Error> {
        conn.execute_batch("")
    }

    fn has_broken(&self, _conn: &mut Self::Connection) -> bool {
        false
    }
}

type Pool = r2d2::Pool<Manager>;

#[derive(Deserialize)]
struct PageQuery {
    p: Option<String>,
    i: Option<i64>,
}

#[derive(Serialize)]
struct Item {
    id: i64,
    kind: String,
    topic_id: i64,
    locale: String,
    title: String,
    summary: String,
    reading_time_s: Option<i32>,
    duration_s: Option<i32>,
    published_at: String,
    views: i64,
    likes: i64,
    favorites: i64,
    shares: i64,
}

#[derive(Serialize)]
struct Page {
    items: Vec<Item>,
    next_cursor: Option<String>,
}

const COLUMNS: &str = "id, kind, topic_id, locale, title, summary, reading_time_s, duration_s, publish_at, \
                       view_count, like_count, favorite_count, share_count";

fn page(pool: &Pool, query: &PageQuery) -> anyhow::Result<Vec<u8>> {
    let conn = pool.get()?;
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Item> {
        let published: String = r.get(8)?;
        Ok(Item {
            id: r.get(0)?,
            kind: r.get(1)?,
            topic_id: r.get(2)?,
            locale: r.get(3)?,
            title: r.get(4)?,
            summary: r.get(5)?,
            reading_time_s: r.get(6)?,
            duration_s: r.get(7)?,
            published_at: format!("{}Z", published.replacen(' ', "T", 1)),
            views: r.get(9)?,
            likes: r.get(10)?,
            favorites: r.get(11)?,
            shares: r.get(12)?,
        })
    };
    // The same visibility rule and keyset order as the server's feed. One upper bound on
    // publish_at: given two (now and the cursor), SQLite seeks with the first and scans
    // from the newest row down to the cursor.
    let items = if let (Some(p), Some(i)) = (&query.p, query.i) {
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM contents WHERE status = 'published' AND publish_at <= min(?1, ?2) \
             AND (publish_at < ?2 OR (publish_at = ?2 AND id < ?3)) ORDER BY publish_at DESC, id DESC LIMIT 20"
        ))?;
        statement.query_map(params![now, p, i], row)?.collect::<Result<Vec<_>, _>>()?
    } else {
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM contents WHERE status = 'published' AND publish_at <= ?1 \
             ORDER BY publish_at DESC, id DESC LIMIT 20"
        ))?;
        statement.query_map(params![now], row)?.collect::<Result<Vec<_>, _>>()?
    };
    let next_cursor = items.last().map(|item| format!("{}|{}", item.published_at, item.id));
    Ok(serde_json::to_vec(&Page { items, next_cursor })?)
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = r2d2::Pool::builder().max_size(args.pool).build(Manager(args.db.clone()))?;
    // Fail at start, not at the first request, when the file is not a seeded database.
    let probe = pool.get()?.query_row("SELECT id FROM contents LIMIT 1", [], |r| r.get::<_, i64>(0)).optional()?;
    anyhow::ensure!(probe.is_some(), "{} has no contents", args.db.display());
    let pool = web::Data::new(pool);
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    HttpServer::new(move || {
        App::new().app_data(pool.clone()).route(
            "/page",
            web::get().to(|pool: web::Data<Pool>, query: web::Query<PageQuery>| async move {
                let body = web::block(move || page(&pool, &query))
                    .await
                    .map_err(error::ErrorInternalServerError)?
                    .map_err(error::ErrorInternalServerError)?;
                Ok::<_, actix_web::Error>(HttpResponse::Ok().content_type("application/json").body(body))
            }),
        )
    })
    .workers(workers)
    .bind(("127.0.0.1", args.port))?
    .run()
    .await?;
    Ok(())
}
