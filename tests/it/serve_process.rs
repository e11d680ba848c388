//! `drydock serve` as a real process (`CARGO_BIN_EXE_drydock`): start-up refusals, a `kill -9` in the
//! middle of a stream of deliveries, and two processes sharing one PostgreSQL queue.
//!
//! The fake GitHub runs in the test process; the server reaches it over loopback.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt as _;
use drydock::store::JobState;
use tokio::sync::Semaphore;

use crate::fake_github::{FakeGithub, PullRequest};
use crate::server::{SECRET, deliver_signed, head_sha, pull_request_payload};
use crate::store::TestDb;

const KEY_FILE: &str = "tests/fixtures/github/app-key.pem";

/// `drydock serve` with every setting from flags and a clean environment.
fn serve_command() -> Command {
    let mut cmd = Command::cargo_bin("drydock").unwrap();
    cmd.current_dir(crate::common::manifest_dir()).arg("serve");
    for (key, _) in std::env::vars() {
        if key.starts_with("DRYDOCK_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", std::env::var("DRYDOCK_TEST_LOG").unwrap_or_else(|_| "warn".to_owned()));
    // The seeded PRs use `FROM debian`: no registry outside loopback is asked for a pin.
    cmd.env("DRYDOCK_PIN_SUGGESTIONS", "false");
    cmd
}

/// A running server process; killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(gh: &FakeGithub, database_url: &str) -> Self {
        Self::start_with(gh, database_url, serve_command(), Stdio::inherit())
    }

    /// As [`Server::start`], from `cmd` (extra flags or environment) with stderr (the logs) to `logs`.
    fn start_with(gh: &FakeGithub, database_url: &str, mut cmd: Command, logs: Stdio) -> Self {
        let mut child = cmd
            .args(["--listen", "127.0.0.1:0", "--database-url", database_url, "--app-id", "4242"])
            .args(["--private-key-file", KEY_FILE, "--webhook-secret", SECRET, "--github-api-url", &gh.uri()])
            .args(["--workers", "4", "--reconcile-interval", "0", "--write-gap", "0ms", "--job-lease", "2s"])
            .stdout(Stdio::piped())
            .stderr(logs)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Self { child, addr }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn serve_refuses_to_start_with_partial_credentials_with_one_message() {
    // No App setting at all is setup mode (tests/it/setup); some but not all is a mistake.
    let out = serve_command().args(["--app-id", "4242"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("drydock: error: drydock serve cannot start:\n"), "{stderr}");
    for needle in [
        "DRYDOCK_PRIVATE_KEY_FILE",
        "DRYDOCK_PRIVATE_KEY (the PEM itself)",
        "DRYDOCK_WEBHOOK_SECRET",
        "DRYDOCK_WEBHOOK_SECRET_FILE",
    ] {
        assert!(stderr.contains(needle), "{needle} missing from {stderr}");
    }
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
}

#[test]
fn serve_names_each_bad_setting_and_never_echoes_secrets() {
    let out = serve_command()
        .args(["--app-id", "my-app", "--webhook-secret", "hunter2-topsecret,", "--database-url", "mysql://x"])
        .args(["--private-key-file", "Cargo.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("the App id `my-app` is not a number"), "{stderr}");
    assert!(stderr.contains("Cargo.toml holds no PEM private key"), "{stderr}");
    assert!(stderr.contains("webhook secret number 2 of the comma-separated list is empty"), "{stderr}");
    assert!(stderr.contains("must start with sqlite:// or postgres://"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "a secret leaked: {stderr}");
    // A flag's value that clap rejects is a usage error, also exit 2.
    let out = serve_command().args(["--shutdown-grace", "soon"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("is not a duration"));
}

#[test]
fn serve_reads_secrets_from_the_environment_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, "from-a-file\n").unwrap();
    let pem = std::fs::read_to_string(crate::common::manifest_dir().join(KEY_FILE)).unwrap();
    // Everything valid, but the listen address is taken: the failure is then about the address, which
    // proves the settings themselves were accepted.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    let out = serve_command()
        .env("DRYDOCK_APP_ID", "4242")
        .env("DRYDOCK_PRIVATE_KEY", &pem)
        .env("DRYDOCK_WEBHOOK_SECRET_FILE", &secret_file)
        .env("DATABASE_URL", &db)
        .env("DRYDOCK_LISTEN", taken.local_addr().unwrap().to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    assert!(!stderr.contains("from-a-file") && !stderr.contains("PRIVATE KEY"), "{stderr}");
}

#[test]
fn serve_help_names_every_environment_variable() {
    let out = serve_command().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for env in [
        "DRYDOCK_LISTEN",
        "DATABASE_URL",
        "DRYDOCK_APP_ID",
        "DRYDOCK_PRIVATE_KEY_FILE",
        "DRYDOCK_PRIVATE_KEY",
        "DRYDOCK_WEBHOOK_SECRET",
        "DRYDOCK_WEBHOOK_SECRET_FILE",
        "DRYDOCK_GITHUB_API_URL",
        "DRYDOCK_GITHUB_URL",
        "DRYDOCK_PUBLIC_URL",
        "DRYDOCK_SECRET_KEY",
        "DRYDOCK_SECRET_KEY_FILE",
        "DRYDOCK_WORKERS",
        "DRYDOCK_SHUTDOWN_GRACE",
        "DATABASE_URL_FILE",
    ] {
        assert!(help.contains(env), "{env} missing from --help:\n{help}");
    }
}

/// `drydock healthcheck` as the image's HEALTHCHECK runs it: `DRYDOCK_LISTEN` from the environment.
fn healthcheck(listen: &str) -> std::process::Output {
    let mut cmd = Command::cargo_bin("drydock").unwrap();
    cmd.arg("healthcheck")
        .args(["--timeout", "2s"])
        .env("DRYDOCK_LISTEN", listen)
        .env("HTTP_PROXY", "http://192.0.2.1:9");
    cmd.output().unwrap()
}

/// A client for talking to a server under test.
fn http_client() -> reqwest::Client {
    drydock::github::app::install_crypto_provider();
    reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap()
}

/// Delivers the `pull_request` webhook of a seeded PR as `delivery` and waits for its check run.
async fn lint_one_pr(
    gh: &FakeGithub,
    http: &reqwest::Client,
    addr: SocketAddr,
    (i, repo, n): &(u64, String, u64),
    delivery: &str,
) {
    let sha = head_sha(i * 10_000 + n);
    let body = pull_request_payload(*i, repo, *n, &sha);
    assert_eq!(deliver_signed_checked(http, addr, delivery, body).await, Some(202));
    wait_concluded(gh, &BTreeSet::from([(repo.clone(), sha)]), Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_and_metrics_of_a_running_server() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let prs = seed(&gh, 1, 1);
    let mut server = Server::start(&gh, &db.url);
    // A wildcard listen address is probed on loopback, and HTTP_PROXY is ignored.
    let listen = format!("0.0.0.0:{}", server.addr.port());
    let out = healthcheck(&listen);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // One pull request through the whole flow, then every layer's metrics are on /metrics.
    let http = http_client();
    lint_one_pr(&gh, &http, server.addr, &prs[0], "metrics-1").await;
    // The check run concludes a moment before the job is recorded as done: poll until it is.
    let scrape =
        || async { http.get(format!("http://{}/metrics", server.addr)).send().await.unwrap().text().await.unwrap() };
    let start = Instant::now();
    let mut page = scrape().await;
    while !page.contains("outcome=\"done\"") && start.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        page = scrape().await;
    }
    for needle in [
        "drydock_webhook_deliveries_total{event=\"pull_request\",outcome=\"accepted\"} 1",
        "drydock_job_duration_seconds_bucket{kind=\"lint_pull_request\",outcome=\"done\",le=",
        "drydock_github_requests_total{method=\"POST\",status=\"201\"}",
        "drydock_findings_total{rule=\"DL3008\"} 1",
        "drydock_queue_jobs{state=\"running\"}",
    ] {
        assert!(page.contains(needle), "{needle} missing from\n{page}");
    }
    assert!(!page.contains(SECRET), "the webhook secret is on the metrics page");

    server.kill();
    let out = healthcheck(&listen);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("drydock: unhealthy: http://127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("is `drydock serve` running"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_context_and_never_a_secret() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let prs = seed(&gh, 1, 1);
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    // Everything drydock and its libraries log, at the most verbose level.
    let mut cmd = serve_command();
    cmd.env("RUST_LOG", "trace").args(["--log-format", "json"]);
    let mut server = Server::start_with(&gh, &db.url, cmd, Stdio::from(log));
    let http = http_client();
    lint_one_pr(&gh, &http, server.addr, &prs[0], "logs-1").await;
    let (i, repo, _) = prs[0].clone();
    // The check run concludes a moment before the job's `job done` line: wait for it.
    let start = Instant::now();
    while !std::fs::read_to_string(&log_path).unwrap().contains("job done") && start.elapsed() < Duration::from_secs(15)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill();

    let logs = std::fs::read_to_string(&log_path).unwrap();
    let pem = std::fs::read_to_string(crate::common::manifest_dir().join(KEY_FILE)).unwrap();
    let key_body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let secrets = [
        SECRET.to_owned(),
        key_body[..40].to_owned(),
        key_body[key_body.len() - 40..].to_owned(),
        format!("ghs_fake{i}x1"), // the installation token the fake GitHub minted
        "eyJ".to_owned(),         // any JWT (the App's, signed with the key)
    ];
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret ({}…) is in the logs", &secret[..3]);
    }
    // JSON, one object per line; the job's lines name the delivery, installation, repository and job.
    let lines: Vec<serde_json::Value> =
        logs.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    let done = lines
        .iter()
        .find(|l| l["fields"]["message"] == "job done")
        .unwrap_or_else(|| panic!("no `job done` line in\n{logs}"));
    let span = &done["span"];
    assert_eq!(span["delivery"], "logs-1", "{done}");
    assert_eq!(span["installation"], i, "{done}");
    assert_eq!(span["repository"], repo, "{done}");
    assert!(span["job.id"].is_string() || span["job.id"].is_number(), "{done}");
}

/// `drydock replay` with a clean environment.
fn replay(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::cargo_bin("drydock").unwrap();
    for (key, _) in std::env::vars() {
        if key.starts_with("DRYDOCK_") || key.starts_with("DATABASE_URL") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("replay").args(args).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_enqueues_a_stored_delivery_again_or_posts_it_signed() {
    let (first_db, second_db) = (TestDb::sqlite(), TestDb::sqlite());
    let gh = FakeGithub::start().await;
    let prs = seed(&gh, 1, 1);
    let http = http_client();
    let mut server = Server::start(&gh, &first_db.url);
    lint_one_pr(&gh, &http, server.addr, &prs[0], "replay-1").await;
    server.kill();

    // Into the same database: the delivery's job is queued again.
    let out = replay(&["replay-1", "--database-url", &first_db.url]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("enqueued job ") && stdout.contains("(lint_pull_request)"), "{stdout}");
    let store = first_db.connect().await;
    assert_eq!(store.jobs_in_state(JobState::Queued, 10).await.unwrap().len(), 1);

    // To another server, signed with its secret and with GitHub's headers: it stores the same delivery.
    let other = Server::start(&gh, &second_db.url);
    let url = format!("http://{}/webhook", other.addr);
    let out = replay(&["replay-1", "--database-url", &first_db.url, "--to", &url, "--webhook-secret", SECRET]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("answered 202"), "{stdout}");
    let received = second_db.connect().await.stored_delivery("replay-1").await.unwrap().unwrap();
    assert_eq!(received.0.event, "pull_request");
    // A wrong secret is refused by the receiver: exit 1.
    let out = replay(&["replay-1", "--database-url", &first_db.url, "--to", &url, "--webhook-secret", "wrong"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("answered 401"));

    // An id the store does not have: exit 2, saying what to check.
    let out = replay(&["no-such-delivery", "--database-url", &first_db.url]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no delivery `no-such-delivery` in the store"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_within_the_grace() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let prs = seed(&gh, 1, 1);
    let mut server = Server::start(&gh, &db.url);
    lint_one_pr(&gh, &http_client(), server.addr, &prs[0], "term-1").await;
    let pid = server.child.id().to_string();
    let started = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still running 20 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "a clean exit after SIGTERM");
    // Nothing was left claimed: the stopped server's jobs are done, none is still leased.
    let store = db.connect().await;
    assert!(store.jobs_in_state(JobState::Running, 10).await.unwrap().is_empty());
}

/// Seeds `prs` PRs per installation (installations `1..=installations`, repo `org{i}/app`), each with a
/// Dockerfile at its head, so the real PR flow has something to lint and comment on.
fn seed(gh: &FakeGithub, installations: u64, prs: u64) -> Vec<(u64, String, u64)> {
    let mut all = Vec::new();
    for i in 1..=installations {
        let repo = format!("org{i}/app");
        gh.add_repo(i, &repo);
        for n in 1..=prs {
            let sha = head_sha(i * 10_000 + n);
            gh.set_file(&repo, &sha, "Dockerfile", "FROM debian\nRUN apt-get install -y curl\n");
            let pr = PullRequest::new(n, &sha).file(
                "Dockerfile",
                "added",
                Some("@@ -0,0 +1,2 @@\n+FROM debian\n+RUN apt-get install -y curl"),
            );
            gh.add_pull_request(&repo, pr);
            all.push((i, repo.clone(), n));
        }
    }
    all
}

/// Waits until every `(repo, head)` has a completed `drydock` check run.
async fn wait_concluded(gh: &FakeGithub, heads: &BTreeSet<(String, String)>, within: Duration) {
    let start = Instant::now();
    loop {
        let repos: BTreeSet<&String> = heads.iter().map(|(r, _)| r).collect();
        let mut done = 0;
        for repo in repos {
            for run in gh.check_runs(repo) {
                if run.status == "completed" && heads.contains(&(repo.clone(), run.head_sha.clone())) {
                    done += 1;
                }
            }
        }
        if done >= heads.len() {
            return;
        }
        assert!(start.elapsed() < within, "{done} of {} heads concluded after {within:?}", heads.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Each head has exactly one `drydock` check run, concluded once, and no PR has two comments with one body.
fn assert_exactly_once(gh: &FakeGithub, prs: &[(u64, String, u64)]) {
    let repos: BTreeSet<&String> = prs.iter().map(|(_, r, _)| r).collect();
    for repo in repos {
        let mut per_head: BTreeMap<String, usize> = BTreeMap::new();
        for run in gh.check_runs(repo) {
            assert_eq!(run.name, "drydock");
            *per_head.entry(run.head_sha.clone()).or_default() += 1;
        }
        for (head, count) in &per_head {
            assert_eq!(*count, 1, "{repo}@{head} has {count} check runs");
        }
    }
    for (_, repo, n) in prs {
        let mut bodies = BTreeSet::new();
        for c in gh.review_comments(repo, *n) {
            assert!(bodies.insert((c.path.clone(), c.line, c.body.clone())), "{repo}#{n}: duplicate comment {c:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_stream_loses_no_acknowledged_delivery_and_runs_none_twice() {
    let db = TestDb::sqlite();
    let gh = FakeGithub::start().await;
    let prs = seed(&gh, 3, 12);
    let mut server = Server::start(&gh, &db.url);
    let http = {
        drydock::github::app::install_crypto_provider();
        reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap()
    };
    // Send everything 6 at a time; kill the server after the 12th acknowledgement.
    let acked = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let gate = Arc::new(Semaphore::new(6));
    let mut sends = tokio::task::JoinSet::new();
    let addr = server.addr;
    for (i, repo, n) in prs.clone() {
        let (http, acked, gate) = (http.clone(), Arc::clone(&acked), Arc::clone(&gate));
        sends.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let body = pull_request_payload(i, &repo, n, &head_sha(i * 10_000 + n));
            let delivery = format!("crash-{i}-{n}");
            let status =
                tokio::time::timeout(Duration::from_secs(5), deliver_signed_checked(&http, addr, &delivery, body))
                    .await;
            if let Ok(Some(202)) = status {
                acked.lock().unwrap().insert((i, repo, n));
            }
        });
    }
    let start = Instant::now();
    while acked.lock().unwrap().len() < 12 {
        assert!(start.elapsed() < Duration::from_secs(30), "no acknowledgements");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    while sends.join_next().await.is_some() {}
    let acked_before: BTreeSet<(u64, String, u64)> = acked.lock().unwrap().clone();
    assert!(acked_before.len() < prs.len(), "the kill came too late to be mid-stream");
    eprintln!("acknowledged before the kill: {} of {}", acked_before.len(), prs.len());

    // Restart on the same file; GitHub (or the reconciler) redelivers what was not acknowledged.
    let server = Server::start(&gh, &db.url);
    for (i, repo, n) in &prs {
        if !acked_before.contains(&(*i, repo.clone(), *n)) {
            let body = pull_request_payload(*i, repo, *n, &head_sha(i * 10_000 + n));
            assert_eq!(deliver_signed(&http, server.addr, "pull_request", &format!("crash-{i}-{n}"), body).await, 202);
        }
    }
    let heads: BTreeSet<(String, String)> =
        prs.iter().map(|(i, repo, n)| (repo.clone(), head_sha(i * 10_000 + n))).collect();
    wait_concluded(&gh, &heads, Duration::from_mins(1)).await;
    assert_exactly_once(&gh, &prs);
    // Every acknowledged delivery's job is done (in the store the crashed process wrote). A check run
    // concludes just before its job is marked done, so give the last ones a moment.
    let store = db.connect().await;
    let start = Instant::now();
    let missing = loop {
        let done: BTreeSet<String> = store
            .jobs_in_state(JobState::Done, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|j| j.delivery_id)
            .collect();
        let missing: Vec<String> =
            acked_before.iter().map(|(i, _, n)| format!("crash-{i}-{n}")).filter(|d| !done.contains(d)).collect();
        if missing.is_empty() || start.elapsed() > Duration::from_secs(30) {
            break missing;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    drop(server);
    assert!(missing.is_empty(), "acknowledged deliveries not processed: {missing:?}");
}

/// As [`deliver_signed`], `None` when the connection failed (the server was killed).
async fn deliver_signed_checked(
    http: &reqwest::Client,
    addr: SocketAddr,
    delivery: &str,
    body: Vec<u8>,
) -> Option<u16> {
    let signature = drydock::github::webhook::sign(SECRET, &body);
    let response = http
        .post(format!("http://{addr}/webhook"))
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", delivery)
        .header("x-hub-signature-256", signature)
        .body(body)
        .send()
        .await
        .ok()?;
    Some(response.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_run_each_job_once() {
    let url = std::env::var("TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty());
    let Some(url) = crate::common::require_or_skip(
        url,
        "TEST_POSTGRES_URL for the two-process test",
        "export TEST_POSTGRES_URL=\"$(bash .ci/postgres.sh)\"",
    ) else {
        return;
    };
    let db = TestDb::postgres(&url).await;
    // Migrate once up front, so the two processes do not race to create the schema.
    db.connect().await.close().await;
    let gh = FakeGithub::start().await;
    let prs = seed(&gh, 10, 100);
    let servers = [Server::start(&gh, &db.url), Server::start(&gh, &db.url)];
    let http = crate::server::http();
    let gate = Arc::new(Semaphore::new(16));
    let mut sends = tokio::task::JoinSet::new();
    for (k, (i, repo, n)) in prs.iter().cloned().enumerate() {
        let addr = servers[k % 2].addr;
        let (http, gate) = (http.clone(), Arc::clone(&gate));
        sends.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            let body = pull_request_payload(i, &repo, n, &head_sha(i * 10_000 + n));
            deliver_signed(&http, addr, "pull_request", &format!("pg-{i}-{n}"), body).await
        });
    }
    while let Some(status) = sends.join_next().await {
        assert_eq!(status.unwrap(), 202);
    }
    let heads: BTreeSet<(String, String)> =
        prs.iter().map(|(i, repo, n)| (repo.clone(), head_sha(i * 10_000 + n))).collect();
    wait_concluded(&gh, &heads, Duration::from_secs(90)).await;
    assert_exactly_once(&gh, &prs);
    // Each check run was created once and concluded once (by the create itself, or by one PATCH after an
    // in-progress create): no job ran twice.
    let creates = gh.requests().iter().filter(|r| r.method == "POST" && r.path.ends_with("/check-runs")).count();
    assert_eq!(creates, prs.len());
    for (_, repo, _) in &prs {
        for run in gh.check_runs(repo) {
            let conclusions = run.patches + u32::from(run.created_completed);
            assert_eq!(conclusions, 1, "{repo}@{} concluded {conclusions} times", run.head_sha);
        }
    }
    drop(servers);
    let store = db.connect().await;
    assert_eq!(store.jobs_in_state(JobState::Done, 2_000).await.unwrap().len(), prs.len());
}
