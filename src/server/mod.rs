//! The HTTP side of `drydock serve` (axum): `POST /webhook`, `GET /healthz`, `GET /readyz`, the status
//! page `GET /`, `GET /metrics` (Prometheus, see [`metrics`]), and [`run`], which wires the server,
//! the worker pool and the reconciler together and shuts them down in order.
//!
//! Two modes share one listener. Without App credentials (none in flags, environment or the store) the
//! server starts in **setup mode** ([`setup`]): it serves the registration pages only. When setup
//! finishes, [`Runtime::start`] builds the GitHub client, starts the workers and the reconciler, and
//! swaps the router ([`RouterSwitch`]) to the normal one, all without a restart. The listener serves
//! whichever router is current, so no request sees a half-configured server: the normal router (and
//! with it the webhook secret) is installed only once everything behind it runs.
//!
//! Shutdown on SIGTERM or SIGINT: the listener stops accepting and in-flight requests finish (axum's
//! graceful shutdown); workers stop claiming at once; running jobs get `shutdown_grace` to finish, after
//! which they are aborted and handed back to the queue; then the store closes. A job cut off by a
//! `kill -9` instead is claimed again when its lease expires.

pub mod config;
pub mod html;
pub mod metrics;
pub mod secret_key;
pub mod setup;
pub mod status;
pub mod webhook;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use secrecy::ExposeSecret as _;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Notify, watch};
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

use crate::github::app::GithubApp;
use crate::github::webhook::{MAX_BODY_BYTES, WebhookSecrets};
use crate::jobs::reconcile::{self, ReconcileConfig};
use crate::jobs::worker::{Phase, WorkerConfig, WorkerPool};
use crate::jobs::{GithubJobs, StoreWriteGate};
use crate::store::Store;
pub use config::{AppCredentials, Config};
pub use secret_key::SecretKey;

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
        .route("/", get(status::page))
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

/// The router the listener currently serves; setup mode swaps it for the normal one.
#[derive(Clone, Default)]
pub struct RouterSwitch(Arc<RwLock<Router>>);

impl RouterSwitch {
    /// Serves `router` from the next request on.
    pub fn set(&self, router: Router) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = router;
    }

    fn current(&self) -> Router {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A router that hands every request to the current one.
    pub fn router(&self) -> Router {
        Router::new().fallback(dispatch).with_state(self.clone())
    }
}

async fn dispatch(State(switch): State<RouterSwitch>, request: Request) -> Response {
    match switch.current().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The background tasks of normal mode.
struct Running {
    workers: JoinHandle<()>,
    reconciler: Option<JoinHandle<()>>,
    scheduler: Option<JoinHandle<()>>,
}

/// What it takes to start normal mode, now or when setup finishes.
pub struct Runtime {
    config: Config,
    store: Store,
    switch: RouterSwitch,
    phase: watch::Receiver<Phase>,
    running: Mutex<Option<Running>>,
}

impl Runtime {
    /// Starts normal mode with these credentials: the GitHub client, the worker pool, the reconciler and
    /// the digest-scan scheduler, then serves the normal router. `Ok(false)` when normal mode already runs (nothing changes); an
    /// error when the key does not parse.
    pub async fn start(&self, credentials: AppCredentials, secrets: WebhookSecrets) -> anyhow::Result<bool> {
        let mut running = self.running.lock().await;
        if running.is_some() {
            return Ok(false);
        }
        let config = &self.config;
        let store = &self.store;
        let github = GithubApp::new(credentials.app_id, credentials.private_key.clone(), &config.github_api_url)
            .context("cannot set up the github app client")?;
        let process = format!("drydock-{}-{:08x}", std::process::id(), rand::random::<u32>());
        // A write slot's hold expires with the job lease: a crashed process blocks its installations' writes
        // no longer than its jobs.
        let gate = Arc::new(StoreWriteGate::new(store.clone(), &process, config.job_lease, config.write_gap));
        let handler = GithubJobs::new(store.clone(), github.clone(), gate);
        let handler = if config.pin_suggestions { handler } else { handler.without_pin_suggestions() };
        let worker_config = WorkerConfig {
            concurrency: config.workers,
            lease: config.job_lease,
            name: process,
            ..WorkerConfig::default()
        };
        let pool = WorkerPool::new(store.clone(), handler, worker_config);
        let state = AppState {
            store: store.clone(),
            secrets: Arc::new(secrets),
            wake: pool.waker(),
            workers_alive: pool.alive(),
            metrics: metrics::handle(),
        };
        let workers = tokio::spawn(pool.run(self.phase.clone()));
        let reconciler = config.reconcile_interval.map(|interval| {
            let config = ReconcileConfig { interval, ..ReconcileConfig::default() };
            tokio::spawn(reconcile::run(github.clone(), store.clone(), config, self.phase.clone()))
        });
        let scheduler = config.digest_schedule.then(|| {
            let mut phase = self.phase.clone();
            let stop = async move {
                let _ = phase.wait_for(|p| *p != Phase::Running).await;
            };
            tokio::spawn(crate::jobs::digest::schedule::run(store.clone(), stop))
        });
        *running = Some(Running { workers, reconciler, scheduler });
        self.switch.set(router(state));
        tracing::info!(app_id = credentials.app_id, workers = config.workers, "github app configured; workers started");
        Ok(true)
    }

    /// Whether normal mode runs.
    pub async fn is_running(&self) -> bool {
        self.running.lock().await.is_some()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// The credentials to start with: flags and environment first, then the store; `None`: setup mode.
async fn credentials(config: &Config, store: &Store) -> anyhow::Result<Option<(AppCredentials, WebhookSecrets)>> {
    match (&config.app, &config.webhook_secrets) {
        (Some(app), Some(secrets)) => return Ok(Some((app.clone(), secrets.clone()))),
        (Some(_), None) => anyhow::bail!("no webhook secret is set: set DRYDOCK_WEBHOOK_SECRET"),
        (None, Some(_)) => {
            anyhow::bail!("the github app credentials are not set: set DRYDOCK_APP_ID and DRYDOCK_PRIVATE_KEY_FILE")
        }
        (None, None) => {}
    }
    let Some(stored) = store.app_credentials().await.context("cannot read the stored github app credentials")? else {
        return Ok(None);
    };
    let key = config.secret_key.as_ref().context(
        "github app credentials from setup are stored in the database, encrypted: set DRYDOCK_SECRET_KEY \
         (or DRYDOCK_SECRET_KEY_FILE) to the key drydock was set up with",
    )?;
    let opened = setup::open_stored(key, &stored)?;
    tracing::info!(app_id = stored.app_id, slug = %stored.slug, "using the github app credentials stored by setup");
    Ok(Some(opened))
}

/// Serves on `listener` until `shutdown` completes, then shuts down in order. Prints
/// `listening on http://ADDR` on stdout once ready, for scripts and tests.
pub async fn run_until(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = Store::connect(config.database_url.expose_secret()).await.context("cannot open the store")?;
    let initial = match credentials(&config, &store).await {
        Ok(c) => c,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    let (phase_tx, phase_rx) = watch::channel(Phase::Running);
    let phase_tx = Arc::new(phase_tx);
    let switch = RouterSwitch::default();
    let runtime = Arc::new(Runtime {
        config,
        store: store.clone(),
        switch: switch.clone(),
        phase: phase_rx,
        running: Mutex::new(None),
    });
    let setup_watch = if let Some((app, secrets)) = initial {
        if let Err(e) = runtime.start(app, secrets).await {
            store.close().await;
            return Err(e);
        }
        None
    } else {
        tracing::warn!("no github app credentials: starting in setup mode; open / in a browser to register the app");
        switch.set(setup::router(Arc::clone(&runtime)));
        Some(tokio::spawn(setup::watch_store(Arc::clone(&runtime))))
    };
    let config = runtime.config();

    let addr = listener.local_addr().context("cannot read the bound address")?;
    tracing::info!(%addr, backend = %store.backend(), workers = config.workers, "drydock serve listening");
    println!("listening on http://{addr}");
    let draining = Arc::clone(&phase_tx);
    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down: no new requests or jobs");
        let _ = draining.send(Phase::Draining);
    };
    let served = axum::serve(listener, switch.router()).with_graceful_shutdown(signal).await;
    let _ = phase_tx.send(Phase::Draining);
    if let Some(watch) = setup_watch {
        watch.abort();
        let _ = watch.await;
    }
    if let Some(Running { mut workers, reconciler, scheduler }) = runtime.running.lock().await.take() {
        if let Some(scheduler) = scheduler {
            let _ = scheduler.await; // it stops as soon as the phase leaves `Running`
        }
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
