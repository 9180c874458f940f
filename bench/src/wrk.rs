//! Driving `wrk` with the Lua scripts in bench/wrk/ and reading the one line their
//! `done()` prints: `WRK_RESULT key=value ...`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context as _;

/// One load: a script, its settings (environment variables the script reads) and the
/// shape of the load.
#[derive(Debug, Clone)]
pub struct Load {
    pub script: &'static str,
    pub env: Vec<(&'static str, String)>,
    pub threads: usize,
    pub connections: usize,
    pub duration: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub requests: u64,
    pub seconds: f64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Responses with a status of 400 or more (wrk's "Non-2xx or 3xx responses").
    pub non2xx: u64,
    /// Connect, read and write errors and timeouts.
    pub socket_errors: u64,
    /// Events the server accepted (ingest only).
    pub accepted: u64,
}

impl Outcome {
    pub fn errors(&self) -> u64 {
        self.non2xx + self.socket_errors
    }
}

pub fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("wrk")
}

/// Starts wrk against `url` in the background.
pub fn spawn(load: &Load, url: &str) -> anyhow::Result<Child> {
    let dir = scripts_dir();
    let mut command = Command::new("wrk");
    command
        .arg(format!("-t{}", load.threads.min(load.connections).max(1)))
        .arg(format!("-c{}", load.connections.max(1)))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        // Slow answers are latencies to report, not errors to drop.
        .args(["--timeout", "60s", "-s"])
        .arg(dir.join(load.script))
        .arg(url)
        .env("BENCH_WRK_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in &load.env {
        command.env(key, value);
    }
    command.spawn().context("start wrk (apt-get install wrk)")
}

/// Waits for a wrk started by [`spawn`] and reads its result line.
pub fn finish(child: Child) -> anyhow::Result<Outcome> {
    let output = child.wait_with_output().context("wait for wrk")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().find_map(|l| l.strip_prefix("WRK_RESULT ")).with_context(|| {
        format!("wrk printed no WRK_RESULT line:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr))
    })?;
    parse(line)
}

pub fn run(load: &Load, url: &str) -> anyhow::Result<Outcome> {
    finish(spawn(load, url)?)
}

fn parse(line: &str) -> anyhow::Result<Outcome> {
    let fields: HashMap<&str, f64> = line
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(k, v)| v.parse().ok().map(|v| (k, v)))
        .collect();
    let get = |key: &str| fields.get(key).copied().with_context(|| format!("`{key}` missing in `{line}`"));
    let seconds = get("duration_us")? / 1e6;
    let requests = get("requests")?;
    Ok(Outcome {
        requests: requests as u64,
        seconds,
        rps: if seconds > 0.0 { requests / seconds } else { 0.0 },
        p50_ms: get("p50_us")? / 1000.0,
        p99_ms: get("p99_us")? / 1000.0,
        non2xx: get("status_errors")? as u64,
        socket_errors: (get("connect_errors")? + get("read_errors")? + get("write_errors")? + get("timeouts")?) as u64,
        accepted: fields.get("accepted").copied().unwrap_or(0.0) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_line_is_read() {
        let outcome = parse(
            "requests=1000 duration_us=2000000 p50_us=1500 p99_us=9000 status_errors=3 connect_errors=0 \
             read_errors=1 write_errors=0 timeouts=2 accepted=50",
        )
        .expect("parses");
        assert_eq!(outcome.requests, 1000);
        assert!((outcome.rps - 500.0).abs() < 1e-9);
        assert!((outcome.p99_ms - 9.0).abs() < 1e-9);
        assert_eq!(outcome.errors(), 6);
        assert_eq!(outcome.accepted, 50);
    }
}
