//! The validated configuration of `drydock serve`, built by the CLI from flags and environment.
//!
//! Secrets (the private key, webhook secrets and the database URL, which may carry a password) are
//! `secrecy` types, so `Debug` output and logs show them redacted. The App credentials and webhook
//! secrets are `Option`s: without them `drydock serve` loads what setup mode stored, or starts in setup
//! mode (`server::setup`) and walks the user through creating the App.

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;

use super::secret_key::SecretKey;
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
    /// The GitHub web host (`https://github.com`, or `https://HOST` on GHES): where setup mode sends the
    /// App manifest and links to the App's pages.
    pub github_url: String,
    /// The URL GitHub and browsers reach this server at (`https://drydock.example.com`); setup mode fills
    /// the manifest's URLs from it, or from the request's `Host` when `None`.
    pub public_url: Option<String>,
    /// The key that seals the App's secrets in the store (`DRYDOCK_SECRET_KEY`); needed by setup mode
    /// and to load stored credentials.
    pub secret_key: Option<SecretKey>,
    /// In setup mode, how often to look for credentials another process (sharing the database) stored.
    pub setup_poll_interval: Duration,
    /// The App's id and private key from flags or environment; `None`: use the stored ones, or set up.
    pub app: Option<AppCredentials>,
    /// Secrets webhook signatures may be made with (several while rotating).
    pub webhook_secrets: Option<WebhookSecrets>,
    /// Jobs run at once in this process.
    pub workers: usize,
    /// How long running jobs may take to finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Time between reconciler passes; `None` switches the reconciler off.
    pub reconcile_interval: Option<Duration>,
    /// Whether this process runs the digest-scan scheduler (every replica may: the store hands each
    /// due scan to one of them).
    pub digest_schedule: bool,
    /// Whether review comments on unpinned `FROM`s carry a suggestion with the resolved digest (which
    /// asks the image's registry while the pull request is linted).
    pub pin_suggestions: bool,
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
            github_url: "https://github.com".to_owned(),
            public_url: None,
            secret_key: None,
            setup_poll_interval: Duration::from_secs(10),
            app: None,
            webhook_secrets: None,
            workers: 4,
            shutdown_grace: Duration::from_secs(30),
            reconcile_interval: Some(Duration::from_mins(5)),
            digest_schedule: true,
            pin_suggestions: true,
            write_gap: Duration::from_secs(1),
            job_lease: Duration::from_mins(1),
        }
    }
}

/// The GitHub web host for an API base URL: `https://api.github.com` → `https://github.com`,
/// `https://HOST/api/v3` (GHES) → `https://HOST`; any other URL is taken to serve both (as the test fake
/// does) and returned without its trailing slash.
pub fn github_url_for_api(api_url: &str) -> String {
    let api = api_url.trim_end_matches('/');
    if let Some(host) = api.strip_suffix("/api/v3") {
        return host.to_owned();
    }
    for scheme in ["https://", "http://"] {
        if let Some(rest) = api.strip_prefix(scheme)
            && let Some(host) = rest.strip_prefix("api.")
            && !host.contains('/')
        {
            return format!("{scheme}{host}");
        }
    }
    api.to_owned()
}

#[cfg(test)]
mod tests {
    use super::github_url_for_api;

    #[test]
    fn the_web_host_follows_the_api_url() {
        assert_eq!(github_url_for_api("https://api.github.com"), "https://github.com");
        assert_eq!(github_url_for_api("https://api.github.com/"), "https://github.com");
        assert_eq!(github_url_for_api("https://ghe.example.com/api/v3/"), "https://ghe.example.com");
        assert_eq!(github_url_for_api("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
