//! The store: every byte of SQL in drydock lives here (STYLE §(c)12).
//!
//! [`Store`] is a cheap, cloneable handle over a connection pool for one of two backends:
//! - **SQLite** (`sqlite://PATH`, the default): one file, created and migrated at connect, in WAL mode with
//!   `synchronous=FULL`, so a delivery we acknowledged with a 202 is on disk before the answer goes out and
//!   survives a crash or power loss (`NORMAL` in WAL mode may lose the last commits on power loss).
//! - **PostgreSQL** (`postgres://…` or `postgresql://…`): for several processes sharing one queue.
//!
//! The pool is an enum of typed pools rather than `sqlx::AnyPool`: the typed pools let us set SQLite's
//! pragmas and `BEGIN IMMEDIATE`, and avoid Any's type limits. Most statements are the same text on both
//! backends (`$1` placeholders, `ON CONFLICT`, `RETURNING`, `FILTER`), so each method is written once and the
//! private `on_backend!` macro expands it for both pool types. Where the dialects differ (claiming a job),
//! the method holds two statements side by side.
//!
//! Conventions: times are integer unix **milliseconds** ([`Timestamp`]), JSON is TEXT, and every call that
//! reads or writes a time takes `now` from the caller, so tests control the clock. Payloads are stored,
//! never logged.
//!
//! The parts: [`deliveries`] (webhook deduplication and ignored-event counters), [`jobs`] (the durable queue),
//! [`write_slots`] (per-installation serialisation of GitHub writes), [`installations`] and [`config_cache`]
//! (the App's `.github/drydock.yml` per repository), [`app_credentials`] (what setup mode stored),
//! [`status`] (the status page's reads) and [`digest`] (digest-update PRs and their closed-PR memory).

use std::fmt;
use std::ops::Add;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

/// Runs `$body` with `$pool` bound to the typed pool of whichever backend `$store` uses. The body is
/// compiled once per backend, so it must be valid for both `SqlitePool` and `PgPool`.
macro_rules! on_backend {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}

pub mod app_credentials;
pub mod config_cache;
pub mod deliveries;
pub mod digest;
pub mod installations;
pub mod jobs;
pub mod status;
pub mod write_slots;

pub use app_credentials::StoredAppCredentials;
pub use config_cache::CachedConfig;
pub use deliveries::{DeliverySummary, IgnoredCount, NewDelivery, Pruned, Recorded};
pub use digest::DigestRepo;
pub use installations::{DeletedInstallation, Installation, InstallationInfo, Repository};
pub use jobs::{ClaimedJob, JobId, JobRecord, JobState, NewJob, QueueStats, backoff, retry_delay};
pub use status::{DeliveryOutcome, DigestPrSummary};
pub use write_slots::{SlotAttempt, WriteSlot};

/// How long SQLite waits for another connection's write lock before failing a statement.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Pool size for SQLite: readers run in parallel in WAL mode, writers take turns.
const SQLITE_MAX_CONNECTIONS: u32 = 8;
/// Pool size for PostgreSQL, per process.
const POSTGRES_MAX_CONNECTIONS: u32 = 10;
/// How long a caller waits for a pooled connection before the call fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A handle to the database: cheap to clone (the pool is reference-counted), safe to share across tasks.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

/// The typed pool behind a [`Store`].
#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend's display name, for logs and error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything that can go wrong in the store. Messages never contain payloads or credentials.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL scheme `{scheme}`: use `sqlite://PATH` or `postgres://USER@HOST/DATABASE`")]
    UnsupportedUrl {
        /// The scheme found in the URL (empty when there was none).
        scheme: String,
    },
    /// The database could not be opened or reached.
    #[error("cannot open the {backend} database: check the database URL and that the server or file is reachable")]
    Connect {
        /// The backend we tried.
        backend: Backend,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The embedded migrations could not be applied.
    #[error("cannot apply the {backend} migrations: check that the database belongs to this drydock version")]
    Migrate {
        /// The backend we migrated.
        backend: Backend,
        /// The migrator's error.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A statement failed.
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
    /// The worker no longer holds the job's lease, so it may not finish it.
    #[error(
        "job {job} is not leased to worker `{worker}`: its lease expired and another worker claimed it, \
         or the job was removed; drop the result"
    )]
    NotLeaseHolder {
        /// The job.
        job: JobId,
        /// The worker that asked.
        worker: String,
    },
    /// The holder no longer holds the installation's write slot.
    #[error(
        "write slot of installation {installation_id} is not held by `{holder}`: its hold expired; \
         hold it for longer than one request takes"
    )]
    NotSlotHolder {
        /// The installation.
        installation_id: i64,
        /// The holder that asked.
        holder: String,
    },
    /// Repositories were given for an installation the store does not know.
    #[error("installation {0} is not recorded: record it with `upsert_installation` first")]
    UnknownInstallation(i64),
    /// A stored row does not decode (hand-edited database, or a bug).
    #[error("stored {what} is invalid: {detail}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

impl Store {
    /// Opens (and for SQLite creates) the database at `url` and applies the backend's migrations.
    ///
    /// `url` is `sqlite://PATH` (or `sqlite:PATH`) or `postgres://…` / `postgresql://…`. Reconnecting to a
    /// migrated database applies nothing new.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        let pool = match scheme {
            "sqlite" => Pool::Sqlite(connect_sqlite_retrying(url).await?),
            "postgres" | "postgresql" => Pool::Postgres(connect_postgres(url).await?),
            other => return Err(StoreError::UnsupportedUrl { scheme: other.to_owned() }),
        };
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a trivial query: `Ok` when the database answers (for readiness checks).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_backend!(self, pool => sqlx::query("SELECT 1").execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Closes every pooled connection; later calls on any clone fail.
    pub async fn close(&self) {
        on_backend!(self, pool => pool.close().await);
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let backend = self.backend();
        let result = match &self.pool {
            Pool::Sqlite(pool) => migrate_sqlite(pool).await,
            // sqlx takes an advisory lock on PostgreSQL, so concurrent starts wait for each other.
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        };
        result.map_err(|source| StoreError::Migrate { backend, source })
    }
}

/// SQLite has no advisory lock, so two processes starting on one fresh file can both try to apply a
/// migration; the loser's transaction fails (`table … already exists`) and rolls back. Trying again
/// then finds the winner's migrations applied (their checksums are compared) and goes on.
async fn migrate_sqlite(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut attempt = 0u32;
    loop {
        match sqlx::migrate!("migrations/sqlite").run(pool).await {
            Err(sqlx::migrate::MigrateError::Execute(_) | sqlx::migrate::MigrateError::ExecuteMigration(..))
                if attempt < 5 =>
            {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            other => return other,
        }
    }
}

/// [`connect_sqlite`], again after a pause when another process holds the file's lock at the moment
/// the first connection switches it to WAL (replicas starting together on a fresh file): that switch
/// answers `SQLITE_BUSY` at once instead of waiting out the busy timeout.
async fn connect_sqlite_retrying(url: &str) -> Result<SqlitePool, StoreError> {
    let mut attempt = 0u64;
    loop {
        match connect_sqlite(url).await {
            Err(StoreError::Connect { source: sqlx::Error::Database(e), .. })
                if attempt < 10 && matches!(e.code().as_deref(), Some("5" | "6")) =>
            {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
            }
            other => return other,
        }
    }
}

async fn connect_sqlite(url: &str) -> Result<SqlitePool, StoreError> {
    let connect_error = |source| StoreError::Connect { backend: Backend::Sqlite, source };
    let options = SqliteConnectOptions::from_str(url)
        .map_err(connect_error)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true);
    SqlitePoolOptions::new()
        .max_connections(SQLITE_MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(connect_error)
}

async fn connect_postgres(url: &str) -> Result<PgPool, StoreError> {
    PgPoolOptions::new()
        .max_connections(POSTGRES_MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url)
        .await
        .map_err(|source| StoreError::Connect { backend: Backend::Postgres, source })
}

/// Opens a transaction that will write. On SQLite this is `BEGIN IMMEDIATE`: a deferred transaction
/// that reads first and writes later fails with `SQLITE_BUSY` (no waiting) when another connection
/// wrote in between, while `IMMEDIATE` takes the write lock up front and honours the busy timeout.
trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// A point in time as unix milliseconds, the unit every time column uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The current wall-clock time (the epoch if the clock is set before 1970).
    pub fn now() -> Self {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Self(duration_millis(since))
    }

    /// The time `ms` milliseconds after the unix epoch.
    pub const fn from_unix_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// How long after `earlier` this is; zero when it is not later.
    pub fn since(self, earlier: Self) -> Duration {
        u64::try_from(self.0.saturating_sub(earlier.0)).map_or(Duration::ZERO, Duration::from_millis)
    }
}

impl Add<Duration> for Timestamp {
    type Output = Self;
    /// Saturates at the far future instead of overflowing.
    fn add(self, rhs: Duration) -> Self {
        Self(self.0.saturating_add(duration_millis(rhs)))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// A duration in whole milliseconds, saturating at `i64::MAX`.
fn duration_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Reads a non-negative counter from a row.
fn to_u32(value: i64, what: &'static str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt { what, detail: format!("{value} is out of range") })
}

/// Reads a non-negative count from a row.
fn to_u64(value: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt { what, detail: format!("{value} is negative") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_arithmetic_saturates() {
        let t = Timestamp::from_unix_millis(1_000);
        assert_eq!((t + Duration::from_millis(2_500)).unix_millis(), 3_500);
        assert_eq!((t + Duration::MAX).unix_millis(), i64::MAX);
        assert_eq!(Timestamp::from_unix_millis(3_500).since(t), Duration::from_millis(2_500));
        assert_eq!(t.since(Timestamp::from_unix_millis(3_500)), Duration::ZERO);
    }

    #[test]
    fn now_is_after_2020() {
        assert!(Timestamp::now().unix_millis() > 1_577_836_800_000);
    }

    #[tokio::test]
    async fn sqlite_is_created_durable_and_strict() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let store = Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        assert!(path.is_file(), "connect creates the file");
        let Pool::Sqlite(pool) = &store.pool else { panic!("a SQLite pool") };
        let text = |name: &'static str| async move {
            let (value,): (String,) =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("PRAGMA {name}"))).fetch_one(pool).await.unwrap();
            value
        };
        let int = |name: &'static str| async move {
            let (value,): (i64,) =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("PRAGMA {name}"))).fetch_one(pool).await.unwrap();
            value
        };
        assert_eq!(text("journal_mode").await, "wal");
        assert_eq!(int("synchronous").await, 2, "FULL: an acknowledged delivery survives power loss");
        assert_eq!(int("foreign_keys").await, 1);
        assert_eq!(int("busy_timeout").await, 5000);
    }

    #[tokio::test]
    async fn unsupported_scheme_is_refused_with_advice() {
        let err = Store::connect("mysql://localhost/db").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported database URL scheme `mysql`: use `sqlite://PATH` or `postgres://USER@HOST/DATABASE`"
        );
        let err = Store::connect("drydock.db").await.unwrap_err();
        assert!(matches!(err, StoreError::UnsupportedUrl { scheme } if scheme.is_empty()));
    }
}
