//! `GET /metrics`: Prometheus text exposition.
//!
//! Every layer records through the `metrics` facade (a counter is one atomic add; without a recorder
//! it is a no-op, so the CLI and unit tests pay nothing). `drydock serve` installs one process-wide
//! Prometheus recorder; the queue gauges are read from the store at scrape time, so every replica
//! reports the shared queue, not its own view. The names:
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `drydock_webhook_deliveries_total` | `event`, `outcome` | deliveries by outcome: `accepted`, `duplicate`, `ignored`, `unauthorized`, `rejected`, `error` |
//! | `drydock_webhook_signature_failures_total` | | missing or wrong `X-Hub-Signature-256` |
//! | `drydock_queue_jobs` | `state` | jobs `queued` (due), `delayed`, `running`, `dead` |
//! | `drydock_queue_oldest_age_seconds` | | how long the oldest due job has waited |
//! | `drydock_job_duration_seconds` | `kind`, `outcome` | histogram of job run times |
//! | `drydock_job_retries_total`, `drydock_jobs_dead_total` | `kind` | retries scheduled; jobs given up |
//! | `drydock_github_requests_total` | `method`, `status` | GitHub API answers (`timeout`, `error` without one) |
//! | `drydock_github_rate_limit_remaining` | | the last `x-ratelimit-remaining` GitHub sent |
//! | `drydock_registry_requests_total` | `registry`, `kind`, `status` | registry answers |
//! | `drydock_registry_cache_total` | `result` | tag lookups answered from the shared cache (`hit`) or not |
//! | `drydock_findings_total` | `rule` | findings reported on pull requests |
//!
//! Labels never carry unverified input: a delivery that fails its signature is counted under
//! `event="unverified"`, so a forger cannot mint label values.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;
use crate::store::Timestamp;

/// Upper bounds of the duration histograms, in seconds.
const DURATION_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// The process's Prometheus recorder, installed on first use. `None` when another recorder was
/// installed first (an embedding program's): then `/metrics` says so instead of lying.
pub fn handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), DURATION_BUCKETS)
                .ok()?;
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            // Histograms keep raw samples until drained; drain them even when nobody scrapes.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let upkeep = handle.clone();
                runtime.spawn(async move {
                    let mut tick = tokio::time::interval(Duration::from_secs(10));
                    loop {
                        tick.tick().await;
                        upkeep.run_upkeep();
                    }
                });
            }
            Some(handle)
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!("drydock_webhook_deliveries_total", "Webhook deliveries by event and outcome.");
    describe_counter!("drydock_webhook_signature_failures_total", "Deliveries with a missing or wrong signature.");
    describe_gauge!("drydock_queue_jobs", "Jobs in the queue by state (read from the store at scrape time).");
    describe_gauge!("drydock_queue_oldest_age_seconds", Unit::Seconds, "Age of the oldest due job.");
    describe_histogram!("drydock_job_duration_seconds", Unit::Seconds, "Job run time by kind and outcome.");
    describe_counter!("drydock_job_retries_total", "Job attempts that failed and will be retried.");
    describe_counter!("drydock_jobs_dead_total", "Jobs given up after their last attempt or a permanent error.");
    describe_counter!("drydock_github_requests_total", "GitHub API answers by method and status.");
    describe_gauge!("drydock_github_rate_limit_remaining", "The last x-ratelimit-remaining GitHub sent.");
    describe_counter!("drydock_registry_requests_total", "Registry answers by registry, kind and status.");
    describe_counter!("drydock_registry_cache_total", "Tag lookups answered from the cache (hit) or not (miss).");
    describe_counter!("drydock_findings_total", "Findings reported on pull requests, by rule.");
}

/// The `GET /metrics` handler.
pub async fn render(State(app): State<AppState>) -> Response {
    let Some(handle) = &app.metrics else {
        return (StatusCode::NOT_FOUND, "metrics are not recorded by this process\n").into_response();
    };
    match app.store.queue_stats(Timestamp::now()).await {
        Ok(stats) => {
            for (state, n) in
                [("queued", stats.queued), ("delayed", stats.delayed), ("running", stats.running), ("dead", stats.dead)]
            {
                #[allow(clippy::cast_precision_loss)] // job counts are far below 2^52
                metrics::gauge!("drydock_queue_jobs", "state" => state).set(n as f64);
            }
            let age = stats.oldest_queued_age.unwrap_or_default();
            metrics::gauge!("drydock_queue_oldest_age_seconds").set(age.as_secs_f64());
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the queue; queue gauges are stale"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}
