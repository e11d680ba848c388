//! The worker side of the App: jobs claimed from the store's queue and run against GitHub.
//!
//! [`worker`] owns the loop (claim with a lease, keep the lease alive, complete, retry with backoff,
//! bury, defer on rate limits, survive panics, drain on shutdown) and is generic over [`JobHandler`], so
//! tests drive it with handlers that fail, sleep or panic. [`GithubJobs`] is the real handler: it reads
//! the stored [`JobSpec`] and dispatches to [`installation`] (installation records and uninstalls), to
//! the PR flow in [`pull_request`] (lints and config refreshes) or to the digest PRs in [`digest`].
//! [`reconcile`] asks GitHub to redeliver webhook deliveries that failed while we were down.
//!
//! Every mutating GitHub request a job makes passes the store's per-installation write slot
//! ([`StoreWriteGate`]): one at a time per installation, at least `min_gap` apart, across every worker
//! and process sharing the database.

pub mod digest;
pub mod installation;
pub mod pull_request;
pub mod reconcile;
pub mod worker;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::github::app::GithubApp;
use crate::github::client::{GateFuture, GithubError, InstallationClient, RepoRef, WriteGate, WritePermit};
use crate::github::events::JobSpec;
use crate::store::{ClaimedJob, SlotAttempt, Store, Timestamp, WriteSlot};

/// Why a job did not finish; the worker decides from the variant what happens next.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Trying again later may work (network, 5xx, a database hiccup): retried with backoff, dead after
    /// the job's last attempt.
    #[error("{0}")]
    Retryable(String),
    /// No retry can fix it (a repository that is gone, a payload that does not read): dead at once.
    #[error("{0}")]
    Permanent(String),
    /// GitHub asked us to wait: the job goes back to the queue for this long, the attempt not counted.
    #[error("github rate limit: retry in {}s", .0.as_secs())]
    RateLimited(Duration),
}

impl JobError {
    /// Classifies a GitHub client error.
    pub fn from_github(error: &GithubError) -> Self {
        match error {
            GithubError::RateLimited { retry_after } => Self::RateLimited(*retry_after),
            e if e.is_transient() => Self::Retryable(error.to_string()),
            _ => Self::Permanent(error.to_string()),
        }
    }

    /// Classifies an error of the PR flow.
    pub fn from_flow(error: &pull_request::FlowError) -> Self {
        if let Some(wait) = error.retry_after() {
            Self::RateLimited(wait)
        } else if error.is_retryable() {
            Self::Retryable(error.to_string())
        } else {
            Self::Permanent(error.to_string())
        }
    }

    /// A store error: the database may come back, so retryable.
    pub fn from_store(error: &crate::store::StoreError) -> Self {
        Self::Retryable(format!("{error:#}"))
    }
}

/// Runs one claimed job. The worker calls it in a task of its own, so a panic is contained and counted
/// as a failed attempt.
pub trait JobHandler: Send + Sync + 'static {
    /// Does the job's work. Must be idempotent: after a crash the same job runs again.
    fn handle(&self, job: ClaimedJob) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// The real handler: GitHub work for each [`JobSpec`].
#[derive(Clone)]
pub struct GithubJobs {
    store: Store,
    app: GithubApp,
    gate: Arc<StoreWriteGate>,
    /// The process's one registry state (caches, counters), shared by every installation's digest scans.
    registry: Option<Arc<crate::digest::Registry>>,
    /// Whether the PR flow asks registries for digests to suggest pins with.
    pin_suggestions: bool,
}

impl GithubJobs {
    /// A handler acting as `app`, with mutating requests serialised through `gate`. Digest scans use the
    /// process's [`digest::shared_registry`] unless [`Self::with_registry`] sets another.
    pub fn new(store: Store, app: GithubApp, gate: Arc<StoreWriteGate>) -> Self {
        Self { store, app, gate, registry: None, pin_suggestions: true }
    }

    /// This handler without pin suggestions: pull requests get the plain pinning findings and no
    /// registry is contacted while linting (air-gapped installations; tests).
    #[must_use]
    pub fn without_pin_suggestions(mut self) -> Self {
        self.pin_suggestions = false;
        self
    }

    /// This handler with `registry` (one per process) for digest scans.
    #[must_use]
    pub fn with_registry(mut self, registry: Arc<crate::digest::Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    fn registry(&self) -> Result<Arc<crate::digest::Registry>, JobError> {
        if let Some(r) = &self.registry {
            return Ok(Arc::clone(r));
        }
        digest::shared_registry().map_err(|e| JobError::Permanent(format!("cannot set up the registry client: {e}")))
    }

    /// Installation `id`'s client, its writes passing the write gate.
    async fn client(&self, installation_id: u64) -> Result<InstallationClient, JobError> {
        let client = self.app.installation(installation_id).await.map_err(|e| JobError::from_github(&e))?;
        Ok(client.with_write_gate(Arc::clone(&self.gate) as Arc<dyn WriteGate>))
    }

    async fn run(&self, job: &ClaimedJob, spec: &JobSpec) -> Result<(), JobError> {
        match spec {
            JobSpec::InstallationSync { installation_id } => {
                let client = self.client(*installation_id).await;
                let synced = installation::sync(&self.app, client, &self.store, *installation_id, job.id).await?;
                tracing::info!(installation = installation_id, outcome = ?synced, "installation synced");
                Ok(())
            }
            JobSpec::InstallationDeleted { installation_id } => {
                let deleted = installation::delete(&self.app, &self.store, *installation_id, job.id).await?;
                tracing::info!(installation = installation_id, jobs_cancelled = deleted.jobs, "installation forgotten");
                Ok(())
            }
            JobSpec::RefreshConfig { installation_id, owner, repo } => {
                let repo = RepoRef::new(owner, repo).map_err(|e| JobError::Permanent(e.to_string()))?;
                let client = self.client(*installation_id).await?;
                pull_request::refresh_config(&client, &self.store, &repo).await.map_err(|e| JobError::from_flow(&e))
            }
            JobSpec::DigestScan { installation_id, owner, repo } => {
                let repo = RepoRef::new(owner, repo).map_err(|e| JobError::Permanent(e.to_string()))?;
                let client = self.client(*installation_id).await?;
                let registry = self.registry()?;
                let report = digest::scan(&client, &self.store, &registry, &repo, Timestamp::now()).await?;
                tracing::info!(repo = %repo, outcome = ?report.outcome, bumps = report.bumps.len(), "digests scanned");
                Ok(())
            }
            JobSpec::LintPullRequest { installation_id, .. } | JobSpec::LintCommit { installation_id, .. } => {
                let target = pull_request::LintTarget::from_job(spec)
                    .map_err(|e| JobError::from_flow(&e))?
                    .ok_or_else(|| JobError::Permanent(format!("a {} job is not a lint job", spec.kind())))?;
                let client = self.client(*installation_id).await?;
                let registry = if self.pin_suggestions { self.registry().ok() } else { None };
                let outcome = pull_request::lint_with(&client, &self.store, &target, registry.as_ref())
                    .await
                    .map_err(|e| JobError::from_flow(&e))?;
                tracing::info!(repo = %target.repo, head = %target.head_sha, outcome = ?outcome, "linted");
                Ok(())
            }
        }
    }
}

impl JobHandler for GithubJobs {
    async fn handle(&self, job: ClaimedJob) -> Result<(), JobError> {
        let spec: JobSpec = serde_json::from_value(job.payload.clone()).map_err(|e| {
            JobError::Permanent(format!(
                "job {} ({}) does not read as a job: {e}; it was stored by another drydock version",
                job.id, job.kind
            ))
        })?;
        self.run(&job, &spec).await
    }
}

/// Turns a [`JobSpec`] into the row the queue stores: kind, JSON payload, installation, coalesce key.
pub fn new_job(spec: &JobSpec) -> Result<crate::store::NewJob, serde_json::Error> {
    let mut job = crate::store::NewJob::new(spec.kind(), serde_json::to_value(spec)?);
    if let Ok(id) = i64::try_from(spec.installation_id()) {
        job = job.installation(id);
    }
    if let Some(key) = spec.coalesce_key() {
        job = job.coalesce(key);
    }
    Ok(job)
}

/// A [`WriteGate`] backed by the store's write slots, so the serialisation holds across processes.
#[derive(Debug)]
pub struct StoreWriteGate {
    store: Store,
    holder: String,
    counter: AtomicU64,
    hold: Duration,
    min_gap: Duration,
}

impl StoreWriteGate {
    /// A gate for this process: holds expire after `hold` (longer than one request takes) and
    /// consecutive writes of one installation are `min_gap` apart (GitHub asks for one second).
    pub fn new(store: Store, process: &str, hold: Duration, min_gap: Duration) -> Self {
        Self { store, holder: process.to_owned(), counter: AtomicU64::new(0), hold, min_gap }
    }
}

impl WriteGate for StoreWriteGate {
    fn acquire(&self, installation_id: u64) -> GateFuture<'_, Result<Box<dyn WritePermit>, GithubError>> {
        Box::pin(async move {
            let holder = format!("{}#{}", self.holder, self.counter.fetch_add(1, Ordering::Relaxed));
            let id = i64::try_from(installation_id)
                .map_err(|_| GithubError::WriteGate(format!("installation id {installation_id} is out of range")))?;
            loop {
                let attempt = self
                    .store
                    .acquire_write_slot(id, &holder, Timestamp::now(), self.hold, self.min_gap)
                    .await
                    .map_err(|e| GithubError::WriteGate(e.to_string()))?;
                match attempt {
                    SlotAttempt::Acquired(slot) => {
                        return Ok(Box::new(SlotPermit { store: self.store.clone(), slot }) as Box<dyn WritePermit>);
                    }
                    SlotAttempt::Wait(wait) => tokio::time::sleep(wait).await,
                }
            }
        })
    }
}

struct SlotPermit {
    store: Store,
    slot: WriteSlot,
}

impl WritePermit for SlotPermit {
    fn release(self: Box<Self>) -> GateFuture<'static, ()> {
        Box::pin(async move {
            let installation = self.slot.installation_id;
            if let Err(e) = self.store.release_write_slot(self.slot, Timestamp::now()).await {
                tracing::warn!(installation, error = %e, "could not release the write slot; it expires on its own");
            }
        })
    }
}
