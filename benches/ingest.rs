//! Event-ingest benchmark: learners send engagement events in batches of 50 to a release
//! build of `tongxin serve --demo`, on SQLite and on PostgreSQL, and a table of events/s
//! and batch latency is printed. A script, not a test: nothing here asserts a speed.
//!
//! ```text
//! cargo bench --bench ingest                                  # 1,000,000 events on each backend
//! cargo bench --bench ingest -- --events 100000 --backend sqlite
//! cargo bench --bench ingest -- --pg-url postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! Each learner studies like a phone that was offline for a while: per batch, five
//! contents, each with a `view`, eight `progress` reports 15 s apart (some a `share`
//! instead) and a `complete`, every event a fresh UUID. Every event goes through the full
//! path: validation, deduplication, progress and study-time credit, points under caps and
//! the day/week/month/organization aggregates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};
use serde_json::{Value, json};

const BATCH: usize = 50;
const PASSWORD: &str = "Bench-Learner-2026";

struct Options {
    events: u64,
    backends: Vec<&'static str>,
    pg_url: String,
    learners: usize,
    concurrency: usize,
}

impl Options {
    fn parse() -> Self {
        let mut options = Options {
            events: 1_000_000,
            backends: vec!["sqlite", "postgres"],
            pg_url: std::env::var("TONGXIN_BENCH_PG_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            learners: 200,
            concurrency: 32,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
            match arg.as_str() {
                "--events" => options.events = value().parse().expect("--events N"),
                "--learners" => options.learners = value().parse().expect("--learners N"),
                "--concurrency" => options.concurrency = value().parse().expect("--concurrency N"),
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
        options.concurrency = options.concurrency.clamp(1, options.learners.max(1));
        options
    }
}

struct Row {
    backend: &'static str,
    events: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    rejected: u64,
}

#[tokio::main]
async fn main() {
    let options = Options::parse();
    let mut rows = Vec::new();
    for backend in &options.backends {
        eprintln!("== {backend}: {} events in batches of {BATCH} ==", options.events);
        rows.push(run(backend, &options).await);
    }
    println!();
    println!("| backend    | events    | seconds | events/s | batch p50 ms | batch p99 ms | rejected |");
    println!("|------------|-----------|---------|----------|--------------|--------------|----------|");
    for r in rows {
        println!(
            "| {:<10} | {:>9} | {:>7.1} | {:>8.0} | {:>12.1} | {:>12.1} | {:>8} |",
            r.backend,
            r.events,
            r.seconds,
            r.events as f64 / r.seconds,
            r.p50_ms,
            r.p99_ms,
            r.rejected
        );
    }
    println!(
        "\n{} learners, {} concurrent clients, server and client on the same machine ({} cores).",
        options.learners,
        options.concurrency,
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
}

/// A server process with its own database, removed on drop.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
    pg_database: Option<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((admin_url, name)) = &self.pg_database {
            let mut conn = PgConnection::establish(admin_url).expect("PostgreSQL");
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
        }
    }
}

async fn start(backend: &str, options: &Options) -> Server {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (database_url, pg_database) = if backend == "postgres" {
        let name = format!("tongxin_bench_{}", std::process::id());
        let mut conn = PgConnection::establish(&options.pg_url).expect("PostgreSQL at --pg-url");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).unwrap();
        let mut url = url::Url::parse(&options.pg_url).expect("--pg-url");
        url.set_path(&name);
        (url.to_string(), Some((options.pg_url.clone(), name)))
    } else {
        (format!("sqlite://{}", dir.path().join("bench.db").display()), None)
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_tongxin"))
        .args(["serve", "--demo"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("TONGXIN_DATA_DIR", dir.path())
        .env("TONGXIN_BIND", format!("127.0.0.1:{port}"))
        .env("TONGXIN_MEDIA_URL", format!("file://{}", dir.path().join("media").display()))
        .env("TONGXIN_JWT_SECRET", "bench-secret-bench-secret-bench-secret-0123")
        .env("TONGXIN_LOG", "warn")
        .env("TONGXIN_AUTH_RATE_PER_MIN", "0")
        .env("TONGXIN_ACCESS_TOKEN_TTL_S", "86400")
        .stdout(Stdio::null())
        .spawn()
        .expect("the tongxin binary");
    let server = Server { child, base: format!("http://127.0.0.1:{port}/api/v1"), _dir: dir, pg_database };
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become ready in 60 s");
}

async fn json(client: &reqwest::Client, request: reqwest::RequestBuilder) -> Value {
    let response = client.execute(request.build().unwrap()).await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

struct Learner {
    token: String,
    /// Next position per content, so reports move forward like a real player.
    positions: Vec<i64>,
}

async fn run(backend: &'static str, options: &Options) -> Row {
    let server = start(backend, options).await;
    let client = reqwest::Client::new();
    let base = server.base.clone();

    let admin = json(
        &client,
        client.post(format!("{base}/auth/login")).json(&json!({"username": "admin", "password": "Tongxin-Demo-2026"})),
    )
    .await;
    let admin_token = admin["access_token"].as_str().unwrap().to_owned();
    let orgs =
        json(&client, client.get(format!("{base}/admin/organizations?limit=100")).bearer_auth(&admin_token)).await;
    let codes: Vec<String> =
        orgs["items"].as_array().unwrap().iter().map(|o| o["join_code"].as_str().unwrap().to_owned()).collect();
    let contents = json(&client, client.get(format!("{base}/contents?limit=100"))).await;
    let contents: Vec<i64> = contents["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert!(contents.len() >= 5, "the demo data set has contents");

    eprintln!("registering {} learners", options.learners);
    let mut learners: Vec<Learner> = Vec::new();
    for chunk in (0..options.learners).collect::<Vec<_>>().chunks(8) {
        let registrations = chunk.iter().map(|i| {
            let body = json!({
                "username": format!("bench_{i}"), "password": PASSWORD, "display_name": format!("学员{i}"),
                "audience": "public", "org_code": codes[i % codes.len()],
            });
            json(&client, client.post(format!("{base}/auth/register")).json(&body))
        });
        for session in futures_util::future::join_all(registrations).await {
            learners.push(Learner {
                token: session["access_token"].as_str().unwrap().to_owned(),
                positions: vec![0; contents.len()],
            });
        }
    }

    // Learner j belongs to client j % concurrency, so a learner's batches go in order.
    let mut groups: Vec<Vec<Learner>> = (0..options.concurrency).map(|_| Vec::new()).collect();
    for (j, learner) in learners.into_iter().enumerate() {
        groups[j % options.concurrency].push(learner);
    }
    let batches = options.events.div_ceil(BATCH as u64);
    let next_batch = Arc::new(AtomicU64::new(0));
    let rejected = Arc::new(AtomicU64::new(0));
    let contents = Arc::new(contents);
    let started = Instant::now();
    let tasks: Vec<_> = groups
        .into_iter()
        .enumerate()
        .map(|(task, mut group)| {
            let (client, url) = (client.clone(), format!("{base}/events"));
            let (next_batch, rejected, contents) = (next_batch.clone(), rejected.clone(), contents.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut turn = 0usize;
                while next_batch.fetch_add(1, Ordering::Relaxed) < batches {
                    let at = turn % group.len();
                    let learner = &mut group[at];
                    let events = study(learner, &contents, task + turn);
                    turn += 1;
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .bearer_auth(&learner.token)
                        .json(&json!({"events": events}))
                        .send()
                        .await
                        .unwrap();
                    let status = response.status();
                    let body: Value = response.json().await.unwrap();
                    latencies.push(sent.elapsed());
                    assert!(status.is_success(), "{status}: {body}");
                    rejected.fetch_add(body["rejected"].as_array().map_or(0, Vec::len) as u64, Ordering::Relaxed);
                }
                latencies
            })
        })
        .collect();
    let ticker = {
        let next_batch = next_batch.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let sent = next_batch.load(Ordering::Relaxed).min(batches) * BATCH as u64;
                eprintln!("{:>6.0} s  {sent} events sent", started.elapsed().as_secs_f64());
            }
        })
    };
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    ticker.abort();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    Row {
        backend,
        events: latencies.len() as u64 * BATCH as u64,
        seconds,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        rejected: rejected.load(Ordering::Relaxed),
    }
}

/// One offline batch: five contents, each a view, eight progress reports (one in four
/// batches shares instead of the last) and a complete.
fn study(learner: &mut Learner, contents: &[i64], seed: usize) -> Vec<Value> {
    let now = chrono::Utc::now();
    let mut events = Vec::with_capacity(BATCH);
    for k in 0..5 {
        let slot = (seed * 7 + k * 3) % contents.len();
        let content = contents[slot];
        let mut event = |kind: &str, position: Option<i64>| {
            let at = now - chrono::Duration::seconds((BATCH - events.len()) as i64 * 15);
            events.push(json!({
                "id": uuid::Uuid::new_v4(), "kind": kind, "content_id": content,
                "position_s": position, "occurred_at": at.to_rfc3339(),
            }));
        };
        event("view", None);
        for step in 0..8 {
            if step == 7 && seed.is_multiple_of(4) {
                event("share", None);
            } else {
                learner.positions[slot] = (learner.positions[slot] + 15) % 600;
                event("progress", Some(learner.positions[slot]));
            }
        }
        event("complete", None);
    }
    events
}
