//! The PR flow: lint a head SHA end to end. Check run first, then the config,
//! the files, the lint, the conclusion with its annotations, and one review per
//! pull request.
//!
//! **Start at once.** The `drydock` run shows up within [`START_GRACE`] of the
//! job starting: when the work takes longer, [`lint`] creates the run
//! `in_progress` at the head while it goes on; when the result is ready sooner
//! (most heads), the run is created already concluded, in one write. That
//! matters because an installation's writes are at least 1 s apart: start plus
//! conclusion as two writes would hold every result back by a second. A
//! retryable error leaves the run `in_progress` for the retry. The flow finds
//! the run again rather than making a second one: the `check_run_id` a re-run
//! names, else a `drydock` run of this App at the SHA (a crash or retry). A run
//! that is already completed is concluded again only when it already carries
//! the same number of annotations (GitHub appends annotations, never replaces
//! them); otherwise a fresh run is made, so annotations are never doubled.
//!
//! **What is linted.** For pull requests: the changed (not removed)
//! Dockerfiles, Containerfiles and `.dockerignore` files, named as `drydock lint`
//! names them, plus the Dockerfiles whose build context's `.dockerignore`
//! changed. The context is taken to be the Dockerfile's directory, as the CLI
//! does; the Dockerfiles there are found with the contents API's directory
//! listing at the head (one request per directory, and it shows whether a
//! Dockerfile has its own `<name>.dockerignore`, which BuildKit prefers). For a
//! commit without pull requests (merge queue, a re-run of a fork's check): the
//! files the commit changed against its first parent (commits API); for a merge
//! queue's commit that is the queued pull request's change. Files matching
//! `ignore-paths` are skipped. Each file is read at the head, with its context's
//! `.dockerignore` even when that did not change; a file over 1 MB is not
//! linted and a `DL1000` warning says so.
//!
//! **Conclusion.** `failure` when a finding is at or above the threshold
//! (default for the App: error), `success` otherwise, `neutral` when there was
//! nothing to lint. A config on the default branch that cannot be used, and any
//! permanent error, conclude `action_required` with the reason and a Re-lint
//! button: a person has to act, and the check must neither hang nor pass.
//! Retryable errors leave the run `in_progress` for the job queue's retry.

pub mod config;
pub mod diff;
pub mod review;
pub mod summary;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use crate::github::client::{
    Annotation, AnnotationLevel, CHECK_RUN_NAME, CheckRunAction, CheckRunInfo, CheckRunSummary, Conclusion, FileStatus,
    GithubError, InstallationClient, PrFile, RepoRef,
};
use crate::github::events::{CONFIG_PATHS, JobSpec, RELINT_ACTION, touches_lintable};
use crate::lint::report::LineSpan;
use crate::lint::source::LineIndex;
use crate::lint::{ContextIgnore, Diagnostic, FileKind, LintInput, Settings, Severity, TextRange};
use crate::store::{Store, StoreError};

use review::ReviewReport;
use summary::{Counts, Preview, SummaryInput};

/// Most files linted for one head; the rest are named in a note.
pub const MAX_LINTED_FILES: usize = 200;
/// Most annotations sent for one head (10 requests of 50).
pub const MAX_ANNOTATIONS: usize = 500;
/// The largest file read (the contents API's inline limit).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// How long the work for a head may take before its check run is created `in_progress`. Most heads are
/// linted within it, and their run is then created concluded: one write to GitHub instead of two, so the
/// result does not wait out the 1 s gap between an installation's writes.
pub const START_GRACE: Duration = Duration::from_millis(250);

/// What to lint: a head SHA, and the PRs whose review comments it owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintTarget {
    /// The repository.
    pub repo: RepoRef,
    /// The commit to lint.
    pub head_sha: String,
    /// PRs to review at this head (empty: check run only, e.g. merge queue).
    pub pr_numbers: Vec<u64>,
    /// Re-use this check run instead of finding/creating one (`check_run` rerequested / "Re-lint").
    pub check_run_id: Option<u64>,
    /// For `LintPullRequest` jobs: skip (superseded) when the PR head is no longer `head_sha`.
    pub require_current_head: bool,
}

impl LintTarget {
    /// `Ok(None)` for jobs that are not lint jobs; `Err` for a job whose owner/repo is invalid.
    pub fn from_job(spec: &JobSpec) -> Result<Option<Self>, FlowError> {
        Ok(match spec {
            JobSpec::LintPullRequest { owner, repo, number, head_sha, .. } => Some(Self {
                repo: RepoRef::new(owner, repo)?,
                head_sha: head_sha.clone(),
                pr_numbers: vec![*number],
                check_run_id: None,
                require_current_head: true,
            }),
            JobSpec::LintCommit { owner, repo, head_sha, check_run_id, pr_numbers, .. } => Some(Self {
                repo: RepoRef::new(owner, repo)?,
                head_sha: head_sha.clone(),
                pr_numbers: pr_numbers.clone(),
                check_run_id: *check_run_id,
                require_current_head: false,
            }),
            JobSpec::RefreshConfig { .. }
            | JobSpec::DigestScan { .. }
            | JobSpec::InstallationSync { .. }
            | JobSpec::InstallationDeleted { .. } => None,
        })
    }
}

/// What [`lint`] did (the worker logs it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The PR's current head when the target was superseded (nothing was written).
    pub superseded_by: Option<String>,
    /// The check run concluded.
    pub check_run_id: Option<u64>,
    /// How it was concluded.
    pub conclusion: Option<Conclusion>,
    /// Files linted.
    pub files_linted: usize,
    /// Findings in them.
    pub findings: usize,
    /// Findings at or above the threshold.
    pub failing: usize,
    /// Annotations sent.
    pub annotations: usize,
    /// Why the default branch's config could not be used, when it could not.
    pub config_error: Option<String>,
    /// What happened to each pull request's comments.
    pub reviews: Vec<ReviewReport>,
    /// Reviews that failed for good (e.g. no permission to comment), after the check run was concluded.
    pub review_errors: Vec<String>,
}

/// Why the flow stopped.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// A GitHub call failed (after the client's own retries).
    #[error(transparent)]
    Github(#[from] GithubError),
    /// The store failed.
    #[error("the store failed: {0}; check the database")]
    Store(#[from] StoreError),
}

impl FlowError {
    /// Whether trying again later may succeed (network, 5xx, rate limit) vs permanent (404 repo, bad data).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Github(e) => e.is_transient(),
            Self::Store(e) => matches!(e, StoreError::Database(_) | StoreError::Connect { .. }),
        }
    }

    /// When GitHub said how long to wait (rate limits), that duration.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Github(GithubError::RateLimited { retry_after }) => Some(*retry_after),
            _ => None,
        }
    }
}

/// A linted file and its findings (a file not linted has one finding saying why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintedFile {
    /// Path in the repository.
    pub path: String,
    /// Its text (empty when it was not read).
    pub source: String,
    /// Findings, by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Why it was not linted, if it was not.
    pub skipped: Option<String>,
}

/// What a file was linted from, kept to lint it again for the config preview.
struct Input {
    path: String,
    source: String,
    kind: FileKind,
    ignore: Ignore,
}

/// A Dockerfile's context `.dockerignore`.
#[derive(Clone, Debug)]
enum Ignore {
    Unknown,
    Missing,
    Present(String),
}

impl Input {
    fn lint(&self, settings: &Settings) -> Vec<Diagnostic> {
        let dockerignore = match &self.ignore {
            Ignore::Unknown => ContextIgnore::Unknown,
            Ignore::Missing => ContextIgnore::Missing,
            Ignore::Present(t) => ContextIgnore::Present(t),
        };
        let input = LintInput { path: &self.path, source: &self.source, kind: self.kind, dockerignore, target: None };
        crate::lint::check(&input, settings)
    }
}

/// Lints the target end to end (check run, annotations, review). Idempotent: running it twice for the same head
/// (e.g. after a crash) creates no second check run and no duplicate comments.
pub async fn lint(client: &InstallationClient, store: &Store, target: &LintTarget) -> Result<Outcome, FlowError> {
    lint_with(client, store, target, None).await
}

/// [`lint`], with pin suggestions: when `registry` is given, unpinned `FROM` findings (DD001) whose
/// registry is allowed and answers get a suggestion carrying the tag's current digest
/// ([`crate::jobs::digest::pins`]). Lookups never fail the run.
pub async fn lint_with(
    client: &InstallationClient,
    store: &Store,
    target: &LintTarget,
    registry: Option<&std::sync::Arc<crate::digest::Registry>>,
) -> Result<Outcome, FlowError> {
    let repo = &target.repo;
    if target.require_current_head {
        for &n in &target.pr_numbers {
            let pr = client.pull_request(repo, n).await?;
            if pr.head_sha != target.head_sha {
                tracing::info!(%repo, pr = n, head = %target.head_sha, current = %pr.head_sha, "superseded; skipped");
                return Ok(Outcome { superseded_by: Some(pr.head_sha), ..Outcome::default() });
            }
        }
    }
    let slot = RunSlot(tokio::sync::Mutex::new(find_check_run(client, target).await?));
    // The run is shown `in_progress` once the work takes longer than START_GRACE; a result ready
    // sooner creates it concluded, in one write instead of two.
    let finished = tokio::sync::Notify::new();
    let starter = async {
        tokio::select! {
            () = tokio::time::sleep(START_GRACE) => {}
            () = finished.notified() => return,
        }
        // Never cancelled from here on: a create whose reply was lost would leave a second run.
        if let Err(e) = slot.start(client, repo, &target.head_sha).await {
            tracing::warn!(%repo, error = %e, "could not create the check run in progress; it is created when concluded");
        }
    };
    let working = async {
        let result = work(client, store, target, &slot, registry).await;
        finished.notify_one();
        result
    };
    let (result, ()) = tokio::join!(working, starter);
    match result {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            if e.is_retryable() {
                // The job is retried: show the run in progress meanwhile, so the check never looks absent.
                if let Err(e2) = slot.start(client, repo, &target.head_sha).await {
                    tracing::warn!(%repo, error = %e2, "could not create the check run in progress after an error");
                }
            } else {
                let summary = CheckRunSummary {
                    title: "drydock could not lint this commit".to_owned(),
                    summary: format!(
                        "drydock stopped with this error:\n\n> {e}\n\nFix what it names, then press **Re-lint**. \
                         If the error is drydock's, report it with this message."
                    ),
                    text: None,
                    actions: relint_action(),
                };
                if let Err(e2) =
                    conclude(client, repo, &target.head_sha, &slot, Conclusion::ActionRequired, &summary, &[]).await
                {
                    tracing::warn!(%repo, error = %e2, "could not conclude the check run after an error");
                }
            }
            Err(e)
        }
    }
}

/// Re-reads `.github/drydock.yml` (with `_extends`) from the default branch into the store's config cache.
pub async fn refresh_config(client: &InstallationClient, store: &Store, repo: &RepoRef) -> Result<(), FlowError> {
    config::cached_or_fetch(client, store, repo, true).await.map(drop)
}

/// The check run to conclude, and whether it was already completed.
#[derive(Clone, Copy, Debug)]
struct RunHandle {
    id: u64,
    /// For a completed run: the annotations it already has.
    completed_with: Option<u64>,
}

impl RunHandle {
    fn of(info: &CheckRunInfo) -> Self {
        let completed_with =
            (info.status == "completed").then(|| info.output.as_ref().map_or(0, |o| o.annotations_count));
        Self { id: info.id, completed_with }
    }
}

/// The run of this head, once found or created. Whoever writes it holds the lock across the request,
/// so the in-progress start and the conclusion never both create a run.
struct RunSlot(tokio::sync::Mutex<Option<RunHandle>>);

impl RunSlot {
    /// Creates the run `in_progress` unless there is one.
    async fn start(&self, client: &InstallationClient, repo: &RepoRef, head_sha: &str) -> Result<(), FlowError> {
        let mut run = self.0.lock().await;
        if run.is_none() {
            let id = client.create_check_run(repo, head_sha).await?;
            *run = Some(RunHandle { id, completed_with: None });
        }
        Ok(())
    }
}

/// The `drydock` run to reuse for the target, if any: the one a re-run names, else one of this App at the
/// SHA (a crash or a retry). Reads only; a new run is made by [`RunSlot::start`] or [`conclude`].
async fn find_check_run(client: &InstallationClient, target: &LintTarget) -> Result<Option<RunHandle>, FlowError> {
    let repo = &target.repo;
    if let Some(id) = target.check_run_id {
        match client.check_run(repo, id).await {
            Ok(info) if info.name == CHECK_RUN_NAME => return Ok(Some(RunHandle::of(&info))),
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    let runs = client.check_runs_for_ref(repo, &target.head_sha, CHECK_RUN_NAME).await?;
    let ours = runs
        .iter()
        .filter(|r| r.name == CHECK_RUN_NAME && (r.head_sha.is_empty() || r.head_sha == target.head_sha))
        .filter(|r| match (client.app_id(), &r.app) {
            (Some(mine), Some(app)) => app.id == mine,
            _ => true,
        })
        .max_by_key(|r| r.id);
    Ok(ours.map(RunHandle::of))
}

/// Concludes the slot's run; creates it concluded when there is none yet, or when it is completed with other
/// annotations (GitHub appends annotations, so they would double). Returns the run's id.
async fn conclude(
    client: &InstallationClient,
    repo: &RepoRef,
    head_sha: &str,
    slot: &RunSlot,
    conclusion: Conclusion,
    summary: &CheckRunSummary,
    annotations: &[Annotation],
) -> Result<u64, FlowError> {
    let mut run = slot.0.lock().await;
    let id = match *run {
        Some(RunHandle { id, completed_with: None }) => {
            client.conclude_check_run(repo, id, conclusion, summary, annotations).await?;
            id
        }
        Some(RunHandle { id, completed_with: Some(n) }) if usize::try_from(n).ok() == Some(annotations.len()) => {
            client.conclude_check_run(repo, id, conclusion, summary, &[]).await?;
            id
        }
        Some(RunHandle { completed_with: Some(_), .. }) | None => {
            client.create_concluded_check_run(repo, head_sha, conclusion, summary, annotations).await?.0
        }
    };
    *run = Some(RunHandle { id, completed_with: Some(u64::try_from(annotations.len()).unwrap_or(u64::MAX)) });
    Ok(id)
}

fn relint_action() -> Vec<CheckRunAction> {
    vec![CheckRunAction {
        label: "Re-lint".to_owned(),
        description: "Lint this commit again".to_owned(),
        identifier: RELINT_ACTION.to_owned(),
    }]
}

/// One source of changed files: a pull request, or the commit itself.
struct Changes {
    pr: Option<u64>,
    files: Vec<PrFile>,
}

async fn work(
    client: &InstallationClient,
    store: &Store,
    target: &LintTarget,
    run: &RunSlot,
    registry: Option<&std::sync::Arc<crate::digest::Registry>>,
) -> Result<Outcome, FlowError> {
    let repo = &target.repo;
    let sha = target.head_sha.as_str();
    let cached = config::cached_or_fetch(client, store, repo, false).await?;
    let resolved = config::resolve(&cached, repo);
    let pins = registry.and_then(|r| crate::jobs::digest::pin_resolver(r, &cached));

    let mut changes = Vec::new();
    if target.pr_numbers.is_empty() {
        changes.push(Changes { pr: None, files: client.commit_files(repo, sha).await? });
    } else {
        for &n in &target.pr_numbers {
            changes.push(Changes { pr: Some(n), files: client.list_pr_files(repo, n).await? });
        }
    }
    let config_change = changes
        .iter()
        .flat_map(|c| &c.files)
        .find(|f| CONFIG_PATHS.contains(&f.filename.as_str()) && f.status != FileStatus::Removed)
        .map(|f| f.filename.clone());

    let resolved = match resolved {
        Ok(r) => r,
        Err(message) => {
            // The default branch's config cannot be used: say so, never lint with defaults instead.
            let mut text = format!(
                "The config on the default branch (`{}`) cannot be used, so nothing was linted:\n\n> {}\n\n\
                 Fix the config on `{}`, then press **Re-lint**.",
                cached.default_branch,
                message.replace('\n', "\n> "),
                cached.default_branch
            );
            if let Some(path) = &config_change {
                match preview_config(client, repo, sha, path, &cached).await? {
                    Ok(_) => {
                        let _ = write!(text, "\n\nThis pull request's `{path}` is valid.");
                    }
                    Err(m) => {
                        let _ = write!(text, "\n\nThis pull request's `{path}` is not valid either: {m}");
                    }
                }
            }
            let summary = CheckRunSummary {
                title: "drydock's config is invalid".to_owned(),
                summary: text,
                text: None,
                actions: relint_action(),
            };
            let id = conclude(client, repo, sha, run, Conclusion::ActionRequired, &summary, &[]).await?;
            return Ok(Outcome {
                check_run_id: Some(id),
                conclusion: Some(Conclusion::ActionRequired),
                config_error: Some(message),
                ..Outcome::default()
            });
        }
    };
    let settings = &resolved.settings;
    let mut notes = resolved.warnings.clone();

    // What to lint.
    let all_changed: Vec<&PrFile> = changes.iter().flat_map(|c| &c.files).collect();
    let mut paths = select(client, repo, sha, &all_changed, settings).await?;
    if paths.len() > MAX_LINTED_FILES {
        let rest = paths.split_off(MAX_LINTED_FILES);
        notes.push(format!(
            "{} more lintable files were not linted (drydock lints at most {MAX_LINTED_FILES} per commit), \
             starting with `{}`",
            rest.len(),
            rest.first().map_or("", String::as_str)
        ));
    }

    // Read and lint.
    let mut ignores: HashMap<String, Option<Ignore>> = HashMap::new();
    let mut inputs = Vec::new();
    let mut files = Vec::new();
    let mut keep_paths = BTreeSet::new();
    for path in paths {
        match read_file(client, repo, sha, &path).await? {
            Read::Missing => {}
            Read::TooLarge(size) => {
                keep_paths.insert(path.clone());
                notes.push(format!("`{path}` is {size} bytes, over the {MAX_FILE_BYTES}-byte limit; not linted"));
                files.push(too_large(&path, size));
            }
            Read::Text(source) => {
                let kind = FileKind::from_path(&path);
                let ignore = if kind == FileKind::Dockerfile {
                    context_ignore(client, repo, sha, &path, &mut ignores).await?
                } else {
                    Ignore::Unknown
                };
                let input = Input { path: path.clone(), source, kind, ignore };
                let mut diagnostics = input.lint(settings);
                if let Some(resolver) = &pins
                    && kind == FileKind::Dockerfile
                {
                    let suggest = crate::jobs::digest::pins::suggest(resolver, &path, &input.source, &mut diagnostics);
                    if tokio::time::timeout(crate::jobs::digest::PIN_BUDGET, suggest).await.is_err() {
                        tracing::info!(%repo, %path, "pin suggestions took too long; plain findings");
                    }
                }
                for d in &diagnostics {
                    metrics::counter!("drydock_findings_total", "rule" => d.code.clone()).increment(1);
                }
                files.push(LintedFile { path, source: input.source.clone(), diagnostics, skipped: None });
                inputs.push(input);
            }
        }
    }

    // The effect of the pull request's config, on the same files.
    let preview = match &config_change {
        Some(path) => Some(match preview_config(client, repo, sha, path, &cached).await? {
            Ok(theirs) => {
                let relinted: Vec<LintedFile> = inputs
                    .iter()
                    .map(|i| LintedFile {
                        path: i.path.clone(),
                        source: String::new(),
                        diagnostics: i.lint(&theirs),
                        skipped: None,
                    })
                    .collect();
                Preview::Valid { path: path.clone(), counts: Counts::of(&relinted, &theirs) }
            }
            Err(message) => Preview::Invalid { path: path.clone(), message },
        }),
        None => None,
    };

    // Conclude.
    let counts = Counts::of(&files, settings);
    let conclusion = if files.is_empty() {
        Conclusion::Neutral
    } else if counts.failing > 0 {
        Conclusion::Failure
    } else {
        Conclusion::Success
    };
    let mut annotations = annotations(&files);
    if annotations.len() > MAX_ANNOTATIONS {
        notes.push(format!(
            "{} findings have no annotation (drydock sends at most {MAX_ANNOTATIONS}); the table below lists them",
            annotations.len() - MAX_ANNOTATIONS
        ));
        annotations.truncate(MAX_ANNOTATIONS);
    }
    let (title, summary_text) = summary::render(&SummaryInput {
        head_sha: sha,
        files: &files,
        settings,
        config_source: &resolved.source,
        notes: &notes,
        preview: preview.as_ref(),
    });
    let summary = CheckRunSummary { title, summary: summary_text, text: None, actions: relint_action() };
    let id = conclude(client, repo, sha, run, conclusion, &summary, &annotations).await?;
    let mut outcome = Outcome {
        check_run_id: Some(id),
        conclusion: Some(conclusion),
        files_linted: files.iter().filter(|f| f.skipped.is_none()).count(),
        findings: counts.total(),
        failing: counts.failing,
        annotations: annotations.len(),
        ..Outcome::default()
    };

    // One review per pull request whose head this still is. The check run is concluded by now: a
    // permanent failure here (e.g. no permission to comment) is reported, not turned into a failed check.
    let current = review::all_fingerprints(&files);
    for change in &changes {
        let Some(pr) = change.pr else { continue };
        match review_pr(client, repo, sha, pr, &change.files, &files, &current, &keep_paths).await {
            Ok(Some(report)) => outcome.reviews.push(report),
            Ok(None) => {}
            Err(e) if e.is_retryable() => return Err(e),
            Err(e) => {
                tracing::warn!(%repo, pr, error = %e, "review failed");
                outcome.review_errors.push(format!("#{pr}: {e}"));
            }
        }
    }
    tracing::info!(%repo, head = sha, ?conclusion, files = outcome.files_linted, findings = outcome.findings, "linted");
    Ok(outcome)
}

/// Reconciles one pull request's review comments; `None` when its head moved on.
#[allow(clippy::too_many_arguments)]
async fn review_pr(
    client: &InstallationClient,
    repo: &RepoRef,
    sha: &str,
    pr: u64,
    pr_files: &[PrFile],
    files: &[LintedFile],
    current: &BTreeSet<String>,
    keep_paths: &BTreeSet<String>,
) -> Result<Option<ReviewReport>, FlowError> {
    let info = client.pull_request(repo, pr).await?;
    if info.head_sha != sha {
        tracing::info!(%repo, pr, "head moved on; no review for the old head");
        return Ok(None);
    }
    let patches = review::patches_by_path(pr_files.iter().map(|f| (f.filename.as_str(), f.patch.as_deref())));
    let planned = review::plan(files, &patches);
    Ok(Some(review::reconcile(client, repo, pr, sha, planned, &patches, current, keep_paths).await?))
}

/// The paths to lint, sorted: changed lintable files (not removed) and the
/// Dockerfiles whose context `.dockerignore` changed, minus `ignore-paths`.
async fn select(
    client: &InstallationClient,
    repo: &RepoRef,
    sha: &str,
    changed: &[&PrFile],
    settings: &Settings,
) -> Result<Vec<String>, FlowError> {
    let mut paths = BTreeSet::new();
    let mut ignore_dirs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in changed {
        let name = f.filename.rsplit('/').next().unwrap_or(&f.filename);
        let lintable = touches_lintable(&f.filename) && !CONFIG_PATHS.contains(&f.filename.as_str());
        if !lintable {
            continue;
        }
        if f.status != FileStatus::Removed {
            paths.insert(f.filename.clone());
        }
        if FileKind::from_path(&f.filename) == FileKind::DockerIgnore {
            let dir = f.filename.rsplit_once('/').map_or("", |(d, _)| d);
            ignore_dirs.entry(dir.to_owned()).or_default().insert(name.to_owned());
        }
    }
    for (dir, changed_names) in ignore_dirs.into_iter().take(MAX_LINTED_FILES) {
        let entries = client.list_directory(repo, &dir, sha).await?;
        let names: BTreeSet<&str> = entries.iter().filter(|e| e.kind == "file").map(|e| e.name.as_str()).collect();
        for e in entries.iter().filter(|e| e.kind == "file") {
            let is_dockerfile = crate::lint::is_lintable_name(std::ffi::OsStr::new(&e.name))
                && FileKind::from_path(&e.name) == FileKind::Dockerfile;
            if !is_dockerfile {
                continue;
            }
            let own = format!("{}.dockerignore", e.name);
            // BuildKit reads `<name>.dockerignore` when it exists, else the directory's `.dockerignore`.
            let affected = if names.contains(own.as_str()) {
                changed_names.contains(&own)
            } else {
                changed_names.contains(".dockerignore") || changed_names.contains(&own)
            };
            if affected {
                paths.insert(if e.path.is_empty() { e.name.clone() } else { e.path.clone() });
            }
        }
    }
    Ok(paths.into_iter().filter(|p| !settings.is_ignored_path(p)).collect())
}

enum Read {
    Missing,
    TooLarge(u64),
    Text(String),
}

async fn read_file(client: &InstallationClient, repo: &RepoRef, sha: &str, path: &str) -> Result<Read, FlowError> {
    match client.file_contents(repo, path, Some(sha)).await {
        Ok(Some(f)) => Ok(Read::Text(String::from_utf8_lossy(&f.bytes).into_owned())),
        // Absent, or a directory or submodule at the head: nothing to lint.
        Ok(None) | Err(GithubError::Decode { .. }) => Ok(Read::Missing),
        Err(GithubError::TooLarge { size, .. }) => Ok(Read::TooLarge(size)),
        Err(e) => Err(e.into()),
    }
}

fn too_large(path: &str, size: u64) -> LintedFile {
    LintedFile {
        path: path.to_owned(),
        source: String::new(),
        diagnostics: vec![Diagnostic {
            code: "DL1000".into(),
            tag: None,
            severity: Severity::Warning,
            message: format!(
                "file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit of the App, so it was not linted"
            ),
            help: Some("split the file, or lint it with `drydock lint` in CI".to_owned()),
            range: TextRange::default(),
            fix: None,
        }],
        skipped: Some("too large".to_owned()),
    }
}

/// The context `.dockerignore` of Dockerfile `path`: `<name>.dockerignore` beside it, else the
/// directory's `.dockerignore` (as `drydock lint` and BuildKit); reads are cached per path.
async fn context_ignore(
    client: &InstallationClient,
    repo: &RepoRef,
    sha: &str,
    path: &str,
    cache: &mut HashMap<String, Option<Ignore>>,
) -> Result<Ignore, FlowError> {
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let join = |n: &str| if dir.is_empty() { n.to_owned() } else { format!("{dir}/{n}") };
    for candidate in [join(&format!("{name}.dockerignore")), join(".dockerignore")] {
        let found = if let Some(found) = cache.get(&candidate) {
            found.clone()
        } else {
            let found = match read_file(client, repo, sha, &candidate).await? {
                Read::Missing => None,
                Read::TooLarge(_) => Some(Ignore::Unknown),
                Read::Text(t) => Some(Ignore::Present(t)),
            };
            cache.insert(candidate.clone(), found.clone());
            found
        };
        if let Some(ignore) = found {
            return Ok(ignore);
        }
    }
    Ok(Ignore::Missing)
}

/// Settings from the pull request's own config at the head, or why it would be rejected.
async fn preview_config(
    client: &InstallationClient,
    repo: &RepoRef,
    sha: &str,
    path: &str,
    cached: &crate::store::CachedConfig,
) -> Result<Result<Settings, String>, FlowError> {
    let text = match config::read_text(client, repo, path, Some(sha)).await {
        Ok(Some(t)) => t,
        Ok(None) => return Ok(Err(format!("`{path}` could not be read at the head"))),
        Err(FlowError::Github(GithubError::TooLarge { size, .. })) => {
            return Ok(Err(format!("`{path}` is {size} bytes; a config is a few dozen lines")));
        }
        Err(e) => return Err(e),
    };
    // Its base: the cached one when it names the same, else read now.
    let (base_name, base_text) = match config::split_extends(&text) {
        Ok((Some(value), _)) => match config::Extends::parse(&value, repo.owner()) {
            Ok(ext) if Some(ext.display()) == cached.base_repository => (Some(ext.display()), cached.base_text.clone()),
            Ok(ext) => (Some(ext.display()), config::read_base(client, repo, &ext).await?),
            Err(_) => (None, None),
        },
        _ => (None, None),
    };
    Ok(config::resolve_text(&text, path, repo, base_text.as_deref(), base_name.as_deref()).map(|r| r.settings))
}

/// One annotation per finding, most serious first.
fn annotations(files: &[LintedFile]) -> Vec<Annotation> {
    let mut out: Vec<(Severity, Annotation)> = Vec::new();
    for f in files {
        let index = LineIndex::new(&f.source);
        for d in &f.diagnostics {
            let span = LineSpan::new(&f.source, &index, d.range);
            let one_line = span.line == span.end_line;
            let level = match d.severity {
                Severity::Error => AnnotationLevel::Failure,
                Severity::Warning => AnnotationLevel::Warning,
                Severity::Info | Severity::Style => AnnotationLevel::Notice,
            };
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            if let Some(tag) = d.tag {
                message.push_str("\nstandard: ");
                message.push_str(tag.as_str());
            }
            let name = crate::lint::report::RuleInfo::lookup(&d.code).name;
            out.push((
                d.severity,
                Annotation {
                    path: f.path.clone(),
                    start_line: span.line.max(1),
                    end_line: span.end_line.max(span.line).max(1),
                    start_column: one_line.then_some(span.column),
                    end_column: one_line.then_some(span.end_column.saturating_sub(1).max(span.column)),
                    annotation_level: level,
                    message,
                    title: Some(format!("{} {name}", d.code)),
                    raw_details: None,
                },
            ));
        }
    }
    out.sort_by(|a, b| {
        (std::cmp::Reverse(a.0), &a.1.path, a.1.start_line).cmp(&(std::cmp::Reverse(b.0), &b.1.path, b.1.start_line))
    });
    out.into_iter().map(|(_, a)| a).collect()
}
