//! Group commit for event batches: one writer per process.
//!
//! Phones send their events in batches, many at once. Each batch waits in a queue; a
//! batch that finds fewer writers running than allowed starts one, and a writer takes
//! everything queued into one transaction (up to `MAX_GROUP` batches), then the next
//! group, until the queue is empty. SQLite has one writer per process (it allows one
//! write transaction at a time anyway); PostgreSQL has up to half the pool, since its
//! statements are round trips that other transactions can use the time of. A group pays for one BEGIN and one COMMIT (and on SQLite one turn at the
//! single write lock) instead of one per batch, and the counters every learner shares
//! (content views and shares, content days) are written once per content for the whole
//! group, in content order.
//!
//! Each batch runs under its own savepoint: a batch that fails (an account erased
//! meanwhile, a deadlock on PostgreSQL) is rolled back alone and the others commit. A
//! batch whose failure came from the database is tried once more in a transaction of its
//! own after the group, and if the group itself cannot commit every batch is tried
//! alone: a batch is never lost because of its neighbours. No reply goes out before the
//! commit, so every acknowledged event is on disk.

use std::sync::{Arc, Mutex, PoisonError};

use diesel::connection::SimpleConnection as _;
use tokio::sync::oneshot;

use crate::db::{Db, DbConn, write_tx};
use crate::domain::engagement::{self, Batch, Outcome, SharedCounts};
use crate::error::AppError;

/// Batches per transaction at most: bounds how long one commit keeps the others waiting.
const MAX_GROUP: usize = 64;

type Reply = oneshot::Sender<Result<Outcome, AppError>>;

#[derive(Default)]
struct Queue {
    waiting: Vec<(Batch, Reply)>,
    /// Writer tasks running; each looks at the queue again before it stops.
    writers: usize,
}

/// The queue and its writer; one per process (in `AppState`).
pub struct GroupCommit {
    db: Db,
    max_writers: usize,
    queue: Mutex<Queue>,
}

impl GroupCommit {
    pub fn new(db: Db, max_writers: usize) -> Arc<Self> {
        Arc::new(Self { db, max_writers: max_writers.max(1), queue: Mutex::new(Queue::default()) })
    }

    /// Queues a checked batch and waits until it is committed (or refused).
    pub async fn submit(self: &Arc<Self>, batch: Batch) -> Result<Outcome, AppError> {
        let (reply, answer) = oneshot::channel();
        let start_writer = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.waiting.push((batch, reply));
            let start = queue.writers < self.max_writers;
            queue.writers += usize::from(start);
            start
        };
        if start_writer {
            tokio::spawn(Arc::clone(self).write_until_empty());
        }
        answer.await.map_err(|_| AppError::internal(anyhow::anyhow!("the event writer stopped")))?
    }

    /// A writer: one group after another until nothing waits. It leaves the count under
    /// the same lock that finds the queue empty, so a batch queued meanwhile either is
    /// seen here or starts a new writer.
    async fn write_until_empty(self: Arc<Self>) {
        loop {
            let group: Vec<(Batch, Reply)> = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if queue.waiting.is_empty() {
                    queue.writers -= 1;
                    return;
                }
                let n = queue.waiting.len().min(MAX_GROUP);
                queue.waiting.drain(..n).collect()
            };
            metrics::histogram!("ingest_group_batches").record(group.len() as f64);
            let (batches, replies): (Vec<Batch>, Vec<Reply>) = group.into_iter().unzip();
            let results = match self.db.run(move |conn| Ok(write_group(conn, batches))).await {
                Ok(results) => results,
                // No connection (or the task failed): every batch gets the same answer.
                Err(err) => replies.iter().map(|_| Err(copy_of(&err))).collect(),
            };
            for (reply, result) in replies.into_iter().zip(results) {
                // The client may have gone; its batch is committed all the same.
                let _ = reply.send(result);
            }
        }
    }
}

/// Writes a group in one transaction (the writer's step; public for tests); returns each
/// batch's result in the given order.
pub fn write_group(conn: &mut DbConn, batches: Vec<Batch>) -> Vec<Result<Outcome, AppError>> {
    // By organization, then learner, each learner's batches in arrival order: concurrent
    // groups (several writers, or processes on one PostgreSQL) then lock the learners'
    // rows and their organizations' day rows in the same order.
    let mut order: Vec<usize> = (0..batches.len()).collect();
    order.sort_by_key(|&i| (batches[i].who.org_id, batches[i].who.user_id));
    let mut results: Vec<Option<Result<Outcome, AppError>>> = batches.iter().map(|_| None).collect();
    let mut retry_alone = Vec::new();
    let grouped = write_tx(conn, |conn| -> Result<(), AppError> {
        let mut shared = SharedCounts::default();
        for &i in &order {
            conn.batch_execute("SAVEPOINT batch")?;
            let mut own = SharedCounts::default();
            match engagement::write(conn, &batches[i], &mut own) {
                Ok(outcome) => {
                    conn.batch_execute("RELEASE SAVEPOINT batch")?;
                    shared.merge(own);
                    results[i] = Some(Ok(outcome));
                }
                Err(err) => {
                    conn.batch_execute("ROLLBACK TO SAVEPOINT batch; RELEASE SAVEPOINT batch")?;
                    match err {
                        AppError::Internal(_) => retry_alone.push(i),
                        refused => results[i] = Some(Err(refused)),
                    }
                }
            }
        }
        shared.apply(conn)
    });
    if let Err(err) = grouped {
        tracing::warn!(error = %err, batches = batches.len(), "event group failed; writing its batches one by one");
        retry_alone = order;
    }
    for i in retry_alone {
        results[i] = Some(write_tx(conn, |conn| {
            let mut shared = SharedCounts::default();
            let outcome = engagement::write(conn, &batches[i], &mut shared)?;
            shared.apply(conn)?;
            Ok(outcome)
        }));
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(AppError::internal(anyhow::anyhow!("batch not written")))))
        .collect()
}

/// The same failure for every batch of a group that never reached the database.
fn copy_of(err: &AppError) -> AppError {
    match err {
        AppError::Unavailable { retry_after_s } => AppError::Unavailable { retry_after_s: *retry_after_s },
        other => AppError::internal(anyhow::anyhow!("event group not written: {other}")),
    }
}
