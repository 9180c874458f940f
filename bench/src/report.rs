//! The tables as markdown, the machine they were measured on, and bench/RESULTS.md.

use std::fmt::Write as _;
use std::process::Command;

use crate::dataset;
use crate::process::CHANGED_SETTINGS;
use crate::seed::Seeded;
use crate::suite::{Settings, Table, mb, thousands};

pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub rustc: String,
    pub wrk: String,
    pub sqlite: String,
    pub postgres: Option<String>,
}

impl Machine {
    pub fn describe(postgres: Option<String>) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|r| r.split_whitespace().next().and_then(|kib| kib.parse::<f64>().ok()))
            .map_or_else(|| "unknown".into(), |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0));
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".into(), |k| k.trim().to_owned());
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory,
            kernel,
            rustc: first_line(Command::new(rustc).arg("-V")),
            wrk: first_line(Command::new("wrk").arg("-v")),
            sqlite: rusqlite::version().to_owned(),
            postgres,
        }
    }
}

fn first_line(command: &mut Command) -> String {
    command.output().ok().map_or_else(
        || "unknown".into(),
        |o| {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text).lines().next().unwrap_or_default().trim().to_owned()
        },
    )
}

pub fn table(table: &Table) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| endpoint | wrk threads×conns | req/s | p50 ms | p99 ms | errors | response bytes | ceiling req/s | target | measured | met? | server peak RSS MB |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|---|---|---|--:|");
    for row in &table.rows {
        let (rps, p50, p99, errors) = match &row.outcome {
            Some(o) => {
                (thousands(o.rps), format!("{:.1}", o.p50_ms), format!("{:.1}", o.p99_ms), o.errors().to_string())
            }
            None => (String::new(), String::new(), String::new(), String::new()),
        };
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {rps} | {p50} | {p99} | {errors} | {} | {} | {} | {} | {met} | {:.0} |",
            row.endpoint,
            row.conns,
            row.bytes.map(|b| b.to_string()).unwrap_or_default(),
            row.ceiling_rps.map(thousands).unwrap_or_default(),
            row.target,
            row.measured,
            mb(row.rss_kib),
        );
    }
    for note in &table.notes {
        let _ = writeln!(out, "\n{note}");
    }
    out
}

pub struct Run<'a> {
    pub command: String,
    pub machine: &'a Machine,
    pub settings: &'a Settings,
    pub seeds: Vec<(&'static str, Seeded)>,
    pub tables: &'a [Table],
    pub seconds: f64,
}

pub fn results(run: &Run<'_>) -> String {
    let m = run.machine;
    let s = run.settings;
    let mut out = String::new();
    let date = chrono::Local::now().format("%Y-%m-%d %H:%M %Z");
    let _ = writeln!(out, "# Benchmark results\n");
    let _ = writeln!(
        out,
        "Written by the benchmark suite (`bench/`, see the README's Benchmarks section) on {date}, command:\n"
    );
    let _ = writeln!(out, "```\n{}\n```\n", run.command);
    let _ = writeln!(out, "The whole command took {:.1} min.\n", run.seconds / 60.0);
    let _ = writeln!(out, "## Machine\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| CPU | {} × {} cores |", m.cpu, m.cores);
    let _ = writeln!(out, "| memory | {} |", m.memory);
    let _ = writeln!(out, "| kernel | Linux {} |", m.kernel);
    let _ = writeln!(out, "| rustc | {} |", m.rustc);
    let _ = writeln!(out, "| wrk | {} |", m.wrk);
    let _ = writeln!(out, "| SQLite | {} (bundled) |", m.sqlite);
    if let Some(pg) = &m.postgres {
        let _ = writeln!(out, "| PostgreSQL | {pg} |");
    }
    let _ = writeln!(
        out,
        "\nThe server, the database, wrk and the ceiling share these {} cores: every figure is \
         relative to this machine, which is why each endpoint is compared with a ceiling measured in the same run.\n",
        m.cores
    );
    let _ = writeln!(out, "## Data set\n");
    if let Some((_, seeded)) = run.seeds.first() {
        let sc = seeded.scale;
        let _ = writeln!(
            out,
            "{} published contents (one in {} a video playing the one {} MB media file, one in {} with an English \
             translation, 2 tags and 1–2 audiences each), {} learners in a 4-level organization tree (1 county, {} \
             townships, {} schools, {} classes), {} engagement events ({} study sessions per learner, each a view, 8 \
             progress reports and a completion on its own day between {} and {}) with their progress rows, points \
             ledger entries, daily rule totals, day/week/month/all-time point totals, learner statistics, organization \
             and content daily aggregates and activity maps, likes and favourites. All accounts share one argon2id \
             password hash. Seeded with set-based SQL, not through the API.\n",
            thousands(sc.contents as f64),
            dataset::VIDEO_EVERY,
            dataset::MEDIA_BYTES / 1024 / 1024,
            dataset::TRANSLATED_EVERY,
            thousands(sc.learners as f64),
            dataset::TOWNSHIPS,
            dataset::TOWNSHIPS * dataset::SCHOOLS_PER_TOWNSHIP,
            dataset::CLASSES,
            thousands(sc.events() as f64),
            sc.sessions,
            seeded.first_day,
            seeded.last_day,
        );
    }
    for (title, seeded) in &run.seeds {
        let _ = writeln!(out, "- {title}: seeded in {:.1} s (at {}).", seeded.seconds, seeded.at);
    }
    let _ = writeln!(out, "\n## How it is measured\n");
    let _ = writeln!(
        out,
        "- Load: `wrk -t{} -c{} -d{}s` per endpoint after a {} s warm-up and once the server is idle, with the Lua \
         scripts in `bench/wrk/` (feed pages at cursors drawn uniformly from a walk of the newest {} items, \
         random content ids, a pool of {} learner tokens, ingest batches of 50 fresh UUID events); the \
         participation report with {} connections, so its latency is \
         its service time rather than a queue. Latencies are wrk's (closed loop, not corrected for coordinated \
         omission): under saturation p99 mostly measures the queue in front of the server.",
        s.threads,
        s.connections,
        s.duration.as_secs(),
        s.warmup.as_secs(),
        thousands((s.feed_pages * 100) as f64),
        s.tokens,
        s.report_connections,
    );
    let _ = writeln!(
        out,
        "- Ceiling: `tongxin-ceiling` (actix-web, same worker count as the server) answering every request with \
         the bytes the real server returned for that endpoint (median size of up to 15 sampled responses), loaded \
         with the same script and connections."
    );
    let _ = writeln!(
        out,
        "- Raw page: `tongxin-raw` (actix-web + r2d2 + rusqlite 0.40, which links the same libsqlite3-sys 0.38 as \
         the server) serving a keyset page of 20 published contents from the seeded SQLite file behind \
         `web::block`, at the same cursors. It is the reference of the authenticated feed target, in both tables."
    );
    let _ = writeln!(
        out,
        "- Login storm: the anonymous feed with `wrk -t1 -c{}` alone, then again while a second `wrk -t1 -c{}` \
         posts logins of random learners; the ratio of the feed's p99 latencies.",
        s.connections, s.storm_connections
    );
    let _ = writeln!(
        out,
        "- Event ingest: events/s counts the events the server reported `accepted`; it runs last because it \
         changes the data."
    );
    let _ =
        writeln!(out, "- RSS: VmRSS of the server process from /proc every 50 ms during the measured run; the peak.");
    let _ = writeln!(
        out,
        "- errors: responses with status ≥ 400 plus socket errors and timeouts (60 s); any error fails a target."
    );
    let _ = writeln!(out, "\nServer settings changed from the defaults for the bench:\n");
    let _ = writeln!(out, "| setting | value | why |\n|---|---|---|");
    for (key, value, why) in CHANGED_SETTINGS {
        let _ = writeln!(out, "| `{key}` | `{value}` | {why} |");
    }
    let _ = writeln!(
        out,
        "\nEverything else is the default (workers = cores, hash concurrency = half the cores, pool of 8 connections).\n"
    );
    for table_data in run.tables {
        let _ = writeln!(out, "## {} (run took {:.1} min)\n", table_data.title, table_data.seconds / 60.0);
        out.push_str(&table(table_data));
        out.push('\n');
    }
    out
}
