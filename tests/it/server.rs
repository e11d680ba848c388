//! `drydock serve` in-process: webhook ingest over real HTTP, readiness, the worker pool with fake
//! handlers (retries, backoff, dead jobs, panics, leases, shutdown), installation jobs and the
//! reconciler against the fake GitHub, and the whole server end to end.
//!
//! Store-backed tests run on SQLite always and on PostgreSQL too when `TEST_POSTGRES_URL` is set
//! (the store suite's [`databases`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use drydock::github::app::GithubApp;
use drydock::github::events::JobSpec;
use drydock::github::webhook::{WebhookSecrets, sign};
use drydock::jobs::reconcile::{ReconcileConfig, reconcile_once};
use drydock::jobs::worker::{Phase, WorkerConfig, WorkerPool};
use drydock::jobs::{GithubJobs, JobError, JobHandler, StoreWriteGate, new_job};
use drydock::server::{self, AppCredentials, AppState, Config};
use drydock::store::{ClaimedJob, JobId, JobState, NewDelivery, NewJob, Store, Timestamp};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::{Notify, watch};

use crate::fake_github::{FakeGithub, HookDeliverySeed, PullRequest, TEST_APP_ID, TEST_APP_KEY};
use crate::store::{TestDb, databases};

pub(crate) const SECRET: &str = "It's a Secret to Everybody";
const OLD_SECRET: &str = "the-previous-secret";

/// An HTTP client (with the process's TLS provider installed, which reqwest needs).
pub(crate) fn http() -> reqwest::Client {
    drydock::github::app::install_crypto_provider();
    reqwest::Client::new()
}

/// A `pull_request.opened` payload for `repo` (`owner/name`) in `installation`.
pub(crate) fn pull_request_payload(installation: u64, repo: &str, number: u64, head_sha: &str) -> Vec<u8> {
    let (owner, name) = repo.split_once('/').unwrap();
    json!({
        "action": "opened",
        "number": number,
        "pull_request": {
            "number": number, "draft": false,
            "head": { "ref": format!("topic-{number}"), "sha": head_sha },
            "base": { "ref": "main", "sha": "0".repeat(40) },
        },
        "repository": { "id": 1, "name": name, "full_name": repo, "owner": { "login": owner }, "default_branch": "main" },
        "installation": { "id": installation },
    })
    .to_string()
    .into_bytes()
}

/// A 40-hex-digit head SHA for PR `n`.
pub(crate) fn head_sha(n: u64) -> String {
    format!("{n:040x}")
}

/// Sends one delivery with the given headers (each `None` leaves the header out); returns the status.
pub(crate) async fn deliver(
    http: &reqwest::Client,
    addr: SocketAddr,
    event: Option<&str>,
    delivery: Option<&str>,
    signature: Option<&str>,
    body: Vec<u8>,
) -> u16 {
    let mut request = http.post(format!("http://{addr}/webhook")).header("content-type", "application/json");
    if let Some(e) = event {
        request = request.header("x-github-event", e);
    }
    if let Some(d) = delivery {
        request = request.header("x-github-delivery", d);
    }
    if let Some(s) = signature {
        request = request.header("x-hub-signature-256", s);
    }
    request.body(body).send().await.unwrap().status().as_u16()
}

/// A correctly signed delivery.
pub(crate) async fn deliver_signed(
    http: &reqwest::Client,
    addr: SocketAddr,
    event: &str,
    delivery: &str,
    body: Vec<u8>,
) -> u16 {
    let signature = sign(SECRET, &body);
    deliver(http, addr, Some(event), Some(delivery), Some(&signature), body).await
}

/// The HTTP routes alone (no workers) on `127.0.0.1:0`.
async fn spawn_routes(store: Store) -> (SocketAddr, AppState) {
    let state = AppState {
        store,
        secrets: Arc::new(WebhookSecrets::parse(&format!("{SECRET},{OLD_SECRET}")).unwrap()),
        wake: Arc::new(Notify::new()),
        workers_alive: Arc::new(AtomicBool::new(false)),
        metrics: drydock::server::metrics::handle(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server::router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, state)
}

/// Nothing is stored: no delivery, no job, no ignored-event count.
async fn assert_nothing_stored(store: &Store) {
    assert!(store.recent_deliveries(10).await.unwrap().is_empty(), "no delivery stored");
    let stats = store.queue_stats(Timestamp::now()).await.unwrap();
    assert_eq!((stats.queued, stats.delayed, stats.running, stats.dead), (0, 0, 0, 0), "no job stored");
    assert!(store.ignored_counts().await.unwrap().is_empty(), "nothing counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_malformed_deliveries_are_refused_and_nothing_is_stored() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let (addr, _) = spawn_routes(store.clone()).await;
        let http = crate::server::http();
        let body = pull_request_payload(7, "octo/app", 1, &head_sha(1));
        let good = sign(SECRET, &body);
        let pr = Some("pull_request");
        let id = Some("a1b2c3d4-0000-1111-2222-333344445555");
        // 401: no signature, a legacy sha1 one, a malformed one, a wrong secret, a tampered body.
        assert_eq!(deliver(&http, addr, pr, id, None, body.clone()).await, 401);
        assert_eq!(
            deliver(&http, addr, pr, id, Some("sha1=0123456789abcdef0123456789abcdef01234567"), body.clone()).await,
            401
        );
        assert_eq!(deliver(&http, addr, pr, id, Some("sha256=xyz"), body.clone()).await, 401);
        assert_eq!(deliver(&http, addr, pr, id, Some(&sign("wrong", &body)), body.clone()).await, 401);
        let mut tampered = body.clone();
        tampered.extend_from_slice(b" ");
        assert_eq!(deliver(&http, addr, pr, id, Some(&good), tampered).await, 401);
        // The signature is checked before the headers: unsigned and headerless is 401, not 400.
        assert_eq!(deliver(&http, addr, None, None, None, body.clone()).await, 401);
        // 400: missing or malformed delivery headers.
        assert_eq!(deliver(&http, addr, None, id, Some(&good), body.clone()).await, 400);
        assert_eq!(deliver(&http, addr, pr, None, Some(&good), body.clone()).await, 400);
        assert_eq!(deliver(&http, addr, pr, Some("not a guid!"), Some(&good), body.clone()).await, 400);
        assert_eq!(deliver(&http, addr, Some("Pull-Request"), id, Some(&good), body.clone()).await, 400);
        // 415: signed, but not JSON (a form-encoded webhook).
        let form = b"payload=%7B%7D".to_vec();
        assert_eq!(deliver(&http, addr, pr, id, Some(&sign(SECRET, &form)), form).await, 415);
        // 400: JSON of the wrong shape for the event it names.
        let wrong = br#"{"action":"opened","number":1,"pull_request":5}"#.to_vec();
        assert_eq!(deliver(&http, addr, pr, id, Some(&sign(SECRET, &wrong)), wrong).await, 400);
        // 413: over 25 MB, refused whatever the signature.
        let huge = vec![b' '; drydock::github::webhook::MAX_BODY_BYTES + 1];
        assert_eq!(deliver(&http, addr, pr, id, Some("sha256=00"), huge).await, 413);
        assert_nothing_stored(&store).await;
        // Exactly at the cap the body is read (and then refused for its signature, not its size).
        let at_cap = vec![b' '; drydock::github::webhook::MAX_BODY_BYTES];
        assert_eq!(deliver(&http, addr, pr, id, None, at_cap).await, 401);
        assert_nothing_stored(&store).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_stored_with_its_job_once() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let (addr, _) = spawn_routes(store.clone()).await;
        let http = crate::server::http();
        let body = pull_request_payload(7, "octo/app", 12, &head_sha(12));
        assert_eq!(deliver_signed(&http, addr, "pull_request", "delivery-1", body.clone()).await, 202);
        // A redelivery keeps the id: 202, nothing new.
        assert_eq!(deliver_signed(&http, addr, "pull_request", "delivery-1", body.clone()).await, 202);
        // The old secret still verifies while rotating.
        let sig = sign(OLD_SECRET, &body);
        assert_eq!(deliver(&http, addr, Some("pull_request"), Some("delivery-1"), Some(&sig), body.clone()).await, 202);
        let deliveries = store.recent_deliveries(10).await.unwrap();
        assert_eq!(deliveries.len(), 1);
        let d = &deliveries[0];
        assert_eq!(
            (d.event.as_str(), d.action.as_deref(), d.installation_id, d.repository.as_deref()),
            ("pull_request", Some("opened"), Some(7), Some("octo/app"))
        );
        assert_eq!(store.delivery_payload("delivery-1").await.unwrap().unwrap().as_bytes(), body.as_slice());
        let jobs = store.jobs_in_state(JobState::Queued, 10).await.unwrap();
        assert_eq!(jobs.len(), 1, "one job for one delivery");
        let spec: JobSpec = serde_json::from_value(jobs[0].payload.clone()).unwrap();
        assert_eq!(
            spec,
            JobSpec::LintPullRequest {
                installation_id: 7,
                owner: "octo".into(),
                repo: "app".into(),
                number: 12,
                head_sha: head_sha(12),
            }
        );
        assert_eq!(jobs[0].delivery_id.as_deref(), Some("delivery-1"));
        assert_eq!(jobs[0].installation_id, Some(7));
        assert_eq!(jobs[0].coalesce_key.as_deref(), Some("pr:octo/app#12"));
        // A new head of the same PR supersedes the queued lint.
        let newer = pull_request_payload(7, "octo/app", 12, &head_sha(13));
        assert_eq!(deliver_signed(&http, addr, "pull_request", "delivery-2", newer).await, 202);
        let queued = store.jobs_in_state(JobState::Queued, 10).await.unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].delivery_id.as_deref(), Some("delivery-2"));
    }
}

/// The value of the first sample of `metric` whose labels contain every `label`, from a Prometheus text page.
fn sample(page: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    page.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let (name_labels, value) = line.rsplit_once(' ')?;
        let (name, rest) = name_labels.split_once('{').unwrap_or((name_labels, ""));
        (name == metric && labels.iter().all(|l| rest.contains(l))).then(|| value.parse().ok())?
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_deliveries_signature_failures_and_the_queue_without_secrets() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let (addr, _) = spawn_routes(store.clone()).await;
    let http = crate::server::http();
    let body = pull_request_payload(7, "octo/app", 3, &head_sha(3));
    // A forger's event header must not become a label.
    let forged = deliver(&http, addr, Some("forged-event-name"), Some("m-1"), Some("sha256=00"), body.clone());
    assert_eq!(forged.await, 401);
    assert_eq!(deliver_signed(&http, addr, "pull_request", "metrics-1", body.clone()).await, 202);
    assert_eq!(deliver_signed(&http, addr, "pull_request", "metrics-1", body).await, 202);

    let reply = http.get(format!("http://{addr}/metrics")).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    let content_type = reply.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let page = reply.text().await.unwrap();
    // Counters are process-wide and other tests run alongside: at least ours are there.
    let at_least = |metric: &str, labels: &[&str], n: f64| {
        let v = sample(&page, metric, labels).unwrap_or_else(|| panic!("no {metric} {labels:?} in\n{page}"));
        assert!(v >= n, "{metric} {labels:?} = {v}, expected at least {n}");
    };
    at_least("drydock_webhook_signature_failures_total", &[], 1.0);
    at_least("drydock_webhook_deliveries_total", &["event=\"unverified\"", "outcome=\"unauthorized\""], 1.0);
    at_least("drydock_webhook_deliveries_total", &["event=\"pull_request\"", "outcome=\"accepted\""], 1.0);
    at_least("drydock_webhook_deliveries_total", &["event=\"pull_request\"", "outcome=\"duplicate\""], 1.0);
    // Queue gauges come from this store at scrape time: exactly one queued job.
    assert_eq!(sample(&page, "drydock_queue_jobs", &["state=\"queued\""]), Some(1.0), "{page}");
    assert_eq!(sample(&page, "drydock_queue_jobs", &["state=\"dead\""]), Some(0.0), "{page}");
    assert!(page.contains("# HELP drydock_webhook_deliveries_total"), "{page}");
    assert!(!page.contains("forged-event-name"), "an unverified header became a label");
    for secret in [SECRET, OLD_SECRET] {
        assert!(!page.contains(secret), "a secret is on the metrics page");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_events_are_accepted_counted_and_ignored() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let (addr, _) = spawn_routes(store.clone()).await;
        let http = crate::server::http();
        let fixtures = crate::common::manifest_dir().join("tests/fixtures/webhooks");
        let read = |name: &str| std::fs::read(fixtures.join(name)).unwrap();
        assert_eq!(deliver_signed(&http, addr, "ping", "p-1", read("ping.json")).await, 202);
        assert_eq!(deliver_signed(&http, addr, "issues", "i-1", read("issues.opened.json")).await, 202);
        assert_eq!(deliver_signed(&http, addr, "issues", "i-2", read("issues.opened.json")).await, 202);
        let closed = String::from_utf8(pull_request_payload(7, "octo/app", 3, &head_sha(3)))
            .unwrap()
            .replace("\"opened\"", "\"closed\"");
        assert_eq!(deliver_signed(&http, addr, "pull_request", "c-1", closed.into_bytes()).await, 202);
        let counts: Vec<(String, Option<String>, u64)> =
            store.ignored_counts().await.unwrap().into_iter().map(|c| (c.event, c.action, c.count)).collect();
        assert_eq!(
            counts,
            vec![
                ("issues".to_owned(), Some("opened".to_owned()), 2),
                ("ping".to_owned(), None, 1),
                ("pull_request".to_owned(), Some("closed".to_owned()), 1),
            ]
        );
        let stats = store.queue_stats(Timestamp::now()).await.unwrap();
        assert_eq!(stats.queued, 0, "ignored events enqueue nothing");
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let (addr, state) = spawn_routes(store.clone()).await;
    let http = crate::server::http();
    let get = |path: &'static str| {
        let http = http.clone();
        async move { http.get(format!("http://{addr}{path}")).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get("/healthz").await, 200);
    assert_eq!(get("/readyz").await, 503, "workers not running yet");
    state.workers_alive.store(true, Ordering::SeqCst);
    assert_eq!(get("/readyz").await, 200);
    store.close().await;
    assert_eq!(get("/readyz").await, 503, "store closed");
    assert_eq!(get("/healthz").await, 200, "alive regardless");
}

// ---------------------------------------------------------------------------------------------------
// The worker pool with a scripted handler.

/// A handler scripted by the job payload: `{"fail": n}` fails the first n attempts, `{"panic": n}`
/// panics on them, `{"permanent": true}`, `{"rate_limit_ms": n}` once, `{"sleep_ms": n}`.
#[derive(Default, Clone)]
struct Scripted {
    runs: Arc<Mutex<HashMap<JobId, u32>>>,
}

impl Scripted {
    fn runs(&self, id: JobId) -> u32 {
        self.runs.lock().unwrap().get(&id).copied().unwrap_or(0)
    }
}

impl JobHandler for Scripted {
    async fn handle(&self, job: ClaimedJob) -> Result<(), JobError> {
        let run = {
            let mut runs = self.runs.lock().unwrap();
            let n = runs.entry(job.id).or_default();
            *n += 1;
            *n
        };
        let p = &job.payload;
        let n = |key: &str| p.get(key).and_then(Value::as_u64).unwrap_or(0);
        if n("sleep_ms") > 0 {
            tokio::time::sleep(Duration::from_millis(n("sleep_ms"))).await;
        }
        assert!(u64::from(run) > n("panic"), "scripted panic on run {run}");
        if u64::from(run) <= n("fail") {
            return Err(JobError::Retryable(format!("scripted failure {run}")));
        }
        if p.get("permanent").is_some() {
            return Err(JobError::Permanent("scripted permanent failure".into()));
        }
        if run == 1 && n("rate_limit_ms") > 0 {
            return Err(JobError::RateLimited(Duration::from_millis(n("rate_limit_ms"))));
        }
        Ok(())
    }
}

struct Pool {
    phase: watch::Sender<Phase>,
    done: tokio::task::JoinHandle<()>,
}

fn start_pool(store: &Store, handler: Scripted, concurrency: usize, lease: Duration) -> Pool {
    let config = WorkerConfig {
        concurrency,
        lease,
        poll_interval: Duration::from_millis(20),
        name: format!("test-{}", rand_suffix()),
    };
    let pool = WorkerPool::new(store.clone(), handler, config);
    let (phase, rx) = watch::channel(Phase::Running);
    let done = tokio::spawn(pool.run(rx));
    Pool { phase, done }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

async fn enqueue(store: &Store, payload: Value, attempts: u32) -> JobId {
    store.enqueue(&NewJob::new("scripted", payload).max_attempts(attempts), Timestamp::now()).await.unwrap()
}

/// Waits until job `id` is in `state` (at most `within`).
async fn wait_state(store: &Store, id: JobId, state: JobState, within: Duration) -> drydock::store::JobRecord {
    let start = Instant::now();
    loop {
        let job = store.job(id).await.unwrap().expect("job exists");
        if job.state == state {
            return job;
        }
        assert!(start.elapsed() < within, "job {id} is {:?}, expected {state:?}: {job:?}", job.state);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_retry_with_backoff_bury_and_survive_panics() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let handler = Scripted::default();
        let ok = enqueue(&store, json!({}), 3).await;
        let flaky = enqueue(&store, json!({ "fail": 1 }), 3).await;
        let doomed = enqueue(&store, json!({ "fail": 9 }), 2).await;
        let panicky = enqueue(&store, json!({ "panic": 1 }), 3).await;
        let permanent = enqueue(&store, json!({ "permanent": true }), 5).await;
        let started = Instant::now();
        let pool = start_pool(&store, handler.clone(), 2, Duration::from_secs(30));
        wait_state(&store, ok, JobState::Done, Duration::from_secs(10)).await;
        let buried = wait_state(&store, permanent, JobState::Dead, Duration::from_secs(10)).await;
        assert_eq!(buried.attempts, 1, "a permanent failure is not retried");
        assert_eq!(buried.last_error.as_deref(), Some("scripted permanent failure"));
        // The first retry waits the store's backoff (about 2 s), not less.
        let flaky_done = wait_state(&store, flaky, JobState::Done, Duration::from_secs(15)).await;
        assert!(started.elapsed() >= Duration::from_millis(1_700), "retried after {:?}", started.elapsed());
        assert_eq!((flaky_done.attempts, handler.runs(flaky)), (2, 2));
        assert_eq!(flaky_done.last_error.as_deref(), Some("scripted failure 1"));
        // A panic is one failed attempt; the worker lives on and the retry succeeds.
        let recovered = wait_state(&store, panicky, JobState::Done, Duration::from_secs(15)).await;
        assert_eq!(recovered.attempts, 2);
        assert!(recovered.last_error.as_deref().unwrap().contains("the job panicked: scripted panic on run 1"));
        // Dead after its last attempt, error kept.
        let dead = wait_state(&store, doomed, JobState::Dead, Duration::from_secs(15)).await;
        assert_eq!((dead.attempts, handler.runs(doomed)), (2, 2));
        assert_eq!(dead.last_error.as_deref(), Some("scripted failure 2"));
        // Still alive after all that.
        let later = enqueue(&store, json!({}), 1).await;
        wait_state(&store, later, JobState::Done, Duration::from_secs(10)).await;
        pool.phase.send(Phase::Draining).unwrap();
        pool.done.await.unwrap();
    }
}

#[tokio::test]
async fn rate_limited_jobs_are_deferred_without_spending_an_attempt() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let handler = Scripted::default();
    let id = enqueue(&store, json!({ "rate_limit_ms": 800 }), 1).await;
    let pool = start_pool(&store, handler.clone(), 1, Duration::from_secs(30));
    let start = Instant::now();
    while handler.runs(id) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Deferred: queued, not dead, although max_attempts is 1.
    let job = wait_state(&store, id, JobState::Queued, Duration::from_secs(5)).await;
    assert_eq!(job.attempts, 0);
    let done = wait_state(&store, id, JobState::Done, Duration::from_secs(5)).await;
    assert!(start.elapsed() >= Duration::from_millis(700), "waited {:?}", start.elapsed());
    assert_eq!((done.attempts, handler.runs(id)), (1, 2));
    pool.phase.send(Phase::Draining).unwrap();
    pool.done.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_reclaimed() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let id = enqueue(&store, json!({}), 3).await;
        // A worker that claims and then dies (never completes, never extends).
        let ghost = store.claim("ghost", Duration::from_millis(300), Timestamp::now()).await.unwrap().unwrap();
        assert_eq!(ghost.id, id);
        let handler = Scripted::default();
        let pool = start_pool(&store, handler.clone(), 1, Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(handler.runs(id), 0, "a live lease is respected");
        let done = wait_state(&store, id, JobState::Done, Duration::from_secs(5)).await;
        assert_eq!((done.attempts, handler.runs(id)), (2, 1));
        assert_ne!(done.locked_by.as_deref(), Some("ghost"));
        pool.phase.send(Phase::Draining).unwrap();
        pool.done.await.unwrap();
    }
}

#[tokio::test]
async fn a_running_job_keeps_its_lease_alive() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let handler = Scripted::default();
    // Runs for 4 leases; without renewal a second worker would reclaim it.
    let id = enqueue(&store, json!({ "sleep_ms": 1_200 }), 3).await;
    let pool = start_pool(&store, handler.clone(), 2, Duration::from_millis(300));
    let done = wait_state(&store, id, JobState::Done, Duration::from_secs(10)).await;
    assert_eq!((done.attempts, handler.runs(id)), (1, 1), "never claimed twice");
    pool.phase.send(Phase::Draining).unwrap();
    pool.done.await.unwrap();
}

#[tokio::test]
async fn shutdown_lets_running_jobs_finish_and_claims_nothing_new() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let handler = Scripted::default();
    let running = enqueue(&store, json!({ "sleep_ms": 600 }), 3).await;
    let pool = start_pool(&store, handler.clone(), 1, Duration::from_secs(30));
    while handler.runs(running) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waiting = enqueue(&store, json!({}), 3).await;
    pool.phase.send(Phase::Draining).unwrap();
    tokio::time::timeout(Duration::from_secs(5), pool.done).await.unwrap().unwrap();
    assert_eq!(store.job(running).await.unwrap().unwrap().state, JobState::Done, "finished within the grace");
    assert_eq!(store.job(waiting).await.unwrap().unwrap().state, JobState::Queued, "not claimed while draining");
    assert_eq!(handler.runs(waiting), 0);
}

#[tokio::test]
async fn abort_after_the_grace_hands_jobs_back() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let handler = Scripted::default();
    let id = enqueue(&store, json!({ "sleep_ms": 30_000 }), 1).await;
    let pool = start_pool(&store, handler.clone(), 1, Duration::from_secs(30));
    while handler.runs(id) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    pool.phase.send(Phase::Draining).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    pool.phase.send(Phase::Abort).unwrap();
    tokio::time::timeout(Duration::from_secs(5), pool.done).await.unwrap().unwrap();
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Queued, 0), "handed back, attempt not spent: {job:?}");
    assert!(job.run_at <= Timestamp::now(), "claimable at once");
}

// ---------------------------------------------------------------------------------------------------
// Installation jobs, the write gate and the reconciler against the fake GitHub.

fn app(gh: &FakeGithub) -> GithubApp {
    GithubApp::new(TEST_APP_ID, SecretString::from(TEST_APP_KEY), &gh.uri()).unwrap()
}

/// Enqueues `spec` and claims it as `worker`.
async fn claim_spec(store: &Store, spec: &JobSpec, worker: &str) -> ClaimedJob {
    store.enqueue(&new_job(spec).unwrap(), Timestamp::now()).await.unwrap();
    store.claim(worker, Duration::from_secs(30), Timestamp::now()).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installation_jobs_record_and_forget_installations() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let gh = FakeGithub::start().await;
        let a = gh.add_repo(7, "octo/app");
        let b = gh.add_repo(7, "octo/lib");
        gh.add_repo(8, "other/x");
        let gate = Arc::new(StoreWriteGate::new(store.clone(), "test", Duration::from_secs(30), Duration::ZERO));
        let handler = GithubJobs::new(store.clone(), app(&gh), gate).without_pin_suggestions();

        let sync = claim_spec(&store, &JobSpec::InstallationSync { installation_id: 7 }, "w").await;
        handler.handle(sync.clone()).await.unwrap();
        store.complete(sync.id, "w", Timestamp::now()).await.unwrap();
        let installations = store.installations().await.unwrap();
        assert_eq!(installations.len(), 1);
        assert_eq!(
            (installations[0].id, installations[0].account.as_str(), installations[0].repositories),
            (7, "octo", 2)
        );
        let repos: Vec<(i64, String)> =
            store.repositories(7).await.unwrap().into_iter().map(|r| (r.id, r.full_name)).collect();
        assert_eq!(repos, vec![(a.cast_signed(), "octo/app".to_owned()), (b.cast_signed(), "octo/lib".to_owned())]);

        // Queued work of installation 7 (and 8, which must survive), then the uninstall.
        let lint = |installation_id: u64, number: u64| JobSpec::LintPullRequest {
            installation_id,
            owner: "octo".into(),
            repo: "app".into(),
            number,
            head_sha: head_sha(number),
        };
        let delete = claim_spec(&store, &JobSpec::InstallationDeleted { installation_id: 7 }, "w").await;
        assert_eq!(delete.kind, "installation_deleted");
        for spec in [lint(7, 1), lint(7, 2), lint(8, 3)] {
            store.enqueue(&new_job(&spec).unwrap(), Timestamp::now()).await.unwrap();
        }
        handler.handle(delete.clone()).await.unwrap();
        // The delete job itself survived its own cancellation and completes.
        store.complete(delete.id, "w", Timestamp::now()).await.unwrap();
        assert!(store.installations().await.unwrap().is_empty());
        assert!(store.repositories(7).await.unwrap().is_empty());
        let queued = store.jobs_in_state(JobState::Queued, 10).await.unwrap();
        assert_eq!(
            queued.iter().map(|j| j.installation_id).collect::<Vec<_>>(),
            vec![Some(8)],
            "only the other installation's job is left"
        );
    }
}

#[tokio::test]
async fn sync_of_an_installation_github_no_longer_knows_forgets_it() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let gh = FakeGithub::start().await;
    let gate = Arc::new(StoreWriteGate::new(store.clone(), "test", Duration::from_secs(30), Duration::ZERO));
    let handler = GithubJobs::new(store.clone(), app(&gh), gate).without_pin_suggestions();
    store
        .upsert_installation(
            &drydock::store::InstallationInfo {
                id: 99,
                account: "gone".into(),
                account_type: "User".into(),
                suspended: false,
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    let sync = claim_spec(&store, &JobSpec::InstallationSync { installation_id: 99 }, "w").await;
    handler.handle(sync).await.unwrap();
    assert!(store.installations().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_job_that_does_not_read_is_permanent() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let gh = FakeGithub::start().await;
    let gate = Arc::new(StoreWriteGate::new(store.clone(), "test", Duration::from_secs(30), Duration::ZERO));
    let handler = GithubJobs::new(store.clone(), app(&gh), gate).without_pin_suggestions();
    store
        .enqueue(&NewJob::new("lint_pull_request", json!({ "kind": "from_the_future" })), Timestamp::now())
        .await
        .unwrap();
    let job = store.claim("w", Duration::from_secs(30), Timestamp::now()).await.unwrap().unwrap();
    let err = handler.handle(job).await.unwrap_err();
    assert!(matches!(&err, JobError::Permanent(m) if m.contains("does not read as a job")), "{err:?}");
}

#[tokio::test]
async fn the_write_gate_spaces_an_installations_writes() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let gh = FakeGithub::start().await;
    gh.add_repo(7, "octo/app");
    gh.add_pull_request("octo/app", PullRequest::new(1, &head_sha(1)));
    let gate =
        Arc::new(StoreWriteGate::new(store.clone(), "test", Duration::from_secs(30), Duration::from_millis(300)));
    let client = app(&gh).installation(7).await.unwrap().with_write_gate(gate);
    let repo = drydock::github::client::RepoRef::parse("octo/app").unwrap();
    let start = Instant::now();
    let (h1, h2, h3) = (head_sha(1), head_sha(2), head_sha(3));
    let (a, b, c) = tokio::join!(
        client.create_check_run(&repo, &h1),
        client.create_check_run(&repo, &h2),
        client.create_check_run(&repo, &h3),
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    // Three writes, each at least 300 ms after the previous one ended.
    assert!(start.elapsed() >= Duration::from_millis(600), "{:?}", start.elapsed());
    // Reads are not gated.
    let start = Instant::now();
    for _ in 0..3 {
        client.find_check_run(&repo, &head_sha(1)).await.unwrap().unwrap();
    }
    assert!(start.elapsed() < Duration::from_millis(600), "{:?}", start.elapsed());
}

#[tokio::test]
async fn the_reconciler_redelivers_failed_deliveries_the_store_lacks() {
    let db = TestDb::sqlite();
    let store = db.connect().await;
    let gh = FakeGithub::start().await;
    let seed = |guid: &str, status_code: u16| {
        gh.add_hook_delivery(HookDeliverySeed {
            guid: guid.to_owned(),
            event: "pull_request".to_owned(),
            action: Some("opened".to_owned()),
            status_code,
            installation_id: Some(7),
            repository_id: Some(1),
        })
    };
    let missed = seed("missed", 0);
    seed("known", 500);
    seed("fine", 202);
    seed("recovered", 502);
    seed("recovered", 202);
    seed("twice", 0);
    let twice_latest = seed("twice", 503);
    store
        .record_delivery(
            &NewDelivery {
                delivery_id: "known".into(),
                event: "pull_request".into(),
                action: None,
                installation_id: None,
                repository: None,
                payload: "{}".into(),
            },
            &[],
            Timestamp::now(),
        )
        .await
        .unwrap();
    let app = app(&gh);
    let config = ReconcileConfig { interval: Duration::from_mins(1), lookback: 100, max_redeliveries: 1 };
    let first = reconcile_once(&app, &store, &config).await.unwrap();
    assert_eq!((first.listed, first.missed, first.redelivered), (7, 2, 1), "capped at one per pass");
    assert_eq!(gh.redeliveries(), vec![twice_latest], "newest first, its latest failed attempt");
    // The redelivery succeeded (the fake logs it as a 202 attempt with the same GUID).
    let config = ReconcileConfig { max_redeliveries: 10, ..config };
    let second = reconcile_once(&app, &store, &config).await.unwrap();
    assert_eq!((second.missed, second.redelivered), (1, 1));
    assert_eq!(gh.redeliveries(), vec![twice_latest, missed]);
    let third = reconcile_once(&app, &store, &config).await.unwrap();
    assert_eq!(third.missed, 0, "nothing left to redeliver");
}

// ---------------------------------------------------------------------------------------------------
// Store support for the worker, on both databases.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_fails_permanently_and_uninstalls_keeping_the_running_job() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let now = Timestamp::now();
        let id = store.enqueue(&NewJob::new("k", json!({})).max_attempts(5), now).await.unwrap();
        let job = store.claim("w", Duration::from_secs(30), now).await.unwrap().unwrap();
        assert!(store.fail_permanently(job.id, "other", "nope", now).await.is_err(), "only the lease holder");
        store.fail_permanently(job.id, "w", "gone for good", now).await.unwrap();
        let dead = store.job(id).await.unwrap().unwrap();
        assert_eq!((dead.state, dead.attempts, dead.last_error.as_deref()), (JobState::Dead, 1, Some("gone for good")));

        let info = drydock::store::InstallationInfo {
            id: 5,
            account: "a".into(),
            account_type: "User".into(),
            suspended: false,
        };
        store.upsert_installation(&info, now).await.unwrap();
        let queued = store.enqueue(&NewJob::new("k", json!({})).installation(5), now).await.unwrap();
        let running = store.enqueue(&NewJob::new("k", json!({})).installation(5), now).await.unwrap();
        let me = store.enqueue(&NewJob::new("k", json!({})).installation(5), now).await.unwrap();
        let other = store.enqueue(&NewJob::new("k", json!({})).installation(6), now).await.unwrap();
        // Claim `running` and `me` (oldest first: queued, running, me… claim three, hand `queued` back).
        let c1 = store.claim("x", Duration::from_secs(30), now).await.unwrap().unwrap();
        assert_eq!(c1.id, queued);
        store.defer(queued, "x", now, now).await.unwrap();
        let c2 = store.claim("x", Duration::from_secs(30), now).await.unwrap().unwrap();
        assert_eq!(c2.id, queued, "handed back, due at once");
        store.defer(queued, "x", now + Duration::from_mins(1), now).await.unwrap();
        assert_eq!(store.claim("x", Duration::from_secs(30), now).await.unwrap().unwrap().id, running);
        assert_eq!(store.claim("x", Duration::from_secs(30), now).await.unwrap().unwrap().id, me);
        let deleted = store.uninstall(5, Some(me)).await.unwrap();
        assert!(deleted.existed);
        assert_eq!(deleted.jobs, 2, "queued and running, not the caller's");
        assert!(store.job(queued).await.unwrap().is_none());
        assert!(store.job(running).await.unwrap().is_none());
        assert_eq!(store.job(me).await.unwrap().unwrap().state, JobState::Running);
        store.complete(me, "x", now).await.unwrap();
        assert_eq!(store.job(other).await.unwrap().unwrap().state, JobState::Queued);
    }
}

// ---------------------------------------------------------------------------------------------------
// The whole server in-process.

/// A full config for the fake GitHub and `database_url`.
pub(crate) fn test_config(gh: &FakeGithub, database_url: &str) -> Config {
    let mut config = Config::defaults(database_url);
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.github_api_url = gh.uri();
    config.app = Some(AppCredentials { app_id: TEST_APP_ID, private_key: SecretString::from(TEST_APP_KEY) });
    config.webhook_secrets = Some(WebhookSecrets::parse(SECRET).unwrap());
    config.workers = 2;
    config.shutdown_grace = Duration::from_secs(5);
    config.reconcile_interval = None;
    config.write_gap = Duration::from_millis(10);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_pull_request_becomes_a_concluded_check_run() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    gh.add_repo(7, "octo/app");
    for n in 1..=3 {
        gh.add_pull_request("octo/app", PullRequest::new(n, &head_sha(n)));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::run_until(test_config(&gh, &db.url), listener, async move {
        let _ = stopped.await;
    }));
    let http = crate::server::http();
    let start = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("http://{addr}/readyz")).send().await
            && r.status() == 200
        {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "server never became ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for n in 1..=3 {
        let body = pull_request_payload(7, "octo/app", n, &head_sha(n));
        assert_eq!(deliver_signed(&http, addr, "pull_request", &format!("d-{n}"), body).await, 202);
    }
    let start = Instant::now();
    loop {
        let runs = gh.check_runs("octo/app");
        if runs.len() == 3 && runs.iter().all(|r| r.status == "completed") {
            for run in &runs {
                assert_eq!((run.name.as_str(), run.conclusion.as_deref()), ("drydock", Some("neutral")));
            }
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "check runs: {runs:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
    // The store is closed and every job done.
    let store = db.connect().await;
    assert_eq!(store.jobs_in_state(JobState::Done, 10).await.unwrap().len(), 3);
}
