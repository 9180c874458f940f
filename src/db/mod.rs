//! Persistence: one connection type over SQLite and PostgreSQL, the pool, migrations and
//! the helpers every query goes through. Dialect differences live in this folder only.

pub mod changes;
pub mod models;
pub mod schema;
pub mod search;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError, ExpressionMethods as _, RunQueryDsl as _};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::{Config, DatabaseUrl};
use crate::error::AppError;

/// A connection to whichever database `DATABASE_URL` names. Query code is written once
/// against this type; Diesel dispatches each query to the right backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// The backend type queries are built for (dispatching to SQLite or PostgreSQL).
pub type Backend = <DbConn as Connection>::Backend;

/// Runs the same Diesel statement on whichever backend `conn` is. For the few statements
/// that do not compile through the multi-backend type (`ON CONFLICT`, multi-row inserts).
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}
pub(crate) use per_backend;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

impl DbConn {
    pub fn migrations(&self) -> EmbeddedMigrations {
        match self {
            Self::Sqlite(_) => SQLITE_MIGRATIONS,
            Self::Pg(_) => POSTGRES_MIGRATIONS,
        }
    }
}

/// Opens connections for the pool. The backend is chosen from the URL scheme here rather
/// than by `DbConn::establish`, which tries each backend in turn and loses libpq's error.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    busy_timeout_ms: u64,
    statement_timeout_ms: u64,
    /// SQLite: the size cap (`TONGXIN_SQLITE_MAX_MB`), applied to every connection.
    sqlite_max_bytes: Option<u64>,
}

impl ConnectionManager {
    pub fn new(config: &Config) -> Self {
        Self {
            url: config.database.clone(),
            busy_timeout_ms: 5_000,
            statement_timeout_ms: config.db_statement_timeout.as_millis() as u64,
            sqlite_max_bytes: config.sqlite_max_bytes,
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        let conn = match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    r2d2::Error::ConnectionError(ConnectionError::InvalidConnectionUrl("non UTF-8 path".into()))
                })?;
                let mut conn = SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // Per connection: wait for a writer instead of failing, and enforce foreign
                // keys. Savepoint journals (one per event batch of a group commit) stay in
                // memory. Checkpoints every 10,000 WAL pages rather than 1,000: the hot pages
                // (counters, index roots) that every commit rewrites are copied back to the
                // database once per checkpoint, so fewer checkpoints copy far fewer pages.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
                     PRAGMA wal_autocheckpoint = 10000;",
                    self.busy_timeout_ms
                ))
                .map_err(r2d2::Error::QueryError)?;
                if let Some(bytes) = self.sqlite_max_bytes {
                    cap_size(&mut conn, bytes).map_err(r2d2::Error::QueryError)?;
                }
                DbConn::Sqlite(conn)
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "SET statement_timeout = {}; SET TIME ZONE 'UTC';",
                    self.statement_timeout_ms
                ))
                .map_err(r2d2::Error::QueryError)?;
                DbConn::Pg(conn)
            }
        };
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || <DbConn as R2D2Connection>::is_broken(conn)
    }
}

#[derive(diesel::QueryableByName)]
struct PageSize {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    page_size: i64,
}

/// A size cap is a per-connection setting in SQLite (`max_page_count`, in pages): a write
/// that would grow the file past it fails with SQLITE_FULL, as on a full disk.
fn cap_size(conn: &mut SqliteConnection, bytes: u64) -> diesel::QueryResult<()> {
    let page: PageSize = diesel::sql_query("PRAGMA page_size").get_result(conn)?;
    let pages = bytes / u64::try_from(page.page_size.max(512)).unwrap_or(4096);
    conn.batch_execute(&format!("PRAGMA max_page_count = {};", pages.max(1)))
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// The pool and the one way to use it from async code.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// This process's mark on the change log (random; its own rows need no reading).
    origin: i64,
    /// Hears about changes this process wrote (the public cache), once written.
    listener: Arc<OnceLock<Arc<dyn changes::Listener>>>,
    /// SQLite: this process's writers take turns here rather than in SQLite's busy
    /// handler, which sleeps for milliseconds between retries (see `write_tx`).
    writer: Option<Arc<Mutex<()>>>,
    /// A query failed for want of storage (full disk or size cap, I/O errors): the
    /// database is not ready until a write succeeds again (see `probe_storage`).
    storage_fault: Arc<AtomicBool>,
}

thread_local! {
    /// The writer turn of the `Db` whose closure runs on this thread (set by `Db::run`).
    static WRITER: std::cell::RefCell<Option<Arc<Mutex<()>>>> = const { std::cell::RefCell::new(None) };
}

impl Db {
    /// Builds the pool, applies the once-per-database SQLite settings, and opens one
    /// connection to prove the database is reachable.
    pub fn connect(config: &Config) -> anyhow::Result<Self> {
        let manager = ConnectionManager::new(config);
        if let DatabaseUrl::Sqlite(_) = config.database {
            // WAL lets readers run beside the writer; NORMAL is durable across a process
            // crash in WAL mode. Both persist in the file, so once at start is enough.
            let mut conn = manager.connect()?;
            conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
            optimize(&mut conn)?;
        }
        // A connection to a local file does not go stale: no test query on every checkout
        // (PostgreSQL connections keep theirs, a server restart would break them).
        let sqlite = matches!(config.database, DatabaseUrl::Sqlite(_));
        let pool = r2d2::Pool::builder()
            .test_on_check_out(!sqlite)
            .max_size(config.db_pool_size)
            .min_idle(Some(0))
            .connection_timeout(config.db_pool_timeout)
            .idle_timeout(Some(Duration::from_mins(5)))
            .build_unchecked(manager);
        // Fail now, with the driver's own message, rather than at the first request.
        pool.get_timeout(Duration::from_secs(10).max(config.db_pool_timeout))?;
        // Never 0, which marks rows written outside a server (the CLI, the demo loader).
        let origin = rand::random_range(1..i64::MAX);
        let writer = matches!(config.database, DatabaseUrl::Sqlite(_)).then(|| Arc::new(Mutex::new(())));
        Ok(Self {
            pool,
            origin,
            listener: Arc::new(OnceLock::new()),
            writer,
            storage_fault: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The id this process writes into the change log.
    pub fn origin(&self) -> i64 {
        self.origin
    }

    /// Sets who hears about this process's changes (once; later calls are ignored).
    pub fn set_listener(&self, listener: Arc<dyn changes::Listener>) {
        let _ = self.listener.set(listener);
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs `f` with a pooled connection on the blocking thread pool, so no Diesel call,
    /// checkout included, ever blocks an async worker. An exhausted pool becomes 503.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, origin, listener, writer, storage_fault) =
            (self.pool.clone(), self.origin, self.listener.clone(), self.writer.clone(), self.storage_fault.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| {
                tracing::warn!(error = %e, "database pool exhausted or database unreachable");
                AppError::Unavailable { retry_after_s: 1 }
            })?;
            changes::begin(origin);
            WRITER.set(writer);
            crate::error::take_storage_fault_seen();
            let result = f(&mut conn);
            WRITER.set(None);
            // Any storage fault inside, even one a caller turned into a per-item answer
            // (the event batches of a group commit), makes the database not ready.
            if crate::error::take_storage_fault_seen() && !storage_fault.swap(true, Ordering::Relaxed) {
                tracing::error!("the database cannot store data (disk or size cap full, or I/O errors): not ready");
            }
            // After the closure, so after its transaction committed (or rolled back).
            let changed = changes::finish();
            if let (false, Some(listener)) = (changed.is_empty(), listener.get()) {
                listener.changed(&changed);
            }
            result
        })
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Whether a storage fault was seen and no probe has written since.
    pub fn storage_fault(&self) -> bool {
        self.storage_fault.load(Ordering::Relaxed)
    }

    /// Writes a page-sized row and removes it again, committed, to learn whether the
    /// database can store data (a full disk or size cap, or failing I/O, refuses it);
    /// clears the fault when it can.
    pub async fn probe_storage(&self) -> Result<(), AppError> {
        let flag = self.storage_fault.clone();
        self.run(move |conn| {
            write_tx(conn, |conn| -> Result<(), AppError> {
                use schema::storage_probe;
                diesel::delete(storage_probe::table).execute(conn)?;
                diesel::insert_into(storage_probe::table)
                    .values((storage_probe::id.eq(1), storage_probe::filler.eq("x".repeat(8192))))
                    .execute(conn)?;
                diesel::delete(storage_probe::table).execute(conn)?;
                Ok(())
            })?;
            if flag.swap(false, Ordering::Relaxed) {
                tracing::info!("the database stores data again: ready");
            }
            Ok(())
        })
        .await
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get()?;
        migrate(&mut conn)
    }
}

/// Key of the PostgreSQL advisory lock held while migrating ("tongxin" in ASCII).
const MIGRATION_LOCK: i64 = 0x0074_6f6e_6778_696e;

/// Applies pending migrations, one process at a time: instances started together on
/// one database would otherwise all see the same migrations pending and all but the
/// first would fail applying them. The others wait, then find nothing left to do.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<usize> {
    let run = |conn: &mut DbConn| -> anyhow::Result<usize> {
        let migrations = conn.migrations();
        let applied =
            conn.run_pending_migrations(migrations).map_err(|e| anyhow::anyhow!("migration failed: {e}"))?.len();
        // Data a migration cannot compute in SQL, under the same lock.
        let skeletons = models::users::backfill_skeletons(conn)
            .map_err(|e| anyhow::anyhow!("computing username skeletons failed: {e}"))?;
        if skeletons > 0 {
            tracing::info!(accounts = skeletons, "computed the username skeletons of existing accounts");
        }
        Ok(applied)
    };
    match conn {
        // One writer at a time; each migration runs in a savepoint of this transaction.
        DbConn::Sqlite(_) => write_tx(conn, run),
        // A session lock, released by the unlock or, if the process dies, with its connection.
        DbConn::Pg(_) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(conn)?;
            let applied = run(conn);
            let unlocked = diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(conn);
            let applied = applied?;
            unlocked?;
            Ok(applied)
        }
    }
}

/// Runs `f` in a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: a deferred
/// transaction that later upgrades to a write skips the busy handler and fails with
/// "database is locked" under concurrency.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // One writer at a time per process, waiting on a mutex: SQLite allows only one
    // anyway, and its busy handler would otherwise sleep 1-100 ms per retry under load.
    // (Writes from other processes on the same file still meet the busy timeout.)
    let turn = WRITER.with_borrow(Clone::clone);
    let _turn = turn.as_ref().map(|m| m.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    match conn {
        DbConn::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?,
        DbConn::Pg(_) => <DbConn as Connection>::TransactionManager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            // The caller's error matters more than a failed rollback, which also marks
            // the connection broken so the pool discards it.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(err)
        }
    }
}

/// True when the error is a unique-constraint violation (same on both backends).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(err, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}

/// Keeps SQLite's planner statistics current (`PRAGMA optimize`, bounded work; run at
/// start and hourly). Without statistics SQLite guesses that `status = ?` matches a few
/// rows and drives the popular feed and the learner's own lists from the wrong index;
/// `tests/query_plans.rs` shows the plans. PostgreSQL's autovacuum does this itself.
pub fn optimize(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        // 0x10002: look at every table, not only those this connection used.
        DbConn::Sqlite(inner) => inner.batch_execute("PRAGMA optimize = 0x10002;"),
        DbConn::Pg(_) => Ok(()),
    }
}

/// A trivial round trip, for readiness checks.
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    R2D2Connection::ping(conn)
}
