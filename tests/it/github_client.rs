//! `github::app` and `github::client` against the fake GitHub: tokens, JWTs,
//! pagination on custom hosts, contents, check runs, reviews, retries and rate
//! limits, and the App's webhook deliveries.

use std::time::{Duration, Instant};

use drydock::github::app::GithubApp;
use drydock::github::client::{
    Annotation, AnnotationLevel, CheckRunAction, CheckRunSummary, ClientConfig, Conclusion, FileStatus, GithubError,
    InstallationClient, MAX_TEXT_LEN, RepoRef, ReviewCommentDraft,
};
use octocrab::jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::fake_github::{
    AuthKind, FakeGithub, Fault, HookDeliverySeed, PullRequest, TEST_APP_ID, TEST_APP_KEY, TEST_APP_PUBLIC_KEY,
};

const INSTALLATION: u64 = 7;
const REPO: &str = "octo/app";
const HEAD: &str = "0123456789abcdef0123456789abcdef01234567";

/// Small waits, so the retry tests stay fast.
fn config() -> ClientConfig {
    ClientConfig {
        max_retries: 3,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(100),
        max_rate_limit_wait: Duration::from_secs(2),
        default_rate_limit_wait: Duration::from_secs(1),
        request_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
        max_file_size: 1024 * 1024,
    }
}

fn app_for(base: &str, config: ClientConfig) -> GithubApp {
    GithubApp::with_config(TEST_APP_ID, SecretString::from(TEST_APP_KEY), base, config).unwrap()
}

async fn setup() -> (FakeGithub, GithubApp) {
    let gh = FakeGithub::start().await;
    gh.add_repo(INSTALLATION, REPO);
    let app = app_for(&gh.uri(), config());
    (gh, app)
}

fn repo() -> RepoRef {
    RepoRef::parse(REPO).unwrap()
}

async fn client(app: &GithubApp) -> InstallationClient {
    app.installation(INSTALLATION).await.unwrap()
}

/// A PR with `n` Dockerfiles, each with a one-hunk patch.
fn pr_with_files(number: u64, n: usize) -> PullRequest {
    (0..n).fold(PullRequest::new(number, HEAD), |pr, i| {
        pr.file(&format!("svc{i}/Dockerfile"), "modified", Some("@@ -1,2 +1,2 @@\n-FROM a\n+FROM b\n USER app"))
    })
}

fn annotation(i: u32) -> Annotation {
    Annotation {
        path: "Dockerfile".to_owned(),
        start_line: i + 1,
        end_line: i + 1,
        start_column: Some(1),
        end_column: Some(4),
        annotation_level: AnnotationLevel::Warning,
        message: format!("finding {i}"),
        title: Some("DL3006".to_owned()),
        raw_details: None,
    }
}

#[tokio::test]
async fn concurrent_calls_share_one_token_mint() {
    let (gh, app) = setup().await;
    gh.add_pull_request(REPO, pr_with_files(1, 3));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { client(&app).await.list_pr_files(&repo(), 1).await.unwrap().len() }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 3);
    }
    assert_eq!(gh.token_mints(INSTALLATION), 1, "cold client, 10 concurrent callers: one mint");

    // Warm: another 10 concurrent requests on one shared client mint nothing.
    let c = client(&app).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let c = c.clone();
        set.spawn(async move { c.list_pr_files(&repo(), 1).await.unwrap().len() });
    }
    assert_eq!(set.join_all().await, [3; 10]);
    assert_eq!(gh.token_mints(INSTALLATION), 1);

    let mints = gh.requests_to("POST", &format!("/app/installations/{INSTALLATION}/access_tokens"));
    assert_eq!(mints.len(), 1);
    assert_eq!(mints[0].auth, AuthKind::Jwt);
    let files = gh.requests_to("GET", "/repos/octo/app/pulls/1/files");
    assert_eq!(files.len(), 20);
    assert!(files.iter().all(|r| r.auth == AuthKind::Installation(INSTALLATION) && r.status == 200));
}

#[tokio::test]
async fn jwt_claims_are_what_github_requires() {
    let (gh, app) = setup().await;
    client(&app).await;
    let claims = gh.jwt_claims();
    assert_eq!(claims.len(), 1, "one JWT, for the one mint");
    let c = &claims[0];
    assert_eq!(c.iss, TEST_APP_ID.to_string());
    assert!(c.iat + 59 <= c.checked_at && c.iat + 62 >= c.checked_at, "iat 60 s in the past: {c:?}");
    assert!(c.exp > c.checked_at && c.exp <= c.checked_at + 600, "exp at most 10 minutes ahead: {c:?}");

    // `jwt()` is the same kind of token, RS256 and verifiable with the public key.
    let jwt = app.jwt().unwrap();
    assert_eq!(decode_header(jwt.expose_secret()).unwrap().alg, Algorithm::RS256);
    let key = DecodingKey::from_rsa_pem(TEST_APP_PUBLIC_KEY.as_bytes()).unwrap();
    let data = decode::<Value>(jwt.expose_secret(), &key, &Validation::new(Algorithm::RS256)).unwrap();
    assert_eq!(data.claims["iss"], json!(TEST_APP_ID));

    // The fake rejects a JWT for another App id: minting fails with 401, not retried.
    let other = GithubApp::with_config(gh.app_id() + 1, SecretString::from(TEST_APP_KEY), &gh.uri(), config()).unwrap();
    let err = other.installation(INSTALLATION).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("github answered 401 to POST /app/installations/{INSTALLATION}/access_tokens: Bad credentials")
    );
    assert_eq!(gh.requests().last().unwrap().auth, AuthKind::Invalid);
}

#[tokio::test]
async fn a_revoked_token_is_refreshed_on_401() {
    let (gh, app) = setup().await;
    gh.add_pull_request(REPO, pr_with_files(1, 1));
    let c = client(&app).await;
    assert_eq!(c.list_pr_files(&repo(), 1).await.unwrap().len(), 1);
    gh.revoke_tokens();
    assert_eq!(c.list_pr_files(&repo(), 1).await.unwrap().len(), 1);
    assert_eq!(gh.token_mints(INSTALLATION), 2);
    let statuses: Vec<u16> = gh.requests_to("GET", "/repos/octo/app/pulls/1/files").iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 401, 200]);
}

#[tokio::test]
async fn expiring_tokens_are_minted_again() {
    let (gh, app) = setup().await;
    gh.add_pull_request(REPO, pr_with_files(1, 1));
    // octocrab reuses a token until 30 s before it expires: a 32 s token is
    // good for 1-2 s (the fake's clock has whole seconds).
    gh.set_token_ttl(Duration::from_secs(32));
    let c = client(&app).await;
    c.list_pr_files(&repo(), 1).await.unwrap();
    assert_eq!(gh.token_mints(INSTALLATION), 1);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    c.list_pr_files(&repo(), 1).await.unwrap();
    assert_eq!(gh.token_mints(INSTALLATION), 2, "one new token, minted once");
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 200, 201, 200]);
}

#[tokio::test]
async fn forgetting_an_installation_drops_its_token() {
    let (gh, app) = setup().await;
    client(&app).await;
    client(&app).await;
    assert_eq!(gh.token_mints(INSTALLATION), 1);
    app.forget_installation(INSTALLATION);
    client(&app).await;
    assert_eq!(gh.token_mints(INSTALLATION), 2);
}

#[tokio::test]
async fn pagination_keeps_auth_on_a_custom_host() {
    let (gh, app) = setup().await;
    gh.add_pull_request(REPO, pr_with_files(5, 250));
    let files = client(&app).await.list_pr_files(&repo(), 5).await.unwrap();
    assert_eq!(files.len(), 250);
    assert_eq!(files[0].filename, "svc0/Dockerfile");
    assert_eq!(files[249].filename, "svc249/Dockerfile");
    assert_eq!(files[0].status, FileStatus::Modified);
    assert!(files[0].patch.as_deref().unwrap().starts_with("@@ -1,2 +1,2 @@"));
    let pages = gh.requests_to("GET", "/repos/octo/app/pulls/5/files");
    let queries: Vec<&str> = pages.iter().map(|r| r.query.as_deref().unwrap()).collect();
    assert_eq!(queries, ["per_page=100", "per_page=100&page=2", "per_page=100&page=3"]);
    assert!(pages.iter().all(|r| r.auth == AuthKind::Installation(INSTALLATION)), "{pages:?}");
}

#[tokio::test]
async fn pagination_on_ghes_strips_the_api_prefix_and_keeps_auth() {
    let gh = FakeGithub::start().await;
    gh.add_repo(INSTALLATION, REPO);
    gh.add_pull_request(REPO, pr_with_files(5, 150));
    let app = app_for(&gh.ghes_uri(), config());
    let files = client(&app).await.list_pr_files(&repo(), 5).await.unwrap();
    assert_eq!(files.len(), 150);
    let pages = gh.requests_to("GET", "/repos/octo/app/pulls/5/files");
    assert_eq!(pages.len(), 2);
    // Every request, the token mint included, went under one `/api/v3`.
    assert!(gh.requests().iter().all(|r| r.ghes_prefix && r.status < 300), "{:?}", gh.requests());
    assert!(pages.iter().all(|r| r.auth == AuthKind::Installation(INSTALLATION)));
}

#[tokio::test]
async fn pr_files_stop_at_3000() {
    let (gh, app) = setup().await;
    gh.add_pull_request(REPO, pr_with_files(9, 3_100));
    let files = client(&app).await.list_pr_files(&repo(), 9).await.unwrap();
    assert_eq!(files.len(), 3_000);
    assert_eq!(gh.requests_to("GET", "/repos/octo/app/pulls/9/files").len(), 30);
}

#[tokio::test]
async fn file_contents_at_a_ref() {
    let (gh, app) = setup().await;
    let c = client(&app).await;
    let dockerfile = "FROM debian:12.5\nRUN echo ü\n".repeat(20);
    gh.set_file(REPO, HEAD, "svc a/Dockerfile", dockerfile.clone());
    gh.set_file(REPO, "main", ".github/drydock.yml", "rules: {}\n");

    let got = c.file_contents(&repo(), "svc a/Dockerfile", Some(HEAD)).await.unwrap().unwrap();
    assert_eq!(got.text(), Some(dockerfile.as_str()));
    assert_eq!(got.path, "svc a/Dockerfile");
    assert_eq!(got.sha.len(), 40);

    // No ref: the default branch.
    let config = c.file_contents(&repo(), ".github/drydock.yml", None).await.unwrap().unwrap();
    assert_eq!(config.bytes, b"rules: {}\n");
    assert_eq!(c.file_contents(&repo(), ".github/drydock.yml", Some(HEAD)).await.unwrap(), None);
    assert_eq!(c.file_contents(&repo(), "svc a/.dockerignore", Some(HEAD)).await.unwrap(), None);

    let err = c.file_contents(&repo(), "svc a", Some(HEAD)).await.unwrap_err();
    assert!(matches!(err, GithubError::Decode { .. }), "{err}");
    assert!(err.to_string().contains("is a directory"), "{err}");

    gh.set_file(REPO, "main", "empty/Dockerfile", "");
    let empty = c.file_contents(&repo(), "empty/Dockerfile", None).await.unwrap().unwrap();
    assert!(empty.bytes.is_empty());
}

#[tokio::test]
async fn large_files_are_too_large_or_come_from_the_blob_api() {
    let gh = FakeGithub::start().await;
    gh.add_repo(INSTALLATION, REPO);
    let big = vec![b'#'; 1_500_000];
    gh.set_file(REPO, HEAD, "Dockerfile", big.clone());

    let app = app_for(&gh.uri(), config());
    let err = client(&app).await.file_contents(&repo(), "Dockerfile", Some(HEAD)).await.unwrap_err();
    assert!(
        matches!(&err, GithubError::TooLarge { path, size: 1_500_000, limit: 1_048_576 } if path == "Dockerfile"),
        "{err}"
    );
    assert!(gh.requests().iter().all(|r| !r.path.contains("/git/blobs/")));

    // With a 2 MB limit the contents API sends no content, so the blob API does.
    let app = app_for(&gh.uri(), ClientConfig { max_file_size: 2_000_000, ..config() });
    let got = client(&app).await.file_contents(&repo(), "Dockerfile", Some(HEAD)).await.unwrap().unwrap();
    assert_eq!(got.bytes, big);
    assert_eq!(gh.requests().iter().filter(|r| r.path.contains("/git/blobs/")).count(), 1);
}

#[tokio::test]
async fn check_run_concludes_with_120_annotations_in_3_patches() {
    let (gh, app) = setup().await;
    let c = client(&app).await;
    let id = c.create_check_run(&repo(), HEAD).await.unwrap();
    let runs = gh.check_runs(REPO);
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].id, runs[0].name.as_str(), runs[0].status.as_str()), (id, "drydock", "in_progress"));
    assert_eq!(runs[0].head_sha, HEAD);

    let annotations: Vec<Annotation> = (0..120).map(annotation).collect();
    let summary = CheckRunSummary {
        title: "3 findings".to_owned(),
        summary: "## drydock\n\n120 findings".to_owned(),
        text: None,
        actions: vec![CheckRunAction {
            label: "Re-lint".to_owned(),
            description: "Lint this commit again".to_owned(),
            identifier: "relint".to_owned(),
        }],
    };
    let patches = c.conclude_check_run(&repo(), id, Conclusion::Failure, &summary, &annotations).await.unwrap();
    assert_eq!(patches, 3);

    let run = &gh.check_runs(REPO)[0];
    assert_eq!(run.patches, 3);
    assert_eq!(run.status, "completed");
    assert_eq!(run.conclusion.as_deref(), Some("failure"));
    assert_eq!(run.title.as_deref(), Some("3 findings"));
    assert_eq!(run.annotations.len(), 120);
    let messages: Vec<&str> = run.annotations.iter().map(|a| a["message"].as_str().unwrap()).collect();
    assert_eq!(messages[0], "finding 0");
    assert_eq!(messages[50], "finding 50");
    assert_eq!(messages[119], "finding 119");
    assert_eq!(run.annotations[7]["start_column"], json!(1));
    assert_eq!(
        run.actions,
        [json!({"label": "Re-lint", "description": "Lint this commit again", "identifier": "relint"})]
    );
    let patch_statuses: Vec<u16> =
        gh.requests_to("PATCH", &format!("/repos/octo/app/check-runs/{id}")).iter().map(|r| r.status).collect();
    assert_eq!(patch_statuses, [200, 200, 200]);
}

#[tokio::test]
async fn a_run_created_concluded_carries_50_annotations_and_appends_the_rest() {
    let (gh, app) = setup().await;
    let c = client(&app).await;
    let annotations: Vec<Annotation> = (0..120).map(annotation).collect();
    let summary = CheckRunSummary {
        title: "120 findings".to_owned(),
        summary: "## drydock".to_owned(),
        text: Some("details".to_owned()),
        actions: vec![CheckRunAction {
            label: "Re-lint".to_owned(),
            description: "Lint this commit again".to_owned(),
            identifier: "relint".to_owned(),
        }],
    };
    let (id, sent) =
        c.create_concluded_check_run(&repo(), HEAD, Conclusion::Failure, &summary, &annotations).await.unwrap();
    assert_eq!(sent, 3, "one POST and two PATCHes");
    let runs = gh.check_runs(REPO);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!((run.id, run.name.as_str(), run.head_sha.as_str()), (id, "drydock", HEAD));
    assert!(run.created_completed);
    assert_eq!((run.status.as_str(), run.conclusion.as_deref(), run.patches), ("completed", Some("failure"), 2));
    assert_eq!((run.title.as_deref(), run.text.as_deref()), (Some("120 findings"), Some("details")));
    let messages: Vec<&str> = run.annotations.iter().map(|a| a["message"].as_str().unwrap()).collect();
    assert_eq!(
        (messages.len(), messages[0], messages[50], messages[119]),
        (120, "finding 0", "finding 50", "finding 119")
    );
    assert_eq!(run.actions[0]["identifier"], "relint");

    // Without annotations it is the POST alone.
    let (_, sent) = c.create_concluded_check_run(&repo(), HEAD, Conclusion::Success, &summary, &[]).await.unwrap();
    assert_eq!(sent, 1);
}

#[tokio::test]
async fn check_run_without_annotations_is_one_patch() {
    let (gh, app) = setup().await;
    let c = client(&app).await;
    let id = c.create_check_run(&repo(), HEAD).await.unwrap();
    let summary = CheckRunSummary {
        title: "Nothing to lint".to_owned(),
        summary: "No Dockerfile changed.".to_owned(),
        ..Default::default()
    };
    assert_eq!(c.conclude_check_run(&repo(), id, Conclusion::Neutral, &summary, &[]).await.unwrap(), 1);
    let run = &gh.check_runs(REPO)[0];
    assert_eq!((run.patches, run.conclusion.as_deref()), (1, Some("neutral")));
    assert!(run.annotations.is_empty());
}

#[tokio::test]
async fn long_summaries_are_truncated_on_a_char_boundary() {
    let (gh, app) = setup().await;
    let c = client(&app).await;
    let id = c.create_check_run(&repo(), HEAD).await.unwrap();
    // 70,000 characters, 3 bytes each: GitHub would answer 422.
    let long = "✓".repeat(70_000);
    let summary =
        CheckRunSummary { title: "t".to_owned(), summary: long.clone(), text: Some(long.clone()), actions: vec![] };
    let mut annotations = vec![annotation(0)];
    annotations[0].message = "m".repeat(70_000);
    c.conclude_check_run(&repo(), id, Conclusion::Success, &summary, &annotations).await.unwrap();

    let run = &gh.check_runs(REPO)[0];
    let stored = run.summary.as_deref().unwrap();
    assert!(stored.len() <= MAX_TEXT_LEN, "{} bytes", stored.len());
    let (kept, mark) = stored.split_at(stored.rfind("\n\n").unwrap());
    assert_eq!(mark, "\n\n… (truncated)");
    assert!(long.starts_with(kept));
    assert_eq!(kept.chars().count(), (MAX_TEXT_LEN - mark.len()) / 3);
    assert!(run.text.as_deref().unwrap().len() <= MAX_TEXT_LEN);
    assert!(run.annotations[0]["message"].as_str().unwrap().len() <= MAX_TEXT_LEN);
}

#[tokio::test]
async fn review_with_a_suggestion_comment() {
    let (gh, app) = setup().await;
    let patch = "@@ -1,3 +1,4 @@\n FROM debian\n-RUN apt-get update\n+RUN apt-get update \\\n+ && apt-get install -y curl\n USER app";
    gh.add_pull_request(REPO, PullRequest::new(3, HEAD).file("Dockerfile", "modified", Some(patch)));
    let c = client(&app).await;
    let suggestion = "Pin the version.\n\n```suggestion\nRUN apt-get update \\\n && apt-get install -y curl=8.5.0-2\n```\n<!-- drydock:DL3008:abc -->";
    let drafts = [
        ReviewCommentDraft { path: "Dockerfile".to_owned(), line: 3, start_line: Some(2), body: suggestion.to_owned() },
        ReviewCommentDraft {
            path: "Dockerfile".to_owned(),
            line: 4,
            start_line: None,
            body: "Run as a named user.".to_owned(),
        },
    ];
    let review_id = c.create_review(&repo(), 3, HEAD, "drydock found 2 issues", &drafts).await.unwrap();

    let reviews = gh.reviews(REPO, 3);
    assert_eq!(reviews.len(), 1);
    assert_eq!((reviews[0].id, reviews[0].event.as_str(), reviews[0].commit_id.as_str()), (review_id, "COMMENT", HEAD));
    let stored = gh.review_comments(REPO, 3);
    assert_eq!(stored.len(), 2);
    assert_eq!((stored[0].line, stored[0].start_line, stored[0].side.as_str()), (Some(3), Some(2), "RIGHT"));
    assert_eq!(stored[0].body, suggestion);
    assert_eq!((stored[1].line, stored[1].start_line), (Some(4), None));

    // The raw POST carried line/side/start_line/start_side, not `position`.
    let listed = c.list_review_comments(&repo(), 3).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].body, suggestion);
    assert_eq!((listed[0].line, listed[0].start_line, listed[0].side.as_deref()), (Some(3), Some(2), Some("RIGHT")));
    assert_eq!(listed[0].pull_request_review_id, Some(review_id));
    assert_eq!(listed[0].user.as_ref().unwrap().login, "drydock[bot]");
    assert_eq!(listed[0].commit_id, HEAD);

    // A reply, an edit and a deletion.
    let reply = gh.add_reply(REPO, listed[1].id, "octocat", "Why?");
    let listed = c.list_review_comments(&repo(), 3).await.unwrap();
    assert_eq!(listed.iter().find(|c| c.id == reply).unwrap().in_reply_to_id, Some(stored[1].id));
    c.update_review_comment(&repo(), stored[1].id, "~~Run as a named user.~~ (outdated)").await.unwrap();
    c.delete_review_comment(&repo(), stored[0].id).await.unwrap();
    let left = gh.review_comments(REPO, 3);
    assert_eq!(left.iter().map(|c| c.id).collect::<Vec<_>>(), [stored[1].id, reply]);
    assert_eq!(left[0].body, "~~Run as a named user.~~ (outdated)");
    let err = c.delete_review_comment(&repo(), stored[0].id).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");

    // A push that changes the hunk makes the comment outdated.
    let pushed = "@@ -1,2 +1,2 @@\n FROM debian\n-RUN apt-get update\n+RUN apt-get update && apt-get install -y curl";
    gh.add_pull_request(REPO, PullRequest::new(3, HEAD).file("Dockerfile", "modified", Some(pushed)));
    let listed = c.list_review_comments(&repo(), 3).await.unwrap();
    assert_eq!((listed[0].line, listed[0].original_line), (None, Some(4)));
    gh.add_pull_request(REPO, PullRequest::new(3, HEAD).file("Dockerfile", "modified", Some(patch)));

    // One comment off the diff fails the whole review, as on GitHub.
    let off_diff =
        [ReviewCommentDraft { path: "Dockerfile".to_owned(), line: 40, start_line: None, body: "x".to_owned() }];
    let err = c.create_review(&repo(), 3, HEAD, "", &off_diff).await.unwrap_err();
    assert_eq!(err.status(), Some(422), "{err}");
    assert!(err.to_string().contains("must be part of the diff"), "{err}");
    assert_eq!(gh.reviews(REPO, 3).len(), 1);
}

#[tokio::test]
async fn review_comments_are_listed_across_pages() {
    let (gh, app) = setup().await;
    let patch = "@@ -0,0 +1,150 @@\n".to_owned() + &"+RUN true\n".repeat(150);
    gh.add_pull_request(REPO, PullRequest::new(4, HEAD).file("Dockerfile", "added", Some(&patch)));
    let c = client(&app).await;
    let drafts: Vec<ReviewCommentDraft> = (1..=130)
        .map(|line| ReviewCommentDraft {
            path: "Dockerfile".to_owned(),
            line,
            start_line: None,
            body: format!("c{line}"),
        })
        .collect();
    c.create_review(&repo(), 4, HEAD, "", &drafts).await.unwrap();
    let listed = c.list_review_comments(&repo(), 4).await.unwrap();
    assert_eq!(listed.len(), 130);
    assert_eq!(listed[129].body, "c130");
    let pages = gh.requests_to("GET", "/repos/octo/app/pulls/4/comments");
    assert_eq!(pages.len(), 2);
    assert!(pages.iter().all(|r| r.auth == AuthKind::Installation(INSTALLATION)));
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let (gh, app) = setup().await;
    gh.add_pull_request(REPO, pr_with_files(1, 2));
    let c = client(&app).await;
    gh.inject(Fault::ServerError, 2);
    assert_eq!(c.list_pr_files(&repo(), 1).await.unwrap().len(), 2);
    let statuses: Vec<u16> = gh.requests_to("GET", "/repos/octo/app/pulls/1/files").iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 200]);

    // Beyond `max_retries` the 500 is returned.
    gh.inject(Fault::ServerError, 10);
    let err = c.create_check_run(&repo(), HEAD).await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err}");
    assert_eq!(gh.requests_to("POST", "/repos/octo/app/check-runs").len(), 4, "1 attempt + 3 retries");
    assert!(!err.to_string().contains("ghs_"), "{err}");
}

#[tokio::test]
async fn a_failed_token_mint_is_retried() {
    let (gh, app) = setup().await;
    gh.inject(Fault::ServerError, 1);
    client(&app).await;
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 201]);
    assert_eq!(gh.token_mints(INSTALLATION), 1);
}

#[tokio::test]
async fn secondary_rate_limit_waits_for_retry_after() {
    let (gh, app) = setup().await;
    gh.add_pull_request(REPO, pr_with_files(1, 1));
    let c = client(&app).await;
    gh.inject(Fault::SecondaryRateLimit { retry_after_secs: 1 }, 1);
    let started = Instant::now();
    assert_eq!(c.list_pr_files(&repo(), 1).await.unwrap().len(), 1);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "waited {waited:?}");
    assert!(waited < Duration::from_secs(2), "waited {waited:?}");
    let statuses: Vec<u16> = gh.requests_to("GET", "/repos/octo/app/pulls/1/files").iter().map(|r| r.status).collect();
    assert_eq!(statuses, [403, 200]);
}

#[tokio::test]
async fn primary_rate_limit_waits_until_reset() {
    let (gh, app) = setup().await;
    gh.add_pull_request(REPO, pr_with_files(1, 1));
    let c = client(&app).await;
    gh.inject(Fault::PrimaryRateLimit { reset_in_secs: 1 }, 1);
    let started = Instant::now();
    c.list_pr_files(&repo(), 1).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());

    gh.inject(Fault::PrimaryRateLimit { reset_in_secs: 3_600 }, 1);
    match c.list_pr_files(&repo(), 1).await {
        Err(GithubError::RateLimited { retry_after }) => {
            assert!((3_598..=3_600).contains(&retry_after.as_secs()), "{retry_after:?}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn too_many_requests_beyond_the_cap_is_rate_limited_at_once() {
    let (gh, app) = setup().await;
    let c = client(&app).await;
    gh.inject(Fault::TooManyRequests { retry_after_secs: Some(120) }, 1);
    let started = Instant::now();
    let err = c.create_check_run(&repo(), HEAD).await.unwrap_err();
    assert!(matches!(err, GithubError::RateLimited { retry_after } if retry_after == Duration::from_mins(2)), "{err}");
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(gh.requests_to("POST", "/repos/octo/app/check-runs").len(), 1);
    assert!(gh.check_runs(REPO).is_empty());

    // A 429 without `Retry-After` waits the default (1 s here), then goes through.
    gh.inject(Fault::TooManyRequests { retry_after_secs: None }, 1);
    let started = Instant::now();
    c.create_check_run(&repo(), HEAD).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(gh.check_runs(REPO).len(), 1);
}

#[tokio::test]
async fn rate_limits_that_persist_end_as_rate_limited() {
    let (gh, app) = setup().await;
    let c = client(&app).await;
    gh.inject(Fault::SecondaryRateLimit { retry_after_secs: 0 }, 10);
    let err = c.create_check_run(&repo(), HEAD).await.unwrap_err();
    assert!(matches!(err, GithubError::RateLimited { retry_after } if retry_after.is_zero()), "{err}");
    assert_eq!(gh.requests_to("POST", "/repos/octo/app/check-runs").len(), 4);
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let gh = FakeGithub::start().await;
    gh.add_repo(INSTALLATION, REPO);
    gh.add_pull_request(REPO, pr_with_files(1, 1));
    // Generous for a loaded machine: signing the JWT in a debug build is slow.
    let app = app_for(&gh.uri(), ClientConfig { request_timeout: Duration::from_secs(1), ..config() });
    let c = client(&app).await;
    gh.inject(Fault::Delay(Duration::from_secs(5)), 1);
    let started = Instant::now();
    assert_eq!(c.list_pr_files(&repo(), 1).await.unwrap().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert_eq!(
        gh.requests_to("GET", "/repos/octo/app/pulls/1/files").len(),
        1,
        "the delayed one is still being served"
    );
}

#[tokio::test]
async fn a_missing_pull_request_is_a_404_not_a_retry() {
    let (gh, app) = setup().await;
    let c = client(&app).await;
    let err = c.list_pr_files(&repo(), 404).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.to_string(), "github answered 404 to GET /repos/octo/app/pulls/404/files?per_page=100: Not Found");
    assert_eq!(gh.requests_to("GET", "/repos/octo/app/pulls/404/files").len(), 1);

    // A repository of another installation is not found either.
    gh.add_repo(INSTALLATION + 1, "other/repo");
    let err = c.create_check_run(&RepoRef::parse("other/repo").unwrap(), HEAD).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    gh.add_installation(99);
    let err = app.installation(99).await.unwrap().list_pr_files(&repo(), 1).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn hook_deliveries_are_listed_and_redelivered() {
    let (gh, app) = setup().await;
    let ids: Vec<u64> = (0..5)
        .map(|i| {
            gh.add_hook_delivery(HookDeliverySeed {
                guid: format!("guid-{i}"),
                event: "pull_request".to_owned(),
                action: Some("opened".to_owned()),
                status_code: if i == 3 { 500 } else { 202 },
                installation_id: Some(INSTALLATION),
                repository_id: Some(1),
            })
        })
        .collect();

    let first = app.hook_deliveries_page(None, 2).await.unwrap();
    let guids: Vec<&str> = first.deliveries.iter().map(|d| d.guid.as_str()).collect();
    assert_eq!(guids, ["guid-4", "guid-3"], "newest first");
    assert!(!first.deliveries[1].succeeded());
    assert!(first.deliveries[0].succeeded());
    assert_eq!(first.deliveries[1].status_code, 500);
    assert_eq!(first.deliveries[1].installation_id, Some(INSTALLATION));
    let cursor = first.next_cursor.clone().unwrap();
    let second = app.hook_deliveries_page(Some(&cursor), 2).await.unwrap();
    assert_eq!(second.deliveries.iter().map(|d| d.guid.as_str()).collect::<Vec<_>>(), ["guid-2", "guid-1"]);
    let third = app.hook_deliveries_page(second.next_cursor.as_deref(), 2).await.unwrap();
    assert_eq!((third.deliveries.len(), third.next_cursor), (1, None));

    app.redeliver(ids[3]).await.unwrap();
    assert_eq!(gh.redeliveries(), [ids[3]]);
    let err = app.redeliver(1).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");

    let all = app.list_hook_deliveries(100).await.unwrap();
    assert_eq!(all.len(), 6);
    assert!(all[0].redelivery && all[0].guid == "guid-3");
    assert!(gh.requests().iter().filter(|r| r.path.starts_with("/app/hook")).all(|r| r.auth == AuthKind::Jwt));
}

#[tokio::test]
async fn hook_deliveries_follow_cursor_pages() {
    let (gh, app) = setup().await;
    for i in 0..150 {
        gh.add_hook_delivery(HookDeliverySeed {
            guid: format!("g{i}"),
            event: "push".to_owned(),
            action: None,
            status_code: 202,
            installation_id: None,
            repository_id: None,
        });
    }
    let all = app.list_hook_deliveries(1_000).await.unwrap();
    assert_eq!(all.len(), 150);
    assert_eq!((all[0].guid.as_str(), all[149].guid.as_str()), ("g149", "g0"));
    let pages = gh.requests_to("GET", "/app/hook/deliveries");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].query.as_deref(), Some("per_page=100&cursor=c100"));
    assert_eq!(app.list_hook_deliveries(30).await.unwrap().len(), 30);
}

#[tokio::test]
async fn bad_configuration_is_refused_without_echoing_the_key() {
    let secret = "-----BEGIN RSA PRIVATE KEY-----\nnot-a-key-SECRET\n-----END RSA PRIVATE KEY-----\n";
    let err = GithubApp::new(1, SecretString::from(secret), "https://api.github.com").unwrap_err();
    assert!(matches!(err, GithubError::Config(_)), "{err}");
    assert!(!err.to_string().contains("SECRET"), "{err}");
    let err = GithubApp::new(1, SecretString::from(TEST_APP_KEY), "api.github.com").unwrap_err();
    assert!(err.to_string().contains("is not a github api url"), "{err}");
    let app = GithubApp::new(1, SecretString::from(TEST_APP_KEY), "https://api.github.com").unwrap();
    assert_eq!(format!("{app:?}"), "GithubApp { app_id: 1, .. }");
}
