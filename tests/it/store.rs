//! Store and queue tests against real databases: a SQLite file in a temporary directory always, and
//! PostgreSQL too when `TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`; see
//! `.ci/postgres.sh`). Each test gets its own database (`CREATE DATABASE drydock_test_…` through that URL,
//! dropped at the end), so tests run in parallel without colliding.
//!
//! Time is passed explicitly: the tests use a fixed epoch [`T0`] and offsets from it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use drydock::store::{
    Backend, CachedConfig, DeletedInstallation, InstallationInfo, JobId, JobState, NewDelivery, NewJob, QueueStats,
    Recorded, Repository, SlotAttempt, Store, StoreError, Timestamp, retry_delay,
};
use serde_json::json;
use sqlx::Connection as _;

/// The tests' fixed "now".
const T0_MS: i64 = 1_800_000_000_000;
const LEASE: Duration = Duration::from_secs(30);
const GAP: Duration = Duration::from_secs(1);

/// `T0 + ms` milliseconds.
fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(T0_MS + ms)
}

const T0: Timestamp = Timestamp::from_unix_millis(T0_MS);

/// One fresh database for one test.
pub(crate) struct TestDb {
    pub(crate) backend: Backend,
    pub(crate) url: String,
    _dir: Option<tempfile::TempDir>,
    /// For PostgreSQL: the admin URL and the database to drop at the end.
    drop_pg: Option<(String, String)>,
}

impl TestDb {
    pub(crate) fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // A path in a fresh directory: `connect` must create the file.
        let url = format!("sqlite://{}", dir.path().join("drydock.db").display());
        Self { backend: Backend::Sqlite, url, _dir: Some(dir), drop_pg: None }
    }

    pub(crate) async fn postgres(admin_url: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("drydock_test_{}_{}_{}", std::process::id(), nanos, COUNTER.fetch_add(1, Ordering::Relaxed));
        let mut admin =
            sqlx::PgConnection::connect(admin_url).await.expect("TEST_POSTGRES_URL must accept connections");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
        admin.close().await.unwrap();
        let url = with_database(admin_url, &name);
        Self { backend: Backend::Postgres, url, _dir: None, drop_pg: Some((admin_url.to_owned(), name)) }
    }

    pub(crate) async fn connect(&self) -> Store {
        let store = Store::connect(&self.url).await.unwrap();
        assert_eq!(store.backend(), self.backend);
        store
    }

    /// Runs raw SQL (test set-up such as fault-injecting triggers) on the test database.
    async fn execute(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.drop_pg.take() else { return };
        // Drop runs inside the test's runtime, so the async cleanup gets a thread and runtime of its own.
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
                admin.close().await.unwrap();
            });
        });
        assert!(cleanup.join().is_ok() || std::thread::panicking(), "dropping the test database failed");
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_start..].find('/') {
        Some(slash) => &base[..host_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A SQLite database, and a PostgreSQL one when `TEST_POSTGRES_URL` is set (required when `CI=true`).
pub(crate) async fn databases() -> Vec<TestDb> {
    let mut dbs = vec![TestDb::sqlite()];
    let url = std::env::var("TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty());
    let fix = "export TEST_POSTGRES_URL=\"$(bash .ci/postgres.sh)\"";
    if let Some(url) = crate::common::require_or_skip(url, "TEST_POSTGRES_URL for the PostgreSQL store tests", fix) {
        dbs.push(TestDb::postgres(&url).await);
    }
    dbs
}

/// Makes a `#[tokio::test]` for each named function in [`cases`] that runs it once per database,
/// printing the backend first so a failure says which one.
macro_rules! on_each_database {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for db in databases().await {
                eprintln!("{}: {}", stringify!($name), db.backend);
                cases::$name(&db).await;
            }
        }
    )*};
}

fn delivery(id: &str) -> NewDelivery {
    NewDelivery {
        delivery_id: id.to_owned(),
        event: "pull_request".to_owned(),
        action: Some("opened".to_owned()),
        installation_id: Some(7),
        repository: Some("acme/app".to_owned()),
        payload: format!(r#"{{"action":"opened","number":12,"delivery":"{id}"}}"#),
    }
}

fn lint_job(n: u32) -> NewJob {
    NewJob::new("lint_pr", json!({ "pr": n })).installation(7)
}

fn installation(id: i64, account: &str) -> InstallationInfo {
    InstallationInfo { id, account: account.to_owned(), account_type: "Organization".to_owned(), suspended: false }
}

const EMPTY: QueueStats = QueueStats { queued: 0, delayed: 0, running: 0, dead: 0, oldest_queued_age: None };

on_each_database!(
    migrations_are_idempotent_and_data_survives_reconnect,
    a_duplicate_delivery_enqueues_nothing,
    a_delivery_and_its_jobs_commit_together_or_not_at_all,
    a_lease_is_exclusive_until_it_expires,
    only_the_holder_extends_or_defers,
    failures_back_off_and_the_last_one_is_dead,
    a_lease_that_expires_on_the_last_attempt_is_dead,
    a_newer_job_supersedes_a_queued_one_with_its_key,
    concurrent_enqueues_keep_one_queued_job_per_key,
    queue_stats_count_each_state,
    the_write_slot_serialises_writes_with_a_gap,
    racing_holders_get_one_write_slot,
    deleting_an_installation_stops_its_work,
    installations_record_accounts_and_suspension,
    ignored_events_are_counted_and_deliveries_listed,
    prune_removes_old_deliveries_and_finished_jobs,
    eight_workers_in_two_pools_run_each_of_500_jobs_once,
    the_config_cache_keeps_one_row_per_repository,
);

/// The test bodies; each runs on every database.
mod cases {
    use super::*;

    pub async fn the_config_cache_keeps_one_row_per_repository(db: &TestDb) {
        let store = db.connect().await;
        assert_eq!(store.cached_config("Acme/App").await.unwrap(), None);
        let mut config = CachedConfig {
            repository: "Acme/App".to_owned(),
            default_branch: "main".to_owned(),
            config_path: Some(".github/drydock.yml".to_owned()),
            config_text: Some("_extends: .github\nignore: [DL3008]\n".to_owned()),
            base_repository: Some("acme/.github:.github/drydock.yml".to_owned()),
            base_text: None,
            fetched_at: T0,
        };
        store.put_cached_config(&config).await.unwrap();
        let read = store.cached_config("acme/app").await.unwrap().unwrap();
        assert_eq!(read.repository, "acme/app", "keys are lowercase: GitHub matches names without case");
        assert_eq!(read, CachedConfig { repository: "acme/app".to_owned(), ..config.clone() });
        // A refresh replaces the row; a repository without a config keeps a row saying so.
        config.config_path = None;
        config.config_text = None;
        config.base_repository = None;
        "trunk".clone_into(&mut config.default_branch);
        config.fetched_at = at(5_000);
        store.put_cached_config(&config).await.unwrap();
        let read = store.cached_config("ACME/APP").await.unwrap().unwrap();
        assert_eq!((read.default_branch.as_str(), read.config_text, read.fetched_at), ("trunk", None, at(5_000)));
        store.put_cached_config(&CachedConfig { repository: "acme/other".to_owned(), ..config.clone() }).await.unwrap();
        assert!(store.delete_cached_config("Acme/App").await.unwrap());
        assert!(!store.delete_cached_config("acme/app").await.unwrap());
        assert_eq!(store.cached_config("acme/app").await.unwrap(), None);
        assert!(store.cached_config("acme/other").await.unwrap().is_some());
    }

    pub async fn migrations_are_idempotent_and_data_survives_reconnect(db: &TestDb) {
        let store = db.connect().await;
        let id = store.enqueue(&lint_job(1), T0).await.unwrap();
        store.close().await;
        // Migrating again applies nothing (a re-run CREATE TABLE would fail) and keeps the data.
        let again = db.connect().await;
        let third = db.connect().await;
        assert_eq!(again.job(id).await.unwrap().unwrap().state, JobState::Queued);
        assert_eq!(third.queue_stats(T0).await.unwrap().queued, 1);
    }

    pub async fn a_duplicate_delivery_enqueues_nothing(db: &TestDb) {
        let store = db.connect().await;
        let d = delivery("72d3162e-cc78-11e3-81ab-4c9367dc0958");
        let first = store.record_delivery(&d, &[lint_job(12)], T0).await.unwrap();
        let Recorded::New { jobs } = first else { panic!("first delivery must be new: {first:?}") };
        assert_eq!(jobs.len(), 1);
        let second = store.record_delivery(&d, &[lint_job(12)], at(5_000)).await.unwrap();
        assert_eq!(second, Recorded::Duplicate);

        assert_eq!(store.queue_stats(at(5_000)).await.unwrap().queued, 1);
        let job = store.job(jobs[0]).await.unwrap().unwrap();
        assert_eq!(job.delivery_id.as_deref(), Some(d.delivery_id.as_str()));
        assert_eq!(job.payload, json!({ "pr": 12 }));
        let recent = store.recent_deliveries(10).await.unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].received_at, T0, "the redelivery must not overwrite the first");
        assert_eq!(store.delivery_payload(&d.delivery_id).await.unwrap(), Some(d.payload.clone()));
        assert_eq!(store.delivery_payload("nope").await.unwrap(), None);
    }

    pub async fn a_delivery_and_its_jobs_commit_together_or_not_at_all(db: &TestDb) {
        let store = db.connect().await;
        // A trigger makes inserting a job of kind `boom` fail, after the delivery row was inserted.
        let trigger = match db.backend {
            Backend::Sqlite => {
                "CREATE TRIGGER boom BEFORE INSERT ON jobs WHEN NEW.kind = 'boom' \
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            }
            Backend::Postgres => {
                "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF NEW.kind = 'boom' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$; \
                 CREATE TRIGGER boom BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION boom();"
            }
        };
        db.execute(trigger).await;
        let d = delivery("d-atomic");
        let boom = NewJob::new("boom", json!({}));
        let err = store.record_delivery(&d, &[lint_job(1), boom], T0).await.unwrap_err();
        assert!(matches!(err, StoreError::Database(_)), "{err:?}");
        assert_eq!(store.recent_deliveries(10).await.unwrap(), []);
        assert_eq!(store.queue_stats(T0).await.unwrap(), EMPTY);
        // The delivery id was not kept, so GitHub's redelivery is accepted in full.
        let again = store.record_delivery(&d, &[lint_job(1), lint_job(2)], T0).await.unwrap();
        assert!(matches!(&again, Recorded::New { jobs } if jobs.len() == 2), "{again:?}");
    }

    pub async fn a_lease_is_exclusive_until_it_expires(db: &TestDb) {
        let store = db.connect().await;
        let id = store.enqueue(&lint_job(1), T0).await.unwrap();
        let first = store.claim("w1", LEASE, T0).await.unwrap().unwrap();
        assert_eq!((first.id, first.attempt, first.locked_until), (id, 1, at(30_000)));
        assert_eq!(first.kind, "lint_pr");
        assert_eq!(first.installation_id, Some(7));
        assert_eq!(store.claim("w2", LEASE, at(29_999)).await.unwrap(), None, "the lease is live");

        // The lease expires at T0+30 s exactly: another worker reclaims it, as attempt 2.
        let second = store.claim("w2", LEASE, at(30_000)).await.unwrap().unwrap();
        assert_eq!((second.id, second.attempt, second.locked_until), (id, 2, at(60_000)));

        // The first worker lost the job: it can neither complete nor fail it.
        let err = store.complete(id, "w1", at(31_000)).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "job {id} is not leased to worker `w1`: its lease expired and another worker claimed it, \
                 or the job was removed; drop the result"
            )
        );
        assert!(matches!(store.fail(id, "w1", "x", at(31_000)).await, Err(StoreError::NotLeaseHolder { .. })));
        store.complete(id, "w2", at(32_000)).await.unwrap();
        let record = store.job(id).await.unwrap().unwrap();
        assert_eq!((record.state, record.attempts, record.locked_by.as_deref()), (JobState::Done, 2, Some("w2")));
        assert_eq!((record.locked_until, record.updated_at), (None, at(32_000)));
        assert_eq!(store.claim("w3", LEASE, at(100_000)).await.unwrap(), None, "done jobs are never claimed");
        assert!(matches!(store.complete(id, "w2", at(33_000)).await, Err(StoreError::NotLeaseHolder { .. })));
    }

    pub async fn only_the_holder_extends_or_defers(db: &TestDb) {
        let store = db.connect().await;
        let id = store.enqueue(&lint_job(1), T0).await.unwrap();
        store.claim("w1", LEASE, T0).await.unwrap().unwrap();
        assert!(matches!(
            store.extend_lease(id, "w2", LEASE, at(1_000)).await,
            Err(StoreError::NotLeaseHolder { job, worker }) if job == id && worker == "w2"
        ));
        assert_eq!(store.extend_lease(id, "w1", LEASE, at(20_000)).await.unwrap(), at(50_000));
        assert_eq!(store.claim("w2", LEASE, at(40_000)).await.unwrap(), None, "the extended lease holds");

        // Deferring (a rate limit) requeues without spending the attempt.
        assert!(store.defer(id, "w2", at(60_000), at(41_000)).await.is_err());
        store.defer(id, "w1", at(60_000), at(41_000)).await.unwrap();
        let record = store.job(id).await.unwrap().unwrap();
        assert_eq!((record.state, record.attempts, record.run_at), (JobState::Queued, 0, at(60_000)));
        assert_eq!(store.claim("w2", LEASE, at(59_999)).await.unwrap(), None);
        assert_eq!(store.claim("w2", LEASE, at(60_000)).await.unwrap().unwrap().attempt, 1);
    }

    pub async fn failures_back_off_and_the_last_one_is_dead(db: &TestDb) {
        let store = db.connect().await;
        let id = store.enqueue(&lint_job(1).max_attempts(3), T0).await.unwrap();
        let mut now = T0;
        for attempt in 1..=2 {
            let job = store.claim("w1", LEASE, now).await.unwrap().unwrap();
            assert_eq!(job.attempt, attempt);
            let state = store.fail(id, "w1", &format!("github said 502 (attempt {attempt})"), now).await.unwrap();
            assert_eq!(state, JobState::Queued);
            let record = store.job(id).await.unwrap().unwrap();
            let due = now + retry_delay(id, attempt);
            assert_eq!(record.run_at, due);
            assert_eq!(record.last_error, Some(format!("github said 502 (attempt {attempt})")));
            assert_eq!(record.locked_until, None);
            let before = Timestamp::from_unix_millis(due.unix_millis() - 1);
            assert_eq!(store.claim("w1", LEASE, before).await.unwrap(), None, "attempt {attempt}: still backing off");
            now = due;
        }
        // The waits follow the schedule: 2 s then 4 s, each at most an eighth shorter.
        assert!((1_750..=2_000).contains(&retry_delay(id, 1).as_millis()), "{:?}", retry_delay(id, 1));
        assert!((3_500..=4_000).contains(&retry_delay(id, 2).as_millis()), "{:?}", retry_delay(id, 2));

        store.claim("w1", LEASE, now).await.unwrap().unwrap();
        assert_eq!(store.fail(id, "w1", "still 502", now).await.unwrap(), JobState::Dead);
        let record = store.job(id).await.unwrap().unwrap();
        assert_eq!((record.state, record.attempts), (JobState::Dead, 3));
        assert_eq!(record.last_error.as_deref(), Some("still 502"));
        assert_eq!(store.claim("w1", LEASE, at(10_000_000)).await.unwrap(), None);
        assert_eq!(store.queue_stats(now).await.unwrap(), QueueStats { dead: 1, ..EMPTY });
        let dead = store.jobs_in_state(JobState::Dead, 10).await.unwrap();
        assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    }

    pub async fn a_lease_that_expires_on_the_last_attempt_is_dead(db: &TestDb) {
        let store = db.connect().await;
        let id = store.enqueue(&lint_job(1).max_attempts(2), T0).await.unwrap();
        store.claim("w1", LEASE, T0).await.unwrap().unwrap();
        // w1 crashes; w2 reclaims after the lease and crashes too.
        assert_eq!(store.claim("w2", LEASE, at(30_000)).await.unwrap().unwrap().attempt, 2);
        assert_eq!(store.claim("w3", LEASE, at(60_000)).await.unwrap(), None);
        let record = store.job(id).await.unwrap().unwrap();
        assert_eq!(record.state, JobState::Dead);
        assert_eq!(
            record.last_error.as_deref(),
            Some("the lease expired on the last attempt: the worker crashed, hung or was killed")
        );
    }

    pub async fn a_newer_job_supersedes_a_queued_one_with_its_key(db: &TestDb) {
        let store = db.connect().await;
        let key = "pr:acme/app#12";
        let a = store.enqueue(&lint_job(1).coalesce(key), T0).await.unwrap();
        let b = store.enqueue(&lint_job(2).coalesce(key), at(1)).await.unwrap();
        let other = store.enqueue(&lint_job(3).coalesce("pr:acme/app#13"), at(2)).await.unwrap();
        let a_record = store.job(a).await.unwrap().unwrap();
        assert_eq!((a_record.state, a_record.updated_at), (JobState::Superseded, at(1)));
        assert_eq!(store.queue_stats(at(2)).await.unwrap().queued, 2);

        let running = store.claim("w1", LEASE, at(10)).await.unwrap().unwrap();
        assert_eq!(running.id, b);
        assert_eq!(running.coalesce_key.as_deref(), Some(key));
        // A push while b runs queues c; b is not superseded (it is running) and c waits for it.
        let c = store.enqueue(&lint_job(4).coalesce(key), at(20)).await.unwrap();
        assert_eq!(store.job(b).await.unwrap().unwrap().state, JobState::Running);
        assert_eq!(store.claim("w2", LEASE, at(30)).await.unwrap().unwrap().id, other, "other keys are not held up");
        assert_eq!(store.claim("w3", LEASE, at(40)).await.unwrap(), None, "c waits while b runs");
        store.complete(b, "w1", at(50)).await.unwrap();
        let next = store.claim("w3", LEASE, at(60)).await.unwrap().unwrap();
        assert_eq!((next.id, next.payload), (c, json!({ "pr": 4 })));

        // Coalescing applies to jobs recorded with a delivery too.
        let d = store.enqueue(&lint_job(5).coalesce("pr:acme/app#14"), at(70)).await.unwrap();
        let newer = [lint_job(6).coalesce("pr:acme/app#14")];
        let Recorded::New { jobs } = store.record_delivery(&delivery("d-2"), &newer, at(80)).await.unwrap() else {
            panic!("new delivery")
        };
        assert_eq!(store.job(d).await.unwrap().unwrap().state, JobState::Superseded);
        assert_eq!(store.job(jobs[0]).await.unwrap().unwrap().state, JobState::Queued);
    }

    pub async fn concurrent_enqueues_keep_one_queued_job_per_key(db: &TestDb) {
        let store = db.connect().await;
        let mut tasks = Vec::new();
        for n in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.enqueue(&lint_job(n).coalesce("pr:acme/app#1"), at(i64::from(n))).await.unwrap()
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let stats = store.queue_stats(at(100)).await.unwrap();
        assert_eq!(stats.queued, 1);
        assert_eq!(store.jobs_in_state(JobState::Superseded, 100).await.unwrap().len(), 15);
    }

    pub async fn queue_stats_count_each_state(db: &TestDb) {
        let store = db.connect().await;
        assert_eq!(store.queue_stats(T0).await.unwrap(), EMPTY);
        store.enqueue(&lint_job(1), T0).await.unwrap();
        store.enqueue(&lint_job(2), at(4_000)).await.unwrap();
        store.enqueue(&lint_job(3).run_at(at(60_000)), T0).await.unwrap();
        let dead = store.enqueue(&lint_job(4).max_attempts(1).run_at(at(-10_000)), T0).await.unwrap();
        let claimed = store.claim("w1", LEASE, at(5_000)).await.unwrap().unwrap();
        assert_eq!(claimed.id, dead, "the earliest run_at goes first");
        assert_eq!(store.fail(dead, "w1", "boom", at(5_000)).await.unwrap(), JobState::Dead);
        store.claim("w1", LEASE, at(5_000)).await.unwrap().unwrap();
        let stats = store.queue_stats(at(10_000)).await.unwrap();
        assert_eq!(
            stats,
            QueueStats { queued: 1, delayed: 1, running: 1, dead: 1, oldest_queued_age: Some(Duration::from_secs(6)) }
        );
    }

    pub async fn the_write_slot_serialises_writes_with_a_gap(db: &TestDb) {
        let store = db.connect().await;
        let hold = Duration::from_secs(30);
        let SlotAttempt::Acquired(slot) = store.acquire_write_slot(7, "p1", T0, hold, GAP).await.unwrap() else {
            panic!("a fresh slot is free")
        };
        assert_eq!((slot.installation_id, slot.holder.as_str(), slot.held_until), (7, "p1", at(30_000)));
        // Held: wait at most one gap (the holder may release early).
        assert_eq!(store.acquire_write_slot(7, "p2", at(100), hold, GAP).await.unwrap(), SlotAttempt::Wait(GAP));
        // Other installations are independent.
        assert!(matches!(
            store.acquire_write_slot(8, "p2", at(100), hold, GAP).await.unwrap(),
            SlotAttempt::Acquired(_)
        ));

        store.release_write_slot(slot, at(200)).await.unwrap();
        assert_eq!(
            store.acquire_write_slot(7, "p2", at(500), hold, GAP).await.unwrap(),
            SlotAttempt::Wait(Duration::from_millis(700)),
            "one second after the last write ended"
        );
        let SlotAttempt::Acquired(slot) = store.acquire_write_slot(7, "p2", at(1_200), hold, GAP).await.unwrap() else {
            panic!("the gap has passed")
        };
        // A stale holder cannot release someone else's slot.
        let stale = drydock::store::WriteSlot { installation_id: 7, holder: "p1".into(), held_until: at(30_000) };
        let err = store.release_write_slot(stale, at(1_300)).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "write slot of installation 7 is not held by `p1`: its hold expired; \
             hold it for longer than one request takes"
        );
        // p2 crashes without releasing: the hold expires at T0+31.2 s and the slot is free again.
        assert_eq!(
            store.acquire_write_slot(7, "p3", at(31_199), hold, GAP).await.unwrap(),
            SlotAttempt::Wait(Duration::from_millis(1))
        );
        assert!(matches!(
            store.acquire_write_slot(7, "p3", at(31_200), hold, GAP).await.unwrap(),
            SlotAttempt::Acquired(_)
        ));
        assert!(matches!(store.release_write_slot(slot, at(31_300)).await, Err(StoreError::NotSlotHolder { .. })));
    }

    pub async fn racing_holders_get_one_write_slot(db: &TestDb) {
        let first = db.connect().await;
        let second = db.connect().await;
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = if n % 2 == 0 { first.clone() } else { second.clone() };
            tasks.push(tokio::spawn(async move {
                store.acquire_write_slot(42, &format!("h{n}"), T0, LEASE, GAP).await.unwrap()
            }));
        }
        let mut granted = 0;
        for task in tasks {
            if let SlotAttempt::Acquired(_) = task.await.unwrap() {
                granted += 1;
            }
        }
        assert_eq!(granted, 1);
    }

    pub async fn deleting_an_installation_stops_its_work(db: &TestDb) {
        let store = db.connect().await;
        store.upsert_installation(&installation(7, "acme"), T0).await.unwrap();
        store.upsert_installation(&installation(8, "other"), T0).await.unwrap();
        let repos =
            [Repository { id: 1, full_name: "acme/app".into() }, Repository { id: 2, full_name: "acme/lib".into() }];
        store.set_repositories(7, &repos, &[], T0).await.unwrap();
        store.set_repositories(7, &[Repository { id: 3, full_name: "acme/web".into() }], &[2], at(1)).await.unwrap();
        assert_eq!(
            store.repositories(7).await.unwrap(),
            [Repository { id: 1, full_name: "acme/app".into() }, Repository { id: 3, full_name: "acme/web".into() }]
        );
        store.set_repositories(8, &[Repository { id: 9, full_name: "other/x".into() }], &[], T0).await.unwrap();

        let running = store.enqueue(&lint_job(1), T0).await.unwrap();
        let done = store.enqueue(&lint_job(2), T0).await.unwrap();
        store.claim("w1", LEASE, T0).await.unwrap().unwrap();
        store.claim("w2", LEASE, T0).await.unwrap().unwrap();
        store.complete(done, "w2", at(1)).await.unwrap();
        let queued = store.enqueue(&lint_job(3), at(2)).await.unwrap();
        let theirs = store.enqueue(&NewJob::new("lint_pr", json!({})).installation(8), at(2)).await.unwrap();
        let SlotAttempt::Acquired(slot) = store.acquire_write_slot(7, "w1", T0, LEASE, GAP).await.unwrap() else {
            panic!("free slot")
        };

        let deleted = store.delete_installation(7).await.unwrap();
        assert_eq!(deleted, DeletedInstallation { existed: true, repositories: 2, jobs: 2 });
        assert_eq!(store.installations().await.unwrap().iter().map(|i| i.id).collect::<Vec<_>>(), [8]);
        assert_eq!(store.repositories(7).await.unwrap(), []);
        assert_eq!(store.job(queued).await.unwrap(), None);
        assert!(matches!(store.complete(running, "w1", at(3)).await, Err(StoreError::NotLeaseHolder { .. })));
        assert_eq!(store.job(done).await.unwrap().unwrap().state, JobState::Done, "history stays");
        assert_eq!(store.job(theirs).await.unwrap().unwrap().state, JobState::Queued);
        assert!(store.release_write_slot(slot, at(4)).await.is_err(), "the slot is gone");

        let again = store.delete_installation(7).await.unwrap();
        assert_eq!(again, DeletedInstallation { existed: false, repositories: 0, jobs: 0 });
        let err = store.set_repositories(7, &repos, &[], at(5)).await.unwrap_err();
        assert_eq!(err.to_string(), "installation 7 is not recorded: record it with `upsert_installation` first");
        assert_eq!(store.repositories(7).await.unwrap(), []);
    }

    pub async fn installations_record_accounts_and_suspension(db: &TestDb) {
        let store = db.connect().await;
        store.upsert_installation(&installation(7, "acme"), T0).await.unwrap();
        store.set_repositories(7, &[Repository { id: 1, full_name: "acme/app".into() }], &[], T0).await.unwrap();
        let suspended = InstallationInfo { suspended: true, account: "acme-renamed".into(), ..installation(7, "x") };
        store.upsert_installation(&suspended, at(1_000)).await.unwrap();
        store.upsert_installation(&suspended, at(2_000)).await.unwrap();
        let list = store.installations().await.unwrap();
        assert_eq!(list.len(), 1);
        let i = &list[0];
        assert_eq!((i.id, i.account.as_str(), i.account_type.as_str()), (7, "acme-renamed", "Organization"));
        assert_eq!((i.suspended_at, i.repositories, i.created_at, i.updated_at), (Some(at(1_000)), 1, T0, at(2_000)));
        store.upsert_installation(&installation(7, "acme"), at(3_000)).await.unwrap();
        assert_eq!(store.installations().await.unwrap()[0].suspended_at, None);
        // A repository moving to another installation follows it.
        store.upsert_installation(&installation(8, "new-owner"), T0).await.unwrap();
        store
            .set_repositories(8, &[Repository { id: 1, full_name: "new-owner/app".into() }], &[], at(4_000))
            .await
            .unwrap();
        assert_eq!(store.repositories(7).await.unwrap(), []);
        assert_eq!(store.repositories(8).await.unwrap(), [Repository { id: 1, full_name: "new-owner/app".into() }]);
    }

    pub async fn ignored_events_are_counted_and_deliveries_listed(db: &TestDb) {
        let store = db.connect().await;
        store.count_ignored("issues", Some("opened"), T0).await.unwrap();
        store.count_ignored("issues", Some("opened"), at(1_000)).await.unwrap();
        store.count_ignored("ping", None, at(2_000)).await.unwrap();
        let counts = store.ignored_counts().await.unwrap();
        let got: Vec<_> =
            counts.iter().map(|c| (c.event.as_str(), c.action.as_deref(), c.count, c.last_seen_at)).collect();
        assert_eq!(got, [("issues", Some("opened"), 2, at(1_000)), ("ping", None, 1, at(2_000))]);

        for (n, id) in ["d-a", "d-b", "d-c"].into_iter().enumerate() {
            store.record_delivery(&delivery(id), &[], at(i64::try_from(n).unwrap() * 10)).await.unwrap();
        }
        let recent = store.recent_deliveries(2).await.unwrap();
        assert_eq!(recent.iter().map(|d| d.delivery_id.as_str()).collect::<Vec<_>>(), ["d-c", "d-b"]);
        assert_eq!((recent[0].event.as_str(), recent[0].action.as_deref()), ("pull_request", Some("opened")));
        assert_eq!((recent[0].installation_id, recent[0].repository.as_deref()), (Some(7), Some("acme/app")));

        let asked: Vec<String> = ["d-a", "d-x", "d-c"].map(String::from).to_vec();
        let known: BTreeSet<String> = store.known_deliveries(&asked).await.unwrap().into_iter().collect();
        assert_eq!(known, BTreeSet::from(["d-a".to_owned(), "d-c".to_owned()]));
        let many: Vec<String> = (0..1_200).map(|n| format!("d-{n}")).chain(["d-b".to_owned()]).collect();
        assert_eq!(store.known_deliveries(&many).await.unwrap(), ["d-b"]);
    }

    pub async fn prune_removes_old_deliveries_and_finished_jobs(db: &TestDb) {
        let store = db.connect().await;
        store.record_delivery(&delivery("old"), &[lint_job(1)], T0).await.unwrap();
        store.record_delivery(&delivery("new"), &[], at(100_000)).await.unwrap();
        let finished = store.claim("w", LEASE, T0).await.unwrap().unwrap().id;
        store.complete(finished, "w", at(1)).await.unwrap();
        let waiting = store.enqueue(&lint_job(2), T0).await.unwrap();
        let pruned = store.prune(at(50_000)).await.unwrap();
        assert_eq!((pruned.deliveries, pruned.jobs), (1, 1));
        assert_eq!(store.job(finished).await.unwrap(), None);
        assert_eq!(store.job(waiting).await.unwrap().unwrap().state, JobState::Queued);
        assert_eq!(store.known_deliveries(&["old".into(), "new".into()]).await.unwrap(), ["new"]);
    }

    pub async fn eight_workers_in_two_pools_run_each_of_500_jobs_once(db: &TestDb) {
        // Two stores on one database stand for two processes.
        let pools = [db.connect().await, db.connect().await];
        for n in 0..500 {
            pools[0].enqueue(&NewJob::new("work", json!({ "n": n })), Timestamp::now()).await.unwrap();
        }
        let runs: Arc<Mutex<BTreeMap<JobId, u32>>> = Arc::default();
        let mut workers = Vec::new();
        for w in 0..8 {
            let store = pools[w % 2].clone();
            let runs = Arc::clone(&runs);
            workers.push(tokio::spawn(async move {
                let worker = format!("worker-{w}");
                while let Some(job) = store.claim(&worker, Duration::from_mins(5), Timestamp::now()).await.unwrap() {
                    *runs.lock().unwrap().entry(job.id).or_default() += 1;
                    store.complete(job.id, &worker, Timestamp::now()).await.unwrap();
                }
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }
        let runs = std::mem::take(&mut *runs.lock().unwrap());
        assert_eq!(runs.len(), 500);
        assert!(runs.values().all(|&n| n == 1), "a job ran twice: {:?}", runs.iter().find(|&(_, &n)| n != 1));
        assert_eq!(pools[1].queue_stats(Timestamp::now()).await.unwrap(), EMPTY);
        assert_eq!(pools[1].jobs_in_state(JobState::Done, 1_000).await.unwrap().len(), 500);
    }
}

#[test]
fn with_database_replaces_only_the_database_name() {
    assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
    assert_eq!(with_database("postgres://u@h/test?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}

#[tokio::test]
async fn postgresql_scheme_is_accepted_too() {
    let Some(url) = std::env::var("TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty()) else { return };
    let db = TestDb::postgres(&url).await;
    let store = Store::connect(&db.url.replacen("postgres://", "postgresql://", 1)).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    store.close().await;
}

#[tokio::test]
async fn an_unreachable_postgres_is_a_clear_error() {
    let err = Store::connect("postgres://nobody@127.0.0.1:1/none").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot open the PostgreSQL database: check the database URL and that the server or file is reachable"
    );
    assert!(std::error::Error::source(&err).is_some(), "the driver's error is kept as the source");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_starts_on_one_fresh_sqlite_file_all_migrate() {
    // Replicas (or a restart racing a healthcheck) open one new file at once; SQLite has no
    // migration lock, so the losers of the race must retry, not fail with `table … already exists`.
    for _ in 0..8 {
        let db = TestDb::sqlite();
        let connects: Vec<_> = (0..4).map(|_| Store::connect(&db.url)).collect();
        for result in futures_util::future::join_all(connects).await {
            let store = result.expect("every concurrent start migrates");
            store.ping().await.unwrap();
            store.close().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_lists_open_digest_prs_newest_scan_first() {
    for db in databases().await {
        let store = db.connect().await;
        assert!(store.recent_digest_prs(10).await.unwrap().is_empty());
        let repo = |name: &str, pr: Option<i64>, scanned: i64, bumps: usize| drydock::store::DigestRepo {
            repository: name.to_owned(),
            installation_id: 1,
            pr_number: pr,
            last_commit_sha: Some("c0ffee".into()),
            proposed: (0..bumps).map(|i| (format!("docker.io/library/img{i}:1"), format!("sha256:{i}"))).collect(),
            last_scan_at: Some(at(scanned)),
        };
        store.put_digest_repo(&repo("octo/old", Some(3), 1_000, 1)).await.unwrap();
        store.put_digest_repo(&repo("octo/new", Some(7), 2_000, 2)).await.unwrap();
        // A repository whose PR was merged or closed has no number: not listed.
        store.put_digest_repo(&repo("octo/done", None, 3_000, 0)).await.unwrap();
        let prs = store.recent_digest_prs(10).await.unwrap();
        let got: Vec<(&str, u64, &str)> =
            prs.iter().map(|p| (p.repository.as_str(), p.number, p.title.as_str())).collect();
        assert_eq!(
            got,
            [("octo/new", 7, "2 pinned digests to update"), ("octo/old", 3, "1 pinned digest to update")],
            "{}",
            db.backend
        );
        assert_eq!(prs[0].updated_at, at(2_000));
        assert_eq!(store.recent_digest_prs(1).await.unwrap().len(), 1, "the limit holds");
    }
}
