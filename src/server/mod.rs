//! The HTTP side of `drydock serve` (axum): `POST /webhook`, `GET /healthz`, `GET /readyz`,
//! `GET /metrics` (Prometheus, see [`metrics`]), and
//! [`run`], which wires the server, the worker pool and the reconciler together and shuts them down
//! in order.
//!
//! Shutdown on SIGTERM or SIGINT: the listener stops accepting and in-flight requests finish (axum's
//! graceful shutdown); workers stop claiming at once; running jobs get `shutdown_grace` to finish, after
//! which they are aborted and handed back to the queue; then the store closes. A job cut off by a
//! `kill -9` instead is claimed again when its lease expires.

pub mod config;
pub mod metrics;
pub mod webhook;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use secrecy::ExposeSecret as _;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::github::app::GithubApp;
use crate::github::webhook::{MAX_BODY_BYTES, WebhookSecrets};
use crate::jobs::reconcile::{self, ReconcileConfig};
use crate::jobs::worker::{Phase, WorkerConfig, WorkerPool};
use crate::jobs::{GithubJobs, StoreWriteGate};
use crate::store::Store;
pub use config::{AppCredentials, Config};

/// What the handlers share. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The store deliveries and jobs go to.
    pub store: Store,
    /// Secrets signatures are checked against.
    pub secrets: Arc<WebhookSecrets>,
    /// Wakes idle workers when a delivery enqueued jobs.
    pub wake: Arc<Notify>,
    /// Whether the worker pool is running (for `/readyz`).
    pub workers_alive: Arc<AtomicBool>,
    /// The Prometheus recorder `/metrics` renders; `None` when the process has another recorder.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// The routes. The webhook route reads at most [`MAX_BODY_BYTES`] (413 beyond).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/webhook", post(webhook::receive).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok\n"
}

/// The store answers and the workers run; 503 with the reason otherwise.
async fn readyz(State(app): State<AppState>) -> (StatusCode, String) {
    if let Err(e) = app.store.ping().await {
        tracing::warn!(error = %e, "readiness: store unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "store unreachable: check the database\n".to_owned());
    }
    if !app.workers_alive.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "workers not running\n".to_owned());
    }
    (StatusCode::OK, "ready\n".to_owned())
}

/// Binds `config.listen` and runs until SIGTERM or SIGINT.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.listen).await.with_context(|| {
        format!("cannot listen on {}: pick a free address with --listen (DRYDOCK_LISTEN)", config.listen)
    })?;
    run_until(config, listener, shutdown_signal()).await
}

/// Serves on `listener` until `shutdown` completes, then shuts down in order. Prints
/// `listening on http://ADDR` on stdout once ready, for scripts and tests.
pub async fn run_until(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let credentials = config
        .app
        .clone()
        .context("the github app credentials are not set: set DRYDOCK_APP_ID and DRYDOCK_PRIVATE_KEY_FILE")?;
    let secrets = config.webhook_secrets.clone().context("no webhook secret is set: set DRYDOCK_WEBHOOK_SECRET")?;
    let store = Store::connect(config.database_url.expose_secret()).await.context("cannot open the store")?;
    let github = GithubApp::new(credentials.app_id, credentials.private_key.clone(), &config.github_api_url)
        .context("cannot set up the github app client")?;
    let process = format!("drydock-{}-{:08x}", std::process::id(), rand::random::<u32>());
    // A write slot's hold expires with the job lease: a crashed process blocks its installations' writes
    // no longer than its jobs.
    let gate = Arc::new(StoreWriteGate::new(store.clone(), &process, config.job_lease, config.write_gap));
    let handler = GithubJobs::new(store.clone(), github.clone(), gate);
    let worker_config =
        WorkerConfig { concurrency: config.workers, lease: config.job_lease, name: process, ..WorkerConfig::default() };
    let pool = WorkerPool::new(store.clone(), handler, worker_config);
    let state = AppState {
        store: store.clone(),
        secrets: Arc::new(secrets),
        wake: pool.waker(),
        workers_alive: pool.alive(),
        metrics: metrics::handle(),
    };
    let (phase_tx, phase_rx) = watch::channel(Phase::Running);
    let phase_tx = Arc::new(phase_tx);
    let mut workers = tokio::spawn(pool.run(phase_rx.clone()));
    let reconciler = config.reconcile_interval.map(|interval| {
        let config = ReconcileConfig { interval, ..ReconcileConfig::default() };
        tokio::spawn(reconcile::run(github.clone(), store.clone(), config, phase_rx.clone()))
    });

    let addr = listener.local_addr().context("cannot read the bound address")?;
    tracing::info!(%addr, backend = %store.backend(), workers = config.workers, "drydock serve listening");
    println!("listening on http://{addr}");
    let draining = Arc::clone(&phase_tx);
    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down: no new requests or jobs");
        let _ = draining.send(Phase::Draining);
    };
    let served = axum::serve(listener, router(state)).with_graceful_shutdown(signal).await;
    let _ = phase_tx.send(Phase::Draining);
    if tokio::time::timeout(config.shutdown_grace, &mut workers).await.is_err() {
        tracing::warn!(
            grace_s = config.shutdown_grace.as_secs(),
            "jobs still running after the grace period; aborting them"
        );
        let _ = phase_tx.send(Phase::Abort);
        let _ = workers.await;
    }
    if let Some(reconciler) = reconciler {
        reconciler.abort();
        let _ = reconciler.await;
    }
    store.close().await;
    tracing::info!("drydock serve stopped");
    served.context("the http server failed")
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
