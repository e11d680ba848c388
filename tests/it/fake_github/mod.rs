//! A stateful fake GitHub for the service tests: axum on `127.0.0.1:0`.
//!
//! It keeps what a GitHub App touches (installations and their tokens,
//! repositories with files at refs, pull requests with patches, check runs,
//! reviews and review comments, the App's webhook deliveries) and checks what
//! GitHub checks: the App JWT against the test public key (RS256, `iss`, `iat`,
//! `exp` at most 10 minutes ahead), installation tokens (known, unexpired, and
//! for that repository), at most 50 annotations per request, 65,535-character
//! summaries and comment bodies, and review comments only on lines in the diff
//! (a bad one fails the whole review with 422, as on GitHub).
//!
//! Tests seed and inspect state through methods (`add_pull_request`,
//! `check_runs`, `review_comments`, …), read the request log (method, path,
//! auth kind, status), and inject faults for the next N requests: 500, 403
//! secondary rate limit with `Retry-After`, 429, primary-limit 403, or a delay.
//!
//! Routes are served at the root (like api.github.com) and under `/api/v3`
//! (like GHES); `Link` headers are absolute and keep the prefix the request
//! used, as GitHub's do.
//!
//! The App-manifest flow is here too: the web form `POST /settings/apps/new`
//! (and `/organizations/{org}/settings/apps/new`) confirms at once and redirects
//! to the manifest's `redirect_url` with a code and the `state`, as GitHub does
//! after the user confirms; `POST /app-manifests/{code}/conversions` converts a
//! code once, unauthenticated, into the test App (id, [`TEST_APP_KEY`], a fresh
//! webhook secret). [`FakeGithub::created_apps`] lists what was converted.
//!
//! The RSA key pair in `tests/fixtures/github/app-key{,.pub}.pem` was generated
//! for these tests alone (`openssl genrsa -traditional 2048`). It is not, and
//! never was, the key of any real GitHub App.

mod diff;
mod git;
mod routes;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use octocrab::jsonwebtoken::DecodingKey;
use serde_json::Value;

/// The test App's private key (test-only; see the module docs).
pub const TEST_APP_KEY: &str = include_str!("../../fixtures/github/app-key.pem");
/// The test App's public key, which the fake verifies JWTs against.
pub const TEST_APP_PUBLIC_KEY: &str = include_str!("../../fixtures/github/app-key.pub.pem");
/// The test App's id.
pub const TEST_APP_ID: u64 = 4242;
/// The login of the App's bot user, the author of its comments.
pub const BOT_LOGIN: &str = "drydock[bot]";

/// A fault the fake answers with instead of serving a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 500 Internal Server Error.
    ServerError,
    /// 403 with `Retry-After` and GitHub's secondary-rate-limit message.
    SecondaryRateLimit {
        /// Seconds in `Retry-After`.
        retry_after_secs: u64,
    },
    /// 429 Too Many Requests, with `Retry-After` when given.
    TooManyRequests {
        /// Seconds in `Retry-After`.
        retry_after_secs: Option<u64>,
    },
    /// 403 with `x-ratelimit-remaining: 0` and a reset this far ahead.
    PrimaryRateLimit {
        /// Seconds until `x-ratelimit-reset`.
        reset_in_secs: u64,
    },
    /// Serve normally, after this delay (to provoke client timeouts).
    Delay(Duration),
    /// 422 Unprocessable Entity with this message (e.g. GitHub refusing a review).
    Unprocessable(String),
    /// 403 Forbidden without rate-limit headers (a missing permission).
    Forbidden(String),
}

/// A fault for requests with one method whose path starts with a prefix.
#[derive(Clone, Debug)]
pub(crate) struct TargetedFault {
    method: String,
    path_prefix: String,
    fault: Fault,
    remaining: usize,
}

/// How a request authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// No `Authorization` header.
    None,
    /// A valid App JWT.
    Jwt,
    /// A valid installation token of this installation.
    Installation(u64),
    /// A JWT or token the fake rejected (bad signature, expired, unknown).
    Invalid,
}

/// One request the fake received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path without the `/api/v3` prefix.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// Whether the request came under `/api/v3`.
    pub ghes_prefix: bool,
    /// How it authenticated.
    pub auth: AuthKind,
    /// The status the fake answered.
    pub status: u16,
}

/// Claims of a JWT the fake accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtClaims {
    /// `iss`, as sent (a number or a string).
    pub iss: String,
    /// Issued at (unix seconds).
    pub iat: u64,
    /// Expires at (unix seconds).
    pub exp: u64,
    /// When the fake checked it (unix seconds).
    pub checked_at: u64,
}

/// A file of a seeded pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrFile {
    /// Path at the head.
    pub filename: String,
    /// `added`, `modified`, `removed`, `renamed`, …
    pub status: String,
    /// Unified diff hunks (`@@ -a,b +c,d @@` …).
    pub patch: Option<String>,
    /// Path at the base, for renames.
    pub previous_filename: Option<String>,
}

/// A seeded pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Head commit SHA.
    pub head_sha: String,
    /// Head branch.
    pub head_ref: String,
    /// Base branch.
    pub base_ref: String,
    /// Changed files, in order.
    pub files: Vec<PrFile>,
    /// `open` or `closed`.
    pub state: String,
    /// Whether it was merged.
    pub merged: bool,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
}

impl PullRequest {
    /// PR `number` at `head_sha`, from branch `topic` into `main`, with no files yet.
    pub fn new(number: u64, head_sha: &str) -> Self {
        Self {
            number,
            head_sha: head_sha.to_owned(),
            head_ref: "topic".to_owned(),
            base_ref: "main".to_owned(),
            files: Vec::new(),
            state: "open".to_owned(),
            merged: false,
            title: String::new(),
            body: String::new(),
        }
    }

    /// Adds a changed file.
    #[must_use]
    pub fn file(mut self, filename: &str, status: &str, patch: Option<&str>) -> Self {
        self.files.push(PrFile {
            filename: filename.to_owned(),
            status: status.to_owned(),
            patch: patch.map(str::to_owned),
            previous_filename: None,
        });
        self
    }
}

/// A check run as the fake stores it: the latest fields and every annotation
/// from every request.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckRun {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Head SHA.
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Conclusion, once completed.
    pub conclusion: Option<String>,
    /// Output title.
    pub title: Option<String>,
    /// Output summary.
    pub summary: Option<String>,
    /// Output text.
    pub text: Option<String>,
    /// All annotations, in the order received.
    pub annotations: Vec<Value>,
    /// Actions (buttons).
    pub actions: Vec<Value>,
    /// How many `PATCH` requests it received.
    pub patches: u32,
    /// Whether the `POST` that made it concluded it (status `completed`).
    pub created_completed: bool,
    /// The App that made it.
    pub app_id: u64,
}

/// A review as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    /// Id.
    pub id: u64,
    /// Pull request number.
    pub pull_number: u64,
    /// Commit it was made on.
    pub commit_id: String,
    /// `COMMENT`, `APPROVE` or `REQUEST_CHANGES`.
    pub event: String,
    /// Body.
    pub body: String,
    /// Ids of its line comments.
    pub comment_ids: Vec<u64>,
}

/// A review comment as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewComment {
    /// Id.
    pub id: u64,
    /// Pull request number.
    pub pull_number: u64,
    /// The review it came with (none for replies added by tests).
    pub review_id: Option<u64>,
    /// Path.
    pub path: String,
    /// Line (RIGHT side) at the current head; `None` once outdated.
    pub line: Option<u64>,
    /// Line when posted.
    pub original_line: Option<u64>,
    /// First line of a multi-line comment.
    pub start_line: Option<u64>,
    /// `RIGHT` or `LEFT`.
    pub side: String,
    /// Body.
    pub body: String,
    /// Commit.
    pub commit_id: String,
    /// The comment it answers.
    pub in_reply_to_id: Option<u64>,
    /// Author login.
    pub user: String,
}

/// An App registered from a manifest (`/settings/apps/new`), and what converting its code returned.
#[derive(Clone, Debug, PartialEq)]
pub struct CreatedApp {
    /// The organization it was registered for; `None`: the user's own account.
    pub org: Option<String>,
    /// The `state` the registration came with.
    pub state: String,
    /// The manifest as posted.
    pub manifest: Value,
    /// The slug the conversion returns.
    pub slug: String,
    /// The webhook secret the conversion returns.
    pub webhook_secret: String,
    /// The OAuth client secret the conversion returns.
    pub client_secret: String,
}

/// A webhook delivery to seed in the App's delivery log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookDeliverySeed {
    /// `X-GitHub-Delivery`.
    pub guid: String,
    /// Event name.
    pub event: String,
    /// Action.
    pub action: Option<String>,
    /// What our server answered (0 = no answer).
    pub status_code: u16,
    /// Installation.
    pub installation_id: Option<u64>,
    /// Repository.
    pub repository_id: Option<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct StoredDelivery {
    id: u64,
    seed: HookDeliverySeed,
    redelivery: bool,
    delivered_at: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Repo {
    id: u64,
    installation: u64,
    default_branch: String,
    /// (ref, path) → content.
    files: HashMap<(String, String), Vec<u8>>,
    /// blob sha → content.
    blobs: HashMap<String, Vec<u8>>,
    pulls: BTreeMap<u64, PullRequest>,
    check_runs: Vec<CheckRun>,
    reviews: Vec<Review>,
    comments: Vec<ReviewComment>,
    /// commit sha → files it changed against its first parent (the commits API).
    commits: HashMap<String, Vec<PrFile>>,
    /// (path, line) pairs a review comment is refused on, whatever the diff says.
    refused_lines: Vec<(String, u64)>,
    /// Git data: branch → commit SHA.
    refs: HashMap<String, String>,
    /// Git data: commit SHA → commit.
    git_commits: HashMap<String, GitCommit>,
    /// Git data: tree SHA → path → (mode, blob SHA), flat.
    trees: HashMap<String, BTreeMap<String, (String, String)>>,
}

/// A commit of the fake's git data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitCommit {
    /// Its SHA.
    pub sha: String,
    /// Its tree.
    pub tree: String,
    /// Its parents.
    pub parents: Vec<String>,
    /// Message.
    pub message: String,
    /// Author name (the App's bot for commits made through the API).
    pub author: String,
}

#[derive(Debug)]
pub(crate) struct State {
    next_id: u64,
    installations: BTreeMap<u64, u32>, // id → tokens minted
    /// token → (installation, expires at unix seconds)
    tokens: HashMap<String, (u64, u64)>,
    token_ttl: Duration,
    repos: BTreeMap<String, Repo>,
    deliveries: Vec<StoredDelivery>,
    redeliveries: Vec<u64>,
    faults: VecDeque<Fault>,
    targeted: Vec<TargetedFault>,
    log: Vec<LoggedRequest>,
    jwts: Vec<JwtClaims>,
    /// Manifest codes not yet converted: code → the registration.
    manifest_codes: HashMap<String, CreatedApp>,
    /// Apps created from manifests (converted codes), in order.
    created_apps: Vec<CreatedApp>,
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn repo_mut(&mut self, full_name: &str) -> &mut Repo {
        self.repos
            .get_mut(full_name)
            .unwrap_or_else(|| panic!("fake github: no repository {full_name}; add_repo first"))
    }
}

pub(crate) struct Shared {
    state: Mutex<State>,
    public_key: DecodingKey,
    app_id: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The running fake. Dropping it does not stop the server; the test's runtime does.
#[derive(Clone)]
pub struct FakeGithub {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FakeGithub {
    /// Starts the fake on `127.0.0.1:0` (App id [`TEST_APP_ID`], no installations).
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                next_id: 1000,
                installations: BTreeMap::new(),
                tokens: HashMap::new(),
                token_ttl: Duration::from_hours(1),
                repos: BTreeMap::new(),
                deliveries: Vec::new(),
                redeliveries: Vec::new(),
                faults: VecDeque::new(),
                targeted: Vec::new(),
                log: Vec::new(),
                jwts: Vec::new(),
                manifest_codes: HashMap::new(),
                created_apps: Vec::new(),
            }),
            public_key: DecodingKey::from_rsa_pem(TEST_APP_PUBLIC_KEY.as_bytes()).expect("test public key"),
            app_id: TEST_APP_ID,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake github");
        let addr = listener.local_addr().expect("fake github address");
        let app = routes::router(Arc::clone(&shared));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, shared }
    }

    /// The api base URL, like `https://api.github.com`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The api base URL in GHES form, `…/api/v3`.
    pub fn ghes_uri(&self) -> String {
        format!("http://{}/api/v3", self.addr)
    }

    /// The App id JWTs must carry.
    pub fn app_id(&self) -> u64 {
        self.shared.app_id
    }

    /// Adds an installation.
    pub fn add_installation(&self, id: u64) {
        self.shared.lock().installations.entry(id).or_insert(0);
    }

    /// Adds repository `full_name` (`owner/name`, default branch `main`) to
    /// `installation`; returns its id.
    pub fn add_repo(&self, installation: u64, full_name: &str) -> u64 {
        let mut s = self.shared.lock();
        s.installations.entry(installation).or_insert(0);
        let id = s.id();
        s.repos.insert(
            full_name.to_owned(),
            Repo { id, installation, default_branch: "main".to_owned(), ..Repo::default() },
        );
        id
    }

    /// Sets a file's content at `git_ref` (a branch name or a commit SHA).
    pub fn set_file(&self, repo: &str, git_ref: &str, path: &str, content: impl Into<Vec<u8>>) {
        let content = content.into();
        let sha = routes::blob_sha(&content);
        let mut s = self.shared.lock();
        let r = s.repo_mut(repo);
        r.blobs.insert(sha, content.clone());
        r.files.insert((git_ref.to_owned(), path.to_owned()), content);
    }

    /// Adds a pull request, or replaces it (a push): comments whose line is no
    /// longer in the diff become outdated (`line: null`), as on GitHub.
    pub fn add_pull_request(&self, repo: &str, pr: PullRequest) {
        let mut s = self.shared.lock();
        let r = s.repo_mut(repo);
        for c in r.comments.iter_mut().filter(|c| c.pull_number == pr.number) {
            let file = pr.files.iter().find(|f| f.filename == c.path);
            let lines = diff::right_lines(file.and_then(|f| f.patch.as_deref()).unwrap_or(""));
            if c.line.is_some_and(|l| !lines.contains_key(&l)) {
                c.line = None;
                c.start_line = None;
            }
        }
        r.pulls.insert(pr.number, pr);
    }

    /// The check runs of `repo`, in creation order.
    pub fn check_runs(&self, repo: &str) -> Vec<CheckRun> {
        self.shared.lock().repo_mut(repo).check_runs.clone()
    }

    /// The reviews on PR `pull_number`.
    pub fn reviews(&self, repo: &str, pull_number: u64) -> Vec<Review> {
        let mut s = self.shared.lock();
        s.repo_mut(repo).reviews.iter().filter(|r| r.pull_number == pull_number).cloned().collect()
    }

    /// The review comments on PR `pull_number` (deleted ones are gone).
    pub fn review_comments(&self, repo: &str, pull_number: u64) -> Vec<ReviewComment> {
        let mut s = self.shared.lock();
        s.repo_mut(repo).comments.iter().filter(|c| c.pull_number == pull_number).cloned().collect()
    }

    /// Adds a person's reply to comment `in_reply_to`; returns its id.
    pub fn add_reply(&self, repo: &str, in_reply_to: u64, user: &str, body: &str) -> u64 {
        let mut s = self.shared.lock();
        let id = s.id();
        let r = s.repo_mut(repo);
        let parent = r.comments.iter().find(|c| c.id == in_reply_to).cloned().expect("reply to an existing comment");
        r.comments.push(ReviewComment {
            id,
            review_id: None,
            in_reply_to_id: Some(in_reply_to),
            user: user.to_owned(),
            body: body.to_owned(),
            ..parent
        });
        id
    }

    /// Adds a delivery to the App's webhook log; returns its id.
    pub fn add_hook_delivery(&self, seed: HookDeliverySeed) -> u64 {
        let mut s = self.shared.lock();
        let id = s.id();
        let delivered_at = routes::now();
        s.deliveries.push(StoredDelivery { id, seed, redelivery: false, delivered_at });
        id
    }

    /// Delivery ids the App asked to redeliver, in order.
    pub fn redeliveries(&self) -> Vec<u64> {
        self.shared.lock().redeliveries.clone()
    }

    /// Answers the next `n` requests with `fault` (after any already queued).
    pub fn inject(&self, fault: Fault, n: usize) {
        self.shared.lock().faults.extend(std::iter::repeat_n(fault, n));
    }

    /// Answers the next `n` requests with `method` whose path (without `/api/v3`)
    /// starts with `path_prefix` with `fault`; other requests are served normally.
    pub fn inject_on(&self, method: &str, path_prefix: &str, fault: Fault, n: usize) {
        self.shared.lock().targeted.push(TargetedFault {
            method: method.to_owned(),
            path_prefix: path_prefix.to_owned(),
            fault,
            remaining: n,
        });
    }

    /// Makes GitHub refuse (422) any review with a comment on `path` at `line`, as it
    /// does when its view of the diff differs from the patch drydock read.
    pub fn refuse_review_line(&self, repo: &str, path: &str, line: u64) {
        self.shared.lock().repo_mut(repo).refused_lines.push((path.to_owned(), line));
    }

    /// Sets the repository's default branch.
    pub fn set_default_branch(&self, repo: &str, branch: &str) {
        branch.clone_into(&mut self.shared.lock().repo_mut(repo).default_branch);
    }

    /// Sets the files commit `sha` changed against its first parent (for the commits API).
    pub fn set_commit_files(&self, repo: &str, sha: &str, files: Vec<PrFile>) {
        self.shared.lock().repo_mut(repo).commits.insert(sha.to_owned(), files);
    }

    /// Adds a check run made by another App (`app_id`), as another CI would.
    pub fn add_foreign_check_run(&self, repo: &str, head_sha: &str, name: &str, app_id: u64) -> u64 {
        let mut s = self.shared.lock();
        let id = s.id();
        s.repo_mut(repo).check_runs.push(CheckRun {
            id,
            name: name.to_owned(),
            head_sha: head_sha.to_owned(),
            status: "in_progress".to_owned(),
            conclusion: None,
            title: None,
            summary: None,
            text: None,
            annotations: Vec::new(),
            actions: Vec::new(),
            patches: 0,
            created_completed: false,
            app_id,
        });
        id
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.clone()
    }

    /// Requests so far with this method and path.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<LoggedRequest> {
        self.requests().into_iter().filter(|r| r.method == method && r.path == path).collect()
    }

    /// Installation tokens minted for `installation` so far.
    pub fn token_mints(&self, installation: u64) -> u32 {
        self.shared.lock().installations.get(&installation).copied().unwrap_or(0)
    }

    /// Lifetime of tokens minted from now on (GitHub: one hour).
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.shared.lock().token_ttl = ttl;
    }

    /// Invalidates every installation token (the next use gets 401).
    pub fn revoke_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Apps whose manifest code was converted, in order.
    pub fn created_apps(&self) -> Vec<CreatedApp> {
        self.shared.lock().created_apps.clone()
    }

    /// Claims of every JWT the fake accepted.
    pub fn jwt_claims(&self) -> Vec<JwtClaims> {
        self.shared.lock().jwts.clone()
    }

    /// Commits `files` (path, text) over `branch`'s tree as `author` and moves the branch (created if
    /// missing); returns the commit SHA. The contents API then serves the files at the branch and the SHA.
    pub fn commit(&self, repo: &str, branch: &str, files: &[(&str, &str)], author: &str) -> String {
        let mut s = self.shared.lock();
        let n = s.id();
        let r = s.repo_mut(repo);
        let parent = r.refs.get(branch).cloned();
        let mut tree = parent
            .as_ref()
            .and_then(|p| r.git_commits.get(p))
            .and_then(|c| r.trees.get(&c.tree))
            .cloned()
            .unwrap_or_default();
        for (path, text) in files {
            let sha = routes::blob_sha(text.as_bytes());
            r.blobs.insert(sha.clone(), text.as_bytes().to_vec());
            tree.insert((*path).to_owned(), ("100644".to_owned(), sha));
        }
        let tree_sha = git::put_tree(r, tree);
        let sha = git::put_commit(r, &tree_sha, parent.into_iter().collect(), &format!("commit {n}"), author, n);
        git::set_ref(r, branch, &sha);
        sha
    }

    /// The commit `branch` points to.
    pub fn branch_sha(&self, repo: &str, branch: &str) -> Option<String> {
        self.shared.lock().repo_mut(repo).refs.get(branch).cloned()
    }

    /// A commit of the git data.
    pub fn git_commit(&self, repo: &str, sha: &str) -> Option<GitCommit> {
        self.shared.lock().repo_mut(repo).git_commits.get(sha).cloned()
    }

    /// A file's text at a branch or commit, read through refs, commits and trees.
    pub fn file_at(&self, repo: &str, git_ref: &str, path: &str) -> Option<String> {
        let mut s = self.shared.lock();
        let r = s.repo_mut(repo);
        let sha = r.refs.get(git_ref).cloned().unwrap_or_else(|| git_ref.to_owned());
        let tree = r.trees.get(&r.git_commits.get(&sha)?.tree)?;
        let (_, blob) = tree.get(path)?;
        r.blobs.get(blob).map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// Every pull request of `repo`, by number.
    pub fn pulls(&self, repo: &str) -> Vec<PullRequest> {
        self.shared.lock().repo_mut(repo).pulls.values().cloned().collect()
    }

    /// Closes PR `number`; `merged` also moves the base branch to the PR's head (a fast-forward merge).
    pub fn close_pull(&self, repo: &str, number: u64, merged: bool) {
        let mut s = self.shared.lock();
        let r = s.repo_mut(repo);
        let pr = r.pulls.get_mut(&number).expect("close an existing PR");
        "closed".clone_into(&mut pr.state);
        pr.merged = merged;
        let (base, head) = (pr.base_ref.clone(), pr.head_sha.clone());
        if merged {
            git::set_ref(r, &base, &head);
        }
    }
}
