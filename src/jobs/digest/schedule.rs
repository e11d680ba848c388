//! The digest scheduler: a periodic task in the worker process that enqueues the scans that are due.
//!
//! Each repository's period comes from its cached config (`digest.schedule`, default daily); within the
//! period, an installation's repositories are due at a fixed offset ([`super::jitter`] of the installation
//! id), so installations spread over the day and every replica computes the same slots. A scan is due when
//! the repository was not scanned since the start of its current slot; the store's
//! [`Store::claim_digest_scan`] records the claim atomically, so N replicas enqueue it once, and the job's
//! coalesce key (`digest:owner/repo`) folds it into a scan already queued by a push.

use std::time::Duration;

use crate::github::events::JobSpec;
use crate::store::{Store, StoreError, Timestamp};

use super::{DigestConfig, digest_config, jitter};

/// How often the scheduler looks for due scans.
pub const TICK: Duration = Duration::from_mins(5);

/// The start of the slot `now` falls in, for a period `interval` offset by `offset`.
pub fn slot_start(now: Timestamp, interval: Duration, offset: Duration) -> Timestamp {
    let period = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX).max(1);
    let off = i64::try_from(offset.as_millis()).unwrap_or(0) % period;
    let since = now.unix_millis() - off;
    Timestamp::from_unix_millis(since.div_euclid(period) * period + off)
}

/// Enqueues the digest scans due at `now`; returns how many it enqueued.
pub async fn enqueue_due(store: &Store, now: Timestamp) -> Result<usize, StoreError> {
    let mut enqueued = 0;
    for installation in store.installations().await? {
        if installation.suspended_at.is_some() {
            continue;
        }
        let Ok(installation_id) = u64::try_from(installation.id) else { continue };
        for repo in store.repositories(installation.id).await? {
            let Some((owner, name)) = repo.full_name.split_once('/') else { continue };
            let cfg = match store.cached_config(&repo.full_name).await? {
                Some(cached) => digest_config(&cached).unwrap_or_default(),
                None => DigestConfig::default(),
            };
            if !cfg.enabled {
                continue;
            }
            let start = slot_start(now, cfg.interval, jitter(installation_id, cfg.interval));
            // The first slot of a repository never scanned is now; later ones at the slot starts.
            if !store.claim_digest_scan(&repo.full_name, installation.id, start, now).await? {
                continue;
            }
            let spec = JobSpec::DigestScan { installation_id, owner: owner.to_owned(), repo: name.to_owned() };
            let Ok(job) = crate::jobs::new_job(&spec) else { continue };
            store.enqueue(&job, now).await?;
            enqueued += 1;
        }
    }
    Ok(enqueued)
}

/// Runs [`enqueue_due`] every [`TICK`] until `stop` resolves. Errors are logged and the next tick retries.
pub async fn run(store: Store, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = ticker.tick() => {
                match enqueue_due(&store, Timestamp::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(scans = n, "digest scans enqueued"),
                    Err(e) => tracing::warn!(error = %e, "digest scheduler: the store failed; retrying next tick"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots() {
        let day = Duration::from_hours(24);
        let t = |ms: i64| Timestamp::from_unix_millis(ms);
        let h = 3_600_000;
        assert_eq!(slot_start(t(10 * h), day, Duration::from_hours(4)), t(4 * h));
        assert_eq!(slot_start(t(3 * h), day, Duration::from_hours(4)), t(4 * h - 24 * h));
        assert_eq!(slot_start(t(30 * h), day, Duration::ZERO), t(24 * h));
    }
}
