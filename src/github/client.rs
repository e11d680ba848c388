//! The GitHub REST calls drydock makes, and nothing else: an installation's
//! pull-request files, file contents, check runs, reviews and review comments,
//! plus the App's own webhook deliveries (in `app.rs`, over the same transport).
//!
//! Why not octocrab's typed handlers: three gaps measured in `dependencies.md`
//! §4. Reviews with multi-line comments cannot be built with its types, so they
//! go out as a raw POST. Its pagination follows the absolute `Link` URL, and
//! octocrab only sends `Authorization` to `api.github.com` or a relative URL, so
//! page 2 on GHES or a test server goes out unauthenticated; we follow `Link`
//! ourselves as a relative path (minus GHES's `/api/v3`, which `base_uri`
//! adds back). And its retry policy retries 5xx at once and sleeps for any
//! `Retry-After`, however long. So octocrab keeps what it does well (the JWT,
//! the installation token cache, the refresh on 401) and this module owns the
//! rest: one retry loop with exponential backoff on 5xx and timeouts, waits on
//! secondary and primary rate limits up to a cap, and a typed
//! [`GithubError::RateLimited`] beyond it, so the job queue can reschedule.
//!
//! GitHub's size limits (anchors §6) are enforced here, before sending, so a
//! post never fails with a 422 for being too big: 50 annotations per request,
//! 65,535 characters per check-run summary and per comment body, 255 for an
//! annotation title. Truncation cuts on a `char` boundary and counts bytes,
//! which are never fewer than characters or UTF-16 units.
//!
//! Error messages carry the status, the method and path, and GitHub's short
//! message: never a header, and so never a token.

use std::fmt;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use octocrab::Octocrab;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The check run's name. Required status checks match by name, so it never changes.
pub const CHECK_RUN_NAME: &str = "drydock";
/// GitHub takes at most this many annotations per check-run request.
pub const MAX_ANNOTATIONS_PER_REQUEST: usize = 50;
/// GitHub's cap on a check run's `summary` and `text`, and (one more) on a comment body.
pub const MAX_TEXT_LEN: usize = 65_535;
/// GitHub lists at most this many files of a pull request.
pub const MAX_PR_FILES: usize = 3_000;
/// GitHub's cap on an annotation title.
const MAX_ANNOTATION_TITLE_LEN: usize = 255;
/// Items per page when listing (GitHub's maximum).
const PER_PAGE: usize = 100;
/// Appended where a text was cut to fit.
const TRUNCATION_MARK: &str = "\n\n… (truncated)";
/// How much of GitHub's error message an error keeps.
const MAX_MESSAGE_CHARS: usize = 200;

/// What went wrong talking to GitHub.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// GitHub answered with an error status (after any retries).
    #[error("github answered {status} to {method} {path}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The request method.
        method: &'static str,
        /// The request path (no host, no credentials).
        path: String,
        /// GitHub's `message`, shortened.
        message: String,
    },
    /// A rate limit asks us to wait longer than we may block; retry the work after `retry_after`.
    #[error("github rate limit: retry in {}s", retry_after.as_secs())]
    RateLimited {
        /// How long GitHub asked us to wait.
        retry_after: Duration,
    },
    /// A file is over the size we fetch; it is skipped and a finding should say so.
    #[error("`{path}` is {size} bytes, over the {limit}-byte limit, so it is not fetched")]
    TooLarge {
        /// The file's path in the repository.
        path: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// No answer (connection failure or timeout), after retries.
    #[error("no answer from github to {method} {path}: {message}; check the api url and the network")]
    Transport {
        /// The request method.
        method: &'static str,
        /// The request path.
        path: String,
        /// What failed.
        message: String,
    },
    /// GitHub answered 2xx with a body we cannot read.
    #[error("unexpected answer from github to {method} {path}: {message}")]
    Decode {
        /// The request method.
        method: &'static str,
        /// The request path.
        path: String,
        /// What did not parse.
        message: String,
    },
    /// A repository name that is not `owner/name`.
    #[error("`{0}` is not a repository name of the form owner/name")]
    InvalidRepo(String),
    /// The [`WriteGate`] could not grant a mutating request (e.g. its database is unreachable).
    #[error("cannot take the installation's write slot: {0}")]
    WriteGate(String),
    /// The App's configuration (id, key or api url) is unusable.
    #[error("{0}")]
    Config(String),
}

impl GithubError {
    /// The HTTP status GitHub answered with, if this is a status error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether GitHub answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether the same request may succeed later: no answer, a rate limit, a 5xx, 408, or 401 (an
    /// installation token that expired in flight; the next attempt mints a new one). Everything else
    /// (4xx, a body we cannot read, a file over the limit, bad configuration) fails the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Transport { .. } | Self::WriteGate(_) => true,
            Self::Status { status, .. } => *status >= 500 || matches!(*status, 401 | 408 | 429),
            Self::TooLarge { .. } | Self::Decode { .. } | Self::InvalidRepo(_) | Self::Config(_) => false,
        }
    }
}

/// How the client retries, waits and times out. [`Default`] suits production;
/// tests shrink the durations.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Retries after the first attempt (5xx, timeouts, rate limits).
    pub max_retries: u32,
    /// First backoff after a 5xx or timeout; doubles per retry, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff between two attempts.
    pub backoff_max: Duration,
    /// Longest rate-limit wait we sit through; a longer one is [`GithubError::RateLimited`].
    pub max_rate_limit_wait: Duration,
    /// Wait for a secondary limit that names no time (GitHub: "at least one minute").
    pub default_rate_limit_wait: Duration,
    /// Deadline for one attempt, answer body included.
    pub request_timeout: Duration,
    /// Deadline for opening a connection.
    pub connect_timeout: Duration,
    /// Largest file [`InstallationClient::file_contents`] fetches (1 MB, as the contents API).
    pub max_file_size: u64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            max_retries: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_mins(1),
            default_rate_limit_wait: Duration::from_mins(1),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_file_size: 1024 * 1024,
        }
    }
}

/// A repository, `owner/name`, checked to be a GitHub name (so it is safe in a path).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepoRef {
    owner: String,
    name: String,
}

impl RepoRef {
    /// A repository from its owner and name.
    pub fn new(owner: &str, name: &str) -> Result<Self, GithubError> {
        let ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if ok(owner) && ok(name) {
            Ok(Self { owner: owner.to_owned(), name: name.to_owned() })
        } else {
            Err(GithubError::InvalidRepo(format!("{owner}/{name}")))
        }
    }

    /// A repository from its full name, `owner/name`.
    pub fn parse(full_name: &str) -> Result<Self, GithubError> {
        let (owner, name) = full_name.split_once('/').ok_or_else(|| GithubError::InvalidRepo(full_name.to_owned()))?;
        Self::new(owner, name)
    }

    /// The owner (user or organisation).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.name)
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// A file's change status in a pull request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// New file.
    Added,
    /// Deleted file.
    Removed,
    /// Changed content.
    Modified,
    /// Moved (see `previous_filename`), maybe changed.
    Renamed,
    /// Copied from another file.
    Copied,
    /// Mode or type changed.
    Changed,
    /// Listed without changes.
    Unchanged,
    /// A status this client does not know.
    #[serde(other)]
    Other,
}

/// One file of a pull request, as `GET /repos/{o}/{r}/pulls/{n}/files` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PrFile {
    /// Path at the head.
    pub filename: String,
    /// How the file changed.
    pub status: FileStatus,
    /// Path at the base, for renames.
    #[serde(default)]
    pub previous_filename: Option<String>,
    /// Unified diff hunks; absent for binary or very large diffs.
    #[serde(default)]
    pub patch: Option<String>,
    /// Blob SHA at the head (absent for some removals).
    #[serde(default)]
    pub sha: Option<String>,
}

/// A file's bytes at a ref.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileContents {
    /// Path in the repository.
    pub path: String,
    /// Blob SHA.
    pub sha: String,
    /// The content.
    pub bytes: Vec<u8>,
}

impl FileContents {
    /// The content as text, when it is UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }
}

/// How a check run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// Nothing at or above the threshold.
    Success,
    /// A finding at or above the threshold.
    Failure,
    /// Nothing to lint; satisfies a required check.
    Neutral,
    /// Stopped before the end.
    Cancelled,
    /// Not run.
    Skipped,
    /// Ran out of time.
    TimedOut,
    /// Needs a person (with `actions`).
    ActionRequired,
}

/// An annotation's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationLevel {
    /// Informational.
    Notice,
    /// A warning.
    Warning,
    /// An error.
    Failure,
}

/// A check-run annotation: a finding on lines of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// Path in the repository.
    pub path: String,
    /// First line, 1-based.
    pub start_line: u32,
    /// Last line, 1-based.
    pub end_line: u32,
    /// First column; sent only when the annotation is on one line (GitHub's rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    /// Last column; sent only when the annotation is on one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    /// Level.
    pub annotation_level: AnnotationLevel,
    /// The message (cut to 64 KB).
    pub message: String,
    /// A short title, e.g. the rule code (cut to 255 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Details shown folded (cut to 64 KB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_details: Option<String>,
}

impl Annotation {
    /// This annotation cut to GitHub's limits: columns only on one line, texts truncated.
    fn within_limits(&self) -> Self {
        let one_line = self.start_line == self.end_line;
        Self {
            path: self.path.clone(),
            start_line: self.start_line,
            end_line: self.end_line.max(self.start_line),
            start_column: self.start_column.filter(|_| one_line),
            end_column: self.end_column.filter(|_| one_line),
            annotation_level: self.annotation_level,
            message: truncate(&self.message, MAX_TEXT_LEN).into_owned(),
            title: self.title.as_deref().map(|t| truncate_chars(t, MAX_ANNOTATION_TITLE_LEN)),
            raw_details: self.raw_details.as_deref().map(|d| truncate(d, MAX_TEXT_LEN).into_owned()),
        }
    }
}

/// A button on a concluded check run (`check_run.requested_action` when clicked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckRunAction {
    /// Button text, at most 20 characters.
    pub label: String,
    /// Tooltip, at most 40 characters.
    pub description: String,
    /// Sent back in the webhook, at most 20 characters.
    pub identifier: String,
}

/// What a concluded check run shows besides its annotations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckRunSummary {
    /// The output title.
    pub title: String,
    /// Markdown summary; cut to 65,535 characters.
    pub summary: String,
    /// Optional longer Markdown; cut to 65,535 characters.
    pub text: Option<String>,
    /// Buttons (at most 3), sent with the conclusion.
    pub actions: Vec<CheckRunAction>,
}

/// A line comment to post in a review, on the head (RIGHT) side of the diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewCommentDraft {
    /// Path in the repository.
    pub path: String,
    /// The (last) line commented on; must be in the diff.
    pub line: u32,
    /// First line of a multi-line comment; same hunk as `line`.
    pub start_line: Option<u32>,
    /// Markdown body, e.g. with a ```` ```suggestion ```` block; cut to 65,535 characters.
    pub body: String,
}

/// Who wrote a comment.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CommentUser {
    /// Login, e.g. `drydock[bot]`.
    pub login: String,
    /// `User` or `Bot`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// A review comment already on a pull request.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ReviewComment {
    /// Comment id (for update and delete).
    pub id: u64,
    /// The review it belongs to.
    #[serde(default)]
    pub pull_request_review_id: Option<u64>,
    /// Path in the repository.
    pub path: String,
    /// Line at the current head; `None` once outdated.
    #[serde(default)]
    pub line: Option<u32>,
    /// First line of a multi-line comment.
    #[serde(default)]
    pub start_line: Option<u32>,
    /// Line when posted.
    #[serde(default)]
    pub original_line: Option<u32>,
    /// `RIGHT` or `LEFT`.
    #[serde(default)]
    pub side: Option<String>,
    /// Markdown body.
    pub body: String,
    /// Commit the comment was made on.
    #[serde(default)]
    pub commit_id: String,
    /// The comment this one answers, for replies.
    #[serde(default)]
    pub in_reply_to_id: Option<u64>,
    /// Author.
    #[serde(default)]
    pub user: Option<CommentUser>,
}

/// A pull request's state, as `GET /repos/{o}/{r}/pulls/{n}` gives it (only what drydock reads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequestInfo {
    /// The PR number.
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    /// The head commit.
    pub head_sha: String,
    /// The base branch.
    pub base_ref: String,
}

#[derive(Deserialize)]
struct PullRequestJson {
    number: u64,
    #[serde(default)]
    state: String,
    head: GitRefJson,
    base: GitRefJson,
}

#[derive(Deserialize)]
struct GitRefJson {
    #[serde(default)]
    sha: String,
    #[serde(rename = "ref", default)]
    name: String,
}

/// The App that made a check run.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CheckRunApp {
    /// The App's id.
    pub id: u64,
}

/// A check run as `GET …/commits/{ref}/check-runs` lists it (only what drydock reads).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CheckRunInfo {
    /// Its id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The commit.
    #[serde(default)]
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed`.
    #[serde(default)]
    pub status: String,
    /// The App that made it.
    #[serde(default)]
    pub app: Option<CheckRunApp>,
    /// Its output, for the annotation count.
    #[serde(default)]
    pub output: Option<CheckRunOutputInfo>,
}

/// A check run's output, as listed (only what drydock reads).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CheckRunOutputInfo {
    /// How many annotations the run has.
    #[serde(default)]
    pub annotations_count: u64,
}

/// One entry of a directory listing (contents API).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct DirEntry {
    /// `file`, `dir`, `symlink` or `submodule`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Path in the repository.
    pub path: String,
    /// The last segment of the path.
    #[serde(default)]
    pub name: String,
}

/// One delivery of the App's webhook, as `GET /app/hook/deliveries` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct HookDelivery {
    /// Delivery id (for redelivery).
    pub id: u64,
    /// `X-GitHub-Delivery`, shared by all attempts of one event.
    pub guid: String,
    /// When it was sent (ISO 8601).
    #[serde(default)]
    pub delivered_at: String,
    /// Whether this attempt was a redelivery.
    #[serde(default)]
    pub redelivery: bool,
    /// GitHub's text status, e.g. `OK`.
    #[serde(default)]
    pub status: String,
    /// Our server's answer (0 when none).
    #[serde(default)]
    pub status_code: u16,
    /// The event, e.g. `pull_request`.
    #[serde(default)]
    pub event: String,
    /// The action, e.g. `opened`.
    #[serde(default)]
    pub action: Option<String>,
    /// Installation, when the event has one.
    #[serde(default)]
    pub installation_id: Option<u64>,
    /// Repository, when the event has one.
    #[serde(default)]
    pub repository_id: Option<u64>,
}

impl HookDelivery {
    /// Whether our server acknowledged it with a 2xx.
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status_code)
    }
}

/// One page of hook deliveries and the cursor of the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookDeliveryPage {
    /// Deliveries, newest first.
    pub deliveries: Vec<HookDelivery>,
    /// Cursor for the next page, if any.
    pub next_cursor: Option<String>,
}

/// A boxed future, for the object-safe [`WriteGate`].
pub type GateFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Serialises an installation's mutating requests (POST, PATCH, DELETE).
///
/// GitHub's guidance on secondary rate limits asks for one mutating request at
/// a time per installation, at least a second apart. The client knows which
/// requests mutate but not who else is writing (other workers, other
/// processes), so the caller supplies the gate: the job queue backs it with the
/// store's write slots. Each attempt of a mutating request takes a permit first
/// and gives it back when the answer has arrived.
pub trait WriteGate: Send + Sync {
    /// Waits until installation `installation_id` may send one mutating request.
    fn acquire(&self, installation_id: u64) -> GateFuture<'_, Result<Box<dyn WritePermit>, GithubError>>;
}

/// Leave to send one mutating request, from [`WriteGate::acquire`].
pub trait WritePermit: Send {
    /// Gives the permit back once the request's answer has arrived.
    fn release(self: Box<Self>) -> GateFuture<'static, ()>;
}

/// One repository an installation can reach, from [`InstallationClient::list_repositories`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct InstallationRepository {
    /// GitHub's repository id (stable across renames).
    pub id: u64,
    /// `owner/name`.
    pub full_name: String,
}

/// The most repositories [`InstallationClient::list_repositories`] reads.
pub const MAX_INSTALLATION_REPOSITORIES: usize = 10_000;

/// The calls drydock makes as one installation. Cheap to clone: clones share
/// one octocrab client and so one token cache.
#[derive(Clone, Debug)]
pub struct InstallationClient {
    installation_id: u64,
    /// The App's id, to tell its own check runs from other Apps' (unknown in some tests).
    app_id: Option<u64>,
    transport: Transport,
}

impl InstallationClient {
    pub(crate) fn new(installation_id: u64, transport: Transport) -> Self {
        Self { installation_id, app_id: None, transport }
    }

    /// This client, knowing the App's id.
    #[must_use]
    pub(crate) fn with_app_id(mut self, app_id: u64) -> Self {
        self.app_id = Some(app_id);
        self
    }

    /// The App's id, when known.
    pub fn app_id(&self) -> Option<u64> {
        self.app_id
    }

    /// The installation this client acts as.
    pub fn installation_id(&self) -> u64 {
        self.installation_id
    }

    /// This client with its mutating requests passed through `gate` (see [`WriteGate`]).
    #[must_use]
    pub fn with_write_gate(mut self, gate: Arc<dyn WriteGate>) -> Self {
        self.transport.write_gate = Some((self.installation_id, gate));
        self
    }

    /// The repositories the installation can reach (`GET /installation/repositories`),
    /// all pages, at most [`MAX_INSTALLATION_REPOSITORIES`].
    pub async fn list_repositories(&self) -> Result<Vec<InstallationRepository>, GithubError> {
        let path = format!("/installation/repositories?per_page={PER_PAGE}");
        self.transport.paginate_in(path, "repositories", MAX_INSTALLATION_REPOSITORIES).await
    }

    /// The id of the latest `drydock` check run at `head_sha`, if there is one
    /// (`GET /repos/{o}/{r}/commits/{sha}/check-runs?check_name=drydock`).
    pub async fn find_check_run(&self, repo: &RepoRef, head_sha: &str) -> Result<Option<u64>, GithubError> {
        #[derive(Deserialize)]
        struct Runs {
            #[serde(default)]
            check_runs: Vec<Created>,
        }
        let url = repo.path(&format!(
            "/commits/{}/check-runs?check_name={CHECK_RUN_NAME}&filter=latest",
            encode(head_sha, false)
        ));
        let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
        Ok(reply.json::<Runs>(Verb::Get, &url)?.check_runs.into_iter().map(|r| r.id).max())
    }

    /// Makes sure a token is cached, minting one if needed (one mint however many callers wait).
    pub async fn warm_up(&self) -> Result<(), GithubError> {
        self.transport.send(None).await.map(drop)
    }

    /// The files of a pull request, all pages, at most [`MAX_PR_FILES`].
    pub async fn list_pr_files(&self, repo: &RepoRef, pull_number: u64) -> Result<Vec<PrFile>, GithubError> {
        let path = repo.path(&format!("/pulls/{pull_number}/files?per_page={PER_PAGE}"));
        self.transport.paginate(path, MAX_PR_FILES).await
    }

    /// A file's bytes at `git_ref` (the default branch when `None`); `Ok(None)` when
    /// it does not exist. Uses the contents API, and the git blobs API when the
    /// contents API sends no content; a file over [`ClientConfig::max_file_size`]
    /// is [`GithubError::TooLarge`].
    pub async fn file_contents(
        &self,
        repo: &RepoRef,
        path: &str,
        git_ref: Option<&str>,
    ) -> Result<Option<FileContents>, GithubError> {
        let mut url = repo.path(&format!("/contents/{}", encode(path.trim_start_matches('/'), true)));
        if let Some(r) = git_ref {
            url = format!("{url}?ref={}", encode(r, false));
        }
        let reply = match self.transport.send(Some(&Call::get(url.clone()))).await {
            Ok(reply) => reply,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let value: Value = reply.json(Verb::Get, &url)?;
        let decode_err = |message: String| GithubError::Decode { method: "GET", path: url.clone(), message };
        if value.is_array() {
            return Err(decode_err(format!("`{path}` is a directory, not a file")));
        }
        let entry: ContentsEntry = serde_json::from_value(value).map_err(|e| decode_err(e.to_string()))?;
        if entry.kind != "file" {
            return Err(decode_err(format!("`{path}` is a {}, not a file", entry.kind)));
        }
        let limit = self.transport.config.max_file_size;
        if entry.size > limit {
            return Err(GithubError::TooLarge { path: entry.path, size: entry.size, limit });
        }
        let content = entry.content.unwrap_or_default();
        let bytes = if entry.encoding.as_deref() == Some("base64") && (!content.is_empty() || entry.size == 0) {
            decode_base64(&content).map_err(decode_err)?
        } else {
            self.blob(repo, &entry.sha).await?
        };
        Ok(Some(FileContents { path: entry.path, sha: entry.sha, bytes }))
    }

    /// A blob's bytes by SHA (`GET /repos/{o}/{r}/git/blobs/{sha}`).
    async fn blob(&self, repo: &RepoRef, sha: &str) -> Result<Vec<u8>, GithubError> {
        let url = repo.path(&format!("/git/blobs/{}", encode(sha, false)));
        let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
        let blob: Blob = reply.json(Verb::Get, &url)?;
        let decode_err = |message: String| GithubError::Decode { method: "GET", path: url.clone(), message };
        let limit = self.transport.config.max_file_size;
        if blob.size > limit {
            return Err(GithubError::TooLarge { path: sha.to_owned(), size: blob.size, limit });
        }
        match blob.encoding.as_str() {
            "base64" => decode_base64(&blob.content).map_err(decode_err),
            "utf-8" => Ok(blob.content.into_bytes()),
            other => Err(decode_err(format!("blob encoding `{other}`"))),
        }
    }

    /// Creates the `drydock` check run, `in_progress`, at `head_sha`; returns its id.
    pub async fn create_check_run(&self, repo: &RepoRef, head_sha: &str) -> Result<u64, GithubError> {
        let url = repo.path("/check-runs");
        let body = json!({ "name": CHECK_RUN_NAME, "head_sha": head_sha, "status": "in_progress" });
        let reply = self.transport.send(Some(&Call::new(Verb::Post, url.clone(), Some(body)))).await?;
        Ok(reply.json::<Created>(Verb::Post, &url)?.id)
    }

    /// Concludes a check run and attaches its annotations in `ceil(n / 50)`
    /// `PATCH` requests (one when there are none). The first carries the
    /// conclusion, so the check completes even if a later batch fails; the
    /// rest append annotations. Returns the number of requests sent.
    pub async fn conclude_check_run(
        &self,
        repo: &RepoRef,
        check_run_id: u64,
        conclusion: Conclusion,
        summary: &CheckRunSummary,
        annotations: &[Annotation],
    ) -> Result<usize, GithubError> {
        let url = repo.path(&format!("/check-runs/{check_run_id}"));
        let batches = conclusion_bodies(conclusion, summary, annotations);
        let sent = batches.len();
        for body in batches {
            self.transport.send(Some(&Call::new(Verb::Patch, url.clone(), Some(body)))).await?;
        }
        Ok(sent)
    }

    /// Creates the `drydock` check run at `head_sha` already concluded, in one
    /// `POST` that carries the first 50 annotations, and appends the rest in
    /// `PATCH` requests of 50. Returns the run's id and the number of requests
    /// sent: one write instead of two when the result is ready before the run
    /// had to be shown in progress.
    pub async fn create_concluded_check_run(
        &self,
        repo: &RepoRef,
        head_sha: &str,
        conclusion: Conclusion,
        summary: &CheckRunSummary,
        annotations: &[Annotation],
    ) -> Result<(u64, usize), GithubError> {
        let mut batches = conclusion_bodies(conclusion, summary, annotations).into_iter();
        let mut first = batches.next().unwrap_or_else(|| json!({}));
        first["name"] = json!(CHECK_RUN_NAME);
        first["head_sha"] = json!(head_sha);
        let url = repo.path("/check-runs");
        let reply = self.transport.send(Some(&Call::new(Verb::Post, url.clone(), Some(first)))).await?;
        let id = reply.json::<Created>(Verb::Post, &url)?.id;
        let url = repo.path(&format!("/check-runs/{id}"));
        let mut sent = 1;
        for body in batches {
            self.transport.send(Some(&Call::new(Verb::Patch, url.clone(), Some(body)))).await?;
            sent += 1;
        }
        Ok((id, sent))
    }

    /// Posts one review (event `COMMENT`) with line comments on the head side;
    /// returns the review's id. GitHub rejects the whole review (422) if one
    /// comment is off the diff, so callers check lines against the patch first.
    pub async fn create_review(
        &self,
        repo: &RepoRef,
        pull_number: u64,
        commit_id: &str,
        body: &str,
        comments: &[ReviewCommentDraft],
    ) -> Result<u64, GithubError> {
        let url = repo.path(&format!("/pulls/{pull_number}/reviews"));
        let comments: Vec<Value> = comments
            .iter()
            .map(|c| {
                let mut v = json!({
                    "path": c.path,
                    "line": c.line,
                    "side": "RIGHT",
                    "body": truncate(&c.body, MAX_TEXT_LEN),
                });
                if let Some(start) = c.start_line.filter(|s| *s < c.line) {
                    v["start_line"] = json!(start);
                    v["start_side"] = json!("RIGHT");
                }
                v
            })
            .collect();
        let payload = json!({
            "commit_id": commit_id,
            "event": "COMMENT",
            "body": truncate(body, MAX_TEXT_LEN),
            "comments": comments,
        });
        let reply = self.transport.send(Some(&Call::new(Verb::Post, url.clone(), Some(payload)))).await?;
        Ok(reply.json::<Created>(Verb::Post, &url)?.id)
    }

    /// All review comments on a pull request, all pages.
    pub async fn list_review_comments(
        &self,
        repo: &RepoRef,
        pull_number: u64,
    ) -> Result<Vec<ReviewComment>, GithubError> {
        let path = repo.path(&format!("/pulls/{pull_number}/comments?per_page={PER_PAGE}"));
        self.transport.paginate(path, usize::MAX).await
    }

    /// Replaces a review comment's body (e.g. to mark it outdated when someone replied).
    pub async fn update_review_comment(&self, repo: &RepoRef, comment_id: u64, body: &str) -> Result<(), GithubError> {
        let url = repo.path(&format!("/pulls/comments/{comment_id}"));
        let payload = json!({ "body": truncate(body, MAX_TEXT_LEN) });
        self.transport.send(Some(&Call::new(Verb::Patch, url, Some(payload)))).await.map(drop)
    }

    /// Deletes a review comment.
    pub async fn delete_review_comment(&self, repo: &RepoRef, comment_id: u64) -> Result<(), GithubError> {
        let url = repo.path(&format!("/pulls/comments/{comment_id}"));
        self.transport.send(Some(&Call::new(Verb::Delete, url, None))).await.map(drop)
    }

    /// A pull request's number, state, head commit and base branch.
    pub async fn pull_request(&self, repo: &RepoRef, pull_number: u64) -> Result<PullRequestInfo, GithubError> {
        let url = repo.path(&format!("/pulls/{pull_number}"));
        let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
        let pr: PullRequestJson = reply.json(Verb::Get, &url)?;
        Ok(PullRequestInfo { number: pr.number, state: pr.state, head_sha: pr.head.sha, base_ref: pr.base.name })
    }

    /// The repository's default branch.
    pub async fn default_branch(&self, repo: &RepoRef) -> Result<String, GithubError> {
        #[derive(Deserialize)]
        struct RepoJson {
            default_branch: String,
        }
        let url = repo.path("");
        let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
        Ok(reply.json::<RepoJson>(Verb::Get, &url)?.default_branch)
    }

    /// The check runs named `name` at commit `sha` (first 100; there is one per App in practice).
    pub async fn check_runs_for_ref(
        &self,
        repo: &RepoRef,
        sha: &str,
        name: &str,
    ) -> Result<Vec<CheckRunInfo>, GithubError> {
        let mut url = repo.path(&format!(
            "/commits/{}/check-runs?check_name={}&filter=all&per_page={PER_PAGE}",
            encode(sha, false),
            encode(name, false)
        ));
        if let Some(app_id) = self.app_id {
            let _ = write!(url, "&app_id={app_id}");
        }
        let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
        Ok(reply.json::<CheckRunList>(Verb::Get, &url)?.check_runs)
    }

    /// One check run by id.
    pub async fn check_run(&self, repo: &RepoRef, check_run_id: u64) -> Result<CheckRunInfo, GithubError> {
        let url = repo.path(&format!("/check-runs/{check_run_id}"));
        let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
        reply.json(Verb::Get, &url)
    }

    /// The files commit `sha` changed against its first parent (commits API), at most
    /// [`MAX_PR_FILES`], in pages of 100 (`?page=`: the list is inside an object).
    pub async fn commit_files(&self, repo: &RepoRef, sha: &str) -> Result<Vec<PrFile>, GithubError> {
        let mut files = Vec::new();
        for page in 1..=MAX_PR_FILES.div_ceil(PER_PAGE) {
            let url = repo.path(&format!("/commits/{}?per_page={PER_PAGE}&page={page}", encode(sha, false)));
            let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
            let detail: CommitDetail = reply.json(Verb::Get, &url)?;
            let n = detail.files.len();
            files.extend(detail.files);
            if n < PER_PAGE {
                break;
            }
        }
        files.truncate(MAX_PR_FILES);
        Ok(files)
    }

    /// The entries of directory `dir` (`""` for the root) at `git_ref`; empty when it does not exist.
    pub async fn list_directory(&self, repo: &RepoRef, dir: &str, git_ref: &str) -> Result<Vec<DirEntry>, GithubError> {
        let dir = dir.trim_matches('/');
        let url = repo.path(&format!("/contents/{}?ref={}", encode(dir, true), encode(git_ref, false)));
        let reply = match self.transport.send(Some(&Call::get(url.clone()))).await {
            Ok(reply) => reply,
            Err(e) if e.is_not_found() => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let value: Value = reply.json(Verb::Get, &url)?;
        if !value.is_array() {
            return Ok(Vec::new()); // a file, not a directory
        }
        serde_json::from_value(value).map_err(|e| GithubError::Decode {
            method: "GET",
            path: url,
            message: e.to_string(),
        })
    }
}

#[derive(Deserialize)]
struct Created {
    id: u64,
}

#[derive(Deserialize)]
struct CheckRunList {
    #[serde(default)]
    check_runs: Vec<CheckRunInfo>,
}

#[derive(Deserialize)]
struct CommitDetail {
    #[serde(default)]
    files: Vec<PrFile>,
}

#[derive(Deserialize)]
struct ContentsEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    size: u64,
    sha: String,
    path: String,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Deserialize)]
struct Blob {
    #[serde(default)]
    content: String,
    #[serde(default)]
    encoding: String,
    #[serde(default)]
    size: u64,
}

/// An HTTP method we use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Patch,
    Delete,
}

impl Verb {
    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// One request: method, path relative to the api base, JSON body.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    verb: Verb,
    path: String,
    body: Option<Value>,
}

impl Call {
    pub(crate) fn new(verb: Verb, path: String, body: Option<Value>) -> Self {
        Self { verb, path, body }
    }

    pub(crate) fn get(path: String) -> Self {
        Self::new(Verb::Get, path, None)
    }
}

/// A 2xx answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    pub(crate) fn json<T: DeserializeOwned>(&self, verb: Verb, path: &str) -> Result<T, GithubError> {
        serde_json::from_str(&self.body).map_err(|e| GithubError::Decode {
            method: verb.as_str(),
            path: path.to_owned(),
            message: e.to_string(),
        })
    }
}

/// What one failed attempt calls for.
enum Step {
    /// Retry after an exponential backoff.
    Backoff(GithubError),
    /// Retry after the wait GitHub asked for.
    Wait(Duration),
    /// Give up now.
    Fail(GithubError),
}

/// One octocrab client (App or installation) plus our retry loop. Clones share
/// the client, and so its token cache.
#[derive(Clone)]
pub(crate) struct Transport {
    crab: Arc<Octocrab>,
    pub(crate) config: Arc<ClientConfig>,
    /// The api base's path (`/api/v3` on GHES, empty on api.github.com).
    base_path: Arc<str>,
    /// For installation clients: held while checking or minting the token, so
    /// concurrent callers mint once.
    token_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    /// The token-mint path, for error messages (installation clients).
    mint_path: Arc<str>,
    /// Installation clients: the gate every mutating request passes.
    write_gate: Option<(u64, Arc<dyn WriteGate>)>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport").field("base_path", &self.base_path).finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport over `crab`; an `installation` id adds the token warm-up lock.
    pub(crate) fn new(
        crab: Arc<Octocrab>,
        config: Arc<ClientConfig>,
        base_path: Arc<str>,
        installation: Option<u64>,
    ) -> Self {
        let token_lock = installation.map(|_| Arc::new(tokio::sync::Mutex::new(())));
        let mint_path = match installation {
            Some(id) => format!("/app/installations/{id}/access_tokens"),
            None => "/app".to_owned(),
        };
        Self { crab, config, base_path, token_lock, mint_path: Arc::from(mint_path), write_gate: None }
    }

    /// Sends `call` (or, with `None`, only warms the token) with retries.
    pub(crate) async fn send(&self, call: Option<&Call>) -> Result<Reply, GithubError> {
        let (method, path) = call.map_or(("POST", &*self.mint_path), |c| (c.verb.as_str(), c.path.as_str()));
        let mut retries = 0;
        loop {
            let gated = call.filter(|c| c.verb != Verb::Get).and(self.write_gate.as_ref());
            let permit = match gated {
                Some((installation, gate)) => Some(gate.acquire(*installation).await?),
                None => None,
            };
            let answer = tokio::time::timeout(self.config.request_timeout, self.attempt(call)).await;
            observe(method, &answer);
            if let Some(permit) = permit {
                permit.release().await;
            }
            let step = match answer {
                Err(_) => Step::Backoff(GithubError::Transport {
                    method,
                    path: path.to_owned(),
                    message: format!("no answer within {} ms", self.config.request_timeout.as_millis()),
                }),
                Ok(Ok(reply)) if reply.status.is_success() => return Ok(reply),
                Ok(Ok(reply)) => self.classify(method, path, reply.status, &reply.headers, &reply.body),
                Ok(Err(e)) => self.classify_octocrab(method, path, e),
            };
            let wait = match step {
                Step::Fail(e) => return Err(e),
                Step::Backoff(e) if retries >= self.config.max_retries => return Err(e),
                Step::Wait(wait) if retries >= self.config.max_retries => {
                    return Err(GithubError::RateLimited { retry_after: wait });
                }
                Step::Backoff(e) => {
                    let wait = self.backoff(retries);
                    tracing::warn!(error = %e, retry = retries + 1, wait_ms = wait.as_millis(), "github request failed; retrying");
                    wait
                }
                Step::Wait(wait) => {
                    tracing::warn!(
                        method,
                        path,
                        retry = retries + 1,
                        wait_ms = wait.as_millis(),
                        "github rate limit; waiting"
                    );
                    wait
                }
            };
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    /// One attempt: warm the token (installations), send, read the whole answer.
    async fn attempt(&self, call: Option<&Call>) -> Result<Reply, octocrab::Error> {
        if let Some(lock) = &self.token_lock {
            let _guard = lock.lock().await;
            self.crab.installation_token().await?;
        }
        let Some(call) = call else {
            return Ok(Reply { status: StatusCode::OK, headers: HeaderMap::new(), body: String::new() });
        };
        let path = call.path.as_str();
        let body = call.body.as_ref();
        let response = match call.verb {
            Verb::Get => self.crab._get(path).await?,
            Verb::Post => self.crab._post(path, body).await?,
            Verb::Patch => self.crab._patch(path, body).await?,
            Verb::Delete => self.crab._delete(path, body).await?,
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = self.crab.body_to_string(response).await?;
        Ok(Reply { status, headers, body })
    }

    /// Decides what a non-2xx answer calls for.
    fn classify(&self, method: &'static str, path: &str, status: StatusCode, headers: &HeaderMap, body: &str) -> Step {
        let message = error_message(body, status);
        let error = GithubError::Status { status: status.as_u16(), method, path: path.to_owned(), message };
        if status.is_server_error() {
            return Step::Backoff(error);
        }
        if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
            return Step::Fail(error);
        }
        let Some(wait) = self.rate_limit_wait(status, headers, body) else {
            return Step::Fail(error);
        };
        if wait > self.config.max_rate_limit_wait {
            Step::Fail(GithubError::RateLimited { retry_after: wait })
        } else {
            Step::Wait(wait)
        }
    }

    /// The wait a 403 or 429 asks for, following GitHub's best practices:
    /// `Retry-After`, else the reset time when no requests remain, else a
    /// default for a 429 or a 403 that says "rate limit". `None`: a plain 403.
    fn rate_limit_wait(&self, status: StatusCode, headers: &HeaderMap, body: &str) -> Option<Duration> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        if let Some(secs) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
            return Some(Duration::from_secs(secs));
        }
        if header("x-ratelimit-remaining") == Some("0") {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
            return Some(match header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok()) {
                Some(reset) => Duration::from_secs(reset.saturating_sub(now).max(1)),
                None => self.config.default_rate_limit_wait,
            });
        }
        let says_rate_limit = body.to_ascii_lowercase().contains("rate limit");
        (status == StatusCode::TOO_MANY_REQUESTS || says_rate_limit).then_some(self.config.default_rate_limit_wait)
    }

    /// Decides what an octocrab error calls for: a GitHub answer (from minting a
    /// token) is classified like any answer; a transport failure is retried.
    fn classify_octocrab(&self, method: &'static str, path: &str, error: octocrab::Error) -> Step {
        match error {
            octocrab::Error::GitHub { source, .. } => {
                let headers = source.headers.clone().unwrap_or_default();
                let body = json!({ "message": source.message }).to_string();
                // The failing request was the token mint, not `path`.
                self.classify("POST", &self.mint_path, source.status_code, &headers, &body)
            }
            e @ (octocrab::Error::Service { .. } | octocrab::Error::Hyper { .. } | octocrab::Error::Other { .. }) => {
                Step::Backoff(GithubError::Transport { method, path: path.to_owned(), message: short(&e.to_string()) })
            }
            e => Step::Fail(GithubError::Transport { method, path: path.to_owned(), message: short(&e.to_string()) }),
        }
    }

    /// Exponential backoff with jitter: base × 2^retry, capped, times 0.5–1.
    fn backoff(&self, retry: u32) -> Duration {
        let exp = self.config.backoff_base.saturating_mul(1 << retry.min(16));
        exp.min(self.config.backoff_max).mul_f64(rand::random_range(0.5..=1.0))
    }

    /// GETs `first` and each `Link: rel="next"` page, up to `max_items` items.
    pub(crate) async fn paginate<T: DeserializeOwned>(
        &self,
        first: String,
        max_items: usize,
    ) -> Result<Vec<T>, GithubError> {
        self.paginate_with(first, max_items, |reply, path| reply.json(Verb::Get, path)).await
    }

    /// As [`Transport::paginate`], for lists GitHub wraps in an object
    /// (`{"total_count": n, "<key>": [...]}`).
    pub(crate) async fn paginate_in<T: DeserializeOwned>(
        &self,
        first: String,
        key: &str,
        max_items: usize,
    ) -> Result<Vec<T>, GithubError> {
        self.paginate_with(first, max_items, |reply, path| {
            let mut page: Value = reply.json(Verb::Get, path)?;
            let list = match page.get_mut(key).map(Value::take) {
                Some(Value::Null) | None => Value::Array(Vec::new()),
                Some(list) => list,
            };
            serde_json::from_value(list).map_err(|e| GithubError::Decode {
                method: "GET",
                path: path.to_owned(),
                message: format!("`{key}`: {e}"),
            })
        })
        .await
    }

    /// The pagination loop: `items_of` reads one page's items from its reply.
    async fn paginate_with<T>(
        &self,
        first: String,
        max_items: usize,
        items_of: impl Fn(&Reply, &str) -> Result<Vec<T>, GithubError>,
    ) -> Result<Vec<T>, GithubError> {
        let mut items = Vec::new();
        let mut next = Some(first);
        while let Some(path) = next.take() {
            let reply = self.send(Some(&Call::get(path.clone()))).await?;
            let page = items_of(&reply, &path)?;
            let empty = page.is_empty();
            items.extend(page);
            if items.len() >= max_items {
                items.truncate(max_items);
                break;
            }
            if !empty {
                next = next_link(&reply.headers).and_then(|url| self.relative(&url));
            }
        }
        Ok(items)
    }

    /// GETs one page and returns it with its `Link: rel="next"` URL, made relative.
    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        path: String,
    ) -> Result<(Vec<T>, Option<String>), GithubError> {
        let reply = self.send(Some(&Call::get(path.clone()))).await?;
        let page = reply.json(Verb::Get, &path)?;
        Ok((page, next_link(&reply.headers).and_then(|url| self.relative(&url))))
    }

    /// `url`'s path and query, minus the api base's path (octocrab adds it back).
    /// Relative, so the request always goes to our api host with our auth.
    fn relative(&self, url: &str) -> Option<String> {
        let url = reqwest::Url::parse(url).ok()?;
        let path = url.path();
        let path = match path.strip_prefix(&*self.base_path) {
            Some(rest) if !self.base_path.is_empty() && rest.starts_with('/') => rest,
            _ => path,
        };
        Some(match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        })
    }
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_owned())
    })
}

/// The `cursor` query parameter of a relative path, for cursor pagination.
pub(crate) fn cursor_of(path: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("http://x{path}")).ok()?;
    url.query_pairs().find(|(k, _)| k == "cursor").map(|(_, v)| v.into_owned())
}

/// GitHub's `message` from an error body, else the body, shortened.
fn error_message(body: &str, status: StatusCode) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned());
    if message.is_empty() { status.canonical_reason().unwrap_or("error").to_owned() } else { short(&message) }
}

/// The request bodies that conclude a check run: the first sets the status,
/// conclusion and actions, and each carries the output with up to 50
/// annotations (GitHub appends annotations across requests).
fn conclusion_bodies(conclusion: Conclusion, summary: &CheckRunSummary, annotations: &[Annotation]) -> Vec<Value> {
    let title = truncate(&summary.title, MAX_TEXT_LEN);
    let text = summary.text.as_deref().map(|t| truncate(t, MAX_TEXT_LEN));
    let body_summary = truncate(&summary.summary, MAX_TEXT_LEN);
    let mut batches: Vec<&[Annotation]> = annotations.chunks(MAX_ANNOTATIONS_PER_REQUEST).collect();
    if batches.is_empty() {
        batches.push(&[]);
    }
    batches
        .iter()
        .enumerate()
        .map(|(i, batch)| {
            let batch: Vec<Annotation> = batch.iter().map(Annotation::within_limits).collect();
            let mut output = json!({ "title": title, "summary": body_summary, "annotations": batch });
            if let Some(text) = &text {
                output["text"] = json!(text);
            }
            let mut body = json!({ "output": output });
            if i == 0 {
                body["status"] = json!("completed");
                body["conclusion"] = json!(conclusion);
                if !summary.actions.is_empty() {
                    body["actions"] = json!(summary.actions);
                }
            }
            body
        })
        .collect()
}

/// At most [`MAX_MESSAGE_CHARS`] characters of `s`.
fn short(s: &str) -> String {
    truncate_chars(s, MAX_MESSAGE_CHARS)
}

/// `s` cut to at most `max` characters.
fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// `s` cut to at most `max_bytes` bytes on a `char` boundary, with a mark
/// saying so; unchanged when it fits.
pub fn truncate(s: &str, max_bytes: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max_bytes {
        return std::borrow::Cow::Borrowed(s);
    }
    // Too small for the mark: cut without it.
    let mark = if max_bytes < TRUNCATION_MARK.len() { "" } else { TRUNCATION_MARK };
    let mut end = max_bytes - mark.len();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}{mark}", &s[..end]))
}

/// Decodes GitHub's base64, which has a newline every 60 characters.
fn decode_base64(content: &str) -> Result<Vec<u8>, String> {
    let compact: String = content.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(compact).map_err(|e| format!("bad base64 content: {e}"))
}

/// Percent-encodes everything but unreserved characters (and `/` when `keep_slash`).
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Counts one GitHub answer by method and status (`timeout`, `error` without one), and keeps the
/// rate-limit budget GitHub last reported (`x-ratelimit-remaining`) as a gauge.
fn observe<E>(method: &'static str, answer: &Result<Result<Reply, octocrab::Error>, E>) {
    let status = match answer {
        Ok(Ok(reply)) => {
            let remaining = reply.headers.get("x-ratelimit-remaining").and_then(|v| v.to_str().ok());
            if let Some(remaining) = remaining.and_then(|v| v.trim().parse::<u32>().ok()) {
                metrics::gauge!("drydock_github_rate_limit_remaining").set(f64::from(remaining));
            }
            reply.status.as_str().to_owned()
        }
        Ok(Err(_)) => "error".to_owned(),
        Err(_) => "timeout".to_owned(),
    };
    metrics::counter!("drydock_github_requests_total", "method" => method, "status" => status).increment(1);
}

// ---- Git data API and pull requests by branch (digest-update PRs) ----

/// A commit, as the git data API gives it (only what drydock reads).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GitCommit {
    /// Its SHA.
    pub sha: String,
    /// Its tree.
    pub tree: GitObject,
    /// Its parents.
    #[serde(default)]
    pub parents: Vec<GitObject>,
    /// The message.
    #[serde(default)]
    pub message: String,
}

/// A SHA-named git object.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct GitObject {
    /// Its SHA.
    pub sha: String,
}

/// One entry of a recursive tree listing.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TreeEntry {
    /// Path from the repository root.
    pub path: String,
    /// File mode (`100644`, `100755`, `040000`, …).
    #[serde(default)]
    pub mode: String,
    /// `blob`, `tree` or `commit`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The object's SHA.
    #[serde(default)]
    pub sha: String,
    /// Blob size.
    #[serde(default)]
    pub size: Option<u64>,
}

/// A recursive tree listing.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Tree {
    /// The entries, at most GitHub's cap (100,000 entries or 7 MB).
    #[serde(default)]
    pub tree: Vec<TreeEntry>,
    /// Whether GitHub cut the listing short.
    #[serde(default)]
    pub truncated: bool,
}

/// A pull request as listed (`GET /repos/{o}/{r}/pulls`), only what drydock reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullSummary {
    /// The number.
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    /// Whether it was merged.
    pub merged: bool,
    /// The head commit.
    pub head_sha: String,
    /// The body.
    pub body: String,
    /// The title.
    pub title: String,
}

#[derive(Deserialize)]
struct PullListJson {
    number: u64,
    #[serde(default)]
    state: String,
    #[serde(default)]
    merged_at: Option<String>,
    head: GitRefJson,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    title: String,
}

#[derive(Deserialize)]
struct RefJson {
    object: GitObject,
}

#[derive(Deserialize)]
struct ShaJson {
    sha: String,
}

#[derive(Deserialize)]
struct NumberJson {
    number: u64,
}

/// A file for [`InstallationClient::create_tree`]: path, mode and blob SHA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeWrite {
    /// Path from the repository root.
    pub path: String,
    /// File mode, as the base tree had it.
    pub mode: String,
    /// The blob.
    pub sha: String,
}

impl InstallationClient {
    /// The commit branch `branch` points to; `None` when there is no such branch.
    pub async fn branch_sha(&self, repo: &RepoRef, branch: &str) -> Result<Option<String>, GithubError> {
        let url = repo.path(&format!("/git/ref/heads/{}", encode(branch, true)));
        match self.transport.send(Some(&Call::get(url.clone()))).await {
            Ok(reply) => Ok(Some(reply.json::<RefJson>(Verb::Get, &url)?.object.sha)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A commit by SHA (`GET /repos/{o}/{r}/git/commits/{sha}`).
    pub async fn git_commit(&self, repo: &RepoRef, sha: &str) -> Result<GitCommit, GithubError> {
        let url = repo.path(&format!("/git/commits/{}", encode(sha, false)));
        let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
        reply.json(Verb::Get, &url)
    }

    /// A tree listed recursively (`?recursive=1`); GitHub caps the listing and says so in `truncated`.
    pub async fn tree_recursive(&self, repo: &RepoRef, tree_sha: &str) -> Result<Tree, GithubError> {
        let url = repo.path(&format!("/git/trees/{}?recursive=1", encode(tree_sha, false)));
        let reply = self.transport.send(Some(&Call::get(url.clone()))).await?;
        reply.json(Verb::Get, &url)
    }

    /// Creates a blob of UTF-8 text; returns its SHA.
    pub async fn create_blob(&self, repo: &RepoRef, content: &str) -> Result<String, GithubError> {
        let url = repo.path("/git/blobs");
        let body = json!({ "content": content, "encoding": "utf-8" });
        let reply = self.transport.send(Some(&Call::new(Verb::Post, url.clone(), Some(body)))).await?;
        Ok(reply.json::<ShaJson>(Verb::Post, &url)?.sha)
    }

    /// Creates a tree: `base_tree` with `files` replaced; returns its SHA.
    pub async fn create_tree(
        &self,
        repo: &RepoRef,
        base_tree: &str,
        files: &[TreeWrite],
    ) -> Result<String, GithubError> {
        let url = repo.path("/git/trees");
        let tree: Vec<Value> =
            files.iter().map(|f| json!({ "path": f.path, "mode": f.mode, "type": "blob", "sha": f.sha })).collect();
        let body = json!({ "base_tree": base_tree, "tree": tree });
        let reply = self.transport.send(Some(&Call::new(Verb::Post, url.clone(), Some(body)))).await?;
        Ok(reply.json::<ShaJson>(Verb::Post, &url)?.sha)
    }

    /// Creates a commit of `tree` on `parents`, authored by the App; returns its SHA.
    pub async fn create_commit(
        &self,
        repo: &RepoRef,
        message: &str,
        tree: &str,
        parents: &[String],
    ) -> Result<String, GithubError> {
        let url = repo.path("/git/commits");
        let body = json!({ "message": message, "tree": tree, "parents": parents });
        let reply = self.transport.send(Some(&Call::new(Verb::Post, url.clone(), Some(body)))).await?;
        Ok(reply.json::<ShaJson>(Verb::Post, &url)?.sha)
    }

    /// Creates branch `branch` at `sha`.
    pub async fn create_branch(&self, repo: &RepoRef, branch: &str, sha: &str) -> Result<(), GithubError> {
        let url = repo.path("/git/refs");
        let body = json!({ "ref": format!("refs/heads/{branch}"), "sha": sha });
        self.transport.send(Some(&Call::new(Verb::Post, url, Some(body)))).await.map(drop)
    }

    /// Moves branch `branch` to `sha`, forced (the branch is drydock's own).
    pub async fn force_branch(&self, repo: &RepoRef, branch: &str, sha: &str) -> Result<(), GithubError> {
        let url = repo.path(&format!("/git/refs/heads/{}", encode(branch, true)));
        let body = json!({ "sha": sha, "force": true });
        self.transport.send(Some(&Call::new(Verb::Patch, url, Some(body)))).await.map(drop)
    }

    /// Pull requests (open and closed, newest first) whose head is `branch` of the repository itself.
    pub async fn pulls_for_branch(&self, repo: &RepoRef, branch: &str) -> Result<Vec<PullSummary>, GithubError> {
        let head = format!("{}:{branch}", repo.owner());
        let path = repo.path(&format!(
            "/pulls?state=all&head={}&sort=created&direction=desc&per_page={PER_PAGE}",
            encode(&head, false)
        ));
        let reply = self.transport.send(Some(&Call::get(path.clone()))).await?;
        let list: Vec<PullListJson> = reply.json(Verb::Get, &path)?;
        let mut out: Vec<PullSummary> = list
            .into_iter()
            .map(|p| PullSummary {
                number: p.number,
                merged: p.merged_at.is_some(),
                state: p.state,
                head_sha: p.head.sha,
                body: p.body.unwrap_or_default(),
                title: p.title,
            })
            .collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.number));
        Ok(out)
    }

    /// Opens a pull request from `head` (a branch of this repository) into `base`; returns its number.
    pub async fn create_pull(
        &self,
        repo: &RepoRef,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
    ) -> Result<u64, GithubError> {
        let url = repo.path("/pulls");
        let payload = json!({ "title": title, "head": head, "base": base, "body": truncate(body, MAX_TEXT_LEN) });
        let reply = self.transport.send(Some(&Call::new(Verb::Post, url.clone(), Some(payload)))).await?;
        Ok(reply.json::<NumberJson>(Verb::Post, &url)?.number)
    }

    /// Replaces a pull request's title and body.
    pub async fn update_pull(&self, repo: &RepoRef, number: u64, title: &str, body: &str) -> Result<(), GithubError> {
        let url = repo.path(&format!("/pulls/{number}"));
        let payload = json!({ "title": title, "body": truncate(body, MAX_TEXT_LEN) });
        self.transport.send(Some(&Call::new(Verb::Patch, url, Some(payload)))).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_short_text() {
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[test]
    fn truncate_cuts_on_a_char_boundary_and_marks() {
        let s = "é".repeat(40_000); // 80,000 bytes
        let t = truncate(&s, MAX_TEXT_LEN);
        assert!(t.len() <= MAX_TEXT_LEN);
        assert!(t.ends_with(TRUNCATION_MARK));
        let kept = &t[..t.len() - TRUNCATION_MARK.len()];
        assert_eq!(kept.chars().count(), (MAX_TEXT_LEN - TRUNCATION_MARK.len()) / 2);
        assert!(kept.chars().all(|c| c == 'é'));
    }

    #[test]
    fn truncate_below_the_mark_length() {
        assert_eq!(truncate("abcdef", 3), "abc");
    }

    #[test]
    fn next_link_finds_rel_next() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            "<https://h/api/v3/x?page=3>; rel=\"last\", <https://h/api/v3/x?page=2>; rel=\"next\"".parse().unwrap(),
        );
        assert_eq!(next_link(&h).as_deref(), Some("https://h/api/v3/x?page=2"));
        h.insert("link", "<https://h/x?page=1>; rel=\"prev\"".parse().unwrap());
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn encode_paths_and_refs() {
        assert_eq!(encode("a b/Dockerfile.dev", true), "a%20b/Dockerfile.dev");
        assert_eq!(encode("feature/x#1", false), "feature%2Fx%231");
        assert_eq!(encode("ünï", true), "%C3%BCn%C3%AF");
    }

    #[test]
    fn repo_ref_parses_owner_and_name() {
        let r = RepoRef::parse("octo-org/hello.world").unwrap();
        assert_eq!((r.owner(), r.name()), ("octo-org", "hello.world"));
        assert_eq!(r.to_string(), "octo-org/hello.world");
        for bad in ["noslash", "a/", "/b", "a/b/c", "a/..", "a b/c", "a/b?x"] {
            assert!(matches!(RepoRef::parse(bad), Err(GithubError::InvalidRepo(_))), "{bad}");
        }
    }

    #[test]
    fn cursor_is_read_from_the_query() {
        assert_eq!(cursor_of("/app/hook/deliveries?per_page=2&cursor=v1_12").as_deref(), Some("v1_12"));
        assert_eq!(cursor_of("/app/hook/deliveries?per_page=2"), None);
    }

    #[test]
    fn base64_with_newlines() {
        assert_eq!(decode_base64("RlJP\nTSBk\nZWJp\nYW4K\n").unwrap(), b"FROM debian\n");
    }

    #[test]
    fn annotation_limits() {
        let a = Annotation {
            path: "Dockerfile".into(),
            start_line: 3,
            end_line: 4,
            start_column: Some(1),
            end_column: Some(5),
            annotation_level: AnnotationLevel::Warning,
            message: "m".into(),
            title: Some("t".repeat(300)),
            raw_details: None,
        }
        .within_limits();
        assert_eq!((a.start_column, a.end_column), (None, None));
        assert_eq!(a.title.unwrap().chars().count(), 255);
    }

    #[test]
    fn error_message_prefers_githubs_message() {
        assert_eq!(error_message(r#"{"message":"Not Found"}"#, StatusCode::NOT_FOUND), "Not Found");
        assert_eq!(error_message("", StatusCode::BAD_GATEWAY), "Bad Gateway");
        assert_eq!(error_message(&"x".repeat(500), StatusCode::BAD_GATEWAY).len(), 200);
    }
}
