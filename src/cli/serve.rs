//! `drydock serve`: flags (each with an environment twin), their validation into one
//! [`server::Config`], logging, and the runtime.
//!
//! Validation collects every problem and refuses to start with one message that says what to set.
//! Secrets are read into `secrecy` types at once and never printed: the flags' `Debug` is redacted and
//! `--help` hides the environment's values.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use secrecy::{ExposeSecret as _, SecretString};

use crate::github::webhook::WebhookSecrets;
use crate::server::config::github_url_for_api;
use crate::server::{self, AppCredentials, Config, SecretKey};

/// The environment variable holding the App's private key itself (PEM).
pub const PRIVATE_KEY_ENV: &str = "DRYDOCK_PRIVATE_KEY";

#[allow(clippy::unnecessary_wraps)] // clap's value_parser wants a Result
fn secret(s: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(s))
}

/// A duration: `30` (seconds), `30s`, `500ms`, `5m` or `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{s}` is not a duration; write e.g. 30s, 500ms or 5m"))?;
    match unit.trim() {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(n.saturating_mul(3600))),
        other => Err(format!("unknown duration unit `{other}`; use ms, s, m or h")),
    }
}

/// How logs are written (to stderr).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `drydock serve`: run the GitHub App.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DRYDOCK_LISTEN", default_value = "0.0.0.0:3000")]
    pub listen: SocketAddr,
    /// Database: `sqlite://PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://drydock.db", hide_env_values = true, value_parser = secret)]
    pub database_url: SecretString,
    /// File holding the database URL (when it carries a password); wins over `DATABASE_URL`.
    #[arg(long, env = "DATABASE_URL_FILE")]
    pub database_url_file: Option<PathBuf>,
    /// The GitHub App's id (its settings page shows it).
    #[arg(long, env = "DRYDOCK_APP_ID")]
    pub app_id: Option<String>,
    /// File holding the App's private key (PEM). Or put the PEM itself in `DRYDOCK_PRIVATE_KEY`.
    #[arg(long, env = "DRYDOCK_PRIVATE_KEY_FILE")]
    pub private_key_file: Option<PathBuf>,
    /// The App's webhook secret; several comma-separated secrets allow rotation.
    #[arg(long, env = "DRYDOCK_WEBHOOK_SECRET", hide_env_values = true, value_parser = secret)]
    pub webhook_secret: Option<SecretString>,
    /// File holding the webhook secret(s), comma-separated.
    #[arg(long, env = "DRYDOCK_WEBHOOK_SECRET_FILE", conflicts_with = "webhook_secret")]
    pub webhook_secret_file: Option<PathBuf>,
    /// GitHub API base URL; on GitHub Enterprise Server `https://HOST/api/v3`.
    #[arg(long, env = "DRYDOCK_GITHUB_API_URL", default_value = "https://api.github.com")]
    pub github_api_url: String,
    /// GitHub web URL, where setup registers the App [default: from the API URL: `https://github.com`,
    /// or `https://HOST` on GHES].
    #[arg(long, env = "DRYDOCK_GITHUB_URL")]
    pub github_url: Option<String>,
    /// The URL GitHub and browsers reach this server at; setup puts it in the App's manifest
    /// [default: from the request's Host].
    #[arg(long, env = "DRYDOCK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Key sealing the App's secrets in the database (32 bytes, base64 or hex: `openssl rand -base64 32`);
    /// needed by setup mode and to load what it stored.
    #[arg(long, env = "DRYDOCK_SECRET_KEY", hide_env_values = true, value_parser = secret)]
    pub secret_key: Option<SecretString>,
    /// File holding the secret key.
    #[arg(long, env = "DRYDOCK_SECRET_KEY_FILE", conflicts_with = "secret_key")]
    pub secret_key_file: Option<PathBuf>,
    /// Jobs run at once in this process.
    #[arg(long, env = "DRYDOCK_WORKERS", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: u16,
    /// On SIGTERM/SIGINT, how long running jobs may take to finish (e.g. 30s).
    #[arg(long, env = "DRYDOCK_SHUTDOWN_GRACE", default_value = "30s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
    /// Log format on stderr (filter with `RUST_LOG`).
    #[arg(long, env = "DRYDOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Time between passes of the missed-delivery reconciler; 0 switches it off.
    #[arg(long, env = "DRYDOCK_RECONCILE_INTERVAL", default_value = "5m", value_parser = parse_duration, hide = true)]
    pub reconcile_interval: Duration,
    /// Suggest digest pins in review comments, resolving unpinned `FROM`s at their registries while a
    /// pull request is linted (`false` for air-gapped installations).
    #[arg(long, env = "DRYDOCK_PIN_SUGGESTIONS", default_value_t = true, action = clap::ArgAction::Set)]
    pub pin_suggestions: bool,
    /// Run the scheduler that enqueues each repository's digest scan (`digest.schedule` in its config).
    #[arg(long, env = "DRYDOCK_DIGEST_SCHEDULE", default_value_t = true, action = clap::ArgAction::Set, hide = true)]
    pub digest_schedule: bool,
    /// Least time between two mutating GitHub requests of one installation (GitHub asks for 1s).
    #[arg(long, env = "DRYDOCK_WRITE_GAP", default_value = "1s", value_parser = parse_duration, hide = true)]
    pub write_gap: Duration,
    /// Lease of a claimed job: a crashed process's jobs run again this long after it died.
    #[arg(long, env = "DRYDOCK_JOB_LEASE", default_value = "60s", value_parser = parse_duration, hide = true)]
    pub job_lease: Duration,
}

/// Checks the flags and environment and builds the server's configuration; the error lists every
/// problem and what to set.
pub fn validate(args: &ServeArgs) -> anyhow::Result<Config> {
    validate_with(args, std::env::var(PRIVATE_KEY_ENV).ok().filter(|v| !v.trim().is_empty()).map(SecretString::from))
}

/// [`validate`] with the `DRYDOCK_PRIVATE_KEY` value given (for tests).
pub fn validate_with(args: &ServeArgs, private_key_env: Option<SecretString>) -> anyhow::Result<Config> {
    let mut problems: Vec<String> = Vec::new();
    // No App setting at all: use the credentials setup mode stored, or start setup mode. Some but not
    // all of them is a mistake, reported below.
    let no_app_settings = args.app_id.as_deref().is_none_or(|s| s.trim().is_empty())
        && args.private_key_file.is_none()
        && private_key_env.is_none()
        && args.webhook_secret.is_none()
        && args.webhook_secret_file.is_none();
    let secret_key = match (&args.secret_key, &args.secret_key_file) {
        (Some(text), _) => Some(text.expose_secret().to_owned()),
        (None, Some(path)) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) => {
                problems.push(format!("cannot read the secret key file {}: {e}", path.display()));
                None
            }
        },
        (None, None) => None,
    }
    .and_then(|text| match SecretKey::parse(&text) {
        Ok(key) => Some(key),
        Err(e) => {
            problems.push(format!("DRYDOCK_SECRET_KEY: {e}"));
            None
        }
    });
    let mut github_url = args
        .github_url
        .as_deref()
        .map_or_else(|| github_url_for_api(&args.github_api_url), |u| u.trim_end_matches('/').to_owned());
    if !(github_url.starts_with("https://") || github_url.starts_with("http://")) {
        problems.push(format!(
            "the GitHub URL `{github_url}` is not an http(s) URL; use https://github.com or https://HOST"
        ));
        github_url.clear();
    }
    let public_url = args.public_url.as_deref().map(|u| u.trim_end_matches('/').to_owned());
    if let Some(u) = &public_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        problems.push(format!("the public URL `{u}` is not an http(s) URL; use e.g. https://drydock.example.com"));
    }
    if no_app_settings {
        return finish(args, problems, None, None, github_url, public_url, secret_key);
    }
    let app_id = match args.app_id.as_deref().map(str::trim) {
        None | Some("") => {
            problems.push("set the GitHub App's id with --app-id or DRYDOCK_APP_ID".to_owned());
            None
        }
        Some(s) => match s.parse::<u64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                problems.push(format!("the App id `{s}` is not a number; copy it from the App's settings page"));
                None
            }
        },
    };
    let private_key = match (&args.private_key_file, private_key_env) {
        (Some(path), _) => match std::fs::read_to_string(path) {
            Ok(pem) if pem.contains("PRIVATE KEY") => Some(SecretString::from(pem)),
            Ok(_) => {
                problems.push(format!(
                    "{} holds no PEM private key; download the key from the App's settings page",
                    path.display()
                ));
                None
            }
            Err(e) => {
                problems.push(format!("cannot read the private key file {}: {e}", path.display()));
                None
            }
        },
        (None, Some(pem)) if pem.expose_secret().contains("PRIVATE KEY") => Some(pem),
        (None, Some(_)) => {
            problems.push(format!("{PRIVATE_KEY_ENV} holds no PEM private key; put the .pem file's contents in it"));
            None
        }
        (None, None) => {
            problems.push(format!(
                "set the App's private key with --private-key-file or DRYDOCK_PRIVATE_KEY_FILE (a .pem file), \
                 or {PRIVATE_KEY_ENV} (the PEM itself)"
            ));
            None
        }
    };
    let secrets_text = match (&args.webhook_secret, &args.webhook_secret_file) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(path)) => match read_secret_file(path) {
            Ok(text) => Some(text),
            Err(e) => {
                problems.push(format!("cannot read the webhook secret file {}: {e}", path.display()));
                None
            }
        },
        (None, None) => {
            problems.push(
                "set the webhook secret with --webhook-secret or DRYDOCK_WEBHOOK_SECRET, or a file with \
                 --webhook-secret-file or DRYDOCK_WEBHOOK_SECRET_FILE"
                    .to_owned(),
            );
            None
        }
    };
    let webhook_secrets = secrets_text.and_then(|text| match WebhookSecrets::parse(text.expose_secret()) {
        Ok(secrets) => Some(secrets),
        Err(e) => {
            problems.push(e.to_string());
            None
        }
    });
    let (Some(app_id), Some(private_key)) = (app_id, private_key) else {
        let problems =
            if problems.is_empty() { vec!["the GitHub App credentials are incomplete".to_owned()] } else { problems };
        return finish(args, problems, None, None, github_url, public_url, secret_key);
    };
    finish(
        args,
        problems,
        Some(AppCredentials { app_id, private_key }),
        webhook_secrets,
        github_url,
        public_url,
        secret_key,
    )
}

/// The checks every mode shares, and the [`Config`].
fn finish(
    args: &ServeArgs,
    mut problems: Vec<String>,
    app: Option<AppCredentials>,
    webhook_secrets: Option<WebhookSecrets>,
    github_url: String,
    public_url: Option<String>,
    secret_key: Option<SecretKey>,
) -> anyhow::Result<Config> {
    let database_url = match &args.database_url_file {
        Some(path) => read_secret_file(path).unwrap_or_else(|e| {
            problems.push(format!(
                "cannot read the database URL file {} (--database-url-file or DATABASE_URL_FILE): {e}",
                path.display()
            ));
            args.database_url.clone()
        }),
        None => args.database_url.clone(),
    };
    let url = database_url.expose_secret();
    if !["sqlite:", "postgres://", "postgresql://"].iter().any(|p| url.starts_with(p)) {
        problems.push(
            "the database URL must start with sqlite:// or postgres:// (--database-url or DATABASE_URL)".to_owned(),
        );
    }
    let api = args.github_api_url.trim_end_matches('/');
    if !(api.starts_with("https://") || api.starts_with("http://")) {
        problems.push(format!(
            "the GitHub API URL `{api}` is not an http(s) URL; use https://api.github.com or https://HOST/api/v3"
        ));
    }
    if !problems.is_empty() {
        anyhow::bail!("drydock serve cannot start:\n  - {}", problems.join("\n  - "));
    }
    let mut config = Config::defaults(url);
    config.listen = args.listen;
    api.clone_into(&mut config.github_api_url);
    config.github_url = github_url;
    config.public_url = public_url;
    config.secret_key = secret_key;
    config.app = app;
    config.webhook_secrets = webhook_secrets;
    config.workers = usize::from(args.workers);
    config.shutdown_grace = args.shutdown_grace;
    config.reconcile_interval = Some(args.reconcile_interval).filter(|d| !d.is_zero());
    config.digest_schedule = args.digest_schedule;
    config.pin_suggestions = args.pin_suggestions;
    config.write_gap = args.write_gap;
    config.job_lease = args.job_lease.max(Duration::from_millis(300));
    Ok(config)
}

/// A secret kept in a file (a Docker or Kubernetes secret): its text without the trailing newline.
pub(crate) fn read_secret_file(path: &std::path::Path) -> std::io::Result<SecretString> {
    let text = std::fs::read_to_string(path)?;
    Ok(SecretString::from(text.trim_end_matches(['\n', '\r']).to_owned()))
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,octocrab=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Runs `drydock serve`; returns the exit code.
pub fn run(args: &ServeArgs) -> anyhow::Result<u8> {
    let config = validate(args)?;
    init_logging(args.log_format);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(server::run(config))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> ServeArgs {
        use clap::Parser as _;
        let cli = crate::cli::args::Cli::try_parse_from([&["drydock", "serve"], args].concat()).unwrap();
        match cli.command {
            crate::cli::args::Command::Serve(args) => *args,
            _ => unreachable!("serve parses as serve"),
        }
    }

    const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nhunter2-key\n-----END RSA PRIVATE KEY-----\n";

    #[test]
    fn secrets_never_show_in_debug_output() {
        let args = parse(&[
            "--app-id",
            "7",
            "--webhook-secret",
            "hunter2-a,hunter2-b",
            "--database-url",
            "postgres://u:hunter2-pw@db/x",
        ]);
        let config = validate_with(&args, Some(SecretString::from(PEM))).unwrap();
        for shown in [format!("{args:?}"), format!("{config:?}")] {
            assert!(!shown.contains("hunter2"), "a secret leaked: {shown}");
        }
        assert_eq!(config.app.as_ref().map(|a| a.app_id), Some(7));
        assert_eq!(config.webhook_secrets.as_ref().map(WebhookSecrets::len), Some(2), "comma-separated: rotation");
        assert_eq!(config.database_url.expose_secret(), "postgres://u:hunter2-pw@db/x");
    }

    #[test]
    fn defaults_follow_the_issue() {
        let config =
            validate_with(&parse(&["--app-id", "7", "--webhook-secret", "s"]), Some(SecretString::from(PEM))).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:3000");
        assert_eq!(config.database_url.expose_secret(), "sqlite://drydock.db");
        assert_eq!(config.github_api_url, "https://api.github.com");
        assert_eq!((config.workers, config.shutdown_grace), (4, Duration::from_secs(30)));
        assert_eq!(config.write_gap, Duration::from_secs(1));
        assert_eq!(config.reconcile_interval, Some(Duration::from_mins(5)));
        let off = validate_with(
            &parse(&[
                "--app-id",
                "7",
                "--webhook-secret",
                "s",
                "--reconcile-interval",
                "0",
                "--github-api-url",
                "https://ghe.example.com/api/v3/",
            ]),
            Some(SecretString::from(PEM)),
        )
        .unwrap();
        assert_eq!(off.reconcile_interval, None);
        assert_eq!(off.github_api_url, "https://ghe.example.com/api/v3");
    }

    #[test]
    fn missing_settings_are_listed_in_one_message() {
        let err = validate_with(&parse(&["--app-id", "7"]), None).unwrap_err().to_string();
        assert_eq!(err.matches("\n  - ").count(), 2, "{err}");
        assert!(err.starts_with("drydock serve cannot start:"), "{err}");
        let err = validate_with(&parse(&["--webhook-secret", "s"]), None).unwrap_err().to_string();
        assert_eq!(err.matches("\n  - ").count(), 2, "{err}");
    }

    #[test]
    fn no_app_settings_at_all_means_setup_mode_or_stored_credentials() {
        let config = validate_with(&parse(&[]), None).unwrap();
        assert!(config.app.is_none() && config.webhook_secrets.is_none() && config.secret_key.is_none());
        assert_eq!(config.github_url, "https://github.com");
        let config = validate_with(
            &parse(&[
                "--github-api-url",
                "https://ghe.example.com/api/v3",
                "--public-url",
                "https://dd.example.com/",
                "--secret-key",
                "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
            ]),
            None,
        )
        .unwrap();
        assert_eq!(config.github_url, "https://ghe.example.com");
        assert_eq!(config.public_url.as_deref(), Some("https://dd.example.com"));
        assert!(config.secret_key.is_some());
        assert!(!format!("{config:?}").contains("q83v"), "the key leaked");
        let err = validate_with(&parse(&["--secret-key", "hunter2"]), None).unwrap_err().to_string();
        assert!(err.contains("openssl rand -base64 32") && !err.contains("hunter2"), "{err}");
        let err = validate_with(&parse(&["--github-url", "github.com"]), None).unwrap_err().to_string();
        assert!(err.contains("not an http(s) URL"), "{err}");
    }

    #[test]
    fn the_database_url_can_come_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("database-url");
        std::fs::write(&file, "postgres://drydock:hunter2@db/drydock\n").unwrap();
        let file_arg = file.to_str().unwrap();
        let args = parse(&["--app-id", "7", "--webhook-secret", "s", "--database-url-file", file_arg]);
        let config = validate_with(&args, Some(SecretString::from(PEM))).unwrap();
        assert_eq!(config.database_url.expose_secret(), "postgres://drydock:hunter2@db/drydock");
        assert!(!format!("{config:?}").contains("hunter2"));

        let missing = dir.path().join("nope");
        let args = parse(&["--app-id", "7", "--webhook-secret", "s", "--database-url-file", missing.to_str().unwrap()]);
        let err = validate_with(&args, Some(SecretString::from(PEM))).unwrap_err().to_string();
        assert!(err.contains("cannot read the database URL file") && err.contains("DATABASE_URL_FILE"), "{err}");
    }

    #[test]
    fn pin_suggestions_can_be_switched_off() {
        let on = validate_with(&parse(&["--app-id", "7", "--webhook-secret", "s"]), Some(SecretString::from(PEM)));
        assert!(on.unwrap().pin_suggestions, "on by default");
        let off = parse(&["--app-id", "7", "--webhook-secret", "s", "--pin-suggestions", "false"]);
        assert!(!validate_with(&off, Some(SecretString::from(PEM))).unwrap().pin_suggestions);
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_mins(5));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_hours(1));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 days").is_err());
    }
}
