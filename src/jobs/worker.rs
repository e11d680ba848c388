//! The worker pool: N loops that claim jobs from the store with a lease and run them.
//!
//! Each loop claims one job at a time and runs the handler in a task of its own, so a panicking job is
//! one failed attempt and not a dead worker. While the job runs, the loop extends its lease every third
//! of the lease; if the lease was lost (another worker reclaimed the job after a stall), the task is
//! aborted and its result dropped. The result decides the job's fate:
//! `Ok` → done; [`JobError::Retryable`] or a panic → queued again after the store's backoff (dead after
//! the last attempt, error kept); [`JobError::Permanent`] → dead at once; [`JobError::RateLimited`] →
//! deferred by GitHub's wait without counting the attempt.
//!
//! Shutdown ([`Phase`]): `Draining` stops claiming and lets running jobs finish; `Abort` (sent by the
//! caller when the grace period is over) aborts them and puts their jobs straight back in the queue,
//! so the next process picks them up at once instead of after the lease.

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::{JobError, JobHandler};
use crate::store::{ClaimedJob, JobState, Store, StoreError, Timestamp};

/// Where the pool is in its life; the caller moves it forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Claiming and running jobs.
    Running,
    /// Not claiming; running jobs may finish.
    Draining,
    /// Abort running jobs and hand them back to the queue.
    Abort,
}

/// How the pool works.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Concurrent loops (jobs at once) in this process.
    pub concurrency: usize,
    /// Lease per claim; extended every third of it while the job runs.
    pub lease: Duration,
    /// How long an idle loop sleeps before looking again (a new delivery wakes it sooner).
    pub poll_interval: Duration,
    /// Names this process's leases (`<name>/<loop>`); unique per process.
    pub name: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_mins(1),
            poll_interval: Duration::from_millis(500),
            name: format!("drydock-{}", std::process::id()),
        }
    }
}

/// The pool: run it with [`WorkerPool::run`].
pub struct WorkerPool<H> {
    store: Store,
    handler: Arc<H>,
    config: WorkerConfig,
    wake: Arc<Notify>,
    alive: Arc<AtomicBool>,
}

impl<H: JobHandler> WorkerPool<H> {
    /// A pool running `handler` on jobs from `store`.
    pub fn new(store: Store, handler: H, config: WorkerConfig) -> Self {
        Self { store, handler: Arc::new(handler), config, wake: Arc::new(Notify::new()), alive: Arc::default() }
    }

    /// Wakes idle loops at once (call after enqueueing).
    pub fn waker(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// True while the loops run; for readiness checks.
    pub fn alive(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.alive)
    }

    /// Runs the loops until `phase` leaves [`Phase::Running`] and every running job has finished (or,
    /// after [`Phase::Abort`], was handed back).
    pub async fn run(self, phase: watch::Receiver<Phase>) {
        let mut loops = JoinSet::new();
        for n in 0..self.config.concurrency.max(1) {
            let worker = Loop {
                store: self.store.clone(),
                handler: Arc::clone(&self.handler),
                name: format!("{}/{n}", self.config.name),
                lease: self.config.lease,
                poll: self.config.poll_interval,
                wake: Arc::clone(&self.wake),
                phase: phase.clone(),
            };
            loops.spawn(worker.run());
        }
        self.alive.store(true, Ordering::SeqCst);
        while let Some(result) = loops.join_next().await {
            if let Err(e) = result {
                // A loop itself never panics on job errors; this is a bug, so say so loudly.
                tracing::error!(error = %e, "a worker loop ended abnormally");
            }
        }
        self.alive.store(false, Ordering::SeqCst);
    }
}

struct Loop<H> {
    store: Store,
    handler: Arc<H>,
    name: String,
    lease: Duration,
    poll: Duration,
    wake: Arc<Notify>,
    phase: watch::Receiver<Phase>,
}

/// How one run of a job ended, as the loop saw it.
enum Ran {
    Finished(Result<(), JobError>),
    Panicked(String),
    /// Another worker holds the lease now; drop the result.
    LostLease,
    /// Aborted at shutdown.
    Aborted,
}

impl Ran {
    /// The `outcome` label of the job metrics.
    fn outcome(&self) -> &'static str {
        match self {
            Self::Finished(Ok(())) => "done",
            Self::Finished(Err(JobError::Retryable(_))) => "failed",
            Self::Finished(Err(JobError::Permanent(_))) => "failed_permanently",
            Self::Finished(Err(JobError::RateLimited(_))) => "rate_limited",
            Self::Panicked(_) => "panicked",
            Self::LostLease => "lost_lease",
            Self::Aborted => "aborted",
        }
    }
}

impl<H: JobHandler> Loop<H> {
    async fn run(mut self) {
        loop {
            // A dropped sender (`Err`) means nobody can stop us any more: stop now.
            if *self.phase.borrow() != Phase::Running || self.phase.has_changed().is_err() {
                return;
            }
            match self.store.claim(&self.name, self.lease, Timestamp::now()).await {
                Ok(Some(job)) => self.run_job(job).await,
                Ok(None) => self.idle().await,
                Err(e) => {
                    tracing::warn!(worker = %self.name, error = %e, "cannot claim jobs; retrying");
                    self.idle().await;
                }
            }
        }
    }

    /// Sleeps for the poll interval, or less when woken or told to stop.
    async fn idle(&mut self) {
        tokio::select! {
            () = tokio::time::sleep(self.poll) => {}
            () = self.wake.notified() => {}
            _ = self.phase.changed() => {}
        }
    }

    async fn run_job(&mut self, job: ClaimedJob) {
        let repository =
            match (job.payload.get("owner").and_then(|v| v.as_str()), job.payload.get("repo").and_then(|v| v.as_str()))
            {
                (Some(owner), Some(repo)) => format!("{owner}/{repo}"),
                _ => String::new(),
            };
        let span = tracing::info_span!("job", job.id = %job.id, job.kind = %job.kind, attempt = job.attempt,
            delivery = job.delivery_id.as_deref().unwrap_or(""), installation = job.installation_id.unwrap_or(0),
            repository = %repository);
        let id = job.id;
        let kind = job.kind.clone();
        let started = std::time::Instant::now();
        let handler = Arc::clone(&self.handler);
        let mut task = tokio::spawn(async move { handler.handle(job).await });
        let mut renew = tokio::time::interval(self.lease / 3);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        renew.tick().await;
        let ran = loop {
            tokio::select! {
                joined = &mut task => break match joined {
                    Ok(result) => Ran::Finished(result),
                    Err(e) if e.is_panic() => Ran::Panicked(panic_message(&*e.into_panic())),
                    Err(_) => Ran::Aborted,
                },
                _ = renew.tick() => {
                    match self.store.extend_lease(id, &self.name, self.lease, Timestamp::now()).await {
                        Ok(_) => {}
                        Err(StoreError::NotLeaseHolder { .. }) => {
                            task.abort();
                            break Ran::LostLease;
                        }
                        Err(e) => tracing::warn!(parent: &span, error = %e, "cannot extend the lease; will try again"),
                    }
                }
                changed = self.phase.changed() => {
                    if changed.is_err() || *self.phase.borrow() == Phase::Abort {
                        task.abort();
                        break Ran::Aborted;
                    }
                }
            }
        };
        let elapsed = started.elapsed();
        let elapsed_ms = elapsed.as_millis();
        metrics::histogram!("drydock_job_duration_seconds", "kind" => kind.clone(), "outcome" => ran.outcome())
            .record(elapsed.as_secs_f64());
        let now = Timestamp::now();
        let recorded = match ran {
            Ran::Finished(Ok(())) => {
                tracing::info!(parent: &span, elapsed_ms, "job done");
                self.store.complete(id, &self.name, now).await
            }
            Ran::Finished(Err(JobError::Permanent(error))) => {
                metrics::counter!("drydock_jobs_dead_total", "kind" => kind.clone()).increment(1);
                tracing::warn!(parent: &span, elapsed_ms, %error, "job failed for good");
                self.store.fail_permanently(id, &self.name, &error, now).await
            }
            Ran::Finished(Err(JobError::RateLimited(wait))) => {
                tracing::info!(parent: &span, wait_s = wait.as_secs(), "rate limited; job deferred");
                self.store.defer(id, &self.name, now + wait, now).await
            }
            Ran::Finished(Err(JobError::Retryable(error))) => self.fail(&span, &kind, id, &error, now).await,
            Ran::Panicked(message) => self.fail(&span, &kind, id, &format!("the job panicked: {message}"), now).await,
            Ran::LostLease => {
                tracing::warn!(parent: &span, "lost the job's lease to another worker; result dropped");
                Ok(())
            }
            Ran::Aborted => {
                tracing::info!(parent: &span, "aborted at shutdown; job handed back to the queue");
                self.store.defer(id, &self.name, now, now).await
            }
        };
        match recorded {
            Ok(()) => {}
            Err(e @ StoreError::NotLeaseHolder { .. }) => {
                tracing::warn!(parent: &span, error = %e, "job finished after its lease moved on");
            }
            Err(e) => {
                tracing::error!(parent: &span, error = %e, "cannot record the job's result; its lease will expire");
            }
        }
    }

    async fn fail(
        &self,
        span: &tracing::Span,
        kind: &str,
        id: crate::store::JobId,
        error: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let state = self.store.fail(id, &self.name, error, now).await?;
        if state == JobState::Dead {
            metrics::counter!("drydock_jobs_dead_total", "kind" => kind.to_owned()).increment(1);
            tracing::warn!(parent: span, %error, "job failed on its last attempt; dead");
        } else {
            metrics::counter!("drydock_job_retries_total", "kind" => kind.to_owned()).increment(1);
            tracing::info!(parent: span, %error, "job failed; will retry");
        }
        Ok(())
    }
}

/// The message of a panic payload (`&str` or `String`), else a placeholder.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}
