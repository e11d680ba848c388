//! The PR flow end to end: `jobs::pull_request::lint` against the fake GitHub
//! and a real SQLite store. Check runs, annotations, review comments with
//! suggestions, fingerprints across pushes, the 422 fallback, faults, config
//! from the default branch with its preview, and crash idempotency.

use std::time::Duration;

use drydock::github::app::GithubApp;
use drydock::github::client::{ClientConfig, Conclusion, InstallationClient, RepoRef};
use drydock::github::events::JobSpec;
use drydock::jobs::pull_request::{FlowError, LintTarget, Outcome, START_GRACE, lint, refresh_config};
use drydock::store::Store;
use secrecy::SecretString;
use serde_json::Value;

use crate::fake_github::{BOT_LOGIN, FakeGithub, Fault, PrFile, PullRequest, ReviewComment, TEST_APP_ID, TEST_APP_KEY};

const INSTALLATION: u64 = 7;
const REPO: &str = "octo/app";
const H1: &str = "1111111111111111111111111111111111111111";
const H2: &str = "2222222222222222222222222222222222222222";
const H3: &str = "3333333333333333333333333333333333333333";

/// The Dockerfile at H1: lines 4 (ADD) and 7 (MAINTAINER) are added by the PR.
const DOCKERFILE_H1: &str = "FROM python:3.12\nENV API_TOKEN=changeme\nWORKDIR /app\nADD app.py /app/\nCOPY . .\n\
                             RUN pip install flask\nMAINTAINER me@example.com\nCMD gunicorn app:app\n";
const PATCH_H1: &str = "@@ -1,6 +1,8 @@\n FROM python:3.12\n ENV API_TOKEN=changeme\n WORKDIR /app\n+ADD app.py /app/\n \
                        COPY . .\n RUN pip install flask\n+MAINTAINER me@example.com\n CMD gunicorn app:app";

struct Env {
    gh: FakeGithub,
    client: InstallationClient,
    store: Store,
    _dir: tempfile::TempDir,
}

fn config() -> ClientConfig {
    ClientConfig {
        max_retries: 3,
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        max_rate_limit_wait: Duration::from_secs(2),
        default_rate_limit_wait: Duration::from_secs(1),
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
        max_file_size: 1024 * 1024,
    }
}

async fn env() -> Env {
    let gh = FakeGithub::start().await;
    gh.add_repo(INSTALLATION, REPO);
    gh.set_file(REPO, "main", ".dockerignore", "node_modules\n.git\n**/.env\n**/.env.*\n");
    let app = GithubApp::with_config(TEST_APP_ID, SecretString::from(TEST_APP_KEY), &gh.uri(), config()).unwrap();
    let client = app.installation(INSTALLATION).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("drydock.db").display())).await.unwrap();
    Env { gh, client, store, _dir: dir }
}

impl Env {
    /// Seeds the files of `sha` (the `.dockerignore` of `main` too).
    fn files_at(&self, sha: &str, files: &[(&str, &str)]) {
        self.gh.set_file(REPO, sha, ".dockerignore", "node_modules\n.git\n**/.env\n**/.env.*\n");
        for (path, text) in files {
            self.gh.set_file(REPO, sha, path, *text);
        }
    }

    async fn lint_pr(&self, number: u64, head: &str) -> Result<Outcome, FlowError> {
        lint(&self.client, &self.store, &target(number, head)).await
    }

    fn comments(&self) -> Vec<ReviewComment> {
        self.gh.review_comments(REPO, 1)
    }

    fn comment_on(&self, line: u64) -> Option<ReviewComment> {
        self.comments().into_iter().find(|c| c.line == Some(line) && c.in_reply_to_id.is_none())
    }
}

fn target(number: u64, head: &str) -> LintTarget {
    LintTarget {
        repo: RepoRef::parse(REPO).unwrap(),
        head_sha: head.to_owned(),
        pr_numbers: vec![number],
        check_run_id: None,
        require_current_head: true,
    }
}

fn annotation_lines(run: &crate::fake_github::CheckRun, code: &str) -> Vec<u64> {
    run.annotations
        .iter()
        .filter(|a| a["title"].as_str().is_some_and(|t| t.starts_with(code)))
        .map(|a| a["start_line"].as_u64().unwrap())
        .collect()
}

/// PR 1 at H1 with the Dockerfile above.
fn seed_h1(e: &Env) {
    e.files_at(H1, &[("Dockerfile", DOCKERFILE_H1)]);
    e.gh.add_pull_request(REPO, PullRequest::new(1, H1).file("Dockerfile", "modified", Some(PATCH_H1)));
}

#[tokio::test]
async fn a_pr_gets_a_concluded_check_run_annotations_and_suggestions_on_the_right_lines() {
    let e = env().await;
    seed_h1(&e);
    let outcome = e.lint_pr(1, H1).await.unwrap();
    assert_eq!(outcome.conclusion, Some(Conclusion::Failure), "{outcome:?}");

    let runs = e.gh.check_runs(REPO);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!((run.name.as_str(), run.head_sha.as_str(), run.status.as_str()), ("drydock", H1, "completed"));
    assert_eq!(run.conclusion.as_deref(), Some("failure"));
    assert_eq!(annotation_lines(run, "DD001"), vec![1]);
    assert_eq!(annotation_lines(run, "DL3020"), vec![4]);
    assert_eq!(annotation_lines(run, "DL4000"), vec![7]);
    assert_eq!(annotation_lines(run, "DL3025"), vec![8]);
    assert_eq!(run.annotations.len(), outcome.annotations);
    let level = |code: &str| {
        run.annotations.iter().find(|a| a["title"].as_str().unwrap().starts_with(code)).unwrap()["annotation_level"]
            .clone()
    };
    assert_eq!(level("DD001"), Value::from("failure"));
    assert_eq!(level("DL3025"), Value::from("warning"));
    assert_eq!(run.actions[0]["identifier"], "relint");
    let summary = run.summary.as_deref().unwrap();
    assert!(summary.contains("| pinned-base |") && summary.contains("[DD001]("), "{summary}");
    assert!(run.title.as_deref().unwrap().contains("failing)"));

    // One review with comments on the added lines only, suggestions where a safe fix exists.
    let reviews = e.gh.reviews(REPO, 1);
    assert_eq!(reviews.len(), 1);
    assert_eq!((reviews[0].event.as_str(), reviews[0].commit_id.as_str()), ("COMMENT", H1));
    let comments = e.comments();
    assert!(comments.iter().all(|c| c.line == Some(4) || c.line == Some(7)), "{comments:#?}");
    assert!(comments.iter().all(|c| c.user == BOT_LOGIN && c.body.contains("<!-- drydock:fp=")));
    let on4: Vec<&ReviewComment> = comments.iter().filter(|c| c.line == Some(4)).collect();
    let add = on4.iter().find(|c| c.body.contains("DL3020")).expect("a DL3020 comment");
    assert!(add.body.contains("```suggestion\nCOPY app.py /app/\n```"), "{}", add.body);
    assert_eq!(on4.iter().filter(|c| c.body.contains("DD063")).count(), 2, "both DD063 findings on line 4");
    let maintainer = e.comment_on(7).unwrap();
    assert!(maintainer.body.contains("```suggestion\nLABEL maintainer=\"me@example.com\"\n```"), "{}", maintainer.body);
    assert_eq!(outcome.reviews[0].posted, comments.len());
}

#[tokio::test]
async fn a_quick_result_creates_the_run_concluded_in_one_write() {
    let e = env().await;
    seed_h1(&e);
    let outcome = e.lint_pr(1, H1).await.unwrap();
    let run = &e.gh.check_runs(REPO)[0];
    assert!(run.created_completed, "linted within START_GRACE: the create carries the conclusion");
    assert_eq!((run.patches, run.conclusion.as_deref()), (0, Some("failure")));
    assert_eq!(e.gh.requests_to("POST", "/repos/octo/app/check-runs").len(), 1);
    assert_eq!(outcome.check_run_id, Some(run.id));
}

#[tokio::test]
async fn a_slow_lint_shows_the_run_in_progress_first_then_concludes_it() {
    let e = env().await;
    seed_h1(&e);
    // The file list arrives well after the grace: the run must show up in progress meanwhile.
    e.gh.inject_on("GET", "/repos/octo/app/pulls/1/files", Fault::Delay(Duration::from_secs(3)), 1);
    let linting = tokio::spawn({
        let (client, store) = (e.client.clone(), e.store.clone());
        async move { lint(&client, &store, &target(1, H1)).await }
    });
    let mut runs = e.gh.check_runs(REPO);
    while runs.is_empty() && !linting.is_finished() {
        tokio::time::sleep(START_GRACE / 10).await;
        runs = e.gh.check_runs(REPO);
    }
    assert_eq!(runs.len(), 1, "the run exists before the lint is done");
    assert_eq!((runs[0].status.as_str(), runs[0].created_completed), ("in_progress", false));
    let outcome = linting.await.unwrap().unwrap();
    let run = &e.gh.check_runs(REPO)[0];
    assert_eq!((run.id, run.patches, run.conclusion.as_deref()), (runs[0].id, 1, Some("failure")));
    assert_eq!(outcome.check_run_id, Some(run.id));
    assert_eq!(e.gh.requests_to("POST", "/repos/octo/app/check-runs").len(), 1);
}

#[tokio::test]
async fn a_finding_outside_the_diff_is_an_annotation_only() {
    let e = env().await;
    // Only the last line changes; the MAINTAINER on line 2 is outside the hunk.
    let text = "FROM python:3.12\nMAINTAINER me@example.com\nUSER app\nWORKDIR /app\nRUN true\nRUN true\nRUN true\nCMD [\"x\"]\n";
    e.files_at(H1, &[("Dockerfile", text)]);
    let patch = "@@ -6,3 +6,3 @@\n RUN true\n RUN true\n-CMD [\"y\"]\n+CMD [\"x\"]";
    e.gh.add_pull_request(REPO, PullRequest::new(1, H1).file("Dockerfile", "modified", Some(patch)));
    let outcome = e.lint_pr(1, H1).await.unwrap();
    let run = &e.gh.check_runs(REPO)[0];
    assert_eq!(annotation_lines(run, "DL4000"), vec![2]);
    assert!(e.comments().is_empty(), "{:#?}", e.comments());
    assert!(e.gh.reviews(REPO, 1).is_empty(), "nothing new to say: no review");
    assert_eq!(outcome.reviews[0].posted, 0);
}

#[tokio::test]
async fn a_pr_without_dockerfiles_is_neutral() {
    let e = env().await;
    e.gh.add_pull_request(
        REPO,
        PullRequest::new(1, H1).file("README.md", "modified", Some("@@ -1 +1 @@\n-a\n+b")).file(
            "old/Dockerfile",
            "removed",
            Some("@@ -1 +0,0 @@\n-FROM a"),
        ),
    );
    let outcome = e.lint_pr(1, H1).await.unwrap();
    assert_eq!(outcome.conclusion, Some(Conclusion::Neutral));
    let run = &e.gh.check_runs(REPO)[0];
    assert_eq!(run.conclusion.as_deref(), Some("neutral"));
    assert_eq!(run.title.as_deref(), Some("Nothing to lint"));
    assert!(run.annotations.is_empty());
    assert!(e.gh.reviews(REPO, 1).is_empty());
}

#[tokio::test]
async fn a_re_push_repeats_nothing_and_a_fix_removes_or_resolves_stale_comments() {
    let e = env().await;
    seed_h1(&e);
    e.lint_pr(1, H1).await.unwrap();
    let first = e.comments();
    assert!(first.len() >= 4);

    // H2: a comment line on top shifts every line by one; the findings are the same. (Not a
    // `# syntax=` line: an unpinned frontend is a finding of its own, DD358.)
    let h2 = format!("# the web app\n{DOCKERFILE_H1}");
    e.files_at(H2, &[("Dockerfile", &h2)]);
    let patch2 = "@@ -1,6 +1,9 @@\n+# the web app\n FROM python:3.12\n ENV API_TOKEN=changeme\n WORKDIR /app\n\
                  +ADD app.py /app/\n COPY . .\n RUN pip install flask\n+MAINTAINER me@example.com\n CMD gunicorn app:app";
    e.gh.add_pull_request(REPO, PullRequest::new(1, H2).file("Dockerfile", "modified", Some(patch2)));
    let outcome = e.lint_pr(1, H2).await.unwrap();
    assert_eq!(outcome.reviews[0].posted, 0, "{outcome:?}");
    assert_eq!((outcome.reviews[0].deleted, outcome.reviews[0].outdated), (0, 0));
    assert_eq!(e.gh.reviews(REPO, 1).len(), 1, "no second review: nothing new");
    assert_eq!(e.comments().len(), first.len());

    // Someone answers the ADD comment; then H3 fixes both ADD and MAINTAINER.
    let add = first.iter().find(|c| c.body.contains("DL3020")).unwrap();
    let maintainer = first.iter().find(|c| c.body.contains("DL4000")).unwrap();
    e.gh.add_reply(REPO, add.id, "octocat", "why not ADD?");
    let h3 = h2
        .replace("ADD app.py", "COPY app.py")
        .replace("MAINTAINER me@example.com", "LABEL maintainer=\"me@example.com\"");
    e.files_at(H3, &[("Dockerfile", &h3)]);
    let patch3 = "@@ -1,6 +1,9 @@\n+# the web app\n FROM python:3.12\n ENV API_TOKEN=changeme\n WORKDIR /app\n\
                  +COPY app.py /app/\n COPY . .\n RUN pip install flask\n+LABEL maintainer=\"me@example.com\"\n CMD gunicorn app:app";
    e.gh.add_pull_request(REPO, PullRequest::new(1, H3).file("Dockerfile", "modified", Some(patch3)));
    let outcome = e.lint_pr(1, H3).await.unwrap();
    let report = &outcome.reviews[0];
    // Deleted: DL4000 and the two DD063 on the old `ADD` line, whose text changed (the fingerprint
    // holds the line's text), so DD063 is posted again on the new `COPY` line.
    assert_eq!((report.deleted, report.outdated, report.posted), (3, 1, 2), "{report:?}");
    let now = e.comments();
    assert!(now.iter().all(|c| c.id != maintainer.id), "the MAINTAINER comment is deleted");
    let resolved = now.iter().find(|c| c.id == add.id).expect("the replied-to comment stays");
    assert!(resolved.body.starts_with("~~") && resolved.body.contains("Resolved in 3333333"), "{}", resolved.body);
    assert!(!resolved.body.contains("drydock:fp="));
    assert!(now.iter().any(|c| c.user == "octocat"), "replies are never touched");
    assert!(now.iter().filter(|c| c.body.contains("DD063")).all(|c| c.line == Some(5)));
    assert_eq!(now.iter().filter(|c| c.body.contains("DD063") && c.body.contains("drydock:fp=")).count(), 2);

    // Linting H3 again changes nothing (the resolved comment is left alone).
    let again = e.lint_pr(1, H3).await.unwrap();
    assert_eq!(again.reviews[0], drydock::jobs::pull_request::review::ReviewReport { pr: 1, ..Default::default() });
    assert_eq!(e.comments(), now);
}

#[tokio::test]
async fn linting_the_same_head_twice_makes_one_check_run_and_no_duplicates() {
    let e = env().await;
    seed_h1(&e);
    // A crash after the check run was created: it is found again, not duplicated.
    let crashed = e.client.create_check_run(&RepoRef::parse(REPO).unwrap(), H1).await.unwrap();
    let first = e.lint_pr(1, H1).await.unwrap();
    assert_eq!(first.check_run_id, Some(crashed));
    let comments = e.comments();
    let annotations = e.gh.check_runs(REPO)[0].annotations.len();
    let second = e.lint_pr(1, H1).await.unwrap();
    let runs = e.gh.check_runs(REPO);
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(second.check_run_id, Some(crashed));
    assert_eq!(runs[0].annotations.len(), annotations, "annotations are not appended twice");
    assert_eq!(e.comments(), comments);
    assert_eq!(e.gh.reviews(REPO, 1).len(), 1);
    // A check run of the same name by another App is not ours.
    e.gh.add_foreign_check_run(REPO, H2, "drydock", 99);
    e.files_at(H2, &[("Dockerfile", DOCKERFILE_H1)]);
    e.gh.add_pull_request(REPO, PullRequest::new(1, H2).file("Dockerfile", "modified", Some(PATCH_H1)));
    let third = e.lint_pr(1, H2).await.unwrap();
    let ours: Vec<_> =
        e.gh.check_runs(REPO).into_iter().filter(|r| r.head_sha == H2 && r.app_id == TEST_APP_ID).collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(third.check_run_id, Some(ours[0].id));
}

#[tokio::test]
async fn a_superseded_head_writes_nothing() {
    let e = env().await;
    seed_h1(&e);
    let outcome = e.lint_pr(1, H2).await.unwrap();
    assert_eq!(outcome.superseded_by.as_deref(), Some(H1));
    assert!(e.gh.check_runs(REPO).is_empty());
    assert!(e.gh.requests().iter().all(|r| r.method == "GET" || r.path.contains("access_tokens")));
}

#[tokio::test]
async fn a_422_on_the_review_falls_back_to_one_comment_at_a_time() {
    let e = env().await;
    seed_h1(&e);
    // GitHub's view of the diff disagrees on line 7: the review is refused whole.
    e.gh.refuse_review_line(REPO, "Dockerfile", 7);
    let outcome = e.lint_pr(1, H1).await.unwrap();
    let r = &outcome.reviews[0];
    assert!(r.fell_back);
    assert_eq!(r.dropped, 1);
    let comments = e.comments();
    assert!(comments.iter().any(|c| c.line == Some(4)));
    assert!(comments.iter().all(|c| c.line != Some(7)));
    assert_eq!(r.posted, comments.len());
    assert_eq!(outcome.conclusion, Some(Conclusion::Failure));
}

#[tokio::test]
async fn an_injected_422_posts_every_comment_one_by_one() {
    let e = env().await;
    seed_h1(&e);
    e.gh.inject_on("POST", "/repos/octo/app/pulls/1/reviews", Fault::Unprocessable("Validation Failed".into()), 1);
    let outcome = e.lint_pr(1, H1).await.unwrap();
    let r = &outcome.reviews[0];
    assert!(r.fell_back && r.dropped == 0 && r.posted >= 4, "{r:?}");
    assert_eq!(e.gh.reviews(REPO, 1).len(), r.posted, "one review per comment in the fallback");
}

#[tokio::test]
async fn a_review_without_permission_keeps_the_check_result() {
    let e = env().await;
    seed_h1(&e);
    let denied = Fault::Forbidden("Resource not accessible by integration".into());
    e.gh.inject_on("GET", "/repos/octo/app/pulls/1/comments", denied, 1);
    let outcome = e.lint_pr(1, H1).await.unwrap();
    assert_eq!(outcome.conclusion, Some(Conclusion::Failure));
    assert_eq!(e.gh.check_runs(REPO)[0].conclusion.as_deref(), Some("failure"), "not action_required");
    assert!(outcome.review_errors[0].contains("403"), "{outcome:?}");
    assert!(e.comments().is_empty());
}

#[tokio::test]
async fn a_permanent_error_concludes_action_required_with_the_reason() {
    let e = env().await;
    seed_h1(&e);
    e.gh.inject_on("GET", "/repos/octo/app/pulls/1/files", Fault::Forbidden("Resource not accessible".into()), 1);
    let err = e.lint_pr(1, H1).await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    let run = &e.gh.check_runs(REPO)[0];
    assert_eq!(run.conclusion.as_deref(), Some("action_required"), "the check never hangs");
    assert!(run.summary.as_deref().unwrap().contains("Resource not accessible"));
    assert_eq!(run.actions[0]["identifier"], "relint");
}

#[tokio::test]
async fn server_errors_are_retried_and_long_rate_limits_are_retryable_errors() {
    let e = env().await;
    seed_h1(&e);
    e.gh.inject(Fault::ServerError, 2);
    let outcome = e.lint_pr(1, H1).await.unwrap();
    assert_eq!(outcome.conclusion, Some(Conclusion::Failure));

    // A secondary limit longer than the client waits: a retryable error, the run left in progress.
    e.files_at(H2, &[("Dockerfile", DOCKERFILE_H1)]);
    e.gh.add_pull_request(REPO, PullRequest::new(1, H2).file("Dockerfile", "modified", Some(PATCH_H1)));
    e.gh.inject_on("GET", "/repos/octo/app/pulls/1/files", Fault::SecondaryRateLimit { retry_after_secs: 120 }, 1);
    let err = e.lint_pr(1, H2).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_mins(2)));
    let run = e.gh.check_runs(REPO).into_iter().find(|r| r.head_sha == H2).unwrap();
    assert_eq!(run.status, "in_progress", "a retryable error leaves the run for the retry");
    // The retry finds the same run and concludes it.
    let outcome = e.lint_pr(1, H2).await.unwrap();
    assert_eq!(outcome.check_run_id, Some(run.id));
    assert_eq!(e.gh.check_runs(REPO).iter().filter(|r| r.head_sha == H2).count(), 1);

    // Persistent 5xx: still retryable.
    e.gh.inject(Fault::ServerError, 10);
    let err = e.lint_pr(1, H2).await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), None);
}

#[tokio::test]
async fn config_from_the_default_branch_wins_and_a_changing_pr_gets_a_preview() {
    let e = env().await;
    e.gh.set_file(REPO, "main", ".github/drydock.yml", "rules:\n  DL3020: off\n");
    seed_h1(&e);
    // The PR turns DL3020 back on and switches DL4000 off: not applied, only previewed.
    e.gh.set_file(REPO, H1, ".github/drydock.yml", "rules:\n  DL4000: off\n  DD001: warning\n");
    e.gh.add_pull_request(
        REPO,
        PullRequest::new(1, H1).file("Dockerfile", "modified", Some(PATCH_H1)).file(
            ".github/drydock.yml",
            "modified",
            Some("@@ -1,2 +1,3 @@\n rules:\n-  DL3020: off\n+  DL4000: off\n+  DD001: warning"),
        ),
    );
    e.lint_pr(1, H1).await.unwrap();
    let run = &e.gh.check_runs(REPO)[0];
    assert!(annotation_lines(run, "DL3020").is_empty(), "the default branch's config switches DL3020 off");
    assert_eq!(annotation_lines(run, "DL4000"), vec![7], "the PR's config is not applied");
    let summary = run.summary.as_deref().unwrap();
    assert!(summary.contains("### Config preview"), "{summary}");
    assert!(summary.contains("This pull request changes `.github/drydock.yml`"), "{summary}");
    // With the PR's config: DL3020 back (+1 error), DL4000 off (-1 error), DD001 an error no more.
    assert!(summary.contains("failing) instead of"), "{summary}");
    assert!(e.comments().iter().all(|c| !c.body.contains("DL3020")));

    // The config is cached: a change on main shows only after refresh_config (a push).
    e.gh.set_file(REPO, "main", ".github/drydock.yml", "ignore: [DL4000]\n");
    e.files_at(H2, &[("Dockerfile", DOCKERFILE_H1)]);
    e.gh.add_pull_request(REPO, PullRequest::new(1, H2).file("Dockerfile", "modified", Some(PATCH_H1)));
    e.lint_pr(1, H2).await.unwrap();
    let run = e.gh.check_runs(REPO).into_iter().find(|r| r.head_sha == H2).unwrap();
    assert_eq!(annotation_lines(&run, "DL4000"), vec![7], "cached config still used");
    refresh_config(&e.client, &e.store, &RepoRef::parse(REPO).unwrap()).await.unwrap();
    e.files_at(H3, &[("Dockerfile", DOCKERFILE_H1)]);
    e.gh.add_pull_request(REPO, PullRequest::new(1, H3).file("Dockerfile", "modified", Some(PATCH_H1)));
    e.lint_pr(1, H3).await.unwrap();
    let run = e.gh.check_runs(REPO).into_iter().find(|r| r.head_sha == H3).unwrap();
    assert!(annotation_lines(&run, "DL4000").is_empty(), "refreshed config applies");
    assert_eq!(annotation_lines(&run, "DL3020"), vec![4]);
}

#[tokio::test]
async fn the_config_is_read_from_the_default_branch_whatever_its_name() {
    let e = env().await;
    e.gh.set_default_branch(REPO, "trunk");
    e.gh.set_file(REPO, "main", ".github/drydock.yml", "ignore: [DD001]\n");
    e.gh.set_file(REPO, "trunk", ".github/drydock.yaml", "ignore: [DL4000]\n");
    seed_h1(&e);
    e.lint_pr(1, H1).await.unwrap();
    let run = &e.gh.check_runs(REPO)[0];
    assert!(annotation_lines(run, "DL4000").is_empty());
    assert_eq!(annotation_lines(run, "DD001"), vec![1]);
    assert!(run.summary.as_deref().unwrap().contains("`.github/drydock.yaml` on `trunk`"));
    let cached = e.store.cached_config(REPO).await.unwrap().unwrap();
    assert_eq!(cached.default_branch, "trunk");
}

#[tokio::test]
async fn extends_pulls_the_org_base_config_under_the_repository_config() {
    let e = env().await;
    e.gh.add_repo(INSTALLATION, "octo/.github");
    e.gh.set_file("octo/.github", "main", ".github/drydock.yml", "ignore: [DL4000, DL3020]\nfailure-threshold: none\n");
    e.gh.set_file(REPO, "main", ".github/drydock.yml", "_extends: .github\nrules:\n  DL3020: on\n");
    seed_h1(&e);
    let outcome = e.lint_pr(1, H1).await.unwrap();
    assert_eq!(outcome.conclusion, Some(Conclusion::Success), "the base says never fail");
    let run = &e.gh.check_runs(REPO)[0];
    assert!(annotation_lines(run, "DL4000").is_empty(), "off in the base");
    assert_eq!(annotation_lines(run, "DL3020"), vec![4], "the repository turns it back on");
    assert!(run.summary.as_deref().unwrap().contains("extending `octo/.github:.github/drydock.yml`"));
}

#[tokio::test]
async fn a_malformed_config_concludes_action_required_and_says_why() {
    let e = env().await;
    e.gh.set_file(REPO, "main", ".github/drydock.yml", "rulez:\n  DL3020: off\n");
    seed_h1(&e);
    let outcome = e.lint_pr(1, H1).await.unwrap();
    assert_eq!(outcome.conclusion, Some(Conclusion::ActionRequired));
    let run = &e.gh.check_runs(REPO)[0];
    assert_eq!(run.conclusion.as_deref(), Some("action_required"));
    assert_eq!(run.title.as_deref(), Some("drydock's config is invalid"));
    let summary = run.summary.as_deref().unwrap();
    assert!(summary.contains("`rulez`") && summary.contains("line 1"), "{summary}");
    assert!(run.annotations.is_empty());
    assert!(e.comments().is_empty());

    // An `_extends` that cannot be read is invalid too, not silently empty.
    e.gh.set_file(REPO, "main", ".github/drydock.yml", "_extends: nobody/.github\n");
    refresh_config(&e.client, &e.store, &RepoRef::parse(REPO).unwrap()).await.unwrap();
    e.files_at(H2, &[("Dockerfile", DOCKERFILE_H1)]);
    e.gh.add_pull_request(REPO, PullRequest::new(1, H2).file("Dockerfile", "modified", Some(PATCH_H1)));
    let outcome = e.lint_pr(1, H2).await.unwrap();
    assert!(outcome.config_error.as_deref().unwrap().contains("nobody/.github"), "{outcome:?}");
}

#[tokio::test]
async fn a_changed_dockerignore_lints_the_dockerfiles_of_its_context() {
    let e = env().await;
    e.files_at(
        H1,
        &[
            ("svc/Dockerfile", "FROM python:3.12\nMAINTAINER a\n"),
            ("svc/.dockerignore", "*\n"),
            ("svc/other.Dockerfile", "FROM python:3.12\n"),
            ("svc/other.Dockerfile.dockerignore", ".git\n"),
            ("svc/main.py", "print()\n"),
        ],
    );
    e.gh.add_pull_request(
        REPO,
        PullRequest::new(1, H1).file("svc/.dockerignore", "modified", Some("@@ -1 +1 @@\n-.git\n+*")),
    );
    let outcome = e.lint_pr(1, H1).await.unwrap();
    let run = &e.gh.check_runs(REPO)[0];
    let paths: std::collections::BTreeSet<&str> = run.annotations.iter().map(|a| a["path"].as_str().unwrap()).collect();
    assert!(paths.contains("svc/Dockerfile"), "{paths:?}");
    assert!(!paths.contains("svc/other.Dockerfile"), "it has its own .dockerignore: {paths:?}");
    assert_eq!(outcome.files_linted, 2, "the .dockerignore and svc/Dockerfile");
    assert!(e.comments().iter().all(|c| c.path != "svc/Dockerfile"), "not in the diff: annotations only");
}

#[tokio::test]
async fn a_file_over_one_megabyte_is_skipped_with_a_finding() {
    let e = env().await;
    let big = format!("FROM scratch\n{}", "# padding\n".repeat(110_000));
    e.files_at(H1, &[("Dockerfile", &big)]);
    e.gh.add_pull_request(REPO, PullRequest::new(1, H1).file("Dockerfile", "modified", None));
    let outcome = e.lint_pr(1, H1).await.unwrap();
    assert_eq!(outcome.conclusion, Some(Conclusion::Success), "a warning does not fail");
    let run = &e.gh.check_runs(REPO)[0];
    assert_eq!(annotation_lines(run, "DL1000"), vec![1]);
    assert!(run.summary.as_deref().unwrap().contains("not linted"));
    assert!(e.comments().is_empty(), "no patch: no comments");
}

#[tokio::test]
async fn a_merge_queue_commit_lints_what_it_changed_without_a_review() {
    let e = env().await;
    e.files_at(H1, &[("Dockerfile", DOCKERFILE_H1), ("api/Dockerfile", "FROM scratch\n")]);
    e.gh.set_commit_files(
        REPO,
        H1,
        vec![PrFile {
            filename: "Dockerfile".into(),
            status: "modified".into(),
            patch: Some(PATCH_H1.into()),
            previous_filename: None,
        }],
    );
    let job = JobSpec::LintCommit {
        installation_id: INSTALLATION,
        owner: "octo".into(),
        repo: "app".into(),
        head_sha: H1.into(),
        check_run_id: None,
        pr_numbers: vec![],
    };
    let target = LintTarget::from_job(&job).unwrap().unwrap();
    assert!(!target.require_current_head);
    let outcome = lint(&e.client, &e.store, &target).await.unwrap();
    assert_eq!(outcome.conclusion, Some(Conclusion::Failure));
    assert!(outcome.reviews.is_empty());
    let run = &e.gh.check_runs(REPO)[0];
    assert!(run.annotations.iter().all(|a| a["path"] == "Dockerfile"));

    // Re-lint on the concluded run: the same run, not a second one, and no doubled annotations.
    let count = run.annotations.len();
    let relint = LintTarget { check_run_id: Some(run.id), ..target };
    let again = lint(&e.client, &e.store, &relint).await.unwrap();
    assert_eq!(again.check_run_id, Some(run.id));
    let runs = e.gh.check_runs(REPO);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].annotations.len(), count);
}

#[test]
fn lint_targets_from_jobs() {
    let pr = JobSpec::LintPullRequest {
        installation_id: 1,
        owner: "octo".into(),
        repo: "app".into(),
        number: 5,
        head_sha: H1.into(),
    };
    let t = LintTarget::from_job(&pr).unwrap().unwrap();
    assert_eq!((t.pr_numbers, t.require_current_head, t.check_run_id), (vec![5], true, None));
    assert!(LintTarget::from_job(&JobSpec::InstallationSync { installation_id: 1 }).unwrap().is_none());
    let bad = JobSpec::LintPullRequest {
        installation_id: 1,
        owner: "octo".into(),
        repo: "a/b".into(),
        number: 5,
        head_sha: H1.into(),
    };
    assert!(LintTarget::from_job(&bad).is_err());
}
