//! The reconciler: GitHub never redelivers a failed webhook delivery on its own, so deliveries that
//! arrived while drydock was down, or that we answered with an error, would be lost.
//!
//! Periodically (and once at start) [`reconcile_once`] lists the App's recent deliveries with the App
//! JWT (`GET /app/hook/deliveries`), groups the attempts by GUID (a redelivery keeps the GUID), and for
//! each GUID that no attempt delivered successfully and that the store has not recorded, asks GitHub to
//! deliver it again (`POST /app/hook/deliveries/{id}/attempts`), at most `max_redeliveries` per pass.
//! The redelivery arrives as an ordinary signed webhook, so nothing is trusted that was not signed.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::watch;

use crate::github::app::GithubApp;
use crate::github::client::GithubError;
use crate::store::{Store, StoreError};

use super::worker::Phase;

/// How the reconciler works.
#[derive(Clone, Debug)]
pub struct ReconcileConfig {
    /// Time between passes.
    pub interval: Duration,
    /// Most recent deliveries read per pass.
    pub lookback: usize,
    /// Most redeliveries asked for per pass.
    pub max_redeliveries: usize,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        Self { interval: Duration::from_mins(5), lookback: 1_000, max_redeliveries: 50 }
    }
}

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Deliveries (attempts) listed.
    pub listed: usize,
    /// GUIDs that never succeeded and that the store does not have.
    pub missed: usize,
    /// Redeliveries asked for (and accepted by GitHub).
    pub redelivered: usize,
}

/// Why a pass failed.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// Listing the deliveries failed.
    #[error("cannot list the app's webhook deliveries: {0}")]
    Github(#[from] GithubError),
    /// The store could not be asked.
    #[error("cannot look up deliveries in the store: {0}")]
    Store(#[from] StoreError),
}

/// One pass: redeliver the recent failed deliveries the store does not know.
pub async fn reconcile_once(
    app: &GithubApp,
    store: &Store,
    config: &ReconcileConfig,
) -> Result<Report, ReconcileError> {
    let deliveries = app.list_hook_deliveries(config.lookback).await?;
    // Newest first: the first failed attempt seen for a GUID is its latest one.
    let mut order: Vec<String> = Vec::new();
    let mut by_guid: HashMap<String, (bool, Option<u64>)> = HashMap::new();
    for d in &deliveries {
        let entry = by_guid.entry(d.guid.clone()).or_insert_with(|| {
            order.push(d.guid.clone());
            (false, None)
        });
        if d.succeeded() {
            entry.0 = true;
        } else if entry.1.is_none() {
            entry.1 = Some(d.id);
        }
    }
    let failed: Vec<String> = order.into_iter().filter(|g| by_guid.get(g).is_some_and(|(ok, _)| !ok)).collect();
    let known = store.known_deliveries(&failed).await?;
    let missed: Vec<u64> =
        failed.iter().filter(|g| !known.contains(g)).filter_map(|g| by_guid.get(g).and_then(|(_, id)| *id)).collect();
    let mut report = Report { listed: deliveries.len(), missed: missed.len(), redelivered: 0 };
    for id in missed.into_iter().take(config.max_redeliveries) {
        match app.redeliver(id).await {
            Ok(()) => report.redelivered += 1,
            Err(e) => tracing::warn!(delivery = id, error = %e, "cannot ask github to redeliver"),
        }
    }
    Ok(report)
}

/// Runs a pass at once and then every `config.interval` until `phase` leaves [`Phase::Running`].
pub async fn run(app: GithubApp, store: Store, config: ReconcileConfig, mut phase: watch::Receiver<Phase>) {
    loop {
        match reconcile_once(&app, &store, &config).await {
            Ok(report) if report.missed > 0 => tracing::info!(?report, "asked github to redeliver missed deliveries"),
            Ok(report) => tracing::debug!(?report, "no missed deliveries"),
            Err(e) => tracing::warn!(error = %e, "reconciling webhook deliveries failed; will try again"),
        }
        tokio::select! {
            () = tokio::time::sleep(config.interval) => {}
            changed = phase.changed() => {
                if changed.is_err() || *phase.borrow() != Phase::Running {
                    return;
                }
            }
        }
    }
}
