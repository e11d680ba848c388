//! Digest-update PRs: the `digest_scan` job reads a repository's Dockerfiles at the head of its default
//! branch, asks the registries (through the process's one shared [`Registry`] cache) what the pinned tags
//! point to now, and keeps **one PR per repository** on the stable branch [`BRANCH`] that moves the stale
//! pins.
//!
//! - The commit is built with the git data API (blobs, a tree on the base tree, a commit on the default
//!   branch's head) and the branch is created or force-moved to it; every mutating call passes the
//!   installation's write gate.
//! - A run with nothing new changes nothing: when the open PR already proposes exactly these digests on
//!   the current base, only its body is refreshed (if it differs). When the base moved, the commit is
//!   recreated on the new base (a rebase) — but only while the branch's head is drydock's own last commit
//!   (remembered in the store): once somebody else pushed to the branch, drydock leaves it alone.
//! - A PR closed without merge is remembered: its (image, digest) pairs are never proposed again in that
//!   repository; a newer digest of the same image is. The state is read from GitHub at scan time, so a
//!   missed `pull_request.closed` webhook changes nothing.
//! - `min-age` holds back a digest younger than N hours (the manifest's `Last-Modified`, else the image
//!   config's `created`).
//! - `group: image|directory` splits the bumps into one PR per group, each on `BRANCH-<group>` with the
//!   same rules.
//!
//! Registry failures of one reference never fail the scan: they are listed in the PR body (or the log).

pub mod body;
pub mod config;
pub mod pins;
pub mod schedule;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::digest::edit::{self, Mode};
use crate::digest::plan::{self, Status};
use crate::digest::refs;
use crate::digest::{Credential, Credentials, Guard, Platform, Registry, RegistryOptions, ResolveError, Resolver};
use crate::github::client::{GithubError, InstallationClient, RepoRef, TreeWrite};
use crate::jobs::pull_request::{FlowError, config as pr_config};
use crate::store::{CachedConfig, DigestRepo, Store, StoreError, Timestamp};

pub use body::Bump;
pub use config::DigestConfig;

/// The branch of the digest PR.
pub const BRANCH: &str = crate::github::events::DIGEST_BRANCH;
/// Most Dockerfiles one scan reads.
pub const MAX_DOCKERFILES: usize = 200;

/// Why a scan stopped.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A GitHub call failed.
    #[error(transparent)]
    Github(#[from] GithubError),
    /// The store failed.
    #[error("the store failed: {0}; check the database")]
    Store(#[from] StoreError),
    /// The repository's `digest:` config cannot be used.
    #[error("{0}")]
    Config(String),
    /// Reading the config failed.
    #[error(transparent)]
    Flow(#[from] FlowError),
}

impl From<ScanError> for super::JobError {
    fn from(e: ScanError) -> Self {
        match &e {
            ScanError::Github(g) => Self::from_github(g),
            ScanError::Store(s) => Self::from_store(s),
            ScanError::Flow(f) => Self::from_flow(f),
            ScanError::Config(m) => Self::Permanent(m.clone()),
        }
    }
}

/// What a scan did to the PR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `digest.enabled: false`.
    Disabled,
    /// No stale pin to propose (and no PR opened).
    NothingToPropose,
    /// The open PR already proposes exactly this; nothing written (maybe its body refreshed).
    Unchanged(u64),
    /// A new PR was opened.
    Opened(u64),
    /// The open PR's branch was moved to a new commit (newer digests, or a rebase).
    Updated(u64),
    /// Somebody else pushed to the branch: drydock leaves the PR alone.
    ForeignCommits(u64),
}

/// What a scan found and did.
#[derive(Clone, Debug)]
pub struct Report {
    /// What happened to the PR (with `group: image|directory`: the first PR opened or updated, else the
    /// first group's outcome).
    pub outcome: Outcome,
    /// Each group's branch and outcome (one for `group: repo`).
    pub groups: Vec<(String, Outcome)>,
    /// The bumps proposed.
    pub bumps: Vec<Bump>,
    /// Notes on references left alone (waiting for min-age, closed before, lookup failures).
    pub notes: Vec<String>,
}

/// The process's one registry state (tag and manifest caches, token cache, request counters) for the App,
/// shared by every installation's scans: built on first use with the default allowlist plus the hosts in
/// `DRYDOCK_REGISTRY_ALLOW` (comma-separated `HOST[:PORT]`, as for `drydock digest`).
pub fn shared_registry() -> Result<Arc<Registry>, ResolveError> {
    static SHARED: OnceLock<Arc<Registry>> = OnceLock::new();
    if let Some(r) = SHARED.get() {
        return Ok(Arc::clone(r));
    }
    let mut guard = Guard::new::<_, &str>([]);
    let allow = std::env::var("DRYDOCK_REGISTRY_ALLOW").unwrap_or_default();
    for host in allow.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        guard.allow_explicit(host);
    }
    let registry = Registry::new(guard, RegistryOptions::default())?;
    Ok(Arc::clone(SHARED.get_or_init(|| registry)))
}

/// How long pin suggestions may take per file in the PR flow.
pub const PIN_BUDGET: Duration = Duration::from_secs(10);

/// The resolver the PR flow's pin suggestions use: the shared registry, with the credentials the
/// repository's `digest.registries` names (none when its config cannot be read); `None` when the
/// repository switched digest updates off (`digest: {enabled: false}`), which also stops the lookups.
pub fn pin_resolver(registry: &Arc<Registry>, cached: &CachedConfig) -> Option<Resolver> {
    let cfg = digest_config(cached).unwrap_or_default();
    cfg.enabled.then(|| Resolver::new(Arc::clone(registry), credentials_for(&cfg, &mut Vec::new())))
}

/// The repository's digest settings from its cached config (base config first, then its own).
pub fn digest_config(cached: &CachedConfig) -> Result<DigestConfig, String> {
    let mut cfg = DigestConfig::default();
    for text in [cached.base_text.as_deref(), cached.config_text.as_deref()].into_iter().flatten() {
        let (_, own) = pr_config::split_extends(text).map_err(|e| format!("the config: {e}"))?;
        if let (Some(block), _) = config::split_digest(&own) {
            cfg = config::parse(&block, cfg)?;
        }
    }
    Ok(cfg)
}

/// Registry credentials the config names, read from the server's environment (never from the repo).
pub fn credentials_for(cfg: &DigestConfig, notes: &mut Vec<String>) -> Credentials {
    let mut creds = Credentials::none();
    for (host, name) in &cfg.registries {
        let var = format!("DRYDOCK_REGISTRY_CREDENTIAL_{}", name.to_ascii_uppercase());
        let value = std::env::var(&var).ok().or_else(|| {
            let path = std::env::var(format!("{var}_FILE")).ok()?;
            std::fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
        });
        match value.as_deref().and_then(|v| v.split_once(':')) {
            Some((user, pass)) => creds = creds.with(host, Credential::new(user, pass)),
            None => notes.push(format!(
                "the credential `{name}` for `{host}` is not set on the server: set {var}=username:password (or \
                 {var}_FILE to a file holding it); `{host}` was asked anonymously"
            )),
        }
    }
    creds
}

/// Whether a repository path is a Dockerfile (by name, as `drydock lint` finds them).
pub fn is_dockerfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    crate::lint::is_lintable_name(OsStr::new(name)) && !name.to_ascii_lowercase().ends_with("dockerignore")
}

/// Seconds since the epoch of an RFC 3339 time (`2026-01-01T00:00:00Z`, fractions and offsets allowed).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| d.timestamp())
}

/// The image reference without its digest, the key of the closed-PR memory.
fn image_key(image: &crate::lint::model::image_ref::ImageRef) -> String {
    let mut i = image.clone();
    i.digest = None;
    i.to_string()
}

/// One Dockerfile's plan: its text and findings (statuses adjusted for ignore, memory and min-age).
struct PlannedFile {
    path: String,
    mode: String,
    text: String,
    findings: Vec<plan::Finding>,
    /// `image_key` per finding (empty when the site has no image).
    keys: Vec<String>,
}

/// The group a bump belongs to under `group` (empty: the whole repository).
fn group_key(group: config::Group, bump: &Bump) -> String {
    match group {
        config::Group::Repo => String::new(),
        config::Group::Image => bump.image.clone(),
        config::Group::Directory => match bump.path.rsplit_once('/') {
            Some((dir, _)) => dir.to_owned(),
            None => "root".to_owned(),
        },
    }
}

/// The branch of a group: [`BRANCH`] for the whole repository, `BRANCH-<slug>` for a group (a ref cannot
/// be both a branch and a folder of branches, so not `BRANCH/<slug>`).
pub fn group_branch(key: &str) -> String {
    if key.is_empty() {
        return BRANCH.to_owned();
    }
    let mut slug: String =
        key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '-' }).collect();
    while slug.contains("--") {
        slug = slug.replace("--", "-");
    }
    let slug = slug.trim_matches(['-', '.']);
    let slug: String = slug.chars().take(80).collect();
    format!("{BRANCH}-{}", slug.trim_end_matches(['-', '.']))
}

/// Scans `repo` and opens, updates or leaves its digest PR(s). `registry` is the process's shared registry
/// state; credentials come from the repository's config.
pub async fn scan(
    client: &InstallationClient,
    store: &Store,
    registry: &Arc<Registry>,
    repo: &RepoRef,
    now: Timestamp,
) -> Result<Report, ScanError> {
    let cached = pr_config::cached_or_fetch(client, store, repo, false).await?;
    let cfg = digest_config(&cached)
        .map_err(|e| ScanError::Config(format!("{repo}: `.github/drydock.yml` on `{}`: {e}", cached.default_branch)))?;
    let mut notes = Vec::new();
    if !cfg.enabled {
        return Ok(Report { outcome: Outcome::Disabled, groups: Vec::new(), bumps: Vec::new(), notes });
    }
    let resolver = Resolver::new(Arc::clone(registry), credentials_for(&cfg, &mut notes));
    let base_branch = cached.default_branch.clone();
    let base_sha = client.branch_sha(repo, &base_branch).await?.ok_or_else(|| {
        ScanError::Config(format!("{repo}: the default branch `{base_branch}` has no commit; push one first"))
    })?;
    let base_commit = client.git_commit(repo, &base_sha).await?;
    let installation_id = i64::try_from(client.installation_id()).unwrap_or(i64::MAX);

    // The whole-repository PR's state first: a PR closed without merge rules out what it proposed.
    // (Grouped PRs are checked when their group has something to propose.)
    let mut checked: Vec<String> = Vec::new();
    if cfg.group == config::Group::Repo {
        check_closed(client, store, repo, BRANCH, installation_id, now).await?;
        checked.push(BRANCH.to_owned());
    }

    // Plan.
    let tree = client.tree_recursive(repo, &base_commit.tree.sha).await?;
    if tree.truncated {
        notes.push("the repository's file list was cut short by GitHub; some Dockerfiles may be missing".into());
    }
    let mut entries: Vec<_> = tree.tree.iter().filter(|e| e.kind == "blob" && is_dockerfile(&e.path)).collect();
    if entries.len() > MAX_DOCKERFILES {
        notes.push(format!("only the first {MAX_DOCKERFILES} of {} Dockerfiles were scanned", entries.len()));
        entries.truncate(MAX_DOCKERFILES);
    }
    let mut files: Vec<PlannedFile> = Vec::new();
    let mut bumps: Vec<Bump> = Vec::new();
    for entry in entries {
        let Some(file) = client.file_contents(repo, &entry.path, Some(&base_sha)).await? else { continue };
        let Ok(text) = String::from_utf8(file.bytes) else {
            notes.push(format!("`{}` is not UTF-8; skipped", entry.path));
            continue;
        };
        let sites = refs::sites(&text);
        let mut findings = plan::assess_file(&resolver, &entry.path, &sites).await;
        let keys: Vec<String> = sites.iter().map(|s| s.image.as_ref().map(image_key).unwrap_or_default()).collect();
        for (f, site) in findings.iter_mut().zip(&sites) {
            if f.status == Status::Error {
                notes.push(format!(
                    "`{}` line {}: {}: {}",
                    f.path,
                    f.line,
                    f.reference,
                    f.note.as_deref().unwrap_or("lookup failed")
                ));
            }
            if f.status != Status::Stale {
                continue;
            }
            let (Some(image), Some(new)) = (&site.image, f.proposed.clone()) else { continue };
            let key = image_key(image);
            if config::ignored(&cfg.ignore, &key, &image.familiar_string()) {
                f.status = Status::UpToDate;
                continue;
            }
            if store.digest_rejected(&repo.to_string(), &key, &new).await? {
                f.status = Status::UpToDate;
                notes.push(rejected_note(f, &new));
                continue;
            }
            let hint = f.platforms.first().and_then(|p| Platform::parse(p));
            let details = resolver.image_details(image, &new, hint.as_ref()).await.ok();
            if cfg.min_age_hours > 0 {
                // The registry's Last-Modified first (a reproducible build may set `created` to its
                // source date), then the config's `created`.
                let created = details
                    .as_ref()
                    .and_then(|d| d.last_modified.or_else(|| d.created.as_deref().and_then(parse_rfc3339)));
                match created {
                    Some(c) => {
                        let age_secs = now.unix_millis() / 1000 - c;
                        let min = i64::try_from(cfg.min_age_hours.saturating_mul(3600)).unwrap_or(i64::MAX);
                        if age_secs < min {
                            f.status = Status::UpToDate;
                            notes.push(format!(
                                "`{}` line {}: {} → `{}` is {}h old; waiting until it is {}h old (`digest.min-age`)",
                                f.path,
                                f.line,
                                f.reference,
                                crate::digest::short(&new),
                                age_secs.max(0) / 3600,
                                cfg.min_age_hours
                            ));
                            continue;
                        }
                    }
                    None => notes.push(format!(
                        "`{}` line {}: {}: the new image's age is unknown (no `Last-Modified` from the registry, no \
                         `created` in its config); proposed without waiting for `digest.min-age`",
                        f.path, f.line, f.reference
                    )),
                }
            }
            bumps.push(Bump {
                path: f.path.clone(),
                line: f.line,
                reference: f.reference.clone(),
                image: key,
                old: f.pinned.clone().unwrap_or_default(),
                new,
                platforms: f.platforms.clone(),
                details: details.map(|d| (*d).clone()),
            });
        }
        files.push(PlannedFile { path: entry.path.clone(), mode: entry.mode.clone(), text, findings, keys });
    }

    // Publish, one group at a time.
    let mut group_keys: Vec<String> = bumps.iter().map(|b| group_key(cfg.group, b)).collect();
    group_keys.sort();
    group_keys.dedup();
    if cfg.group == config::Group::Repo && group_keys.is_empty() {
        group_keys.push(String::new());
    }
    let mut groups = Vec::new();
    let mut proposed_bumps = Vec::new();
    for key in group_keys {
        let branch = group_branch(&key);
        if !checked.contains(&branch) {
            let rejected = check_closed(client, store, repo, &branch, installation_id, now).await?;
            checked.push(branch.clone());
            if !rejected.is_empty() {
                for b in bumps.iter().filter(|b| rejected.contains(&(b.image.clone(), b.new.clone()))) {
                    notes.push(format!(
                        "`{}` line {}: {} → `{}` was proposed before and the PR was closed without merge; waiting for \
                         a newer digest",
                        b.path,
                        b.line,
                        b.reference,
                        crate::digest::short(&b.new)
                    ));
                }
                bumps.retain(|b| !rejected.contains(&(b.image.clone(), b.new.clone())));
            }
        }
        let in_group: Vec<Bump> = bumps.iter().filter(|b| group_key(cfg.group, b) == key).cloned().collect();
        let (writes, applied) = group_writes(&files, &in_group, &mut notes);
        let outcome = publish(
            client,
            store,
            repo,
            &branch,
            &base_branch,
            &base_sha,
            &base_commit.tree.sha,
            &writes,
            &applied,
            &notes,
            installation_id,
            now,
        )
        .await?;
        groups.push((branch, outcome));
        proposed_bumps.extend(applied);
    }
    let outcome = match cfg.group {
        config::Group::Repo => groups.first().map_or(Outcome::NothingToPropose, |(_, o)| *o),
        _ => groups
            .iter()
            .map(|(_, o)| *o)
            .find(|o| matches!(o, Outcome::Opened(_) | Outcome::Updated(_)))
            .or_else(|| groups.first().map(|(_, o)| *o))
            .unwrap_or(Outcome::NothingToPropose),
    };
    Ok(Report { outcome, groups, bumps: proposed_bumps, notes })
}

fn rejected_note(f: &plan::Finding, new: &str) -> String {
    format!(
        "`{}` line {}: {} → `{}` was proposed before and the PR was closed without merge; waiting for a newer digest",
        f.path,
        f.line,
        f.reference,
        crate::digest::short(new)
    )
}

/// The store key of a branch's PR record: the repository for [`BRANCH`], `repo#branch` for a group's.
fn record_key(repo: &RepoRef, branch: &str) -> String {
    if branch == BRANCH { repo.to_string() } else { format!("{repo}#{branch}") }
}

/// Reads the PR state of `branch`: when drydock's PR there was closed without merge, remembers what it
/// proposed and forgets the PR. Returns the pairs it rejected now.
async fn check_closed(
    client: &InstallationClient,
    store: &Store,
    repo: &RepoRef,
    branch: &str,
    installation_id: i64,
    now: Timestamp,
) -> Result<Vec<(String, String)>, ScanError> {
    let key = record_key(repo, branch);
    let Some(mut record) = store.digest_repo(&key).await? else { return Ok(Vec::new()) };
    let Some(n) = record.pr_number else { return Ok(Vec::new()) };
    let pulls = client.pulls_for_branch(repo, branch).await?;
    if pulls.iter().any(|p| p.state == "open") {
        return Ok(Vec::new());
    }
    let mut rejected = Vec::new();
    if let Some(p) = pulls.iter().find(|p| i64::try_from(p.number).is_ok_and(|x| x == n))
        && p.state == "closed"
        && !p.merged
    {
        store.reject_digests(&repo.to_string(), &record.proposed, now).await?;
        tracing::info!(%repo, pr = p.number, digests = record.proposed.len(), "digest PR closed unmerged; remembered");
        rejected.clone_from(&record.proposed);
    }
    record.installation_id = installation_id;
    record.pr_number = None;
    record.proposed.clear();
    store.put_digest_repo(&record).await?;
    Ok(rejected)
}

/// The edited files of one group, and the bumps that made it into them.
fn group_writes(
    files: &[PlannedFile],
    bumps: &[Bump],
    notes: &mut Vec<String>,
) -> (Vec<(String, String, String)>, Vec<Bump>) {
    let mut writes = Vec::new();
    let mut applied = Vec::new();
    for file in files {
        let mine: Vec<&Bump> = bumps.iter().filter(|b| b.path == file.path).collect();
        if mine.is_empty() {
            continue;
        }
        // Only this group's stale findings move; the others are left as they are.
        let findings: Vec<plan::Finding> = file
            .findings
            .iter()
            .zip(&file.keys)
            .map(|(f, key)| {
                let mut f = f.clone();
                let wanted = f.status == Status::Stale
                    && mine.iter().any(|b| b.line == f.line && &b.image == key && Some(&b.new) == f.proposed.as_ref());
                if f.status == Status::Stale && !wanted {
                    f.status = Status::UpToDate;
                }
                f
            })
            .collect();
        let edited = edit::apply(&file.text, &findings, Mode::Update);
        for (line, note) in &edited.skipped {
            notes.push(format!("`{}` line {line}: {note}", file.path));
        }
        let skipped: BTreeSet<u32> = edited.skipped.iter().map(|(l, _)| *l).collect();
        let kept: Vec<Bump> = mine.into_iter().filter(|b| !skipped.contains(&b.line)).cloned().collect();
        if edited.text != file.text && !kept.is_empty() {
            applied.extend(kept);
            writes.push((file.path.clone(), file.mode.clone(), edited.text));
        }
    }
    (writes, applied)
}

/// Opens, updates or leaves the PR on `branch` for `writes`.
#[allow(clippy::too_many_arguments)]
async fn publish(
    client: &InstallationClient,
    store: &Store,
    repo: &RepoRef,
    branch: &str,
    base_branch: &str,
    base_sha: &str,
    base_tree: &str,
    writes: &[(String, String, String)],
    bumps: &[Bump],
    notes: &[String],
    installation_id: i64,
    now: Timestamp,
) -> Result<Outcome, ScanError> {
    let key = record_key(repo, branch);
    let mut record = store.digest_repo(&key).await?.unwrap_or_else(|| DigestRepo {
        repository: key.clone(),
        installation_id,
        ..DigestRepo::default()
    });
    record.installation_id = installation_id;
    record.last_scan_at = Some(now);
    if writes.is_empty() {
        store.put_digest_repo(&record).await?;
        return Ok(Outcome::NothingToPropose);
    }
    let pulls = client.pulls_for_branch(repo, branch).await?;
    let open = pulls.iter().find(|p| p.state == "open").cloned();
    let mut proposed: Vec<(String, String)> = bumps.iter().map(|b| (b.image.clone(), b.new.clone())).collect();
    proposed.sort();
    proposed.dedup();
    let title = body::title(bumps);
    let pr_body = body::render(bumps, notes);

    let branch_head = client.branch_sha(repo, branch).await?;
    if let (Some(pr), Some(head)) = (&open, &branch_head) {
        record.pr_number = i64::try_from(pr.number).ok();
        if record.last_commit_sha.as_deref() != Some(head.as_str()) {
            tracing::info!(%repo, pr = pr.number, "somebody else pushed to the digest branch; leaving it alone");
            store.put_digest_repo(&record).await?;
            return Ok(Outcome::ForeignCommits(pr.number));
        }
        let head_commit = client.git_commit(repo, head).await?;
        let on_base = head_commit.parents.first().is_some_and(|p| p.sha == base_sha);
        if on_base && record.proposed == proposed {
            if pr.body.trim_end() != pr_body.trim_end() || pr.title != title {
                client.update_pull(repo, pr.number, &title, &pr_body).await?;
            }
            store.put_digest_repo(&record).await?;
            return Ok(Outcome::Unchanged(pr.number));
        }
    }

    let mut tree_writes = Vec::with_capacity(writes.len());
    for (path, mode, text) in writes {
        let sha = client.create_blob(repo, text).await?;
        let mode = if mode.is_empty() { "100644".to_owned() } else { mode.clone() };
        tree_writes.push(TreeWrite { path: path.clone(), mode, sha });
    }
    let new_tree = client.create_tree(repo, base_tree, &tree_writes).await?;
    let message = body::commit_message(&title, bumps);
    let commit = client.create_commit(repo, &message, &new_tree, &[base_sha.to_owned()]).await?;
    if branch_head.is_some() {
        client.force_branch(repo, branch, &commit).await?;
    } else {
        client.create_branch(repo, branch, &commit).await?;
    }
    // Remember the commit before anything else can fail, so the next run knows the branch is ours.
    record.last_commit_sha = Some(commit);
    record.proposed = proposed;
    store.put_digest_repo(&record).await?;
    let (outcome, n) = if let Some(pr) = &open {
        client.update_pull(repo, pr.number, &title, &pr_body).await?;
        (Outcome::Updated(pr.number), pr.number)
    } else {
        let n = client.create_pull(repo, &title, branch, base_branch, &pr_body).await?;
        (Outcome::Opened(n), n)
    };
    record.pr_number = i64::try_from(n).ok();
    store.put_digest_repo(&record).await?;
    Ok(outcome)
}

/// The jitter of an installation's schedule: a fixed offset in `[0, interval)` derived from its id, so
/// installations spread over the period and every replica computes the same one.
pub fn jitter(installation_id: u64, interval: Duration) -> Duration {
    let secs = interval.as_secs().max(1);
    // SplitMix64 of the id: cheap, deterministic, well spread.
    let mut z = installation_id.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    Duration::from_secs(z % secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00Z"), Some(1_767_225_600));
        assert_eq!(parse_rfc3339("2026-01-01T01:00:00.123456789+01:00"), Some(1_767_225_600));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2026-01-01"), None);
    }

    #[test]
    fn jitter_is_stable_and_bounded() {
        let day = Duration::from_hours(24);
        assert_eq!(jitter(42, day), jitter(42, day));
        assert!(jitter(42, day) < day);
        assert_ne!(jitter(1, day), jitter(2, day));
    }

    #[test]
    fn dockerfile_paths() {
        assert!(is_dockerfile("Dockerfile") && is_dockerfile("svc/api/Dockerfile") && is_dockerfile("x.Dockerfile"));
        assert!(!is_dockerfile(".dockerignore") && !is_dockerfile("README.md"));
    }
}
