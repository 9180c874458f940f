//! argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane), run on a few threads
//! of its own: a login storm cannot take every core from other requests, and each hash's
//! 19 MiB block is reused by the next hash on the same thread instead of staying behind
//! in the allocator arenas of dozens of blocking-pool threads (hundreds of MB of RSS).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::Deserialize;
use tokio::sync::oneshot;

use crate::error::AppError;

/// A password from a request. `Debug` hides it so it cannot reach a log by accident.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("password hashing failed: {e}")))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows, made with the same parameters as real hashes:
/// verifying against it costs what a real verification costs, so an unknown username
/// cannot be told apart from a wrong password by timing.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("tongxin-no-such-user-Dummy-Password-0").unwrap_or_default())
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashing threads and the queue in front of them; the threads end when the last clone
/// of this is dropped.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    /// Hashes and verifications started, for tests that check a refusal cost none.
    started: Arc<AtomicU64>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..concurrency.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
                loop {
                    // The lock is held only while waiting for the next job, not while hashing.
                    let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    match job {
                        // A panicking job loses its reply (the caller gets an error), not the thread.
                        Ok(job) => drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(job))),
                        Err(mpsc::RecvError) => break,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Self { jobs, started: Arc::new(AtomicU64::new(0)) }
    }

    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let (reply, answer) = oneshot::channel();
        self.started.fetch_add(1, Ordering::Relaxed);
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(job());
            }))
            .map_err(|_| AppError::internal(anyhow::anyhow!("password hashing threads stopped")))?;
        answer.await.map_err(|_| AppError::internal(anyhow::anyhow!("password hashing job failed")))
    }

    /// How many hashes and verifications this hasher has been given so far.
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        let password = password.clone();
        self.run(move || hash_blocking(password.expose())).await?
    }

    /// Verifies against `hash`, or against the dummy hash when there is no user.
    pub async fn verify(&self, password: &Password, hash: Option<String>) -> Result<bool, AppError> {
        let password = password.clone();
        self.run(move || {
            if let Some(hash) = hash {
                verify_blocking(password.expose(), &hash)
            } else {
                verify_blocking(password.expose(), dummy_hash());
                false
            }
        })
        .await
    }
}

/// Computes the dummy hash now, so the first unknown-user login is not the slow one.
pub fn warm_up() {
    let _ = dummy_hash();
}
