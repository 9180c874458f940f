//! One backend's run: start the release server on the seeded database, prepare what the
//! load scripts read (tokens, feed cursors, ids), then for each endpoint capture a real
//! response, load the server with wrk, load the ceiling serving that response, and turn
//! the figures into a table row against the target.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::backend::{Backend, Kind};
use crate::client::{self, Sample};
use crate::dataset::{ADMIN, MEDIA_BYTES, PASSWORD};
use crate::process::{self, RssSampler, Running};
use crate::seed::Seeded;
use crate::wrk::{self, Load, Outcome};

#[derive(Debug, Clone)]
pub struct Settings {
    pub duration: Duration,
    pub warmup: Duration,
    pub threads: usize,
    pub connections: usize,
    pub report_connections: usize,
    pub storm_connections: usize,
    pub tokens: usize,
    pub feed_pages: usize,
}

/// Bytes per Range request: a player's chunk.
pub const RANGE_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct Row {
    pub endpoint: String,
    pub conns: String,
    pub outcome: Option<Outcome>,
    pub bytes: Option<usize>,
    pub ceiling_rps: Option<f64>,
    pub target: String,
    pub measured: String,
    pub met: Option<bool>,
    pub rss_kib: u64,
}

pub struct Table {
    pub title: &'static str,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
    pub seconds: f64,
}

/// The 1, 5 and 15 minute load averages: other work on the machine skews every figure.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "unknown".into(), |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// What a target asks of a measurement.
enum Target {
    None,
    /// req/s at least this many times the ceiling's.
    TimesCeiling(f64),
    /// req/s at least this many times the raw page's.
    TimesRaw(f64),
    P99AtMost(f64),
}

struct Endpoint {
    name: &'static str,
    key: &'static str,
    load: Load,
    sample: SampleRequest,
    target: Target,
}

enum SampleRequest {
    Get { paths: Vec<String>, token: Option<String>, headers: Vec<(&'static str, String)> },
    Post { path: String, token: Option<String>, body: String },
}

struct Context<'a> {
    settings: &'a Settings,
    server: Running,
    run_dir: PathBuf,
    agent: ureq::Agent,
}

impl Context<'_> {
    fn load(&self, script: &'static str, env: Vec<(&'static str, String)>, connections: usize) -> Load {
        Load { script, env, threads: self.settings.threads, connections, duration: self.settings.duration }
    }

    /// Warm-up, then the measured run with the process's memory sampled.
    fn measure(&self, load: &Load, base: &str, pid: u32) -> anyhow::Result<(Outcome, u64)> {
        process::wait_idle(self.server.pid());
        if !self.settings.warmup.is_zero() {
            wrk::run(&Load { duration: self.settings.warmup, ..load.clone() }, base)?;
        }
        let sampler = RssSampler::start(pid);
        let outcome = wrk::run(load, base);
        let peak = sampler.stop();
        Ok((outcome?, peak))
    }

    fn capture(&self, request: &SampleRequest) -> anyhow::Result<Sample> {
        let base = &self.server.base;
        match request {
            SampleRequest::Get { paths, token, headers } => {
                // Up to 15 of the paths, spread over the list; the median-sized answer.
                let step = (paths.len() / 15).max(1);
                let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let mut samples = paths
                    .iter()
                    .step_by(step)
                    .take(15)
                    .map(|path| client::get(&self.agent, &format!("{base}{path}"), token.as_deref(), &headers))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                samples.sort_by_key(|s| s.body.len());
                let median = samples.len() / 2;
                Ok(samples.swap_remove(median))
            }
            SampleRequest::Post { path, token, body } => {
                client::post_json(&self.agent, &format!("{base}{path}"), token.as_deref(), body)
            }
        }
    }

    /// The ceiling serving `sample`, loaded like the server was.
    fn ceiling(&self, key: &str, sample: &Sample, load: &Load) -> anyhow::Result<Outcome> {
        let body = self.run_dir.join(format!("ceiling-{key}.body"));
        std::fs::write(&body, &sample.body)?;
        let port = process::free_port()?;
        let mut command = std::process::Command::new(process::binary("tongxin-ceiling")?);
        command
            .arg("--port")
            .arg(port.to_string())
            .arg("--body")
            .arg(&body)
            .arg("--content-type")
            .arg(&sample.content_type);
        let ceiling =
            Running::start("tongxin-ceiling", command, port, "/", &self.run_dir.join(format!("ceiling-{key}.log")))?;
        let (outcome, _) = self.measure(load, &format!("{}/", ceiling.base), ceiling.pid())?;
        Ok(outcome)
    }
}

fn write_lines(path: &Path, lines: &[String]) -> anyhow::Result<()> {
    std::fs::write(path, lines.join("\n") + "\n").with_context(|| format!("write {}", path.display()))
}

fn ms(value: f64) -> String {
    if value >= 100.0 { format!("{value:.0}") } else { format!("{value:.1}") }
}

pub fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Walks the feed 100 items at a time and returns the feed paths (first page and one
/// per cursor) and the id of the last item before each cursor.
fn harvest_feed(agent: &ureq::Agent, base: &str, pages: usize) -> anyhow::Result<(Vec<String>, Vec<i64>)> {
    let mut paths = vec!["/api/v1/contents".to_owned()];
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..pages {
        let url = match &cursor {
            Some(c) => format!("{base}/api/v1/contents?limit=100&cursor={c}"),
            None => format!("{base}/api/v1/contents?limit=100"),
        };
        let sample = client::get(agent, &url, None, &[])?;
        anyhow::ensure!(sample.ok(), "feed walk: {} {}", sample.status, String::from_utf8_lossy(&sample.body));
        let page = sample.json()?;
        let Some(next) = page["next_cursor"].as_str() else { break };
        let last = page["items"].as_array().and_then(|items| items.last()).and_then(|item| item["id"].as_i64());
        ids.push(last.context("feed page without items")?);
        paths.push(format!("/api/v1/contents?cursor={next}"));
        cursor = Some(next.to_owned());
    }
    Ok((paths, ids))
}

/// Raw-page paths at the same places as the feed cursors (keys read from the file).
fn raw_paths(sqlite: &Path, ids: &[i64]) -> anyhow::Result<Vec<String>> {
    let conn = rusqlite::Connection::open_with_flags(sqlite, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut statement = conn.prepare("SELECT publish_at FROM contents WHERE id = ?1")?;
    let mut paths = vec!["/page".to_owned()];
    for id in ids {
        let at: String = statement.query_row([id], |r| r.get(0))?;
        paths.push(format!("/page?p={}&i={id}", at.replace(' ', "%20")));
    }
    Ok(paths)
}

/// A small generator for sample ids and UUIDs (the load scripts draw their own).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// A batch like the ingest script sends: 5 contents × (view, 8 progress, complete).
fn event_batch(rng: &mut Rng, contents: i64) -> String {
    let now = chrono::Utc::now();
    let mut events = Vec::with_capacity(50);
    for _ in 0..5 {
        let content = 1 + (rng.next() % contents as u64) as i64;
        for step in 0..10 {
            let at = (now - chrono::Duration::seconds((50 - events.len() as i64) * 15)).format("%Y-%m-%dT%H:%M:%SZ");
            let (kind, position) = match step {
                0 => ("view", None),
                9 => ("complete", None),
                _ => ("progress", Some(step * 15)),
            };
            let mut event = serde_json::json!({"id": rng.uuid(), "kind": kind, "content_id": content, "occurred_at": at.to_string()});
            if let Some(position) = position {
                event["position_s"] = position.into();
            }
            events.push(event);
        }
    }
    serde_json::json!({ "events": events }).to_string()
}

pub fn run(backend: &Backend, seeded: &Seeded, settings: &Settings, raw_db: Option<&Path>) -> anyhow::Result<Table> {
    let started = Instant::now();
    let load_before = load_average();
    let run_dir = backend.run_dir();
    std::fs::create_dir_all(&run_dir)?;
    let scale = seeded.scale;
    eprintln!("== {}: starting the release server ==", backend.title());
    let port = process::free_port()?;
    let mut command = process::tongxin(&backend.database_url, &backend.dir)?;
    command.arg("serve").env("TONGXIN_BIND", format!("127.0.0.1:{port}"));
    let server = Running::start("tongxin", command, port, "/readyz", &run_dir.join("server.log"))?;
    let idle_rss_kib = server.rss_kib().unwrap_or(0);
    let agent = client::agent();
    let base = server.base.clone();

    let clock = Instant::now();
    let step = (scale.learners / settings.tokens.max(1) as i64).max(1);
    let usernames: Vec<String> = (0..settings.tokens as i64)
        .map(|k| 1 + k * step)
        .filter(|u| *u <= scale.learners)
        .map(|u| format!("learner{u}"))
        .collect();
    let tokens = client::tokens(&base, &usernames, PASSWORD)?;
    let admin_token = client::login(&agent, &base, ADMIN, PASSWORD)?;
    let tokens_file = run_dir.join("tokens.txt");
    write_lines(&tokens_file, &tokens)?;
    eprintln!("  {} learner tokens in {:.1} s", tokens.len(), clock.elapsed().as_secs_f64());

    let clock = Instant::now();
    let (feed, boundary_ids) = harvest_feed(&agent, &base, settings.feed_pages)?;
    let feed_file = run_dir.join("feed.txt");
    write_lines(&feed_file, &feed)?;
    eprintln!(
        "  {} feed paths (the newest {} items) in {:.1} s",
        feed.len(),
        boundary_ids.len() * 100,
        clock.elapsed().as_secs_f64()
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ chrono::Utc::now().timestamp_micros() as u64);
    let details: Vec<String> =
        (0..2000).map(|_| format!("/api/v1/contents/{}", 1 + rng.next() % scale.contents as u64)).collect();
    let details_file = run_dir.join("details.txt");
    write_lines(&details_file, &details)?;
    let media = vec!["/api/v1/media/1".to_owned()];
    let media_file = run_dir.join("media.txt");
    write_lines(&media_file, &media)?;
    let board = vec!["/api/v1/leaderboards/users?scope=global&period=all&limit=50".to_owned()];
    let board_file = run_dir.join("leaderboard.txt");
    write_lines(&board_file, &board)?;
    let report_from = seeded.last_day - chrono::Days::new(29);
    let report =
        vec![format!("/api/v1/admin/reports/participation?org_id=1&from={report_from}&to={}", seeded.last_day)];
    let report_file = run_dir.join("report.txt");
    write_lines(&report_file, &report)?;
    let admin_file = run_dir.join("admin-token.txt");
    write_lines(&admin_file, std::slice::from_ref(&admin_token))?;

    let path_env = |paths: &Path| vec![("BENCH_PATHS", paths.display().to_string())];
    let with_tokens = |paths: &Path, tokens: &Path| {
        vec![("BENCH_PATHS", paths.display().to_string()), ("BENCH_TOKENS", tokens.display().to_string())]
    };
    let ctx = Context { settings, server, run_dir: run_dir.clone(), agent: client::agent() };
    let conns = settings.connections;
    let events_target = match backend.kind {
        Kind::Sqlite => 50_000.0,
        Kind::Postgres => 30_000.0,
    };
    let endpoints = vec![
        Endpoint {
            name: "anonymous feed page (20 items)",
            key: "feed-anonymous",
            load: ctx.load("paths.lua", path_env(&feed_file), conns),
            sample: SampleRequest::Get { paths: feed.clone(), token: None, headers: vec![] },
            target: Target::TimesCeiling(0.5),
        },
        Endpoint {
            name: "authenticated feed page (with `me`)",
            key: "feed-authenticated",
            load: ctx.load("paths.lua", with_tokens(&feed_file, &tokens_file), conns),
            sample: SampleRequest::Get { paths: feed.clone(), token: tokens.first().cloned(), headers: vec![] },
            target: Target::TimesRaw(1.5),
        },
        Endpoint {
            name: "content detail",
            key: "detail",
            load: ctx.load("paths.lua", path_env(&details_file), conns),
            sample: SampleRequest::Get { paths: details.clone(), token: None, headers: vec![] },
            target: Target::TimesCeiling(0.5),
        },
        Endpoint {
            name: "media Range request (64 KiB)",
            key: "media-range",
            load: ctx.load(
                "paths.lua",
                vec![
                    ("BENCH_PATHS", media_file.display().to_string()),
                    ("BENCH_RANGE", RANGE_BYTES.to_string()),
                    ("BENCH_RANGE_OF", MEDIA_BYTES.to_string()),
                ],
                conns,
            ),
            sample: SampleRequest::Get {
                paths: media.clone(),
                token: None,
                headers: vec![("Range", format!("bytes=0-{}", RANGE_BYTES - 1))],
            },
            target: Target::None,
        },
        Endpoint {
            name: "leaderboard (global, all time, top 50 + own rank)",
            key: "leaderboard",
            load: ctx.load("paths.lua", with_tokens(&board_file, &tokens_file), conns),
            sample: SampleRequest::Get { paths: board.clone(), token: tokens.first().cloned(), headers: vec![] },
            target: Target::P99AtMost(20.0),
        },
        Endpoint {
            name: "participation report (county, 30 days)",
            key: "report",
            load: ctx.load("paths.lua", with_tokens(&report_file, &admin_file), settings.report_connections),
            sample: SampleRequest::Get { paths: report.clone(), token: Some(admin_token.clone()), headers: vec![] },
            target: Target::P99AtMost(500.0),
        },
        Endpoint {
            name: "login (argon2)",
            key: "login",
            load: ctx.load(
                "login.lua",
                vec![("BENCH_LEARNERS", scale.learners.to_string()), ("BENCH_PASSWORD", PASSWORD.to_owned())],
                conns,
            ),
            sample: SampleRequest::Post {
                path: "/api/v1/auth/login".into(),
                token: None,
                body: serde_json::json!({"username": "learner1", "password": PASSWORD}).to_string(),
            },
            target: Target::None,
        },
    ];

    let mut rows = Vec::new();
    let mut raw_rps = None;
    for endpoint in &endpoints {
        let sample = ctx.capture(&endpoint.sample)?;
        eprintln!(
            "  {}: sample {} {} bytes{}",
            endpoint.name,
            sample.status,
            sample.body.len(),
            if sample.ok() { String::new() } else { format!(" {}", String::from_utf8_lossy(&sample.body)) }
        );
        let (outcome, rss) = ctx.measure(&endpoint.load, &format!("{base}/"), ctx.server.pid())?;
        let ceiling = ctx.ceiling(endpoint.key, &sample, &endpoint.load)?;
        eprintln!(
            "    server {:>9} req/s p50 {:>6} ms p99 {:>6} ms errors {} | ceiling {:>9} req/s",
            thousands(outcome.rps),
            ms(outcome.p50_ms),
            ms(outcome.p99_ms),
            outcome.errors(),
            thousands(ceiling.rps)
        );
        if endpoint.key == "feed-authenticated" {
            // The raw reference right after the feed it is the reference for.
            let raw = measure_raw(&ctx, raw_db, &boundary_ids)?;
            raw_rps = raw.as_ref().and_then(|r| r.outcome.as_ref()).map(|o| o.rps);
            rows.push(row(endpoint, &outcome, sample.body.len(), &ceiling, rss, raw_rps, conns_text(&endpoint.load)));
            if let Some(raw) = raw {
                rows.push(raw);
            }
            continue;
        }
        rows.push(row(endpoint, &outcome, sample.body.len(), &ceiling, rss, raw_rps, conns_text(&endpoint.load)));
    }

    rows.push(storm(&ctx, &feed_file, scale.learners)?);

    // Ingest last: it is the one load that changes the data.
    let ingest_load = ctx.load(
        "ingest.lua",
        vec![("BENCH_TOKENS", tokens_file.display().to_string()), ("BENCH_CONTENTS", scale.contents.to_string())],
        conns,
    );
    let sample = ctx.capture(&SampleRequest::Post {
        path: "/api/v1/events".into(),
        token: tokens.first().cloned(),
        body: event_batch(&mut rng, scale.contents),
    })?;
    eprintln!("  event ingest: sample {} {}", sample.status, String::from_utf8_lossy(&sample.body));
    let (outcome, rss) = ctx.measure(&ingest_load, &format!("{base}/"), ctx.server.pid())?;
    let ceiling = ctx.ceiling("ingest", &sample, &ingest_load)?;
    let events_per_s = outcome.accepted as f64 / outcome.seconds.max(1e-9);
    let sent = outcome.requests * 50;
    eprintln!(
        "    server {:>9} req/s = {} events/s accepted ({} of {} sent) p99 {} ms | ceiling {} req/s",
        thousands(outcome.rps),
        thousands(events_per_s),
        outcome.accepted,
        sent,
        ms(outcome.p99_ms),
        thousands(ceiling.rps)
    );
    let errors = outcome.errors();
    rows.push(Row {
        endpoint: "event ingest (batches of 50)".into(),
        conns: conns_text(&ingest_load),
        bytes: Some(sample.body.len()),
        ceiling_rps: Some(ceiling.rps),
        target: format!("≥ {} events/s", thousands(events_target)),
        measured: format!(
            "{} events/s accepted ({} of {} sent)",
            thousands(events_per_s),
            thousands(outcome.accepted as f64),
            thousands(sent as f64)
        ),
        met: Some(events_per_s >= events_target && errors == 0),
        rss_kib: rss,
        outcome: Some(outcome),
    });

    let peak = rows.iter().map(|r| r.rss_kib).max().unwrap_or(0);
    let mut notes = vec![format!(
        "Load average (1, 5, 15 min) when this backend's run started: {load_before}; when it ended: {}.",
        load_average()
    )];
    if raw_rps.is_none() {
        notes.push("The raw page was not measured: no seeded SQLite file (run `seed --backend sqlite`).".to_owned());
    }
    if backend.kind == Kind::Postgres {
        notes.push(
            "Server RSS is the tongxin process only; PostgreSQL's own processes are not counted. \
             The raw reference reads the seeded SQLite file in both tables."
                .to_owned(),
        );
    }
    drop(ctx);
    let mut table = Table { title: backend.title(), rows, notes, seconds: started.elapsed().as_secs_f64() };
    table.rows.push(Row {
        endpoint: "server peak RSS over all loads".into(),
        conns: String::new(),
        outcome: None,
        bytes: None,
        ceiling_rps: None,
        target: "≤ 150 MB".into(),
        measured: format!("{:.0} MB (idle after start: {:.0} MB)", mb(peak), mb(idle_rss_kib)),
        met: Some(mb(peak) <= 150.0),
        rss_kib: peak,
    });
    Ok(table)
}

/// KiB (as /proc reports) to MB of 10^6 bytes.
pub fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

fn conns_text(load: &Load) -> String {
    format!("{}×{}", load.threads.min(load.connections), load.connections)
}

fn row(
    endpoint: &Endpoint,
    outcome: &Outcome,
    bytes: usize,
    ceiling: &Outcome,
    rss: u64,
    raw_rps: Option<f64>,
    conns: String,
) -> Row {
    let errors = outcome.errors();
    let times_ceiling = outcome.rps / ceiling.rps.max(1e-9);
    let (target, measured, met) = match endpoint.target {
        Target::None => (String::new(), format!("{times_ceiling:.2}× ceiling"), None),
        Target::TimesCeiling(min) => {
            (format!("≥ {min}× ceiling"), format!("{times_ceiling:.2}× ceiling"), Some(times_ceiling >= min))
        }
        Target::TimesRaw(min) => match raw_rps {
            Some(raw) => {
                let times = outcome.rps / raw.max(1e-9);
                (format!("≥ {min}× raw page"), format!("{times:.2}× raw page"), Some(times >= min))
            }
            None => (format!("≥ {min}× raw page"), "raw page not measured".into(), None),
        },
        Target::P99AtMost(max) => {
            (format!("p99 ≤ {max} ms"), format!("p99 {} ms", ms(outcome.p99_ms)), Some(outcome.p99_ms <= max))
        }
    };
    Row {
        endpoint: endpoint.name.into(),
        conns,
        outcome: Some(outcome.clone()),
        bytes: Some(bytes),
        ceiling_rps: Some(ceiling.rps),
        target,
        measured,
        // Errors fail a target whatever the speed.
        met: met.map(|m| m && errors == 0),
        rss_kib: rss,
    }
}

/// The raw rusqlite page, on the same cursors as the feed, when a seeded SQLite file exists.
fn measure_raw(ctx: &Context<'_>, raw_db: Option<&Path>, ids: &[i64]) -> anyhow::Result<Option<Row>> {
    let Some(db) = raw_db else { return Ok(None) };
    let paths = raw_paths(db, ids)?;
    let file = ctx.run_dir.join("raw.txt");
    write_lines(&file, &paths)?;
    let port = process::free_port()?;
    let mut command = std::process::Command::new(process::binary("tongxin-raw")?);
    command.arg("--port").arg(port.to_string()).arg("--db").arg(db);
    let raw = Running::start("tongxin-raw", command, port, "/page", &ctx.run_dir.join("raw.log"))?;
    let sample = client::get(&ctx.agent, &format!("{}{}", raw.base, paths[paths.len() / 2]), None, &[])?;
    let load = ctx.load("paths.lua", vec![("BENCH_PATHS", file.display().to_string())], ctx.settings.connections);
    let (outcome, rss) = ctx.measure(&load, &format!("{}/", raw.base), raw.pid())?;
    eprintln!(
        "    raw rusqlite page {:>9} req/s p50 {} ms p99 {} ms errors {} ({} bytes)",
        thousands(outcome.rps),
        ms(outcome.p50_ms),
        ms(outcome.p99_ms),
        outcome.errors(),
        sample.body.len()
    );
    Ok(Some(Row {
        endpoint: "raw rusqlite keyset page (reference)".into(),
        conns: conns_text(&load),
        bytes: Some(sample.body.len()),
        ceiling_rps: None,
        target: String::new(),
        measured: "reference for the authenticated feed".into(),
        met: None,
        rss_kib: rss,
        outcome: Some(outcome),
    }))
}

/// Feed load alone, then the same feed load while a second wrk hammers login.
fn storm(ctx: &Context<'_>, feed_file: &Path, learners: i64) -> anyhow::Result<Row> {
    let settings = ctx.settings;
    let base = format!("{}/", ctx.server.base);
    let feed = Load {
        threads: 1,
        ..ctx.load("paths.lua", vec![("BENCH_PATHS", feed_file.display().to_string())], settings.connections)
    };
    let login = Load {
        threads: 1,
        ..ctx.load(
            "login.lua",
            vec![("BENCH_LEARNERS", learners.to_string()), ("BENCH_PASSWORD", PASSWORD.to_owned())],
            settings.storm_connections,
        )
    };
    let (alone, _) = ctx.measure(&feed, &base, ctx.server.pid())?;
    let sampler = RssSampler::start(ctx.server.pid());
    let storm = wrk::spawn(&login, &base)?;
    let during = wrk::run(&feed, &base);
    let logins = wrk::finish(storm);
    let rss = sampler.stop();
    let (during, logins) = (during?, logins?);
    let ratio = during.p99_ms / alone.p99_ms.max(1e-9);
    eprintln!(
        "  login storm: feed p99 {} ms alone, {} ms during {} logins/s ({} errors) = {ratio:.2}×",
        ms(alone.p99_ms),
        ms(during.p99_ms),
        thousands(logins.rps),
        logins.errors()
    );
    let errors = during.errors() + logins.errors();
    Ok(Row {
        endpoint: format!("anonymous feed during a login storm ({} logins/s)", thousands(logins.rps)),
        conns: format!("1×{} + login 1×{}", feed.connections, login.connections),
        bytes: None,
        ceiling_rps: None,
        target: "feed p99 ≤ 2× alone".into(),
        measured: format!("{ratio:.2}× ({} → {} ms)", ms(alone.p99_ms), ms(during.p99_ms)),
        met: Some(ratio <= 2.0 && errors == 0),
        rss_kib: rss,
        outcome: Some(Outcome {
            non2xx: during.non2xx + logins.non2xx,
            socket_errors: during.socket_errors + logins.socket_errors,
            ..during
        }),
    })
}
