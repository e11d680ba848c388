//! Digest-update PRs from the App, end to end: a real registry (Debian's `docker-registry`) on loopback,
//! the fake GitHub's git data API and pull requests, and a real store (SQLite, and PostgreSQL when
//! `TEST_POSTGRES_URL` is set). One PR per repository, updated in place, no duplicates, rebased when the
//! base moves, left alone after somebody else pushes, and never re-proposing what a closed PR proposed.

use std::sync::Arc;
use std::time::Duration;

use drydock::digest::{Guard, Registry, RegistryOptions};
use drydock::github::app::GithubApp;
use drydock::github::client::{InstallationClient, RepoRef};
use drydock::github::events::JobSpec;
use drydock::jobs::digest::{BRANCH, Outcome, Report, ScanError, scan};
use drydock::jobs::{GithubJobs, JobHandler, StoreWriteGate, new_job};
use drydock::store::{Store, Timestamp};
use secrecy::SecretString;

use crate::fake_github::{BOT_LOGIN, FakeGithub, TEST_APP_ID, TEST_APP_KEY};
use crate::registry::{Pusher, TestRegistry};
use crate::store::{TestDb, databases};

const INSTALLATION: u64 = 7;
const REPO: &str = "octo/app";

struct Env {
    gh: FakeGithub,
    client: InstallationClient,
    store: Store,
    registry: Arc<Registry>,
    push: Pusher,
    host: String,
    _reg: TestRegistry,
    _storage: tempfile::TempDir,
}

async fn env(db: &TestDb) -> Option<Env> {
    let storage = tempfile::tempdir().unwrap();
    let reg = TestRegistry::start(storage.path())?;
    let host = reg.host();
    let gh = FakeGithub::start().await;
    gh.add_repo(INSTALLATION, REPO);
    let app = GithubApp::new(TEST_APP_ID, SecretString::from(TEST_APP_KEY), &gh.uri()).unwrap();
    let client = app.installation(INSTALLATION).await.unwrap();
    let mut guard = Guard::new::<_, &str>([]);
    guard.allow_explicit(&host);
    // No tag cache between scans: every scan sees the registry as it is now.
    let options = RegistryOptions { ttl: Duration::ZERO, ..RegistryOptions::default() };
    let registry = Registry::new(guard, options).unwrap();
    Some(Env {
        push: Pusher::new(&host),
        gh,
        client,
        store: db.connect().await,
        registry,
        host,
        _reg: reg,
        _storage: storage,
    })
}

impl Env {
    async fn scan(&self) -> Result<Report, ScanError> {
        scan(&self.client, &self.store, &self.registry, &RepoRef::parse(REPO).unwrap(), Timestamp::now()).await
    }

    fn file(&self, git_ref: &str, path: &str) -> String {
        self.gh.file_at(REPO, git_ref, path).unwrap_or_else(|| panic!("{path} at {git_ref}"))
    }

    fn git_writes(&self) -> usize {
        self.gh
            .requests()
            .iter()
            .filter(|r| r.method != "GET" && (r.path.contains("/git/") || r.path.contains("/pulls")))
            .count()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pr_updated_in_place_rebased_and_closed_memory() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let Some(e) = env(&db).await else { return };
        let host = &e.host;
        let d1 = e.push.tag_image("lib/app", "1", "linux/amd64", "a1").await.digest;
        let amd = e.push.image("lib/multi", "linux/amd64", "m1").await;
        let arm = e.push.image("lib/multi", "linux/arm64", "m1").await;
        e.push.tag_index("lib/multi", "2", &[amd.clone(), arm.clone()]).await;
        let dockerfile = format!("# app\nFROM {host}/lib/app:1@{d1} AS build\nRUN make\n");
        let svc = format!("FROM --platform=linux/arm64 {host}/lib/multi:2@{}\nCOPY . .\n", arm.digest);
        let base1 = e.gh.commit(REPO, "main", &[("Dockerfile", &dockerfile), ("svc/Dockerfile", &svc)], "alice");

        // Nothing moved yet: no PR.
        assert_eq!(e.scan().await.unwrap().outcome, Outcome::NothingToPropose);
        assert!(e.gh.pulls(REPO).is_empty());

        // New images under the same tags: one PR with both bumps.
        let d2 = e.push.tag_image("lib/app", "1", "linux/amd64", "a2").await.digest;
        let amd2 = e.push.image("lib/multi", "linux/amd64", "m2").await;
        let arm2 = e.push.image("lib/multi", "linux/arm64", "m2").await;
        let index2 = e.push.tag_index("lib/multi", "2", &[amd2, arm2.clone()]).await;
        let report = e.scan().await.unwrap();
        assert_eq!(report.outcome, Outcome::Opened(1), "{report:#?}");
        let pulls = e.gh.pulls(REPO);
        assert_eq!(pulls.len(), 1);
        let pr = &pulls[0];
        assert_eq!((pr.head_ref.as_str(), pr.base_ref.as_str(), pr.state.as_str()), (BRANCH, "main", "open"));
        assert_eq!(e.file(BRANCH, "Dockerfile"), dockerfile.replace(&d1, &d2), "only the digest bytes change");
        // The platform pin follows its platform: the new arm64 manifest, not the index.
        assert_eq!(e.file(BRANCH, "svc/Dockerfile"), svc.replace(&arm.digest, &arm2.digest));
        assert!(!e.file(BRANCH, "svc/Dockerfile").contains(&index2));
        let head = e.gh.git_commit(REPO, &e.gh.branch_sha(REPO, BRANCH).unwrap()).unwrap();
        assert_eq!(head.parents, vec![base1.clone()]);
        assert_eq!(head.author, BOT_LOGIN);
        assert!(pr.body.contains(&d2) && pr.body.contains(&d1), "{}", pr.body);
        assert!(pr.body.contains(&format!("`{}` → `{}`", &d1[7..19], &d2[7..19])), "{}", pr.body);
        assert!(pr.body.contains("linux/arm64") && pr.body.contains("2026-01-01T00:00:00Z"), "{}", pr.body);
        assert!(pr.body.contains("Pin base image versions precisely"), "{}", pr.body);
        assert!(pr.body.contains("Base image updates are automated"), "{}", pr.body);
        assert!(pr.body.contains("none found"), "no signature pushed: {}", pr.body);

        // A second run with nothing new writes nothing and opens no second PR.
        let writes = e.git_writes();
        let branch_before = e.gh.branch_sha(REPO, BRANCH);
        assert_eq!(e.scan().await.unwrap().outcome, Outcome::Unchanged(1));
        assert_eq!(e.git_writes(), writes, "{:#?}", e.gh.requests());
        assert_eq!(e.gh.branch_sha(REPO, BRANCH), branch_before);
        assert_eq!(e.gh.pulls(REPO).len(), 1);

        // A third digest moves the same PR.
        let d3 = e.push.tag_image("lib/app", "1", "linux/amd64", "a3").await.digest;
        assert_eq!(e.scan().await.unwrap().outcome, Outcome::Updated(1));
        assert_eq!(e.gh.pulls(REPO).len(), 1);
        assert_eq!(e.file(BRANCH, "Dockerfile"), dockerfile.replace(&d1, &d3));
        assert!(e.gh.pulls(REPO)[0].body.contains(&d3));

        // The base moved: the commit is recreated on the new base.
        let base2 = e.gh.commit(REPO, "main", &[("README.md", "hello\n")], "alice");
        assert_eq!(e.scan().await.unwrap().outcome, Outcome::Updated(1));
        let head = e.gh.git_commit(REPO, &e.gh.branch_sha(REPO, BRANCH).unwrap()).unwrap();
        assert_eq!(head.parents, vec![base2]);
        assert_eq!(e.file(BRANCH, "README.md"), "hello\n");
        assert_eq!(e.file(BRANCH, "Dockerfile"), dockerfile.replace(&d1, &d3));

        // Closed without merge: those digests are not proposed again…
        e.gh.close_pull(REPO, 1, false);
        let report = e.scan().await.unwrap();
        assert_eq!(report.outcome, Outcome::NothingToPropose, "{report:#?}");
        assert!(report.notes.iter().any(|n| n.contains("closed without merge")), "{:#?}", report.notes);
        assert_eq!(e.gh.pulls(REPO).len(), 1);
        assert!(e.store.digest_rejected(REPO, &format!("{host}/lib/app:1"), &d3).await.unwrap());
        // …a newer one is, in a new PR.
        let d4 = e.push.tag_image("lib/app", "1", "linux/amd64", "a4").await.digest;
        let report = e.scan().await.unwrap();
        assert_eq!(report.outcome, Outcome::Opened(2), "{report:#?}");
        assert_eq!(report.bumps.len(), 1, "the arm64 bump was closed and stays closed");
        assert_eq!(e.file(BRANCH, "Dockerfile"), dockerfile.replace(&d1, &d4));
        assert_eq!(e.file(BRANCH, "svc/Dockerfile"), svc);

        // Somebody else pushes to the branch: drydock leaves it alone.
        let theirs = e.gh.commit(REPO, BRANCH, &[("notes.txt", "mine\n")], "alice");
        e.push.tag_image("lib/app", "1", "linux/amd64", "a5").await;
        assert_eq!(e.scan().await.unwrap().outcome, Outcome::ForeignCommits(2));
        assert_eq!(e.gh.branch_sha(REPO, BRANCH).as_deref(), Some(theirs.as_str()));

        // Merged: the base has the pins, the next digest opens a fresh PR from the new base.
        e.gh.close_pull(REPO, 2, true);
        let d6 = e.push.tag_image("lib/app", "1", "linux/amd64", "a6").await.digest;
        let report = e.scan().await.unwrap();
        assert_eq!(report.outcome, Outcome::Opened(3), "{report:#?}");
        assert!(e.file(BRANCH, "Dockerfile").contains(&d6));
        assert_eq!(e.file(BRANCH, "notes.txt"), "mine\n", "built on the merged base");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_min_age_ignore_and_refused_grouping() {
    let db = TestDb::sqlite();
    let Some(e) = env(&db).await else { return };
    let host = &e.host;
    let d1 = e.push.tag_image("lib/app", "1", "linux/amd64", "a1").await.digest;
    let t1 = e.push.tag_image("lib/tool", "1", "linux/amd64", "t1").await.digest;
    let dockerfile = format!("FROM {host}/lib/app:1@{d1}\nCOPY --from={host}/lib/tool:1@{t1} /t /t\n");
    let config = "failure-threshold: warning\ndigest:\n  min-age: 1000000\n  ignore: ['*/lib/tool:*']\n";
    e.gh.commit(REPO, "main", &[("Dockerfile", &dockerfile), (".github/drydock.yml", config)], "alice");
    e.push.tag_image("lib/app", "1", "linux/amd64", "a2").await;
    e.push.tag_image("lib/tool", "1", "linux/amd64", "t2").await;
    let report = e.scan().await.unwrap();
    assert_eq!(report.outcome, Outcome::NothingToPropose, "{report:#?}");
    assert!(report.notes.iter().any(|n| n.contains("min-age") && n.contains("lib/app")), "{:#?}", report.notes);
    assert!(!report.notes.iter().any(|n| n.contains("lib/tool")), "ignored quietly: {:#?}", report.notes);
    assert!(e.gh.pulls(REPO).is_empty());

    // The lint config still reads: the `digest:` block is not a lint key.
    let cached = e.store.cached_config(REPO).await.unwrap().unwrap();
    drydock::jobs::pull_request::config::resolve(&cached, &RepoRef::parse(REPO).unwrap()).unwrap();

    // `enabled: false` stops the scan; an unknown grouping is a clear config error.
    e.gh.commit(REPO, "main", &[(".github/drydock.yml", "digest:\n  enabled: false\n")], "alice");
    e.store.delete_cached_config(REPO).await.unwrap();
    assert_eq!(e.scan().await.unwrap().outcome, Outcome::Disabled);
    e.gh.commit(REPO, "main", &[(".github/drydock.yml", "digest:\n  group: everything\n")], "alice");
    e.store.delete_cached_config(REPO).await.unwrap();
    let err = e.scan().await.unwrap_err().to_string();
    assert!(err.contains("`digest:` block") && err.contains("drydock.yml"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_digest_scan_job_runs_through_the_handler_and_its_write_gate() {
    let db = TestDb::sqlite();
    let Some(e) = env(&db).await else { return };
    let d1 = e.push.tag_image("lib/app", "1", "linux/amd64", "a1").await.digest;
    e.gh.commit(REPO, "main", &[("Dockerfile", &format!("FROM {}/lib/app:1@{d1}\n", e.host))], "alice");
    let d2 = e.push.tag_image("lib/app", "1", "linux/amd64", "a2").await.digest;
    // A cosign-style signature tag for the new digest.
    e.push.tag_image("lib/app", &format!("sha256-{}.sig", &d2[7..]), "linux/amd64", "sig").await;
    let app = GithubApp::new(TEST_APP_ID, SecretString::from(TEST_APP_KEY), &e.gh.uri()).unwrap();
    let gate = Arc::new(StoreWriteGate::new(e.store.clone(), "test", Duration::from_secs(30), Duration::ZERO));
    let handler = GithubJobs::new(e.store.clone(), app, gate).with_registry(Arc::clone(&e.registry));
    let spec = JobSpec::DigestScan { installation_id: INSTALLATION, owner: "octo".into(), repo: "app".into() };
    assert_eq!(spec.coalesce_key().as_deref(), Some("digest:octo/app"));
    e.store.enqueue(&new_job(&spec).unwrap(), Timestamp::now()).await.unwrap();
    let job = e.store.claim("w", Duration::from_secs(30), Timestamp::now()).await.unwrap().unwrap();
    handler.handle(job).await.unwrap();
    let pulls = e.gh.pulls(REPO);
    assert_eq!(pulls.len(), 1);
    assert!(pulls[0].body.contains("cosign signature tag (`sha256-….sig`) found"), "{}", pulls[0].body);
    let record = e.store.digest_repo(REPO).await.unwrap().unwrap();
    assert_eq!(record.pr_number, Some(1));
    assert_eq!(record.last_commit_sha, e.gh.branch_sha(REPO, BRANCH));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lint_jobs_suggest_pins_unless_switched_off() {
    use crate::fake_github::PullRequest;
    let db = TestDb::sqlite();
    let Some(e) = env(&db).await else { return };
    let d1 = e.push.tag_image("lib/app", "1", "linux/amd64", "a1").await.digest;
    let text = format!("FROM {}/lib/app:1 AS app\nRUN true\n", e.host);
    let patch = format!("@@ -0,0 +1,2 @@\n{}", text.lines().map(|l| format!("+{l}")).collect::<Vec<_>>().join("\n"));
    let app = GithubApp::new(TEST_APP_ID, SecretString::from(TEST_APP_KEY), &e.gh.uri()).unwrap();
    let gate = Arc::new(StoreWriteGate::new(e.store.clone(), "test", Duration::from_secs(30), Duration::ZERO));
    let handler = GithubJobs::new(e.store.clone(), app, gate).with_registry(Arc::clone(&e.registry));
    let suggestion = format!("```suggestion\nFROM {}/lib/app:1@{d1} AS app\n```", e.host);
    for (number, handler) in [(11u64, handler.clone()), (12, handler.without_pin_suggestions())] {
        let head = format!("{number:040x}");
        e.gh.set_file(REPO, &head, "Dockerfile", text.as_str());
        e.gh.add_pull_request(REPO, PullRequest::new(number, &head).file("Dockerfile", "added", Some(&patch)));
        let spec = JobSpec::LintPullRequest {
            installation_id: INSTALLATION,
            owner: "octo".into(),
            repo: "app".into(),
            number,
            head_sha: head,
        };
        e.store.enqueue(&new_job(&spec).unwrap(), Timestamp::now()).await.unwrap();
        let job = e.store.claim("w", Duration::from_secs(30), Timestamp::now()).await.unwrap().unwrap();
        handler.handle(job).await.unwrap();
        let comments = e.gh.review_comments(REPO, number);
        let dd001 = comments.iter().find(|c| c.body.contains("DD001")).unwrap_or_else(|| panic!("{comments:#?}"));
        assert_eq!(dd001.body.contains(&suggestion), number == 11, "PR {number}: {}", dd001.body);
    }
}

#[tokio::test]
async fn store_remembers_rejections_and_scan_claims() {
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let t0 = Timestamp::from_unix_millis(1_800_000_000_000);
        let pairs = vec![("docker.io/library/node:20".to_owned(), "sha256:aa".to_owned())];
        store.reject_digests("Octo/App", &pairs, t0).await.unwrap();
        store.reject_digests("octo/app", &pairs, t0).await.unwrap(); // idempotent
        assert!(store.digest_rejected("octo/APP", "docker.io/library/node:20", "sha256:aa").await.unwrap());
        assert!(!store.digest_rejected("octo/app", "docker.io/library/node:20", "sha256:bb").await.unwrap());
        assert!(!store.digest_rejected("octo/other", "docker.io/library/node:20", "sha256:aa").await.unwrap());

        // Two replicas racing for a due scan: one wins.
        let due = t0 + Duration::from_hours(1);
        assert!(store.claim_digest_scan("octo/app", 7, due, t0).await.unwrap());
        assert!(!store.claim_digest_scan("octo/app", 7, t0, t0).await.unwrap(), "scanned at t0, not due");
        let later = t0 + Duration::from_hours(2);
        assert!(store.claim_digest_scan("octo/app", 7, later, later).await.unwrap());
        let record = store.digest_repo("octo/app").await.unwrap().unwrap();
        assert_eq!(record.last_scan_at, Some(later));
    }
}

#[tokio::test]
async fn the_scheduler_enqueues_due_scans_once_across_replicas() {
    use drydock::jobs::digest::jitter;
    use drydock::jobs::digest::schedule::{enqueue_due, slot_start};
    use drydock::store::{InstallationInfo, JobState, Repository};
    for db in databases().await {
        eprintln!("backend: {}", db.backend);
        let store = db.connect().await;
        let replica = db.connect().await;
        let t0 = Timestamp::from_unix_millis(1_800_000_000_000);
        let info =
            InstallationInfo { id: 7, account: "octo".into(), account_type: "Organization".into(), suspended: false };
        store.upsert_installation(&info, t0).await.unwrap();
        let repos =
            [Repository { id: 1, full_name: "octo/app".into() }, Repository { id: 2, full_name: "octo/lib".into() }];
        store.set_repositories(7, &repos, &[], t0).await.unwrap();

        // Never scanned: due at once, enqueued by one replica only.
        let (a, b) = tokio::join!(enqueue_due(&store, t0), enqueue_due(&replica, t0));
        assert_eq!(a.unwrap() + b.unwrap(), 2);
        assert_eq!(enqueue_due(&store, t0 + Duration::from_mins(5)).await.unwrap(), 0, "scanned this slot");
        let queued = store.jobs_in_state(JobState::Queued, 10).await.unwrap();
        assert_eq!(queued.len(), 2);
        assert!(queued.iter().all(|j| j.kind == "digest_scan"));

        // Due again at the next slot start (daily, jittered by the installation id), not before.
        let day = Duration::from_hours(24);
        let next = slot_start(t0, day, jitter(7, day)) + day;
        assert_eq!(enqueue_due(&store, Timestamp::from_unix_millis(next.unix_millis() - 1000)).await.unwrap(), 0);
        assert_eq!(enqueue_due(&store, next).await.unwrap(), 2);
        assert_eq!(enqueue_due(&replica, next).await.unwrap(), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_run_enqueues_a_scan_for_the_workers() {
    use drydock::store::{InstallationInfo, JobState, Repository};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("drydock.db").display());
    let store = Store::connect(&url).await.unwrap();
    let info =
        InstallationInfo { id: 7, account: "octo".into(), account_type: "Organization".into(), suspended: false };
    store.upsert_installation(&info, Timestamp::now()).await.unwrap();
    store
        .set_repositories(7, &[Repository { id: 1, full_name: "octo/app".into() }], &[], Timestamp::now())
        .await
        .unwrap();
    let run = |repo: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            assert_cmd::Command::cargo_bin("drydock")
                .unwrap()
                .args(["digest", "run", "--repo", repo, "--database-url", &url])
                .output()
                .unwrap()
        })
    };
    let out = run("Octo/App").await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("enqueued digest scan"));
    let queued = store.jobs_in_state(JobState::Queued, 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].payload["kind"], "digest_scan");
    let out = run("octo/unknown").await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("install the App"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpinned_from_gets_a_pin_suggestion_when_the_registry_answers() {
    use drydock::jobs::pull_request::{LintTarget, lint_with};

    use crate::fake_github::PullRequest;
    let db = TestDb::sqlite();
    let Some(e) = env(&db).await else { return };
    let d1 = e.push.tag_image("lib/app", "1", "linux/amd64", "a1").await.digest;
    let head = "4444444444444444444444444444444444444444";
    // Line 1: an allowed loopback registry that answers; line 3: a private address the guard refuses;
    // line 5: a tag the registry does not have.
    let text = format!(
        "FROM {h}/lib/app:1 AS app\nRUN true\nFROM 10.1.2.3:5000/lib/x:1 AS x\nRUN true\nFROM {h}/lib/none:1\nRUN true\n",
        h = e.host
    );
    e.gh.set_file(REPO, head, "Dockerfile", text.as_str());
    let patch = format!("@@ -0,0 +1,6 @@\n{}", text.lines().map(|l| format!("+{l}")).collect::<Vec<_>>().join("\n"));
    e.gh.add_pull_request(REPO, PullRequest::new(5, head).file("Dockerfile", "added", Some(&patch)));
    let target = LintTarget {
        repo: RepoRef::parse(REPO).unwrap(),
        head_sha: head.to_owned(),
        pr_numbers: vec![5],
        check_run_id: None,
        require_current_head: true,
    };
    lint_with(&e.client, &e.store, &target, Some(&e.registry)).await.unwrap();
    let comments = e.gh.review_comments(REPO, 5);
    let dd001 = |line: u64| {
        comments
            .iter()
            .find(|c| c.line == Some(line) && c.body.contains("DD001"))
            .unwrap_or_else(|| panic!("a DD001 comment on line {line}: {comments:#?}"))
            .body
            .clone()
    };
    let on1 = dd001(1);
    assert!(
        on1.contains(&format!("```suggestion\nFROM {}/lib/app:1@{d1} AS app\n```", e.host)),
        "the suggestion pins the tag's digest: {on1}"
    );
    assert!(!dd001(3).contains("```suggestion"), "refused registry: plain finding");
    assert!(!dd001(5).contains("```suggestion"), "unknown tag: plain finding");
    let run = &e.gh.check_runs(REPO)[0];
    assert_eq!(run.status, "completed", "lookups never fail the check run");

    // A repository that switched digest updates off gets no pin lookups either.
    e.gh.commit(REPO, "main", &[(".github/drydock.yml", "digest:\n  enabled: false\n")], "alice");
    e.store.delete_cached_config(REPO).await.unwrap();
    let head = "5555555555555555555555555555555555555555";
    e.gh.set_file(REPO, head, "Dockerfile", text.as_str());
    e.gh.add_pull_request(REPO, PullRequest::new(6, head).file("Dockerfile", "added", Some(&patch)));
    let target = LintTarget { head_sha: head.to_owned(), pr_numbers: vec![6], ..target };
    lint_with(&e.client, &e.store, &target, Some(&e.registry)).await.unwrap();
    let off = e.gh.review_comments(REPO, 6);
    assert!(off.iter().any(|c| c.body.contains("DD001")), "{off:#?}");
    assert!(off.iter().all(|c| !c.body.contains("```suggestion\nFROM")), "digest off: no pin suggestion: {off:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_image_and_directory_open_one_pr_per_group() {
    let db = TestDb::sqlite();
    let Some(e) = env(&db).await else { return };
    let host = &e.host;
    let a1 = e.push.tag_image("lib/app", "1", "linux/amd64", "a1").await.digest;
    let t1 = e.push.tag_image("lib/tool", "1", "linux/amd64", "t1").await.digest;
    let root = format!("FROM {host}/lib/app:1@{a1}\nCOPY --from={host}/lib/tool:1@{t1} /t /t\n");
    let svc = format!("FROM {host}/lib/app:1@{a1}\n");
    e.gh.commit(
        REPO,
        "main",
        &[("Dockerfile", &root), ("svc/Dockerfile", &svc), (".github/drydock.yml", "digest:\n  group: image\n")],
        "alice",
    );
    let a2 = e.push.tag_image("lib/app", "1", "linux/amd64", "a2").await.digest;
    let t2 = e.push.tag_image("lib/tool", "1", "linux/amd64", "t2").await.digest;
    let report = e.scan().await.unwrap();
    let app_branch = format!("{BRANCH}-127.0.0.1-{}-lib-app-1", e.host.rsplit(':').next().unwrap());
    let branches: Vec<&str> = report.groups.iter().map(|(b, _)| b.as_str()).collect();
    assert_eq!(branches.len(), 2, "{report:#?}");
    assert!(branches.contains(&app_branch.as_str()), "{branches:?}");
    let pulls = e.gh.pulls(REPO);
    assert_eq!(pulls.len(), 2);
    // The app PR moves both files' app pins and leaves the tool pin alone.
    assert_eq!(e.file(&app_branch, "Dockerfile"), root.replace(&a1, &a2));
    assert_eq!(e.file(&app_branch, "svc/Dockerfile"), svc.replace(&a1, &a2));
    let tool_branch = branches.iter().find(|b| **b != app_branch).unwrap().to_string();
    assert_eq!(e.file(&tool_branch, "Dockerfile"), root.replace(&t1, &t2));
    assert_eq!(e.file(&tool_branch, "svc/Dockerfile"), svc);
    // Again: nothing new, no new PR.
    let again = e.scan().await.unwrap();
    assert!(again.groups.iter().all(|(_, o)| matches!(o, Outcome::Unchanged(_))), "{again:#?}");
    assert_eq!(e.gh.pulls(REPO).len(), 2);
    // Closing the tool PR unmerged keeps the app PR and never re-proposes the tool digest.
    let tool_pr = e.gh.pulls(REPO).into_iter().find(|p| p.head_ref == tool_branch).unwrap().number;
    e.gh.close_pull(REPO, tool_pr, false);
    let report = e.scan().await.unwrap();
    assert_eq!(
        report.groups,
        vec![(app_branch.clone(), Outcome::Unchanged(1)), (tool_branch.clone(), Outcome::NothingToPropose)],
        "{report:#?}"
    );
    assert!(report.notes.iter().any(|n| n.contains("closed without merge")), "{:#?}", report.notes);
    assert_eq!(e.gh.pulls(REPO).len(), 2);

    // By directory: one PR for the root, one for svc/.
    e.gh.commit(REPO, "main", &[(".github/drydock.yml", "digest:\n  group: directory\n")], "alice");
    e.store.delete_cached_config(REPO).await.unwrap();
    let report = e.scan().await.unwrap();
    let branches: Vec<String> = report.groups.iter().map(|(b, _)| b.clone()).collect();
    assert_eq!(branches, vec![format!("{BRANCH}-root"), format!("{BRANCH}-svc")], "{report:#?}");
    assert_eq!(e.file(&format!("{BRANCH}-svc"), "svc/Dockerfile"), svc.replace(&a1, &a2));
    assert_eq!(e.file(&format!("{BRANCH}-svc"), "Dockerfile"), root);
}
