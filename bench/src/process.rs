//! The processes the bench starts: the release `tongxin` server, the ceiling and the raw
//! reference. Each is stopped (SIGTERM, then SIGKILL) when dropped, and its memory can be
//! sampled from /proc while a load runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// Where the binaries are: next to this one (all in `target/release`).
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("current executable")?;
    let path = exe.parent().context("executable directory")?.join(name);
    anyhow::ensure!(path.exists(), "{} not found: build it first (or drop --no-build)", path.display());
    Ok(path)
}

/// A port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The settings every `tongxin` command of the bench gets; nothing from the caller's
/// environment leaks in (a stray `TONGXIN_*` would change what is measured).
pub fn tongxin(database_url: &str, data_dir: &Path) -> anyhow::Result<Command> {
    let mut command = Command::new(binary("tongxin")?);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("TONGXIN_DATA_DIR", data_dir)
        .env("TONGXIN_MEDIA_URL", format!("file://{}", data_dir.join("media").display()))
        .env("TONGXIN_JWT_SECRET", "tongxin-bench-secret-tongxin-bench-secret-0123")
        .env("TONGXIN_TIMEZONE", crate::dataset::TIMEZONE.name())
        .env("TONGXIN_LOG", "warn")
        // Raised for the bench (see RESULTS.md): login storms come from one address, and
        // tokens must outlive a long run.
        .env("TONGXIN_AUTH_RATE_PER_MIN", "0")
        .env("TONGXIN_ACCESS_TOKEN_TTL_S", "86400");
    Ok(command)
}

/// The settings the bench changes from the defaults, for RESULTS.md.
pub const CHANGED_SETTINGS: &[(&str, &str, &str)] = &[
    ("TONGXIN_AUTH_RATE_PER_MIN", "0", "the login limit is off: the login storm comes from one address"),
    ("TONGXIN_ACCESS_TOKEN_TTL_S", "86400", "learner tokens taken at the start outlive the run"),
    ("TONGXIN_LOG", "warn", "no per-request log lines"),
];

pub struct Running {
    pub child: Child,
    pub base: String,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts `command` listening on `port` and waits until `ready_path` answers 2xx.
    pub fn start(name: &str, mut command: Command, port: u16, ready_path: &str, log: &Path) -> anyhow::Result<Self> {
        let log_file = std::fs::File::create(log).with_context(|| format!("create {}", log.display()))?;
        let child = command
            .stdout(Stdio::from(log_file.try_clone()?))
            .stderr(Stdio::from(log_file))
            .spawn()
            .with_context(|| format!("start {name}"))?;
        let mut running = Running { child, base: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        let agent = crate::client::agent();
        while started.elapsed() < Duration::from_mins(2) {
            if let Some(status) = running.child.try_wait()? {
                anyhow::bail!("{name} exited with {status}; see {}", log.display());
            }
            if agent.get(format!("{}{ready_path}", running.base)).call().is_ok_and(|r| r.status().is_success()) {
                return Ok(running);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        running.stop();
        anyhow::bail!("{name} was not ready after 120 s; see {}", log.display())
    }

    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SIGTERM first so the server shuts down as it would in production.
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }

    /// Resident memory now, in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.pid())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next().and_then(|kib| kib.parse().ok()))
}

/// CPU time the process has used so far, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Waits (at most a minute) until the process has stopped using CPU, so requests a
/// finished load left queued (slow logins, ingest batches) do not run into the next one.
pub fn wait_idle(pid: u32) {
    let deadline = Instant::now() + Duration::from_mins(1);
    let mut last = cpu_ticks(pid);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(300));
        let now = cpu_ticks(pid);
        // A tick is 10 ms: under 2 ticks in 300 ms is an idle server.
        if let (Some(a), Some(b)) = (last, now)
            && b.saturating_sub(a) < 2
        {
            return;
        }
        last = now;
    }
}

/// Samples a process's VmRSS every 50 ms until stopped; `stop` returns the peak (KiB).
pub struct RssSampler {
    running: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<u64>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let running = Arc::new(AtomicBool::new(true));
        let flag = running.clone();
        let handle = std::thread::spawn(move || {
            let mut peak = rss_kib(pid).unwrap_or(0);
            while flag.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak.max(rss_kib(pid).unwrap_or(0))
        });
        Self { running, handle }
    }

    pub fn stop(self) -> u64 {
        self.running.store(false, Ordering::Relaxed);
        self.handle.join().unwrap_or(0)
    }
}
