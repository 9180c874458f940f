//! Tongxin's load benchmark: seeds a county-sized data set on SQLite and PostgreSQL,
//! starts the release server, drives each endpoint with wrk, compares it with an
//! actix-web ceiling serving the same bytes, and writes bench/RESULTS.md.
//!
//! ```text
//! cargo run --release -p tongxin-bench -- all                       # build, seed, run, both backends
//! cargo run --release -p tongxin-bench -- seed --backend sqlite     # seed only
//! cargo run --release -p tongxin-bench -- run --duration 5s         # reuse the seeded databases
//! ```

mod backend;
mod client;
mod dataset;
mod db;
mod process;
mod report;
mod seed;
mod suite;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::backend::{Backend, Kind};

#[derive(Subcommand, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Build the release binaries, seed fresh databases, run every load, write RESULTS.md.
    All,
    /// Build, then seed fresh databases only (they are dropped and recreated).
    Seed,
    /// Build, then run the loads against the databases `seed` left.
    Run,
}

#[derive(clap::Args, Clone)]
struct Options {
    /// Which database(s).
    #[arg(long, value_enum, default_value = "both", global = true)]
    backend: Which,
    /// Measured time per load, e.g. 10s or 1m.
    #[arg(long, default_value = "10s", value_parser = seconds, global = true)]
    duration: Duration,
    /// Unmeasured load before each measured one.
    #[arg(long, default_value = "2s", value_parser = seconds, global = true)]
    warmup: Duration,
    /// wrk connections.
    #[arg(long, default_value_t = 64, global = true)]
    connections: usize,
    /// wrk threads.
    #[arg(long, default_value_t = 2, global = true)]
    threads: usize,
    /// Connections for the participation report (latency, not throughput, is its target).
    #[arg(long, default_value_t = 2, global = true)]
    report_connections: usize,
    /// Connections of the login storm running beside the feed load.
    #[arg(long, default_value_t = 8, global = true)]
    storm_connections: usize,
    /// PostgreSQL database for the bench (dropped and recreated by `seed`).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/tongxin_bench", global = true)]
    pg_url: String,
    /// Where the SQLite file, media and run files go.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 100_000, global = true)]
    learners: i64,
    #[arg(long, default_value_t = 100_000, global = true)]
    contents: i64,
    #[arg(long, default_value_t = 5_000_000, global = true)]
    events: i64,
    /// Learners logged in for the authenticated loads.
    #[arg(long, default_value_t = 200, global = true)]
    tokens: usize,
    /// Feed pages of 100 walked for cursors (the feed load reads the newest pages × 100 items).
    #[arg(long, default_value_t = 200, global = true)]
    feed_pages: usize,
    /// Use the binaries in the target directory as they are.
    #[arg(long, global = true)]
    no_build: bool,
    /// Where the report goes (`all` and `run` only).
    #[arg(long, global = true)]
    results: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Which {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Parser)]
#[command(about = "Seed a county-sized data set, load the release server with wrk, write bench/RESULTS.md")]
struct Args {
    #[command(subcommand)]
    step: Step,
    #[command(flatten)]
    options: Options,
}

fn seconds(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.strip_suffix('m') {
        Some(n) => (n, 60),
        None => (text.strip_suffix('s').unwrap_or(text), 1),
    };
    number.parse::<u64>().map(|n| Duration::from_secs(n * unit)).map_err(|_| format!("`{text}`: use e.g. 10s or 1m"))
}

fn workspace_root() -> PathBuf {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    bench.parent().unwrap_or(bench).to_owned()
}

/// Builds the release server and this package's binaries into the target directory this
/// program runs from, one package at a time (building them together would unify their
/// features and rebuild the server differently from a plain `cargo build --release`).
fn build() -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let target = exe.parent().and_then(Path::parent).context("target directory")?.to_owned();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let packages: [&[&str]; 2] = [&["-p", "tongxin", "--bin", "tongxin"], &["-p", "tongxin-bench", "--bins"]];
    for args in packages {
        let started = Instant::now();
        let status = Command::new(&cargo)
            .args(["build", "--release", "--target-dir"])
            .arg(&target)
            .args(args)
            .current_dir(workspace_root())
            .status()
            .context("run cargo")?;
        anyhow::ensure!(status.success(), "cargo build {} failed", args.join(" "));
        eprintln!("built {} in {:.1} s", args[1], started.elapsed().as_secs_f64());
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let Args { step, options } = Args::parse();
    let data_dir = options.data_dir.clone().unwrap_or_else(|| workspace_root().join("bench").join("data"));
    let kinds: Vec<Kind> = match options.backend {
        Which::Sqlite => vec![Kind::Sqlite],
        Which::Postgres => vec![Kind::Postgres],
        Which::Both => vec![Kind::Sqlite, Kind::Postgres],
    };
    let backends: Vec<Backend> = kinds.iter().map(|k| Backend::new(*k, &data_dir, &options.pg_url)).collect();
    if !options.no_build {
        build()?;
    }
    let scale = dataset::Scale::new(options.learners, options.contents, options.events)?;
    let mut seeds = Vec::new();
    for backend in &backends {
        let seeded = if step == Step::Run { backend.seeded()? } else { backend.seed(scale)? };
        seeds.push((backend.title(), seeded));
    }
    if step == Step::Seed {
        return Ok(());
    }

    let settings = suite::Settings {
        duration: options.duration,
        warmup: options.warmup,
        threads: options.threads,
        connections: options.connections,
        report_connections: options.report_connections,
        storm_connections: options.storm_connections,
        tokens: options.tokens,
        feed_pages: options.feed_pages,
    };
    // The raw reference reads the SQLite data set, whichever backend is measured.
    let sqlite = Backend::new(Kind::Sqlite, &data_dir, &options.pg_url);
    let raw_db = sqlite.seeded().ok().map(|_| sqlite.sqlite_file());
    let mut tables = Vec::new();
    for (backend, (_, seeded)) in backends.iter().zip(&seeds) {
        let table = suite::run(backend, seeded, &settings, raw_db.as_deref())?;
        println!("\n## {}\n\n{}", table.title, report::table(&table));
        tables.push(table);
    }
    let postgres = backends.iter().find(|b| b.kind == Kind::Postgres).map(Backend::version).transpose()?;
    let machine = report::Machine::describe(postgres);
    let command =
        format!("cargo run --release -p tongxin-bench -- {}", std::env::args().skip(1).collect::<Vec<_>>().join(" "));
    let results = report::results(&report::Run {
        command,
        machine: &machine,
        settings: &settings,
        seeds,
        tables: &tables,
        seconds: started.elapsed().as_secs_f64(),
    });
    let path = options.results.clone().unwrap_or_else(|| workspace_root().join("bench").join("RESULTS.md"));
    std::fs::write(&path, results).with_context(|| format!("write {}", path.display()))?;
    eprintln!("wrote {} ({:.1} min in all)", path.display(), started.elapsed().as_secs_f64() / 60.0);
    Ok(())
}
