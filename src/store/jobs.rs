//! The durable job queue: one `jobs` table, claimed with a lease.
//!
//! Why our own table and not apalis (`dependencies.md` §5): the two semantics a GitHub App needs are
//! awkward in a generic queue and a few lines here. *Coalescing*: three pushes to one PR within seconds
//! should lint only the newest head, so enqueueing with a `coalesce_key` supersedes the queued older job
//! (a partial unique index keeps at most one queued job per key, and a key's next job waits while one
//! runs). *Per-installation write serialisation* ([`super::write_slots`]) shares the same database and
//! transactions. And apalis-sqlite's `setup()` sets `PRAGMA synchronous = OFF`, which breaks our promise
//! that an acknowledged delivery survives a crash.
//!
//! Life of a job: `queued` → [`Store::claim`] → `running` (leased to one worker until `locked_until`) →
//! [`Store::complete`] → `done`, or [`Store::fail`] → `queued` again after [`retry_delay`], or `dead` after
//! `max_attempts` with its last error kept. A lease that expires (the worker crashed or hung) makes the
//! job claimable again; one that expires on the last attempt makes it `dead`. Only the lease holder can
//! complete, fail, defer or extend a job ([`StoreError::NotLeaseHolder`] otherwise).

use std::fmt;
use std::time::Duration;

use super::{BeginWrite as _, Pool, Store, StoreError, Timestamp, to_u32, to_u64};

/// Attempts a job gets unless [`NewJob::max_attempts`] says otherwise: with [`backoff`] the retries
/// span about four minutes, which rides out a short GitHub outage.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
/// The first retry waits this long; each later one waits twice as long as the one before.
pub const BACKOFF_BASE: Duration = Duration::from_secs(2);
/// No retry waits longer than this.
pub const BACKOFF_CAP: Duration = Duration::from_mins(10);
/// `last_error` is cut to this many bytes (at a character boundary).
const MAX_ERROR_LEN: usize = 4_096;
/// How often a transaction is retried when a concurrent enqueue with the same coalesce key wins the race.
/// Each lost race means another enqueue with the key committed, so N concurrent enqueues of one key
/// need at most N - 1 retries.
pub(super) const COALESCE_RETRIES: u32 = 32;

/// The id of a job (the table's primary key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub i64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker (from `run_at` on).
    Queued,
    /// Leased to a worker.
    Running,
    /// Finished successfully.
    Done,
    /// Failed `max_attempts` times; `last_error` says why.
    Dead,
    /// Replaced by a newer job with the same coalesce key before it ran.
    Superseded,
}

impl JobState {
    /// The value stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
            Self::Superseded => "superseded",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "done" => Self::Done,
            "dead" => Self::Dead,
            "superseded" => Self::Superseded,
            other => return Err(StoreError::Corrupt { what: "job state", detail: format!("unknown state `{other}`") }),
        })
    }
}

/// A job to enqueue. Build it with [`NewJob::new`] and the setters.
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// What the worker should do, e.g. `lint_pr`; the worker dispatches on it.
    pub kind: String,
    /// The job's arguments.
    pub payload: serde_json::Value,
    /// The installation whose token the job uses; deleting the installation removes the job.
    pub installation_id: Option<i64>,
    /// Jobs with the same key coalesce: enqueueing one supersedes the queued older one, e.g. `pr:owner/repo#12`.
    pub coalesce_key: Option<String>,
    /// Attempts before the job is dead (at least 1).
    pub max_attempts: u32,
    /// Not before this time; `None` means as soon as it is enqueued.
    pub run_at: Option<Timestamp>,
}

impl NewJob {
    /// A job of `kind` with `payload`, no installation, no coalescing, [`DEFAULT_MAX_ATTEMPTS`], due now.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            installation_id: None,
            coalesce_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            run_at: None,
        }
    }

    /// Sets the installation the job works for.
    #[must_use]
    pub fn installation(mut self, id: i64) -> Self {
        self.installation_id = Some(id);
        self
    }

    /// Sets the coalesce key.
    #[must_use]
    pub fn coalesce(mut self, key: impl Into<String>) -> Self {
        self.coalesce_key = Some(key.into());
        self
    }

    /// Sets the number of attempts (a value of 0 counts as 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Delays the job until `at`.
    #[must_use]
    pub fn run_at(mut self, at: Timestamp) -> Self {
        self.run_at = Some(at);
        self
    }
}

/// A job leased to a worker by [`Store::claim`].
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedJob {
    /// The job.
    pub id: JobId,
    /// What to do.
    pub kind: String,
    /// The job's arguments.
    pub payload: serde_json::Value,
    /// The installation it works for.
    pub installation_id: Option<i64>,
    /// Its coalesce key.
    pub coalesce_key: Option<String>,
    /// The delivery that caused it, for logs.
    pub delivery_id: Option<String>,
    /// Which attempt this is, from 1.
    pub attempt: u32,
    /// The attempt after which a failure makes it dead.
    pub max_attempts: u32,
    /// The lease ends here unless [`Store::extend_lease`] moves it.
    pub locked_until: Timestamp,
    /// When it was enqueued.
    pub created_at: Timestamp,
}

/// Everything stored about a job, for status pages and tests.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRecord {
    /// The job.
    pub id: JobId,
    /// What to do.
    pub kind: String,
    /// The job's arguments.
    pub payload: serde_json::Value,
    /// The installation it works for.
    pub installation_id: Option<i64>,
    /// Its coalesce key.
    pub coalesce_key: Option<String>,
    /// The delivery that caused it.
    pub delivery_id: Option<String>,
    /// Its state.
    pub state: JobState,
    /// Attempts started so far.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Not claimable before this.
    pub run_at: Timestamp,
    /// The worker holding (or that last held) the lease.
    pub locked_by: Option<String>,
    /// The end of the current lease.
    pub locked_until: Option<Timestamp>,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Queue health at one moment, from [`Store::queue_stats`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueStats {
    /// Queued jobs that are due (`run_at` has passed).
    pub queued: u64,
    /// Queued jobs waiting for a later `run_at` (retries in backoff, delayed jobs).
    pub delayed: u64,
    /// Jobs leased to a worker (including leases that expired and await reclaiming).
    pub running: u64,
    /// Jobs that used all their attempts.
    pub dead: u64,
    /// How long the longest-waiting due job has been due; `None` when nothing is due.
    pub oldest_queued_age: Option<Duration>,
}

/// The wait before retry `attempt + 1` after attempt `attempt` (from 1) failed, without jitter:
/// 2 s, 4 s, 8 s, … capped at 10 minutes.
pub fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(20);
    BACKOFF_BASE.saturating_mul(1 << doublings).min(BACKOFF_CAP)
}

/// The wait [`Store::fail`] schedules: [`backoff`] minus up to an eighth of it, the amount derived from
/// the job id and attempt. Jobs that fail together (a GitHub outage) then spread out instead of retrying
/// in lockstep, and the value stays predictable for tests and never exceeds the cap.
pub fn retry_delay(job: JobId, attempt: u32) -> Duration {
    let full = backoff(attempt);
    let spread = u64::try_from(full.as_millis() / 8).unwrap_or(0);
    let hash = splitmix64(job.0.cast_unsigned() ^ (u64::from(attempt) << 48));
    full.saturating_sub(Duration::from_millis(hash % (spread + 1)))
}

/// A fixed integer mixer (`SplitMix64`'s finaliser): deterministic and well spread.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Cuts `error` to [`MAX_ERROR_LEN`] bytes at a character boundary.
fn truncate_error(error: &str) -> &str {
    if error.len() <= MAX_ERROR_LEN {
        return error;
    }
    let mut end = MAX_ERROR_LEN;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    &error[..end]
}

/// Whether `err` is the loss of a race between two enqueues with one coalesce key (PostgreSQL only:
/// SQLite serialises the transactions). Retrying the transaction then supersedes the winner's job.
pub(super) fn is_coalesce_race(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation()
        && db.constraint().is_none_or(|c| c == "jobs_queued_coalesce_key"))
}

/// Inserts `$job` inside the open transaction `$tx`, superseding queued jobs with its coalesce key, and
/// evaluates to its [`JobId`]. Errors propagate as `sqlx::Error` with `?`.
macro_rules! insert_job {
    ($tx:ident, $job:expr, $delivery_id:expr, $now:expr) => {{
        let job: &$crate::store::NewJob = $job;
        let now: $crate::store::Timestamp = $now;
        if let Some(key) = &job.coalesce_key {
            sqlx::query(
                "UPDATE jobs SET state = 'superseded', updated_at = $2 WHERE coalesce_key = $1 AND state = 'queued'",
            )
            .bind(key)
            .bind(now.unix_millis())
            .execute(&mut *$tx)
            .await?;
        }
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO jobs (kind, payload, installation_id, coalesce_key, delivery_id, state, attempts, \
                               max_attempts, run_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, $8) RETURNING id",
        )
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(job.installation_id)
        .bind(&job.coalesce_key)
        .bind($delivery_id)
        .bind(i64::from(job.max_attempts.max(1)))
        .bind(job.run_at.unwrap_or(now).unix_millis())
        .bind(now.unix_millis())
        .fetch_one(&mut *$tx)
        .await?;
        $crate::store::JobId(id)
    }};
}
pub(super) use insert_job;

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    kind: String,
    payload: String,
    installation_id: Option<i64>,
    coalesce_key: Option<String>,
    delivery_id: Option<String>,
    attempts: i64,
    max_attempts: i64,
    locked_until: i64,
    created_at: i64,
}

impl ClaimRow {
    fn into_job(self) -> Result<ClaimedJob, StoreError> {
        Ok(ClaimedJob {
            id: JobId(self.id),
            kind: self.kind,
            payload: parse_payload(JobId(self.id), &self.payload)?,
            installation_id: self.installation_id,
            coalesce_key: self.coalesce_key,
            delivery_id: self.delivery_id,
            attempt: to_u32(self.attempts, "job attempts")?,
            max_attempts: to_u32(self.max_attempts, "job max_attempts")?,
            locked_until: Timestamp(self.locked_until),
            created_at: Timestamp(self.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    payload: String,
    installation_id: Option<i64>,
    coalesce_key: Option<String>,
    delivery_id: Option<String>,
    state: String,
    attempts: i64,
    max_attempts: i64,
    run_at: i64,
    locked_by: Option<String>,
    locked_until: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl JobRow {
    fn into_record(self) -> Result<JobRecord, StoreError> {
        Ok(JobRecord {
            id: JobId(self.id),
            kind: self.kind,
            payload: parse_payload(JobId(self.id), &self.payload)?,
            installation_id: self.installation_id,
            coalesce_key: self.coalesce_key,
            delivery_id: self.delivery_id,
            state: JobState::parse(&self.state)?,
            attempts: to_u32(self.attempts, "job attempts")?,
            max_attempts: to_u32(self.max_attempts, "job max_attempts")?,
            run_at: Timestamp(self.run_at),
            locked_by: self.locked_by,
            locked_until: self.locked_until.map(Timestamp),
            last_error: self.last_error,
            created_at: Timestamp(self.created_at),
            updated_at: Timestamp(self.updated_at),
        })
    }
}

fn parse_payload(id: JobId, payload: &str) -> Result<serde_json::Value, StoreError> {
    // The error names the position only: serde_json's message never quotes the input.
    serde_json::from_str(payload)
        .map_err(|e| StoreError::Corrupt { what: "job payload", detail: format!("job {id}: {e}") })
}

const JOB_COLUMNS: &str = "id, kind, payload, installation_id, coalesce_key, delivery_id, state, attempts, \
                           max_attempts, run_at, locked_by, locked_until, last_error, created_at, updated_at";

/// Marks jobs whose lease expired on their last attempt as dead; run before each claim so a job that
/// crashes its worker every time cannot loop forever.
const REAP_SQL: &str = "UPDATE jobs SET state = 'dead', locked_until = NULL, updated_at = $1, \
     last_error = 'the lease expired on the last attempt: the worker crashed, hung or was killed' \
     WHERE state = 'running' AND locked_until <= $1 AND attempts >= max_attempts";

/// The candidate a claim takes: due queued jobs and expired leases, oldest first, skipping a job whose
/// coalesce key has another job running under a live lease (the same PR is never linted twice at once).
macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, locked_until = $2, \
                 updated_at = $3 \
             WHERE id = (\
                 SELECT j.id FROM jobs AS j \
                 WHERE ((j.state = 'queued' AND j.run_at <= $3) \
                     OR (j.state = 'running' AND j.locked_until <= $3 AND j.attempts < j.max_attempts)) \
                   AND (j.coalesce_key IS NULL OR NOT EXISTS (\
                       SELECT 1 FROM jobs AS r WHERE r.coalesce_key = j.coalesce_key AND r.state = 'running' \
                         AND r.locked_until > $3 AND r.id <> j.id)) \
                 ORDER BY j.run_at, j.id LIMIT 1",
            $lock,
            ") \
             AND ((state = 'queued' AND run_at <= $3) \
                 OR (state = 'running' AND locked_until <= $3 AND attempts < max_attempts)) \
             RETURNING id, kind, payload, installation_id, coalesce_key, delivery_id, attempts, max_attempts, \
                 locked_until, created_at"
        )
    };
}

/// SQLite runs one write at a time, so the subquery and the update cannot interleave with another claim.
const CLAIM_SQLITE: &str = claim_sql!("");
/// PostgreSQL: `SKIP LOCKED` lets concurrent claimers pass over each other's candidate row, and the
/// repeated condition in the outer `WHERE` turns a lost race into "no row" rather than a double claim.
const CLAIM_POSTGRES: &str = claim_sql!(" FOR UPDATE OF j SKIP LOCKED");

impl Store {
    /// Adds `job` to the queue, superseding queued jobs with its coalesce key, and returns its id.
    pub async fn enqueue(&self, job: &NewJob, now: Timestamp) -> Result<JobId, StoreError> {
        let mut tries = 0;
        loop {
            let result: Result<JobId, sqlx::Error> = on_backend!(self, pool => async {
                let mut tx = pool.begin_write().await?;
                let id = insert_job!(tx, job, None::<String>, now);
                tx.commit().await?;
                Ok(id)
            }
            .await);
            match result {
                Err(e) if is_coalesce_race(&e) && tries < COALESCE_RETRIES => tries += 1,
                other => return Ok(other?),
            }
        }
    }

    /// Leases the next due job to `worker` until `now + lease`, or returns `None` when nothing is due.
    ///
    /// A job whose lease expired is due again. One statement takes the lease, so two claimers (tasks or
    /// processes) never get the same job.
    pub async fn claim(&self, worker: &str, lease: Duration, now: Timestamp) -> Result<Option<ClaimedJob>, StoreError> {
        let until = now + lease;
        let row: Option<ClaimRow> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query(REAP_SQL).bind(now.unix_millis()).execute(pool).await?;
                sqlx::query_as(CLAIM_SQLITE)
                    .bind(worker)
                    .bind(until.unix_millis())
                    .bind(now.unix_millis())
                    .fetch_optional(pool)
                    .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query(REAP_SQL).bind(now.unix_millis()).execute(pool).await?;
                sqlx::query_as(CLAIM_POSTGRES)
                    .bind(worker)
                    .bind(until.unix_millis())
                    .bind(now.unix_millis())
                    .fetch_optional(pool)
                    .await?
            }
        };
        row.map(ClaimRow::into_job).transpose()
    }

    /// Marks the job `done`. Only the lease holder may.
    pub async fn complete(&self, id: JobId, worker: &str, now: Timestamp) -> Result<(), StoreError> {
        let changed = on_backend!(self, pool => sqlx::query(
            "UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = $3 \
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id.0)
        .bind(worker)
        .bind(now.unix_millis())
        .execute(pool)
        .await?
        .rows_affected());
        lease_held(changed, id, worker)
    }

    /// Records a failed attempt: the job is queued again after [`retry_delay`], or is `dead` when this was
    /// its last attempt. `error` (cut to 4 KiB) is kept in `last_error`; it must not contain secrets.
    /// Returns the new state. Only the lease holder may.
    pub async fn fail(&self, id: JobId, worker: &str, error: &str, now: Timestamp) -> Result<JobState, StoreError> {
        let error = truncate_error(error);
        let held: Option<(i64, i64)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT attempts, max_attempts FROM jobs WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id.0)
        .bind(worker)
        .fetch_optional(pool)
        .await?);
        let Some((attempts, max_attempts)) = held else {
            return Err(StoreError::NotLeaseHolder { job: id, worker: worker.to_owned() });
        };
        let attempt = to_u32(attempts, "job attempts")?;
        let (state, run_at) = if attempts >= max_attempts {
            (JobState::Dead, None)
        } else {
            (JobState::Queued, Some(now + retry_delay(id, attempt)))
        };
        // `attempts = $6` makes the update a no-op if the lease changed hands since the read.
        let changed = on_backend!(self, pool => sqlx::query(
            "UPDATE jobs SET state = $3, run_at = COALESCE($4, run_at), locked_until = NULL, last_error = $5, \
                 updated_at = $7 \
             WHERE id = $1 AND state = 'running' AND locked_by = $2 AND attempts = $6",
        )
        .bind(id.0)
        .bind(worker)
        .bind(state.as_str())
        .bind(run_at.map(Timestamp::unix_millis))
        .bind(error)
        .bind(attempts)
        .bind(now.unix_millis())
        .execute(pool)
        .await?
        .rows_affected());
        lease_held(changed, id, worker)?;
        Ok(state)
    }

    /// Records a failure that no retry can fix (a repository that is gone, a payload that does not read):
    /// the job is `dead` at once, with `error` (cut to 4 KiB) kept. Only the lease holder may.
    pub async fn fail_permanently(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let error = truncate_error(error);
        let changed = on_backend!(self, pool => sqlx::query(
            "UPDATE jobs SET state = 'dead', locked_until = NULL, last_error = $3, updated_at = $4 \
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id.0)
        .bind(worker)
        .bind(error)
        .bind(now.unix_millis())
        .execute(pool)
        .await?
        .rows_affected());
        lease_held(changed, id, worker)
    }

    /// Puts the job back in the queue until `until` without counting the attempt, for waits that are not
    /// the job's fault (a GitHub rate limit's `Retry-After`, a busy write slot). Only the lease holder may.
    pub async fn defer(&self, id: JobId, worker: &str, until: Timestamp, now: Timestamp) -> Result<(), StoreError> {
        let changed = on_backend!(self, pool => sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = $3, locked_until = NULL, \
                 updated_at = $4 \
             WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id.0)
        .bind(worker)
        .bind(until.unix_millis())
        .bind(now.unix_millis())
        .execute(pool)
        .await?
        .rows_affected());
        lease_held(changed, id, worker)
    }

    /// Moves the lease end to `now + lease` and returns it. Only the lease holder may; a holder whose lease
    /// expired but was not yet reclaimed still may.
    pub async fn extend_lease(
        &self,
        id: JobId,
        worker: &str,
        lease: Duration,
        now: Timestamp,
    ) -> Result<Timestamp, StoreError> {
        let until = now + lease;
        let changed = on_backend!(self, pool => sqlx::query(
            "UPDATE jobs SET locked_until = $3, updated_at = $4 WHERE id = $1 AND state = 'running' AND locked_by = $2",
        )
        .bind(id.0)
        .bind(worker)
        .bind(until.unix_millis())
        .bind(now.unix_millis())
        .execute(pool)
        .await?
        .rows_affected());
        lease_held(changed, id, worker)?;
        Ok(until)
    }

    /// Counts queued, delayed, running and dead jobs, and the age of the oldest due one.
    pub async fn queue_stats(&self, now: Timestamp) -> Result<QueueStats, StoreError> {
        let (queued, delayed, running, dead, oldest): (i64, i64, i64, i64, Option<i64>) = on_backend!(self, pool => sqlx::query_as(
                "SELECT \
                     COUNT(*) FILTER (WHERE state = 'queued' AND run_at <= $1), \
                     COUNT(*) FILTER (WHERE state = 'queued' AND run_at > $1), \
                     COUNT(*) FILTER (WHERE state = 'running'), \
                     COUNT(*) FILTER (WHERE state = 'dead'), \
                     MIN(run_at) FILTER (WHERE state = 'queued' AND run_at <= $1) \
                 FROM jobs WHERE state IN ('queued', 'running', 'dead')",
            )
            .bind(now.unix_millis())
            .fetch_one(pool)
            .await?);
        Ok(QueueStats {
            queued: to_u64(queued, "queued count")?,
            delayed: to_u64(delayed, "delayed count")?,
            running: to_u64(running, "running count")?,
            dead: to_u64(dead, "dead count")?,
            oldest_queued_age: oldest.map(|t| now.since(Timestamp(t))),
        })
    }

    /// Everything stored about job `id`, or `None` if there is no such job.
    pub async fn job(&self, id: JobId) -> Result<Option<JobRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"));
        let row: Option<JobRow> = on_backend!(self, pool => sqlx::query_as(sql).bind(id.0).fetch_optional(pool).await?);
        row.map(JobRow::into_record).transpose()
    }

    /// The most recently changed jobs in `state`, newest first, at most `limit` of them.
    pub async fn jobs_in_state(&self, state: JobState, limit: u32) -> Result<Vec<JobRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE state = $1 ORDER BY updated_at DESC, id DESC LIMIT $2"
        ));
        let rows: Vec<JobRow> = on_backend!(self, pool => sqlx::query_as(sql)
            .bind(state.as_str())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(JobRow::into_record).collect()
    }
}

/// Turns "no row changed" into [`StoreError::NotLeaseHolder`].
fn lease_held(changed: u64, job: JobId, worker: &str) -> Result<(), StoreError> {
    if changed == 0 { Err(StoreError::NotLeaseHolder { job, worker: worker.to_owned() }) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_two_seconds_and_caps_at_ten_minutes() {
        let secs: Vec<u64> = (1..=11).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(backoff(0), Duration::from_secs(2));
        assert_eq!(backoff(u32::MAX), Duration::from_mins(10));
    }

    #[test]
    fn retry_delay_is_deterministic_and_within_an_eighth_below_backoff() {
        for id in [1, 2, 3, 500, 1 << 40] {
            for attempt in 1..=12 {
                let d = retry_delay(JobId(id), attempt);
                assert_eq!(d, retry_delay(JobId(id), attempt));
                assert!(d <= backoff(attempt), "{id}/{attempt}: {d:?}");
                assert!(d >= backoff(attempt).saturating_sub(backoff(attempt) / 8), "{id}/{attempt}: {d:?}");
            }
        }
        // Jobs that fail together do not all retry at the same instant.
        let spread: std::collections::BTreeSet<Duration> = (1..=20).map(|id| retry_delay(JobId(id), 3)).collect();
        assert!(spread.len() > 10, "{spread:?}");
    }

    #[test]
    fn long_errors_are_cut_at_a_char_boundary() {
        let long = "é".repeat(MAX_ERROR_LEN);
        let cut = truncate_error(&long);
        assert_eq!(cut.len(), MAX_ERROR_LEN);
        assert_eq!(truncate_error("short"), "short");
        let odd = format!("a{long}");
        assert_eq!(truncate_error(&odd).len(), MAX_ERROR_LEN - 1);
    }

    #[test]
    fn job_states_round_trip() {
        for s in [JobState::Queued, JobState::Running, JobState::Done, JobState::Dead, JobState::Superseded] {
            assert_eq!(JobState::parse(s.as_str()).unwrap(), s);
        }
        assert!(JobState::parse("paused").is_err());
    }

    #[test]
    fn claim_statements_differ_only_in_the_row_lock() {
        assert_eq!(CLAIM_POSTGRES.replace(" FOR UPDATE OF j SKIP LOCKED", ""), CLAIM_SQLITE);
    }
}
