//! `cargo bench --bench serve`: the App's service figures (nothing here asserts on time).
//!
//! 1. Acknowledgement latency of `POST /webhook` under an open-loop load of 500 signed deliveries per
//!    second on loopback (each request leaves at its scheduled time, and latency counts from that time,
//!    so a stall is not hidden by the generator waiting), on SQLite and, when `TEST_POSTGRES_URL` is
//!    set, PostgreSQL: p50, p99, max, and a check that every 202 left its delivery in the store.
//! 2. Delivery to concluded check run, median over 10 PRs with 5 Dockerfiles each, through the whole
//!    server (webhook, queue, worker, PR flow) against the fake GitHub of the test tree.
//! 3. Idle RSS of a `drydock serve` process.
//!
//! Set `BENCH_SECONDS` to change the load duration (default 10).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

#[allow(dead_code, unreachable_pub)]
#[path = "../tests/it/fake_github/mod.rs"]
mod fake_github;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use drydock::github::webhook::{WebhookSecrets, sign};
use drydock::server::{self, AppCredentials, AppState, Config};
use drydock::store::Store;
use fake_github::{FakeGithub, PullRequest, TEST_APP_ID, TEST_APP_KEY};
use secrecy::SecretString;
use serde_json::json;
use sqlx::Connection as _;

const SECRET: &str = "bench-secret";
const RATE: u64 = 500;

fn payload(installation: u64, repo: &str, number: u64, head: &str) -> Vec<u8> {
    let (owner, name) = repo.split_once('/').unwrap();
    // Real pull_request payloads run to tens of kilobytes; pad to about 25 KB.
    json!({
        "action": "opened",
        "number": number,
        "pull_request": {
            "number": number, "draft": false, "body": "x".repeat(24_000),
            "head": { "ref": format!("topic-{number}"), "sha": head },
            "base": { "ref": "main", "sha": "0".repeat(40) },
        },
        "repository": { "id": 1, "name": name, "full_name": repo, "owner": { "login": owner }, "default_branch": "main" },
        "installation": { "id": installation },
    })
    .to_string()
    .into_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Open-loop load against the webhook route alone (no workers: the figure is the acknowledgement).
async fn ack_latency(label: &str, store: Store, seconds: u64) {
    let state = AppState {
        store: store.clone(),
        secrets: Arc::new(WebhookSecrets::parse(SECRET).unwrap()),
        wake: Arc::default(),
        workers_alive: Arc::new(AtomicBool::new(true)),
        metrics: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server::router(state)).await });
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    let total = RATE * seconds;
    let interval = Duration::from_secs_f64(1.0 / RATE as f64);
    let bodies: Vec<(String, Vec<u8>)> = (0..total)
        .map(|i| {
            let body = payload(1 + i % 10, "org/app", i + 1, &format!("{i:040x}"));
            (sign(SECRET, &body), body)
        })
        .collect();
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (signature, body)) in bodies.into_iter().enumerate() {
        let due = start + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let http = http.clone();
        tasks.spawn(async move {
            let status = http
                .post(format!("http://{addr}/webhook"))
                .header("x-github-event", "pull_request")
                .header("x-github-delivery", format!("bench-{i}"))
                .header("x-hub-signature-256", signature)
                .body(body)
                .send()
                .await
                .map_or(0, |r| r.status().as_u16());
            (status, due.elapsed())
        });
    }
    let mut latencies = Vec::with_capacity(total as usize);
    let mut accepted = 0u64;
    while let Some(done) = tasks.join_next().await {
        let (status, latency) = done.unwrap();
        accepted += u64::from(status == 202);
        latencies.push(latency);
    }
    let wall = start.elapsed();
    latencies.sort();
    let stored = store.recent_deliveries(u32::try_from(total + 10).unwrap()).await.unwrap().len();
    println!(
        "ack latency {label}: {total} deliveries at {RATE}/s over {:.1} s: p50 {}  p99 {}  max {}  (202: {accepted}, stored: {stored})",
        wall.as_secs_f64(),
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap()),
    );
    assert_eq!(stored as u64, accepted, "every acknowledged delivery is in the store");
}

async fn fresh_postgres(admin_url: &str) -> String {
    let name = format!("drydock_bench_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

fn config(gh: &FakeGithub, database_url: &str) -> Config {
    let mut config = Config::defaults(database_url);
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.github_api_url = gh.uri();
    config.app = Some(AppCredentials { app_id: TEST_APP_ID, private_key: SecretString::from(TEST_APP_KEY) });
    config.webhook_secrets = Some(WebhookSecrets::parse(SECRET).unwrap());
    config.reconcile_interval = None;
    // The bench's Dockerfiles name Docker Hub images; only loopback is asked.
    config.pin_suggestions = false;
    config
}

/// Delivery → concluded `drydock` check run, for PRs with 5 Dockerfiles, through the whole server, one
/// PR at a time on a quiet installation, with the write gap `gap` between an installation's mutating
/// requests (GitHub asks for 1 s; creating and concluding the check run are two of them).
async fn delivery_to_check_run(dir: &std::path::Path, gap: Duration) {
    let gh = FakeGithub::start().await;
    gh.add_repo(1, "org/app");
    let dockerfile = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nCOPY . /app\nCMD [\"/app/run\"]\n";
    let patch = "@@ -0,0 +1,4 @@\n+FROM debian:12\n+RUN apt-get update && apt-get install -y curl\n+COPY . /app\n+CMD [\"/app/run\"]";
    let db = format!("sqlite://{}", dir.join(format!("e2e-{}.db", gap.as_millis())).display());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut config = config(&gh, &db);
    config.write_gap = gap;
    let server = tokio::spawn(server::run_until(config, listener, async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let mut times = Vec::new();
    for n in 1..=10u64 {
        let head = format!("{n:040x}");
        let mut pr = PullRequest::new(n, &head);
        for d in 0..5 {
            let file = format!("svc{d}/Dockerfile");
            gh.set_file("org/app", &head, &file, dockerfile);
            pr = pr.file(&file, "added", Some(patch));
        }
        gh.add_pull_request("org/app", pr);
        let body = payload(1, "org/app", n, &head);
        let start = Instant::now();
        let status = http
            .post(format!("http://{addr}/webhook"))
            .header("x-github-event", "pull_request")
            .header("x-github-delivery", format!("e2e-{n}"))
            .header("x-hub-signature-256", sign(SECRET, &body))
            .body(body)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 202);
        loop {
            let done = gh.check_runs("org/app").iter().any(|r| r.head_sha == head && r.status == "completed");
            if done {
                break;
            }
            assert!(start.elapsed() < Duration::from_mins(1), "PR {n} never concluded");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        times.push(start.elapsed());
        // Let the installation go quiet, so each PR is measured alone: the review is posted after the
        // conclusion (one more write, a gap later), and the next PR's first write waits a gap after it.
        tokio::time::sleep(gap * 2 + Duration::from_millis(200)).await;
    }
    times.sort();
    println!(
        "delivery -> concluded check run (PR with 5 Dockerfiles, fake GitHub, SQLite, write gap {} ms): median {}  max {}",
        gap.as_millis(),
        ms(percentile(&times, 0.5)),
        ms(*times.last().unwrap())
    );
    let _ = stop.send(());
    let _ = server.await;
}

/// RSS of an idle `drydock serve` process, 3 s after it said it listens.
async fn idle_rss(dir: &std::path::Path) {
    use std::io::BufRead as _;
    let gh = FakeGithub::start().await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_drydock"))
        .args(["serve", "--listen", "127.0.0.1:0", "--app-id", "4242", "--webhook-secret", SECRET])
        .args(["--github-api-url", &gh.uri()])
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.join("idle.db").display()))
        .env("DRYDOCK_PRIVATE_KEY", TEST_APP_KEY)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let rss = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: unknown").to_owned();
    println!("idle drydock serve: {}", rss.split_whitespace().skip(1).collect::<Vec<_>>().join(" "));
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    drydock::github::app::install_crypto_provider();
    let seconds: u64 = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Store::connect(&format!("sqlite://{}", dir.path().join("ack.db").display())).await.unwrap();
        ack_latency("SQLite", sqlite, seconds).await;
        match std::env::var("TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) {
            Some(url) => {
                let pg = Store::connect(&fresh_postgres(&url).await).await.unwrap();
                ack_latency("PostgreSQL", pg, seconds).await;
            }
            None => println!("ack latency PostgreSQL: skipped (set TEST_POSTGRES_URL)"),
        }
        delivery_to_check_run(dir.path(), Duration::from_secs(1)).await;
        delivery_to_check_run(dir.path(), Duration::ZERO).await;
        idle_rss(dir.path()).await;
    });
}
