//! The webhook events drydock acts on, read from a verified delivery's JSON, and
//! the jobs they lead to.
//!
//! Only [`super::webhook::verify`]-ed bodies reach [`parse`]. The serde structs
//! here are deliberately small: they name only the fields drydock uses, ignore
//! every other field, and make `Option` whatever GitHub may leave out, so a new
//! field or a GHES quirk does not turn a delivery into an error. Events and
//! actions drydock does not handle become [`Event::Ignored`] without their
//! payload being read beyond the `action`, so the server can answer 202 and
//! count them.
//!
//! Reading happens in two passes over the bytes. The first reads the
//! [`Envelope`] (action, installation, repository), which every event has and
//! the store records; it also proves the body is JSON at all, which tells a
//! body that is not JSON ([`EventError::NotJson`], 415) from JSON of the wrong
//! shape ([`EventError::Malformed`], 400). The second reads the event's own
//! struct, and only for the actions drydock handles.
//!
//! [`Event::jobs`] maps an event to [`JobSpec`]s, the serde payloads the worker
//! runs. Parsing does no I/O and decides nothing that needs the network: what to
//! lint at a commit, and the installation's current state, are the worker's.

use std::ffi::OsStr;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::webhook::EventName;
use crate::lint::is_lintable_name;

/// The identifier of the check run's "Re-lint" button (at most 20 characters,
/// GitHub's limit); a `check_run.requested_action` carrying it lints again.
pub const RELINT_ACTION: &str = "relint";

/// Repository paths of the App's config file; a push that touches one refreshes
/// the cached config.
pub const CONFIG_PATHS: &[&str] = &[".github/drydock.yml", ".github/drydock.yaml"];

/// The branch of the App's digest-update PR (`jobs::digest`; `DIGEST_BRANCH-<group>` with grouped PRs);
/// closing a PR from it triggers a scan, which records a close without merge.
pub const DIGEST_BRANCH: &str = "drydock/digest-updates";

/// A push webhook lists at most this many commits; a push with more may touch
/// files the payload does not show.
const PUSH_COMMITS_CAP: usize = 2048;

/// The longest message [`EventError::Malformed`] carries.
const MAX_DETAIL_CHARS: usize = 200;

/// Why a verified body could not be read as its event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The body is not JSON (e.g. the webhook sends `application/x-www-form-urlencoded`). Means 415.
    #[error("webhook body is not JSON; set the GitHub App's webhook content type to application/json")]
    NotJson,
    /// JSON, but not the shape of the event it claims to be. Means 400. The
    /// message names the event, a field or expected type and a position; it
    /// never quotes the payload.
    #[error("malformed webhook payload: {0}")]
    Malformed(String),
}

/// What every delivery says about itself, handled or not: the columns the store
/// records beside the payload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// `action`, for the events that have one.
    pub action: Option<String>,
    /// `installation.id`; absent from `ping` and from repository webhooks.
    pub installation_id: Option<u64>,
    /// `repository.full_name` (`owner/name`), for repository events.
    pub repository: Option<String>,
}

/// The repository an event is about, and the installation that may act on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoRef {
    /// The App installation whose token reaches the repository.
    pub installation_id: u64,
    /// `repository.owner.login`.
    pub owner: String,
    /// `repository.name`.
    pub name: String,
    /// `repository.full_name` (`owner/name`).
    pub full_name: String,
}

/// A repository an installation gained or lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
pub struct InstalledRepo {
    /// GitHub's repository id; it survives renames.
    pub id: u64,
    /// `owner/name` at the time of the event.
    pub full_name: String,
}

/// The `pull_request` actions that lint the PR's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PullRequestAction {
    /// `opened`.
    Opened,
    /// `synchronize`: a new head was pushed.
    Synchronize,
    /// `reopened`.
    Reopened,
    /// `ready_for_review`: a draft became ready.
    ReadyForReview,
    /// `edited` with `changes.base`: the PR now targets another branch.
    BaseChanged,
}

impl PullRequestAction {
    /// GitHub's action name (`edited` for [`Self::BaseChanged`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Synchronize => "synchronize",
            Self::Reopened => "reopened",
            Self::ReadyForReview => "ready_for_review",
            Self::BaseChanged => "edited",
        }
    }
}

/// The `installation` actions that change an installation without creating or deleting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstallationChange {
    /// `suspend`: GitHub refuses the installation's tokens until it is unsuspended.
    Suspended,
    /// `unsuspend`.
    Unsuspended,
    /// `new_permissions_accepted`.
    NewPermissionsAccepted,
}

/// A delivery drydock understood: what happened, with the fields drydock needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A PR's head needs linting (`opened`, `synchronize`, `reopened`,
    /// `ready_for_review`, or `edited` with a new base). Draft PRs are linted too;
    /// `draft` records it.
    PullRequest {
        /// Which action.
        action: PullRequestAction,
        /// The base repository.
        repo: RepoRef,
        /// The PR number.
        number: u64,
        /// `pull_request.head.sha`.
        head_sha: String,
        /// `pull_request.head.ref` (a branch, possibly in a fork).
        head_ref: String,
        /// `pull_request.base.ref`.
        base_ref: String,
        /// `pull_request.draft`; `false` when GitHub leaves it out.
        draft: bool,
    },
    /// "Re-run" on a check run (`check_run.rerequested`).
    CheckRunRerequested {
        /// The repository.
        repo: RepoRef,
        /// The check run to reset or update.
        check_run_id: u64,
        /// The commit it checks.
        head_sha: String,
        /// PRs in this repository whose head it is (empty for forks).
        pr_numbers: Vec<u64>,
    },
    /// A button on a check run (`check_run.requested_action`).
    CheckRunAction {
        /// The repository.
        repo: RepoRef,
        /// The check run the button is on.
        check_run_id: u64,
        /// The commit it checks.
        head_sha: String,
        /// `requested_action.identifier`, e.g. [`RELINT_ACTION`].
        identifier: String,
        /// PRs in this repository whose head it is (empty for forks).
        pr_numbers: Vec<u64>,
    },
    /// "Re-run all checks" (`check_suite.rerequested`).
    CheckSuiteRerequested {
        /// The repository.
        repo: RepoRef,
        /// `check_suite.id`.
        check_suite_id: u64,
        /// The commit the suite checks.
        head_sha: String,
        /// PRs in this repository whose head it is (empty for forks).
        pr_numbers: Vec<u64>,
    },
    /// A merge queue wants the required checks on its temporary commit
    /// (`merge_group.checks_requested`).
    MergeGroup {
        /// The repository.
        repo: RepoRef,
        /// `merge_group.head_sha`.
        head_sha: String,
        /// `merge_group.head_ref` (`refs/heads/gh-readonly-queue/…`).
        head_ref: String,
        /// `merge_group.base_ref` (`refs/heads/main`).
        base_ref: String,
    },
    /// A push to the repository's default branch, which holds the config.
    PushDefaultBranch {
        /// The repository.
        repo: RepoRef,
        /// The branch's previous commit (all zeros when it was created).
        before: String,
        /// The branch's new commit.
        after: String,
        /// Whether the push may touch a file [`touches_lintable`] accepts: true
        /// when a listed commit does, and also when the payload cannot tell (a
        /// forced push, a new branch, no or too many commits listed).
        touches_dockerfiles: bool,
    },
    /// The App's digest PR (head [`DIGEST_BRANCH`]) was closed, merged or not: scan again, so a close
    /// without merge is remembered at once.
    DigestPullRequestClosed {
        /// The repository.
        repo: RepoRef,
        /// The PR number.
        number: u64,
    },
    /// A push to another branch, a tag, or a deletion: nothing to do.
    PushOther,
    /// The App was installed (`installation.created`).
    InstallationCreated {
        /// The new installation.
        installation_id: u64,
        /// The account's login (an enterprise's slug), when given.
        account: Option<String>,
        /// The repositories it can reach, as listed in the payload.
        repositories: Vec<InstalledRepo>,
    },
    /// The installation was suspended, unsuspended or accepted new permissions.
    InstallationChanged {
        /// The installation.
        installation_id: u64,
        /// The account's login (an enterprise's slug), when given.
        account: Option<String>,
        /// What changed.
        change: InstallationChange,
    },
    /// The App was uninstalled: stop all work for it and keep no tokens.
    InstallationDeleted {
        /// The installation that is gone.
        installation_id: u64,
        /// The account's login (an enterprise's slug), when given.
        account: Option<String>,
    },
    /// Repositories were added to or removed from an installation.
    InstallationRepositories {
        /// The installation.
        installation_id: u64,
        /// The account's login (an enterprise's slug), when given.
        account: Option<String>,
        /// `repositories_added`.
        added: Vec<InstalledRepo>,
        /// `repositories_removed`.
        removed: Vec<InstalledRepo>,
    },
    /// An event or action drydock does not act on (`ping`, `issues`, a closed PR…).
    Ignored {
        /// The `X-GitHub-Event` name.
        event: String,
        /// The payload's `action`, when it has one.
        action: Option<String>,
    },
}

/// A unit of work for the worker, stored as JSON in the queue.
///
/// The JSON is internally tagged by [`JobSpec::kind`]:
/// `{"kind":"lint_pull_request","installation_id":1,…}`. Jobs stored by an older
/// drydock must still read, so fields are only ever added, with serde defaults.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobSpec {
    /// Lint a PR at a head: check run, annotations and review comments.
    LintPullRequest {
        /// The installation to act as.
        installation_id: u64,
        /// Repository owner.
        owner: String,
        /// Repository name.
        repo: String,
        /// The PR number.
        number: u64,
        /// The head to lint; the worker skips it when the PR has moved on.
        head_sha: String,
    },
    /// Lint a commit that may have no PR (re-runs, merge queues).
    LintCommit {
        /// The installation to act as.
        installation_id: u64,
        /// Repository owner.
        owner: String,
        /// Repository name.
        repo: String,
        /// The commit to lint.
        head_sha: String,
        /// The check run to update instead of creating one, when re-running it.
        check_run_id: Option<u64>,
        /// PRs whose head this is, for review comments; empty for none or forks.
        pr_numbers: Vec<u64>,
    },
    /// Re-read the repository's config from its default branch.
    RefreshConfig {
        /// The installation to act as.
        installation_id: u64,
        /// Repository owner.
        owner: String,
        /// Repository name.
        repo: String,
    },
    /// Scan a repository's pinned image digests and open or update its digest PR.
    DigestScan {
        /// The installation to act as.
        installation_id: u64,
        /// Repository owner.
        owner: String,
        /// Repository name.
        repo: String,
    },
    /// Record an installation's current state and repositories, read from the
    /// API with the App's JWT (it may be suspended by then).
    InstallationSync {
        /// The installation.
        installation_id: u64,
    },
    /// Forget an uninstalled installation: drop its tokens and queued work.
    InstallationDeleted {
        /// The installation that is gone.
        installation_id: u64,
    },
}

impl JobSpec {
    /// The job's kind, the same string as the JSON `kind` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LintPullRequest { .. } => "lint_pull_request",
            Self::LintCommit { .. } => "lint_commit",
            Self::RefreshConfig { .. } => "refresh_config",
            Self::DigestScan { .. } => "digest_scan",
            Self::InstallationSync { .. } => "installation_sync",
            Self::InstallationDeleted { .. } => "installation_deleted",
        }
    }

    /// The installation the job acts for; GitHub writes are serialised per installation.
    pub fn installation_id(&self) -> u64 {
        match self {
            Self::LintPullRequest { installation_id, .. }
            | Self::LintCommit { installation_id, .. }
            | Self::RefreshConfig { installation_id, .. }
            | Self::DigestScan { installation_id, .. }
            | Self::InstallationSync { installation_id }
            | Self::InstallationDeleted { installation_id } => *installation_id,
        }
    }

    /// Jobs with equal keys do the same work, so a newer one supersedes a queued
    /// older one: a new head of PR `owner/repo#12` replaces the queued lint of
    /// its old head. Keys are lowercase, as GitHub matches names without case.
    pub fn coalesce_key(&self) -> Option<String> {
        let key = match self {
            Self::LintPullRequest { owner, repo, number, .. } => format!("pr:{owner}/{repo}#{number}"),
            Self::LintCommit { owner, repo, head_sha, .. } => format!("commit:{owner}/{repo}@{head_sha}"),
            Self::RefreshConfig { owner, repo, .. } => format!("config:{owner}/{repo}"),
            Self::DigestScan { owner, repo, .. } => format!("digest:{owner}/{repo}"),
            Self::InstallationSync { installation_id } | Self::InstallationDeleted { installation_id } => {
                format!("installation:{installation_id}")
            }
        };
        Some(key.to_lowercase())
    }
}

impl Event {
    /// The jobs this event leads to; none for ignored events, other pushes,
    /// pushes that touch no lintable file, and buttons other than "Re-lint".
    pub fn jobs(&self) -> Vec<JobSpec> {
        let job = match self {
            Self::PullRequest { repo, number, head_sha, .. } => JobSpec::LintPullRequest {
                installation_id: repo.installation_id,
                owner: repo.owner.clone(),
                repo: repo.name.clone(),
                number: *number,
                head_sha: head_sha.clone(),
            },
            Self::CheckRunRerequested { repo, check_run_id, head_sha, pr_numbers } => {
                lint_commit(repo, head_sha, Some(*check_run_id), pr_numbers)
            }
            Self::CheckRunAction { repo, check_run_id, head_sha, identifier, pr_numbers } => {
                if identifier != RELINT_ACTION {
                    return Vec::new();
                }
                lint_commit(repo, head_sha, Some(*check_run_id), pr_numbers)
            }
            Self::CheckSuiteRerequested { repo, head_sha, pr_numbers, .. } => {
                lint_commit(repo, head_sha, None, pr_numbers)
            }
            Self::MergeGroup { repo, head_sha, .. } => lint_commit(repo, head_sha, None, &[]),
            Self::PushDefaultBranch { repo, touches_dockerfiles, .. } => {
                if !touches_dockerfiles {
                    return Vec::new();
                }
                // The config may have changed, and so may the pins: refresh it, then scan the digests.
                return vec![
                    JobSpec::RefreshConfig {
                        installation_id: repo.installation_id,
                        owner: repo.owner.clone(),
                        repo: repo.name.clone(),
                    },
                    JobSpec::DigestScan {
                        installation_id: repo.installation_id,
                        owner: repo.owner.clone(),
                        repo: repo.name.clone(),
                    },
                ];
            }
            Self::InstallationCreated { installation_id, repositories, .. } => {
                let mut jobs = vec![JobSpec::InstallationSync { installation_id: *installation_id }];
                jobs.extend(repositories.iter().filter_map(|r| {
                    let (owner, repo) = r.full_name.split_once('/')?;
                    Some(JobSpec::DigestScan {
                        installation_id: *installation_id,
                        owner: owner.to_owned(),
                        repo: repo.to_owned(),
                    })
                }));
                return jobs;
            }
            Self::InstallationChanged { installation_id, .. }
            | Self::InstallationRepositories { installation_id, .. } => {
                JobSpec::InstallationSync { installation_id: *installation_id }
            }
            Self::InstallationDeleted { installation_id, .. } => {
                JobSpec::InstallationDeleted { installation_id: *installation_id }
            }
            Self::DigestPullRequestClosed { repo, .. } => JobSpec::DigestScan {
                installation_id: repo.installation_id,
                owner: repo.owner.clone(),
                repo: repo.name.clone(),
            },
            Self::PushOther | Self::Ignored { .. } => return Vec::new(),
        };
        vec![job]
    }
}

fn lint_commit(repo: &RepoRef, head_sha: &str, check_run_id: Option<u64>, pr_numbers: &[u64]) -> JobSpec {
    JobSpec::LintCommit {
        installation_id: repo.installation_id,
        owner: repo.owner.clone(),
        repo: repo.name.clone(),
        head_sha: head_sha.to_owned(),
        check_run_id,
        pr_numbers: pr_numbers.to_vec(),
    }
}

/// Whether a repository path is one drydock lints or configures with:
/// Dockerfiles, Containerfiles and `.dockerignore` files by name (as
/// `drydock lint` finds them), and the App's config file ([`CONFIG_PATHS`]).
pub fn touches_lintable(path: &str) -> bool {
    if CONFIG_PATHS.contains(&path) {
        return true;
    }
    path.rsplit('/').next().is_some_and(|name| is_lintable_name(OsStr::new(name)))
}

/// Reads a verified delivery as the event `event` names.
pub fn parse(event: &EventName, body: &[u8]) -> Result<Event, EventError> {
    parse_with_envelope(event, body).map(|(_, e)| e)
}

/// [`parse`], also returning the [`Envelope`] the store records for every delivery.
pub fn parse_with_envelope(event: &EventName, body: &[u8]) -> Result<(Envelope, Event), EventError> {
    let head: RawEnvelope = serde_json::from_slice(body).map_err(|e| json_error(event.as_str(), &e))?;
    let envelope = Envelope {
        action: head.action,
        installation_id: head.installation.and_then(|i| i.id),
        repository: head.repository.and_then(|r| r.full_name),
    };
    let name = event.as_str();
    let action = envelope.action.as_deref().unwrap_or("");
    let parsed = match (name, action) {
        ("pull_request", "opened" | "synchronize" | "reopened" | "ready_for_review" | "edited") => {
            pull_request(name, action, body)?
        }
        ("pull_request", "closed") => {
            let p: PullRequestPayload = read(name, body)?;
            let head = p.pull_request.head.git_ref.as_str();
            if head == DIGEST_BRANCH || head.strip_prefix(DIGEST_BRANCH).is_some_and(|g| g.starts_with('-')) {
                Some(Event::DigestPullRequestClosed {
                    repo: repo_ref(name, p.installation, p.repository)?,
                    number: p.number,
                })
            } else {
                None
            }
        }
        ("check_run", "rerequested" | "requested_action") => check_run(name, action, body)?,
        ("check_suite", "rerequested") => check_suite(name, body)?,
        ("merge_group", "checks_requested") => merge_group(name, body)?,
        ("push", _) => push(name, body)?,
        ("installation", "created" | "deleted" | "suspend" | "unsuspend" | "new_permissions_accepted") => {
            installation(name, action, body)?
        }
        ("installation_repositories", "added" | "removed") => installation_repositories(name, body)?,
        _ => None,
    };
    let event = parsed.unwrap_or_else(|| Event::Ignored { event: name.to_owned(), action: envelope.action.clone() });
    Ok((envelope, event))
}

// ---------------------------------------------------------------------------
// Payload shapes: only the fields drydock reads.

#[derive(Deserialize)]
struct RawEnvelope {
    action: Option<String>,
    installation: Option<RawInstallationRef>,
    repository: Option<RawRepoName>,
}

#[derive(Deserialize)]
struct RawInstallationRef {
    id: Option<u64>,
}

#[derive(Deserialize)]
struct RawRepoName {
    full_name: Option<String>,
}

#[derive(Deserialize)]
struct Repository {
    id: Option<u64>,
    name: String,
    full_name: String,
    owner: Login,
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct Login {
    login: String,
}

#[derive(Deserialize)]
struct Branch {
    #[serde(rename = "ref")]
    git_ref: String,
    sha: String,
}

#[derive(Deserialize)]
struct PullRequestPayload {
    number: u64,
    pull_request: PullRequest,
    changes: Option<PullRequestChanges>,
    repository: Repository,
    installation: Option<RawInstallationRef>,
}

#[derive(Deserialize)]
struct PullRequest {
    head: Branch,
    base: Branch,
    draft: Option<bool>,
}

#[derive(Deserialize)]
struct PullRequestChanges {
    base: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct CheckRunPayload {
    check_run: CheckRun,
    requested_action: Option<RequestedAction>,
    repository: Repository,
    installation: Option<RawInstallationRef>,
}

#[derive(Deserialize)]
struct CheckRun {
    id: u64,
    head_sha: String,
    pull_requests: Option<Vec<PullRequestRef>>,
}

#[derive(Deserialize)]
struct RequestedAction {
    identifier: Option<String>,
}

#[derive(Deserialize)]
struct CheckSuitePayload {
    check_suite: CheckSuite,
    repository: Repository,
    installation: Option<RawInstallationRef>,
}

#[derive(Deserialize)]
struct CheckSuite {
    id: u64,
    head_sha: String,
    pull_requests: Option<Vec<PullRequestRef>>,
}

/// An entry of a check run's or suite's `pull_requests`.
#[derive(Deserialize)]
struct PullRequestRef {
    number: u64,
    base: Option<PullRequestRefBase>,
}

#[derive(Deserialize)]
struct PullRequestRefBase {
    repo: Option<RepoId>,
}

#[derive(Deserialize)]
struct RepoId {
    id: Option<u64>,
}

#[derive(Deserialize)]
struct MergeGroupPayload {
    merge_group: MergeGroupObj,
    repository: Repository,
    installation: Option<RawInstallationRef>,
}

#[derive(Deserialize)]
struct MergeGroupObj {
    head_sha: String,
    head_ref: String,
    base_ref: String,
}

#[derive(Deserialize)]
struct PushPayload {
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
    created: Option<bool>,
    deleted: Option<bool>,
    forced: Option<bool>,
    commits: Option<Vec<PushCommit>>,
    repository: Repository,
    installation: Option<RawInstallationRef>,
}

#[derive(Deserialize)]
struct PushCommit {
    added: Option<Vec<String>>,
    modified: Option<Vec<String>>,
    removed: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct InstallationPayload {
    installation: InstallationObj,
    repositories: Option<Vec<InstalledRepo>>,
}

#[derive(Deserialize)]
struct InstallationRepositoriesPayload {
    installation: InstallationObj,
    repositories_added: Option<Vec<InstalledRepo>>,
    repositories_removed: Option<Vec<InstalledRepo>>,
}

#[derive(Deserialize)]
struct InstallationObj {
    id: u64,
    account: Option<Account>,
}

/// A user or organisation has a `login`; an enterprise has a `slug`.
#[derive(Deserialize)]
struct Account {
    login: Option<String>,
    slug: Option<String>,
}

impl Account {
    fn name(self) -> Option<String> {
        self.login.or(self.slug)
    }
}

// ---------------------------------------------------------------------------
// One reader per event; `Ok(None)` means "ignored after all".

fn read<'a, T: Deserialize<'a>>(event: &str, body: &'a [u8]) -> Result<T, EventError> {
    serde_json::from_slice(body).map_err(|e| json_error(event, &e))
}

fn repo_ref(
    event: &str,
    installation: Option<RawInstallationRef>,
    repository: Repository,
) -> Result<RepoRef, EventError> {
    let installation_id = installation.and_then(|i| i.id).ok_or_else(|| {
        EventError::Malformed(format!(
            "`{event}` payload has no `installation.id`; deliver it through the GitHub App, not a repository webhook"
        ))
    })?;
    Ok(RepoRef {
        installation_id,
        owner: repository.owner.login,
        name: repository.name,
        full_name: repository.full_name,
    })
}

/// PR numbers from `pull_requests`, keeping only PRs into this repository:
/// GitHub also lists PRs from this repository (a fork) into another one.
fn pr_numbers(refs: Option<Vec<PullRequestRef>>, repo_id: Option<u64>) -> Vec<u64> {
    let mut numbers: Vec<u64> = refs
        .unwrap_or_default()
        .into_iter()
        .filter(|pr| {
            let base_id = pr.base.as_ref().and_then(|b| b.repo.as_ref()).and_then(|r| r.id);
            match (base_id, repo_id) {
                (Some(base), Some(this)) => base == this,
                _ => true,
            }
        })
        .map(|pr| pr.number)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

fn pull_request(event: &str, action: &str, body: &[u8]) -> Result<Option<Event>, EventError> {
    let p: PullRequestPayload = read(event, body)?;
    let action = match action {
        "opened" => PullRequestAction::Opened,
        "synchronize" => PullRequestAction::Synchronize,
        "reopened" => PullRequestAction::Reopened,
        "ready_for_review" => PullRequestAction::ReadyForReview,
        // `edited` also means a new title or body, which changes nothing to lint.
        _ if p.changes.is_some_and(|c| c.base.is_some()) => PullRequestAction::BaseChanged,
        _ => return Ok(None),
    };
    Ok(Some(Event::PullRequest {
        action,
        repo: repo_ref(event, p.installation, p.repository)?,
        number: p.number,
        head_sha: p.pull_request.head.sha,
        head_ref: p.pull_request.head.git_ref,
        base_ref: p.pull_request.base.git_ref,
        draft: p.pull_request.draft.unwrap_or(false),
    }))
}

fn check_run(event: &str, action: &str, body: &[u8]) -> Result<Option<Event>, EventError> {
    let p: CheckRunPayload = read(event, body)?;
    let numbers = pr_numbers(p.check_run.pull_requests, p.repository.id);
    let repo = repo_ref(event, p.installation, p.repository)?;
    let (check_run_id, head_sha) = (p.check_run.id, p.check_run.head_sha);
    if action == "rerequested" {
        return Ok(Some(Event::CheckRunRerequested { repo, check_run_id, head_sha, pr_numbers: numbers }));
    }
    let identifier = p.requested_action.and_then(|a| a.identifier).ok_or_else(|| {
        EventError::Malformed(format!("`{event}` requested_action payload has no `requested_action.identifier`"))
    })?;
    Ok(Some(Event::CheckRunAction { repo, check_run_id, head_sha, identifier, pr_numbers: numbers }))
}

fn check_suite(event: &str, body: &[u8]) -> Result<Option<Event>, EventError> {
    let p: CheckSuitePayload = read(event, body)?;
    let numbers = pr_numbers(p.check_suite.pull_requests, p.repository.id);
    Ok(Some(Event::CheckSuiteRerequested {
        repo: repo_ref(event, p.installation, p.repository)?,
        check_suite_id: p.check_suite.id,
        head_sha: p.check_suite.head_sha,
        pr_numbers: numbers,
    }))
}

fn merge_group(event: &str, body: &[u8]) -> Result<Option<Event>, EventError> {
    let p: MergeGroupPayload = read(event, body)?;
    Ok(Some(Event::MergeGroup {
        repo: repo_ref(event, p.installation, p.repository)?,
        head_sha: p.merge_group.head_sha,
        head_ref: p.merge_group.head_ref,
        base_ref: p.merge_group.base_ref,
    }))
}

fn push(event: &str, body: &[u8]) -> Result<Option<Event>, EventError> {
    let p: PushPayload = read(event, body)?;
    let on_default =
        p.repository.default_branch.as_deref().is_some_and(|b| p.git_ref.strip_prefix("refs/heads/") == Some(b));
    if !on_default || p.deleted == Some(true) {
        return Ok(Some(Event::PushOther));
    }
    let commits = p.commits.unwrap_or_default();
    // What the payload cannot show: a forced push may drop commits that touched
    // the config, and a new branch or a rewind lists no commits at all.
    let unknown =
        p.forced == Some(true) || p.created == Some(true) || commits.is_empty() || commits.len() >= PUSH_COMMITS_CAP;
    let touches_dockerfiles = unknown
        || commits.iter().any(|c| {
            [&c.added, &c.modified, &c.removed].into_iter().flatten().flatten().any(|path| touches_lintable(path))
        });
    Ok(Some(Event::PushDefaultBranch {
        repo: repo_ref(event, p.installation, p.repository)?,
        before: p.before,
        after: p.after,
        touches_dockerfiles,
    }))
}

fn installation(event: &str, action: &str, body: &[u8]) -> Result<Option<Event>, EventError> {
    let p: InstallationPayload = read(event, body)?;
    let installation_id = p.installation.id;
    let account = p.installation.account.and_then(Account::name);
    let change = match action {
        "created" => {
            let repositories = p.repositories.unwrap_or_default();
            return Ok(Some(Event::InstallationCreated { installation_id, account, repositories }));
        }
        "deleted" => return Ok(Some(Event::InstallationDeleted { installation_id, account })),
        "suspend" => InstallationChange::Suspended,
        "unsuspend" => InstallationChange::Unsuspended,
        "new_permissions_accepted" => InstallationChange::NewPermissionsAccepted,
        _ => return Ok(None),
    };
    Ok(Some(Event::InstallationChanged { installation_id, account, change }))
}

fn installation_repositories(event: &str, body: &[u8]) -> Result<Option<Event>, EventError> {
    let p: InstallationRepositoriesPayload = read(event, body)?;
    Ok(Some(Event::InstallationRepositories {
        installation_id: p.installation.id,
        account: p.installation.account.and_then(Account::name),
        added: p.repositories_added.unwrap_or_default(),
        removed: p.repositories_removed.unwrap_or_default(),
    }))
}

/// Turns a serde error into [`EventError`] without quoting the payload: serde's
/// own messages quote offending values (`invalid type: string "…"`), so only
/// field names and expected types, which come from our structs, are kept.
fn json_error(event: &str, e: &serde_json::Error) -> EventError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => EventError::NotJson,
        Category::Data => {
            let full = e.to_string();
            let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
            let what = if message.starts_with("missing field `") || message.starts_with("duplicate field `") {
                message.to_owned()
            } else if let Some((_, expected)) = message.split_once(", expected ") {
                format!("unexpected value, expected {expected}")
            } else {
                "unexpected value".to_owned()
            };
            let mut detail = format!("`{event}` payload: {what} at line {} column {}", e.line(), e.column());
            if detail.chars().count() > MAX_DETAIL_CHARS {
                detail = detail.chars().take(MAX_DETAIL_CHARS).collect();
            }
            EventError::Malformed(detail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> EventName {
        EventName::parse(s).unwrap()
    }

    #[test]
    fn touches_lintable_names() {
        for yes in [
            "Dockerfile",
            "docker/Dockerfile",
            "a/b/Containerfile",
            "api.Dockerfile",
            "svc/web.dockerfile",
            "Dockerfile.prod",
            "Containerfile.dev",
            ".dockerignore",
            "ctx/.dockerignore",
            "api.Dockerfile.dockerignore",
            ".github/drydock.yml",
            ".github/drydock.yaml",
        ] {
            assert!(touches_lintable(yes), "{yes}");
        }
        for no in [
            "README.md",
            "Dockerfile/",
            "dockerfiles/README",
            "src/docker.rs",
            "drydock.yml",
            "a/.github/drydock.yml",
            ".drydock.yml",
            "",
            "Makefile",
        ] {
            assert!(!touches_lintable(no), "{no}");
        }
    }

    #[test]
    fn not_json_is_told_apart_from_malformed() {
        let pr = name("pull_request");
        assert_eq!(parse(&pr, b""), Err(EventError::NotJson));
        assert_eq!(parse(&pr, b"payload=%7B%22action%22%7D"), Err(EventError::NotJson));
        assert_eq!(parse(&pr, br#"{"action":"opened""#), Err(EventError::NotJson));
        assert_eq!(parse(&pr, br#"{"action":"opened"} trailing"#), Err(EventError::NotJson));
        assert_eq!(parse(&name("ping"), b"\xff\xfe"), Err(EventError::NotJson));
        assert!(matches!(parse(&pr, b"[]"), Err(EventError::Malformed(_))));
        assert!(matches!(parse(&pr, b"42"), Err(EventError::Malformed(_))));
    }

    #[test]
    fn malformed_never_quotes_the_payload() {
        let body = br#"{"action":"opened","number":"SECRET-TOKEN-abc","pull_request":{}}"#;
        let Err(EventError::Malformed(msg)) = parse(&name("pull_request"), body) else { panic!("expected malformed") };
        assert_eq!(msg, "`pull_request` payload: unexpected value, expected u64 at line 1 column 46");
        assert!(!msg.contains("SECRET"));
        let err = EventError::Malformed(msg).to_string();
        assert!(err.starts_with("malformed webhook payload: "), "{err}");

        let body = br#"{"action":"SECRET-TOKEN"}"#;
        // An unknown action is ignored, never echoed in an error.
        assert_eq!(
            parse(&name("pull_request"), body),
            Ok(Event::Ignored { event: "pull_request".into(), action: Some("SECRET-TOKEN".into()) })
        );
        let body = br#"{"action":7}"#;
        let Err(EventError::Malformed(msg)) = parse(&name("issues"), body) else { panic!("expected malformed") };
        assert_eq!(msg, "`issues` payload: unexpected value, expected a string at line 1 column 11");
    }

    #[test]
    fn missing_field_names_the_field() {
        let body = br#"{"action":"synchronize","number":3,"pull_request":{"base":{"ref":"main","sha":"b"}}}"#;
        let Err(EventError::Malformed(msg)) = parse(&name("pull_request"), body) else { panic!("expected malformed") };
        assert_eq!(msg, "`pull_request` payload: missing field `head` at line 1 column 83");
    }

    #[test]
    fn missing_installation_is_malformed_with_advice() {
        let body = br#"{"action":"checks_requested","merge_group":{"head_sha":"a","head_ref":"h","base_ref":"b"},
            "repository":{"name":"r","full_name":"o/r","owner":{"login":"o"}}}"#;
        assert_eq!(
            parse(&name("merge_group"), body),
            Err(EventError::Malformed(
                "`merge_group` payload has no `installation.id`; deliver it through the GitHub App, not a repository webhook"
                    .into()
            ))
        );
    }

    #[test]
    fn envelope_is_read_for_ignored_events_too() {
        let body =
            br#"{"action":"opened","issue":{"number":1},"installation":{"id":9},"repository":{"full_name":"o/r"}}"#;
        let (env, event) = parse_with_envelope(&name("issues"), body).unwrap();
        assert_eq!(
            env,
            Envelope { action: Some("opened".into()), installation_id: Some(9), repository: Some("o/r".into()) }
        );
        assert_eq!(event, Event::Ignored { event: "issues".into(), action: Some("opened".into()) });
        let (env, _) = parse_with_envelope(&name("ping"), br#"{"zen":"Keep it logically awesome."}"#).unwrap();
        assert_eq!(env, Envelope::default());
    }

    #[test]
    fn closing_the_digest_pr_scans_and_other_closes_are_ignored() {
        let body = |head: &str| {
            format!(
                r#"{{"action":"closed","number":4,"installation":{{"id":42}},
                "pull_request":{{"head":{{"ref":"{head}","sha":"h"}},"base":{{"ref":"main","sha":"b"}}}},
                "repository":{{"name":"Web","full_name":"Acme/Web","owner":{{"login":"Acme"}}}}}}"#
            )
        };
        let event = parse(&name("pull_request"), body(DIGEST_BRANCH).as_bytes()).unwrap();
        assert_eq!(event, Event::DigestPullRequestClosed { repo: repo(), number: 4 });
        assert_eq!(
            event.jobs(),
            vec![JobSpec::DigestScan { installation_id: 42, owner: "Acme".into(), repo: "Web".into() }]
        );
        let other = parse(&name("pull_request"), body("topic").as_bytes()).unwrap();
        assert_eq!(other, Event::Ignored { event: "pull_request".into(), action: Some("closed".into()) });
    }

    #[test]
    fn pr_numbers_keep_only_this_repository() {
        let refs = vec![
            PullRequestRef { number: 7, base: Some(PullRequestRefBase { repo: Some(RepoId { id: Some(1) }) }) },
            PullRequestRef { number: 3, base: Some(PullRequestRefBase { repo: Some(RepoId { id: Some(2) }) }) },
            PullRequestRef { number: 5, base: None },
            PullRequestRef { number: 7, base: None },
        ];
        assert_eq!(pr_numbers(Some(refs), Some(1)), vec![5, 7]);
        assert_eq!(pr_numbers(None, Some(1)), Vec::<u64>::new());
    }

    fn repo() -> RepoRef {
        RepoRef { installation_id: 42, owner: "Acme".into(), name: "Web".into(), full_name: "Acme/Web".into() }
    }

    #[test]
    fn job_kinds_match_their_json_tags_and_keys_are_lowercase() {
        let jobs = [
            JobSpec::LintPullRequest {
                installation_id: 42,
                owner: "Acme".into(),
                repo: "Web".into(),
                number: 12,
                head_sha: "abc".into(),
            },
            JobSpec::LintCommit {
                installation_id: 42,
                owner: "Acme".into(),
                repo: "Web".into(),
                head_sha: "ABC".into(),
                check_run_id: Some(5),
                pr_numbers: vec![1, 2],
            },
            JobSpec::RefreshConfig { installation_id: 42, owner: "Acme".into(), repo: "Web".into() },
            JobSpec::DigestScan { installation_id: 42, owner: "Acme".into(), repo: "Web".into() },
            JobSpec::InstallationSync { installation_id: 42 },
            JobSpec::InstallationDeleted { installation_id: 42 },
        ];
        let keys: Vec<_> = jobs.iter().map(|j| j.coalesce_key().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "pr:acme/web#12",
                "commit:acme/web@abc",
                "config:acme/web",
                "digest:acme/web",
                "installation:42",
                "installation:42"
            ]
        );
        for job in &jobs {
            let json = serde_json::to_value(job).unwrap();
            assert_eq!(json["kind"], job.kind());
            assert_eq!(job.installation_id(), 42);
            assert_eq!(&serde_json::from_value::<JobSpec>(json).unwrap(), job);
        }
    }

    #[test]
    fn job_json_is_stable() {
        let job = JobSpec::LintCommit {
            installation_id: 1,
            owner: "o".into(),
            repo: "r".into(),
            head_sha: "s".into(),
            check_run_id: None,
            pr_numbers: vec![],
        };
        assert_eq!(
            serde_json::to_string(&job).unwrap(),
            r#"{"kind":"lint_commit","installation_id":1,"owner":"o","repo":"r","head_sha":"s","check_run_id":null,"pr_numbers":[]}"#
        );
        let pr: JobSpec = serde_json::from_str(
            r#"{"kind":"lint_pull_request","installation_id":1,"owner":"o","repo":"r","number":2,"head_sha":"s","later":true}"#,
        )
        .unwrap();
        assert_eq!(
            pr,
            JobSpec::LintPullRequest {
                installation_id: 1,
                owner: "o".into(),
                repo: "r".into(),
                number: 2,
                head_sha: "s".into()
            }
        );
    }

    #[test]
    fn jobs_for_each_event() {
        let lint_commit = |check_run_id, pr_numbers: Vec<u64>| JobSpec::LintCommit {
            installation_id: 42,
            owner: "Acme".into(),
            repo: "Web".into(),
            head_sha: "h".into(),
            check_run_id,
            pr_numbers,
        };
        let rerun =
            Event::CheckRunRerequested { repo: repo(), check_run_id: 9, head_sha: "h".into(), pr_numbers: vec![3] };
        assert_eq!(rerun.jobs(), vec![lint_commit(Some(9), vec![3])]);
        let relint = Event::CheckRunAction {
            repo: repo(),
            check_run_id: 9,
            head_sha: "h".into(),
            identifier: RELINT_ACTION.into(),
            pr_numbers: vec![],
        };
        assert_eq!(relint.jobs(), vec![lint_commit(Some(9), vec![])]);
        let other = Event::CheckRunAction {
            repo: repo(),
            check_run_id: 9,
            head_sha: "h".into(),
            identifier: "ignore-rule".into(),
            pr_numbers: vec![],
        };
        assert_eq!(other.jobs(), vec![]);
        let quiet_push = Event::PushDefaultBranch {
            repo: repo(),
            before: "a".into(),
            after: "b".into(),
            touches_dockerfiles: false,
        };
        assert_eq!(quiet_push.jobs(), vec![]);
        let changed =
            Event::InstallationChanged { installation_id: 42, account: None, change: InstallationChange::Suspended };
        assert_eq!(changed.jobs(), vec![JobSpec::InstallationSync { installation_id: 42 }]);
        assert_eq!(Event::PushOther.jobs(), vec![]);
        assert_eq!(Event::Ignored { event: "ping".into(), action: None }.jobs(), vec![]);
    }

    #[test]
    fn installation_actions_map_to_changes() {
        let body = |action: &str| {
            format!(
                r#"{{"action":"{action}","installation":{{"id":5,"account":{{"slug":"big-corp"}},"suspended_at":null}}}}"#
            )
        };
        for (action, change) in [
            ("suspend", InstallationChange::Suspended),
            ("unsuspend", InstallationChange::Unsuspended),
            ("new_permissions_accepted", InstallationChange::NewPermissionsAccepted),
        ] {
            assert_eq!(
                parse(&name("installation"), body(action).as_bytes()),
                Ok(Event::InstallationChanged { installation_id: 5, account: Some("big-corp".into()), change })
            );
        }
        assert_eq!(
            parse(&name("installation"), body("renamed").as_bytes()),
            Ok(Event::Ignored { event: "installation".into(), action: Some("renamed".into()) })
        );
    }

    #[test]
    fn pull_request_action_names() {
        assert_eq!(PullRequestAction::BaseChanged.as_str(), "edited");
        assert_eq!(PullRequestAction::ReadyForReview.as_str(), "ready_for_review");
    }
}
