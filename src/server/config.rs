//! The validated configuration of `drydock serve`, built by the CLI from flags and environment.
//!
//! Secrets (the private key, webhook secrets and the database URL, which may carry a password) are
//! `secrecy` types, so `Debug` output and logs show them redacted. The App credentials and webhook
//! secrets are `Option`s: today `drydock serve` refuses to start without them, and a later setup mode
//! will start without them and walk the user through creating the App.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;

use crate::github::webhook::WebhookSecrets;

/// Everything `drydock serve` needs, checked once at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`; secret because it may hold a password.
    pub database_url: SecretString,
    /// The GitHub API base (`https://api.github.com`, or `https://HOST/api/v3` on GHES).
    pub github_api_url: String,
    /// The App's id and private key; `None` only in a future setup mode.
    pub app: Option<AppCredentials>,
    /// Secrets webhook signatures may be made with (several while rotating).
    pub webhook_secrets: Option<WebhookSecrets>,
    /// Jobs run at once in this process.
    pub workers: usize,
    /// How long running jobs may take to finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Time between reconciler passes; `None` switches the reconciler off.
    pub reconcile_interval: Option<Duration>,
    /// Least time between two mutating GitHub requests of one installation (GitHub asks for 1 s).
    pub write_gap: Duration,
    /// A claimed job's lease, and the longest hold of an installation's write slot: a crashed process's
    /// jobs run again, and its installations' writes resume, at most this long after it died. Longer
    /// than one GitHub request takes (30 s timeout).
    pub job_lease: Duration,
}

/// The GitHub App's identity.
#[derive(Debug, Clone)]
pub struct AppCredentials {
    /// The App id (a number, from the App's settings page).
    pub app_id: u64,
    /// The App's RSA private key, PEM.
    pub private_key: SecretString,
}

impl Config {
    /// The defaults of every setting that has one, with no credentials.
    pub fn defaults(database_url: &str) -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 3000)),
            database_url: SecretString::from(database_url),
            github_api_url: "https://api.github.com".to_owned(),
            app: None,
            webhook_secrets: None,
            workers: 4,
            shutdown_grace: Duration::from_secs(30),
            reconcile_interval: Some(Duration::from_mins(5)),
            write_gap: Duration::from_secs(1),
            job_lease: Duration::from_mins(1),
        }
    }
}
