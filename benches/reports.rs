//! Supervision-report benchmark: a county of 100,000 learners with a year of daily
//! aggregates, seeded straight into the database (bulk inserts, not HTTP), then the
//! report endpoints of a release build of `tongxin serve` are timed on SQLite and on
//! PostgreSQL and a table of p50/max latencies is printed. A script, not a test: nothing
//! here asserts a speed.
//!
//! ```text
//! cargo bench --bench reports                              # both backends
//! cargo bench --bench reports -- --backend sqlite --runs 10
//! cargo bench --bench reports -- --learners 20000 --pg-url postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! The county: 1 county, 15 townships, 10 schools or units each, 5 classes each (916
//! nodes); learners sit in the 750 classes. A year (365 local days) of `org_daily` per
//! class, an `org_active` activity map per learner with about 30 % of days active, and
//! `content_daily` for 2,000 contents with 500 of them studied each day.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection as _;
use diesel::{Connection as _, PgConnection, RunQueryDsl as _, SqliteConnection};
use serde_json::{Value, json};

const PASSWORD: &str = "Bench-Admin-2026";
const TOWNSHIPS: i64 = 15;
const SCHOOLS_PER_TOWNSHIP: i64 = 10;
const CLASSES_PER_SCHOOL: i64 = 5;
const CONTENTS: i64 = 2_000;
const CONTENTS_PER_DAY: i64 = 500;
const DAYS: i64 = 365;
const FIRST_DAY: &str = "2026-01-01";

struct Options {
    backends: Vec<&'static str>,
    pg_url: String,
    learners: i64,
    runs: usize,
}

impl Options {
    fn parse() -> Self {
        let mut options = Options {
            backends: vec!["sqlite", "postgres"],
            pg_url: std::env::var("TONGXIN_BENCH_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            learners: 100_000,
            runs: 7,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
            match arg.as_str() {
                "--learners" => options.learners = value().parse().expect("--learners N"),
                "--runs" => options.runs = value().parse().expect("--runs N"),
                "--pg-url" => options.pg_url = value(),
                "--backend" => {
                    options.backends = match value().as_str() {
                        "sqlite" => vec!["sqlite"],
                        "postgres" => vec!["postgres"],
                        "both" => vec!["sqlite", "postgres"],
                        other => panic!("--backend sqlite|postgres|both, not {other}"),
                    }
                }
                // `cargo bench` passes `--bench`; ignore it and other harness flags.
                _ => {}
            }
        }
        options.runs = options.runs.max(1);
        options
    }
}

struct Row {
    backend: &'static str,
    request: &'static str,
    p50_ms: f64,
    max_ms: f64,
    check: String,
}

#[tokio::main]
async fn main() {
    let options = Options::parse();
    let mut rows = Vec::new();
    for backend in &options.backends {
        eprintln!("== {backend}: {} learners, {DAYS} days of aggregates ==", options.learners);
        rows.extend(run(backend, &options).await);
    }
    println!();
    println!(
        "| backend    | request                                   | p50 ms | max ms | check                     |"
    );
    println!(
        "|------------|-------------------------------------------|--------|--------|---------------------------|"
    );
    for r in rows {
        println!("| {:<10} | {:<41} | {:>6.1} | {:>6.1} | {:<25} |", r.backend, r.request, r.p50_ms, r.max_ms, r.check);
    }
    println!(
        "\n{} learners in {} classes; {} runs per request after one warm-up; server and client on the same machine ({} cores).",
        options.learners,
        TOWNSHIPS * SCHOOLS_PER_TOWNSHIP * CLASSES_PER_SCHOOL,
        options.runs,
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
}

/// A database, removed on drop, and the server process using it.
struct Server {
    child: Option<Child>,
    base: String,
    dir: tempfile::TempDir,
    pg_database: Option<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some((admin_url, name)) = &self.pg_database {
            let mut conn = PgConnection::establish(admin_url).expect("PostgreSQL");
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
        }
    }
}

fn tongxin(database_url: &str, dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tongxin"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("TONGXIN_DATA_DIR", dir)
        .env("TONGXIN_MEDIA_URL", format!("file://{}", dir.join("media").display()))
        .env("TONGXIN_JWT_SECRET", "bench-secret-bench-secret-bench-secret-0123")
        .env("TONGXIN_LOG", "warn")
        .env("TONGXIN_AUTH_RATE_PER_MIN", "0")
        .env("TONGXIN_ACCESS_TOKEN_TTL_S", "86400")
        .stdout(Stdio::null());
    command
}

/// Either backend's connection, for seeding.
enum Seeder {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

impl Seeder {
    fn exec(&mut self, sql: &str) {
        match self {
            Seeder::Sqlite(c) => diesel::sql_query(sql).execute(c),
            Seeder::Pg(c) => diesel::sql_query(sql).execute(c),
        }
        .unwrap_or_else(|e| panic!("{e}: {}", &sql[..sql.len().min(300)]));
    }

    fn batch(&mut self, sql: &str) {
        match self {
            Seeder::Sqlite(c) => c.batch_execute(sql),
            Seeder::Pg(c) => c.batch_execute(sql),
        }
        .unwrap();
    }

    /// Inserts rows of already formatted SQL values in statements of `chunk` rows.
    fn insert(&mut self, head: &str, rows: impl Iterator<Item = String>, chunk: usize) {
        let mut values = Vec::with_capacity(chunk);
        for row in rows {
            values.push(row);
            if values.len() == chunk {
                self.exec(&format!("{head} VALUES {}", values.join(",")));
                values.clear();
            }
        }
        if !values.is_empty() {
            self.exec(&format!("{head} VALUES {}", values.join(",")));
        }
    }
}

/// A small deterministic generator, so every run seeds the same data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn day(i: i64) -> String {
    (chrono::NaiveDate::parse_from_str(FIRST_DAY, "%Y-%m-%d").unwrap() + chrono::Days::new(i as u64)).to_string()
}

fn seed(conn: &mut Seeder, learners: i64) {
    let started = Instant::now();
    let at = "'2025-12-01 00:00:00'";
    let classes = TOWNSHIPS * SCHOOLS_PER_TOWNSHIP * CLASSES_PER_SCHOOL;
    // Nodes with explicit ids: county 1, townships 2.., schools after, classes last.
    let mut orgs = vec![format!("(1, NULL, '团结县', 'county', 'BENCH0001', FALSE, '/1/', {at}, {at})")];
    let mut next = 2;
    let mut class_ids = Vec::new();
    for t in 0..TOWNSHIPS {
        let township = next;
        next += 1;
        orgs.push(format!(
            "({township}, 1, '乡镇{t}', 'township', 'BENCH{township:04}', {}, '/1/{township}/', {at}, {at})",
            if t % 5 == 0 { "TRUE" } else { "FALSE" }
        ));
        for s in 0..SCHOOLS_PER_TOWNSHIP {
            let school = next;
            next += 1;
            orgs.push(format!(
                "({school}, {township}, '学校{t}-{s}', 'school', 'BENCH{school:04}', FALSE, '/1/{township}/{school}/', {at}, {at})"
            ));
            for k in 0..CLASSES_PER_SCHOOL {
                let class = next;
                next += 1;
                class_ids.push(class);
                orgs.push(format!(
                    "({class}, {school}, '班级{t}-{s}-{k}', 'class', 'BENCH{class:04}', FALSE, '/1/{township}/{school}/{class}/', {at}, {at})"
                ));
            }
        }
    }
    conn.batch("BEGIN");
    conn.insert(
        "INSERT INTO organizations (id, parent_id, name, kind, join_code, demonstration_site, path, created_at, updated_at)",
        orgs.into_iter(),
        500,
    );
    let first_class = class_ids[0];
    // Learners, in the classes round robin; id 1 is the content author.
    conn.exec(&format!(
        "INSERT INTO users (id, username, username_key, display_name, password_hash, role, audience, organization_id, \
         locale, disabled, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {learners}) \
         SELECT i, 'bench_' || i, 'bench_' || i, '学员' || i, 'x', CASE WHEN i = 1 THEN 'editor' ELSE 'learner' END, \
         'public', {first_class} + (i % {classes}), 'zh-Hans', FALSE, {at}, {at} FROM n"
    ));
    conn.exec(&format!(
        "INSERT INTO topics (id, slug, names, position, created_at, updated_at) VALUES (1, 'bench', '{{}}', 0, {at}, {at})"
    ));
    conn.exec(&format!(
        "INSERT INTO contents (id, kind, topic_id, locale, title, summary, reading_time_s, status, author_id, \
         like_count, favorite_count, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CONTENTS}) \
         SELECT i, 'article', 1, 'zh-Hans', '文章' || i, '', 120, 'published', 1, i % 50, i % 20, {at}, {at} FROM n"
    ));
    eprintln!("  organizations, users, contents: {:.1} s", started.elapsed().as_secs_f64());

    // A year of per-class days: about 30 % of a class's learners active each day.
    let per_class = learners / classes;
    let mut rng = Lcg(7);
    let org_days = (0..DAYS).flat_map(|d| {
        let date = day(d);
        class_ids.clone().into_iter().map(move |class| (date.clone(), class))
    });
    let rows: Vec<String> = org_days
        .map(|(date, class)| {
            let active = (per_class * 3 / 10) + rng.below(5) as i64;
            let articles = active * 2 + rng.below(5) as i64;
            let videos = active + rng.below(3) as i64;
            let quizzes = active / 2;
            format!(
                "({class}, '{date}', {points}, {study}, {completions}, {active}, {articles}, {videos}, {quizzes}, {score}, {max})",
                points = active * 8,
                study = active * 900,
                completions = articles + videos,
                score = quizzes * 4,
                max = quizzes * 5,
            )
        })
        .collect();
    conn.insert(
        "INSERT INTO org_daily (org_id, local_date, points, study_seconds, completions, active_learners, \
         articles_completed, videos_completed, quizzes_taken, quiz_score_sum, quiz_max_sum)",
        rows.into_iter(),
        1000,
    );
    eprintln!("  org_daily: {} rows, {:.1} s", DAYS * classes, started.elapsed().as_secs_f64());

    // One activity map per learner for the year, each day active with probability 0.3.
    let mut rng = Lcg(11);
    let maps = (1..=learners).map(|user| {
        let days: String = (0..366).map(|d| if d < DAYS && rng.below(10) < 3 { '1' } else { '0' }).collect();
        format!("({}, 2026, {user}, '{days}')", first_class + (user % classes))
    });
    conn.insert("INSERT INTO org_active (org_id, year, user_id, days)", maps, 500);
    eprintln!("  org_active: {learners} rows, {:.1} s", started.elapsed().as_secs_f64());

    let mut rng = Lcg(13);
    let content_days = (0..DAYS).flat_map(|d| {
        let date = day(d);
        let offset = (d * 37) % CONTENTS;
        (0..CONTENTS_PER_DAY).map(move |k| (date.clone(), 1 + (offset + k) % CONTENTS))
    });
    let rows: Vec<String> = content_days
        .map(|(date, content)| {
            let views = 1 + rng.below(60);
            let learner_days = views;
            format!(
                "({content}, '{date}', {views}, {}, {}, {learner_days}, {})",
                rng.below(views + 1),
                rng.below(4),
                learner_days * (20 + rng.below(80))
            )
        })
        .collect();
    conn.insert(
        "INSERT INTO content_daily (content_id, local_date, views, completions, shares, learner_days, percent_sum)",
        rows.into_iter(),
        1000,
    );
    conn.batch("COMMIT");
    eprintln!("  content_daily: {} rows, {:.1} s", DAYS * CONTENTS_PER_DAY, started.elapsed().as_secs_f64());
    match conn {
        Seeder::Sqlite(_) => conn.batch("ANALYZE"),
        Seeder::Pg(_) => {
            // Keep the sequences ahead of the explicit ids.
            conn.batch(
                "SELECT setval(pg_get_serial_sequence('organizations', 'id'), (SELECT max(id) FROM organizations)); \
                 SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users)); \
                 SELECT setval(pg_get_serial_sequence('topics', 'id'), 1); \
                 SELECT setval(pg_get_serial_sequence('contents', 'id'), (SELECT max(id) FROM contents)); \
                 ANALYZE",
            );
        }
    }
    eprintln!("  seeded and analyzed in {:.1} s", started.elapsed().as_secs_f64());
}

async fn start(backend: &str, options: &Options) -> Server {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (database_url, pg_database) = if backend == "postgres" {
        let name = format!("tongxin_bench_reports_{}", std::process::id());
        let mut conn = PgConnection::establish(&options.pg_url).expect("PostgreSQL at --pg-url");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).unwrap();
        let mut url = url::Url::parse(&options.pg_url).expect("--pg-url");
        url.set_path(&name);
        (url.to_string(), Some((options.pg_url.clone(), name)))
    } else {
        (format!("sqlite://{}", dir.path().join("bench.db").display()), None)
    };
    let mut server = Server { child: None, base: String::new(), dir, pg_database };
    let dir = server.dir.path().to_owned();
    let status = tongxin(&database_url, &dir).arg("migrate").status().expect("the tongxin binary");
    assert!(status.success(), "tongxin migrate");
    let mut seeder = if backend == "postgres" {
        Seeder::Pg(PgConnection::establish(&database_url).unwrap())
    } else {
        Seeder::Sqlite(SqliteConnection::establish(database_url.trim_start_matches("sqlite://")).unwrap())
    };
    seed(&mut seeder, options.learners);
    drop(seeder);
    let mut admin = tongxin(&database_url, &dir)
        .args(["create-admin", "--username", "bench_admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    admin.stdin.take().unwrap().write_all(PASSWORD.as_bytes()).unwrap();
    assert!(admin.wait().unwrap().success(), "tongxin create-admin");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tongxin(&database_url, &dir)
        .arg("serve")
        .env("TONGXIN_BIND", format!("127.0.0.1:{port}"))
        .env("TONGXIN_TIMEZONE", "Asia/Shanghai")
        .spawn()
        .expect("the tongxin binary");
    server.child = Some(child);
    server.base = format!("http://127.0.0.1:{port}/api/v1");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become ready in 60 s");
}

async fn run(backend: &'static str, options: &Options) -> Vec<Row> {
    let server = start(backend, options).await;
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let login = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"username": "bench_admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let login: Value = login.json().await.unwrap();
    let token = login["access_token"].as_str().expect("admin login").to_owned();
    let requests: [(&'static str, String); 6] = [
        (
            "participation county, 365 days",
            "/admin/reports/participation?org_id=1&from=2026-01-01&to=2026-12-31".into(),
        ),
        ("participation county, 30 days", "/admin/reports/participation?org_id=1&from=2026-06-01&to=2026-06-30".into()),
        (
            "participation county, 365 days, CSV",
            "/admin/reports/participation?org_id=1&from=2026-01-01&to=2026-12-31".into(),
        ),
        (
            "participation township, 365 days",
            "/admin/reports/participation?org_id=2&from=2026-01-01&to=2026-12-31".into(),
        ),
        ("timeseries county, 365 days", "/admin/reports/timeseries?org_id=1&from=2026-01-01&to=2026-12-31".into()),
        ("contents, 365 days, top 100", "/admin/reports/contents?from=2026-01-01&to=2026-12-31&limit=100".into()),
    ];
    let mut rows = Vec::new();
    for (name, path) in requests {
        let csv = name.ends_with("CSV");
        let mut times = Vec::new();
        let mut check = String::new();
        for run in 0..=options.runs {
            let mut request = client.get(format!("{base}{path}")).bearer_auth(&token);
            if csv {
                request = request.header("Accept", "text/csv");
            }
            let sent = Instant::now();
            let response = request.send().await.unwrap();
            let status = response.status();
            let body = response.bytes().await.unwrap();
            let elapsed = sent.elapsed();
            assert!(status.is_success(), "{name}: {status} {}", String::from_utf8_lossy(&body));
            if run == 0 {
                // Warm-up; note a figure to show the report is not empty.
                check = if csv {
                    format!("{} CSV lines", body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count())
                } else {
                    let value: Value = serde_json::from_slice(&body).unwrap();
                    if let Some(total) = value.get("total") {
                        format!("{} rows, {} active", value["rows"].as_array().unwrap().len(), total["active_members"])
                    } else {
                        format!("{} items", value["items"].as_array().unwrap().len())
                    }
                };
                continue;
            }
            times.push(elapsed.as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        eprintln!("  {name}: p50 {:.1} ms", times[times.len() / 2]);
        rows.push(Row {
            backend,
            request: name,
            p50_ms: times[times.len() / 2],
            max_ms: times[times.len() - 1],
            check,
        });
    }
    rows
}
