//! Setup mode: registering the GitHub App from its manifest, from a browser, with no restart.
//!
//! `drydock serve` with no App credentials (none in flags, environment or the store) serves only these
//! routes:
//! - `GET /`: a "Register GitHub App" form (account or organisation);
//! - `POST /setup/start`: records a random single-use `state` (valid for an hour) and hands the browser
//!   a form that posts the manifest (`app-manifest/drydock.json`, its URLs pointed at this server) to
//!   `{github}/settings/apps/new?state=…` or `{github}/organizations/{org}/settings/apps/new?state=…`;
//! - `GET /setup/callback?code=…&state=…`: where GitHub sends the browser back. It consumes `state`,
//!   exchanges `code` (`POST {api}/app-manifests/{code}/conversions`, unauthenticated; GitHub allows an
//!   hour) for the App's id, slug, key and secrets, seals the secrets with `DRYDOCK_SECRET_KEY` and
//!   stores them, then starts normal mode ([`Runtime::start`]) and links to the App's install page;
//! - `GET /healthz`, and `GET /readyz` answering **200** `setup mode…`: a pod in setup mode must get
//!   traffic, or nobody could set it up (the body says which mode it is in);
//! - `POST /webhook` answers 503: there is no App to verify deliveries against yet.
//!
//! Once normal mode runs, the server's router no longer has these routes (404), and `GET /` is the
//! status page. Anyone who can reach a server in setup mode can register an App for it: keep it private
//! until setup is done (README, "Setting up the App").

use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;

use super::html::{escape, page};
use super::secret_key::SecretKey;
use super::{AppCredentials, Runtime};
use crate::github::webhook::WebhookSecrets;
use crate::store::{StoreError, StoredAppCredentials, Timestamp};

/// The App manifest, with placeholder URLs that [`manifest`] replaces.
const MANIFEST: &str = include_str!("../../app-manifest/drydock.json");
/// How long a registration `state` (and GitHub's manifest code) stays valid.
const STATE_TTL: std::time::Duration = std::time::Duration::from_hours(1);

/// The setup routes (see the module docs).
pub fn router(runtime: Arc<Runtime>) -> Router {
    crate::github::app::install_crypto_provider();
    let http = reqwest::Client::builder()
        .user_agent(concat!("drydock/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    Router::new()
        .route("/", get(form_page))
        .route("/setup/start", post(start))
        .route("/setup/callback", get(callback))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route(
            "/webhook",
            post(|| async {
                (StatusCode::SERVICE_UNAVAILABLE, "drydock is in setup mode: open / to register the GitHub App\n")
            }),
        )
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(SetupState { runtime, http })
}

#[derive(Clone)]
struct SetupState {
    runtime: Arc<Runtime>,
    http: reqwest::Client,
}

/// Why a setup step failed; each answers with an HTML page that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// No `DRYDOCK_SECRET_KEY`: secrets could not be stored.
    #[error(
        "DRYDOCK_SECRET_KEY is not set, so the App's secrets cannot be stored: set it (or DRYDOCK_SECRET_KEY_FILE) \
         to the output of `openssl rand -base64 32` and restart drydock"
    )]
    NoKey,
    /// The organisation name is not a GitHub login.
    #[error("`{0}` is not a GitHub organization name; leave the field empty to register the App on your own account")]
    BadOrg(String),
    /// The callback's `state` is unknown, used or expired.
    #[error("this registration link expired or was already used; start again from the setup page")]
    BadState,
    /// The callback has no usable `code`.
    #[error("GitHub sent no usable manifest code; start again from the setup page")]
    BadCode,
    /// GitHub refused or garbled the conversion.
    #[error("GitHub did not convert the manifest code ({0}); start again from the setup page")]
    Exchange(String),
    /// Setup already finished (here or in another process sharing the database).
    #[error("the GitHub App is already configured; restart drydock if this process still shows setup pages")]
    AlreadyConfigured,
    /// The store failed.
    #[error("cannot store the App's credentials")]
    Store(#[from] StoreError),
    /// Normal mode did not start.
    #[error("the App's credentials are stored but drydock could not start with them; restart drydock")]
    Start(#[source] anyhow::Error),
}

impl SetupError {
    fn status(&self) -> StatusCode {
        match self {
            Self::NoKey => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadOrg(_) | Self::BadState | Self::BadCode => StatusCode::BAD_REQUEST,
            Self::Exchange(_) => StatusCode::BAD_GATEWAY,
            Self::AlreadyConfigured => StatusCode::CONFLICT,
            Self::Store(_) | Self::Start(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for SetupError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = ?self, "setup failed");
        } else {
            tracing::info!(status = status.as_u16(), reason = %self, "setup step refused");
        }
        let body = format!("<p>{}</p>\n<p><a href=\"/\">Back to setup</a></p>\n", escape(&self.to_string()));
        (status, Html(page("drydock setup", &body))).into_response()
    }
}

/// The manifest with its URLs pointed at `public_url` (no trailing slash).
pub fn manifest(public_url: &str) -> serde_json::Value {
    let mut m: serde_json::Value = serde_json::from_str(MANIFEST).unwrap_or_else(|_| serde_json::json!({}));
    m["url"] = public_url.into();
    m["hook_attributes"]["url"] = format!("{public_url}/webhook").into();
    m["redirect_url"] = format!("{public_url}/setup/callback").into();
    m["setup_url"] = format!("{public_url}/").into();
    m
}

/// Where GitHub and browsers reach us: the configured public URL, else the request's `Host` (with
/// `X-Forwarded-Proto`'s scheme, else http).
fn public_url(runtime: &Runtime, headers: &HeaderMap) -> String {
    if let Some(url) = &runtime.config().public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let value = |name| headers.get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    let host = value(header::HOST)
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    let scheme = match value(header::HeaderName::from_static("x-forwarded-proto")) {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// Whether `org` is a GitHub login: letters, digits and single inner hyphens, at most 39 characters.
fn is_login(org: &str) -> bool {
    !org.is_empty()
        && org.len() <= 39
        && org.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !org.starts_with('-')
        && !org.ends_with('-')
}

async fn form_page(State(s): State<SetupState>) -> Html<String> {
    let config = s.runtime.config();
    let github = escape(&config.github_url);
    let body = if config.secret_key.is_some() {
        format!(
            "<p>drydock has no GitHub App yet. Register one on <a href=\"{github}\">{github}</a>: GitHub shows the \
             App's settings, you confirm, and drydock stores its credentials and starts.</p>\n\
             <form method=\"post\" action=\"/setup/start\">\n\
             <p><label for=\"org\">Organization (empty: your personal account)</label><br>\n\
             <input id=\"org\" name=\"org\" type=\"text\" autocomplete=\"off\" placeholder=\"my-org\"></p>\n\
             <p><button id=\"register\" type=\"submit\">Register GitHub App</button></p>\n\
             </form>\n"
        )
    } else {
        format!("<p>{}</p>\n", escape(&SetupError::NoKey.to_string()))
    };
    Html(page("drydock setup", &body))
}

#[derive(Deserialize)]
struct StartForm {
    #[serde(default)]
    org: String,
}

/// Records a `state` and answers with a form that posts the manifest to GitHub (submitted by a line of
/// script; without script, a button does it).
async fn start(
    State(s): State<SetupState>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Result<Html<String>, SetupError> {
    if s.runtime.config().secret_key.is_none() {
        return Err(SetupError::NoKey);
    }
    if s.runtime.is_running().await {
        return Err(SetupError::AlreadyConfigured);
    }
    let org = form.org.trim();
    if !org.is_empty() && !is_login(org) {
        return Err(SetupError::BadOrg(org.to_owned()));
    }
    let state = hex::encode(rand::random::<[u8; 32]>());
    let now = Timestamp::now();
    s.runtime.store().create_setup_state(&state, now + STATE_TTL, now).await?;
    let github = s.runtime.config().github_url.trim_end_matches('/');
    let action = if org.is_empty() {
        format!("{github}/settings/apps/new?state={state}")
    } else {
        format!("{github}/organizations/{org}/settings/apps/new?state={state}")
    };
    let manifest = manifest(&public_url(&s.runtime, &headers)).to_string();
    let body = format!(
        "<p>Sending the App manifest to GitHub…</p>\n\
         <form id=\"manifest-form\" method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"manifest\" value=\"{manifest}\">\n\
         <p><button id=\"continue\" type=\"submit\">Continue to GitHub</button></p>\n</form>\n\
         <script>document.getElementById(\"manifest-form\").submit();</script>\n",
        action = escape(&action),
        manifest = escape(&manifest),
    );
    tracing::info!(org = org, "app registration started");
    Ok(Html(page("drydock setup", &body)))
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
}

/// GitHub's answer to `POST /app-manifests/{code}/conversions` (the fields drydock keeps).
#[derive(Deserialize)]
struct Conversion {
    id: u64,
    slug: String,
    client_id: String,
    client_secret: String,
    webhook_secret: Option<String>,
    pem: String,
}

async fn callback(State(s): State<SetupState>, Query(q): Query<CallbackQuery>) -> Result<Html<String>, SetupError> {
    let key = s.runtime.config().secret_key.clone().ok_or(SetupError::NoKey)?;
    if s.runtime.is_running().await {
        return Err(SetupError::AlreadyConfigured);
    }
    let state = q.state.as_deref().unwrap_or("");
    if state.is_empty() || !s.runtime.store().take_setup_state(state, Timestamp::now()).await? {
        return Err(SetupError::BadState);
    }
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 100 && c.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)))
        .ok_or(SetupError::BadCode)?;
    let conversion = exchange(&s, &code).await?;
    // Check the key before storing it: stored credentials that cannot start would block every restart.
    crate::github::app::GithubApp::new(
        conversion.id,
        SecretString::from(conversion.pem.clone()),
        &s.runtime.config().github_api_url,
    )
    .map_err(|e| SetupError::Exchange(e.to_string()))?;
    let webhook_secret = conversion.webhook_secret.filter(|w| !w.is_empty()).ok_or_else(|| {
        SetupError::Exchange("no webhook secret came back; the manifest needs hook_attributes.url".to_owned())
    })?;
    let secrets = WebhookSecrets::parse(&webhook_secret).map_err(|e| SetupError::Exchange(e.to_string()))?;
    let app_id =
        i64::try_from(conversion.id).map_err(|_| SetupError::Exchange("the App id is out of range".to_owned()))?;
    let github_url = s.runtime.config().github_url.trim_end_matches('/').to_owned();
    let stored = StoredAppCredentials {
        app_id,
        slug: conversion.slug.clone(),
        client_id: conversion.client_id,
        github_url: github_url.clone(),
        private_key: key.seal("private_key", &conversion.pem),
        webhook_secret: key.seal("webhook_secret", &webhook_secret),
        client_secret: key.seal("client_secret", &conversion.client_secret),
        created_at: Timestamp::now(),
    };
    if !s.runtime.store().save_app_credentials(&stored).await? {
        return Err(SetupError::AlreadyConfigured);
    }
    tracing::info!(app_id = conversion.id, slug = %conversion.slug, "github app registered; credentials stored");
    let credentials = AppCredentials { app_id: conversion.id, private_key: SecretString::from(conversion.pem) };
    // `false`: another path (the store watch) started normal mode first, with these same credentials.
    s.runtime.start(credentials, secrets).await.map_err(SetupError::Start)?;
    let install = format!("{github_url}/apps/{}/installations/new", conversion.slug);
    let body = format!(
        "<p id=\"configured\">The GitHub App <strong>{slug}</strong> (id {id}) is registered and drydock is running \
         with it.</p>\n<p>Next, <a id=\"install\" href=\"{install}\">install the App</a> on the repositories it \
         should check. This server's <a href=\"/\">status page</a> shows what it receives.</p>\n",
        slug = escape(&conversion.slug),
        id = conversion.id,
        install = escape(&install),
    );
    Ok(Html(page("drydock is set up", &body)))
}

/// `POST {api}/app-manifests/{code}/conversions`, unauthenticated.
async fn exchange(s: &SetupState, code: &str) -> Result<Conversion, SetupError> {
    let api = s.runtime.config().github_api_url.trim_end_matches('/');
    let url = format!("{api}/app-manifests/{code}/conversions");
    let response = s
        .http
        .post(&url)
        .header(header::ACCEPT, "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28")
        .send()
        .await
        // Without the URL: it holds the code, which buys the App's private key for an hour.
        .map_err(|e| SetupError::Exchange(format!("cannot reach {api}: {}", e.without_url())))?;
    let status = response.status();
    if !status.is_success() {
        return Err(SetupError::Exchange(format!("GitHub answered {status}; the code is used or older than an hour")));
    }
    response.json::<Conversion>().await.map_err(|_| SetupError::Exchange("the answer is not a GitHub App".to_owned()))
}

async fn readyz(State(s): State<SetupState>) -> (StatusCode, String) {
    if let Err(e) = s.runtime.store().ping().await {
        tracing::warn!(error = %e, "readiness: store unreachable");
        return (StatusCode::SERVICE_UNAVAILABLE, "store unreachable: check the database\n".to_owned());
    }
    (StatusCode::OK, "setup mode: open / in a browser to register the GitHub App\n".to_owned())
}

/// In setup mode, watches the store for credentials another process stored (replicas sharing one
/// PostgreSQL: one of them ran setup) and starts normal mode with them; ends once normal mode runs.
pub async fn watch_store(runtime: Arc<Runtime>) {
    let config = runtime.config();
    let mut tick = tokio::time::interval(config.setup_poll_interval.max(std::time::Duration::from_millis(50)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if runtime.is_running().await {
            return;
        }
        let stored = match runtime.store().app_credentials().await {
            Ok(Some(stored)) => stored,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "setup mode: cannot read the store; trying again");
                continue;
            }
        };
        let Some(key) = &config.secret_key else {
            tracing::error!("another process stored github app credentials, but DRYDOCK_SECRET_KEY is not set here");
            return;
        };
        let opened = open_stored(key, &stored);
        match opened {
            Ok((app, secrets)) => match runtime.start(app, secrets).await {
                Ok(_) => {
                    tracing::info!(app_id = stored.app_id, "setup finished elsewhere; using the stored credentials");
                    return;
                }
                Err(e) => {
                    tracing::error!(error = ?e, "cannot start with the stored github app credentials; restart drydock");
                    return;
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "cannot open the github app credentials another process stored");
                return;
            }
        }
    }
}

/// Opens stored credentials with `key`: the App's id and key, and its webhook secret.
pub fn open_stored(key: &SecretKey, stored: &StoredAppCredentials) -> anyhow::Result<(AppCredentials, WebhookSecrets)> {
    let app_id = u64::try_from(stored.app_id).context("the stored github app id is negative; run setup again")?;
    let private_key = key.open("private_key", &stored.private_key)?;
    let webhook_secret = key.open("webhook_secret", &stored.webhook_secret)?;
    let secrets = WebhookSecrets::parse(webhook_secret.expose_secret())
        .context("the stored webhook secret is not usable; run setup again")?;
    Ok((AppCredentials { app_id, private_key }, secrets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_points_at_this_server_and_keeps_the_rest() {
        let m = manifest("https://dd.example.org");
        assert_eq!(m["url"], "https://dd.example.org");
        assert_eq!(m["hook_attributes"]["url"], "https://dd.example.org/webhook");
        assert_eq!(m["hook_attributes"]["active"], true);
        assert_eq!(m["redirect_url"], "https://dd.example.org/setup/callback");
        assert_eq!(m["setup_url"], "https://dd.example.org/");
        assert_eq!(m["default_permissions"]["checks"], "write");
        assert!(m["default_events"].as_array().is_some_and(|e| !e.is_empty()));
    }

    #[test]
    fn organization_names_are_logins() {
        assert!(is_login("octo-org") && is_login("a1"));
        for bad in ["", "-x", "x-", "a/b", "a b", "../x", &"a".repeat(40)] {
            assert!(!is_login(bad), "{bad}");
        }
    }
}
