//! The GitHub App's identity: its JWT, one shared client per installation, and
//! the calls made as the App itself (webhook deliveries, for the reconciler).
//!
//! octocrab signs the App JWT (RS256, `iat` 60 s in the past, `exp` 9 minutes
//! ahead, under GitHub's 10-minute cap), mints installation tokens, caches each
//! until 30 s before it expires, and on a 401 clears it, mints again and
//! retries once. Two things it leaves to us (`dependencies.md` §4): a cold
//! client mints one token per concurrent request, and `Clone` deep-copies the
//! token cache. So each installation gets exactly one `Arc<Octocrab>`, kept in
//! a map here, and every request first checks the token under a per-installation
//! lock: concurrent callers wait for one mint instead of each minting.
//!
//! The private key arrives as a [`SecretString`], is parsed once, and is never
//! logged or put in an error; [`GithubApp`]'s `Debug` shows only the App id.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use octocrab::Octocrab;
use octocrab::jsonwebtoken::EncodingKey;
use octocrab::models::{AppId, InstallationId};
use octocrab::service::middleware::retry::RetryConfig;
use secrecy::{ExposeSecret, SecretString};

use super::client::{
    Call, ClientConfig, GithubError, HookDelivery, HookDeliveryPage, InstallationClient, Transport, Verb, cursor_of,
};

/// Installs rustls's ring crypto provider as the process default, once.
/// reqwest (built without a provider) needs it; calling it again is harmless.
pub fn install_crypto_provider() {
    // `Err` means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An installation of the App, from [`GithubApp::installation_info`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct AppInstallation {
    /// The installation id.
    pub id: u64,
    /// The account it is installed on.
    pub account: Option<InstallationAccount>,
    /// When it was suspended (RFC 3339); `None` when active.
    #[serde(default)]
    pub suspended_at: Option<String>,
}

/// The account of an [`AppInstallation`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct InstallationAccount {
    /// The login (an enterprise's slug).
    #[serde(alias = "slug")]
    pub login: String,
    /// `User`, `Organization` or `Enterprise`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// The App: its id and key, an App-authenticated client, and one shared client
/// per installation. Cheap to clone.
#[derive(Clone)]
pub struct GithubApp {
    inner: Arc<Inner>,
}

struct Inner {
    app_id: u64,
    key: EncodingKey,
    config: Arc<ClientConfig>,
    base_path: Arc<str>,
    /// The App-authenticated client; installation clients are built from it.
    app_crab: Arc<Octocrab>,
    app: Transport,
    installations: Mutex<HashMap<u64, Transport>>,
}

impl fmt::Debug for GithubApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubApp").field("app_id", &self.inner.app_id).finish_non_exhaustive()
    }
}

impl GithubApp {
    /// The App with id `app_id`, its PEM private key, and the api base URL
    /// (`https://api.github.com`, or `https://HOST/api/v3` on GHES), with the
    /// default [`ClientConfig`]. Must be called inside a tokio runtime.
    pub fn new(app_id: u64, private_key_pem: SecretString, api_base_url: &str) -> Result<Self, GithubError> {
        Self::with_config(app_id, private_key_pem, api_base_url, ClientConfig::default())
    }

    /// As [`GithubApp::new`], with retry, wait and size settings.
    pub fn with_config(
        app_id: u64,
        private_key_pem: SecretString,
        api_base_url: &str,
        config: ClientConfig,
    ) -> Result<Self, GithubError> {
        install_crypto_provider();
        let key = EncodingKey::from_rsa_pem(private_key_pem.expose_secret().as_bytes()).map_err(|_| {
            GithubError::Config(
                "the github app private key is not an RSA key in PEM form; use the .pem file from the app's settings"
                    .to_owned(),
            )
        })?;
        // Only the parsed key is kept; the PEM text goes now.
        drop(private_key_pem);
        // Sign once now, so a key that parses but cannot sign fails at start.
        octocrab::auth::create_jwt(AppId(app_id), &key).map_err(|_| {
            GithubError::Config("the github app private key cannot sign a jwt; use the app's RSA .pem file".to_owned())
        })?;
        let url = reqwest::Url::parse(api_base_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.query().is_none())
            .ok_or_else(|| {
                GithubError::Config(format!(
                    "`{api_base_url}` is not a github api url; use https://api.github.com or https://HOST/api/v3"
                ))
            })?;
        let base_path: Arc<str> = Arc::from(url.path().trim_end_matches('/'));
        let config = Arc::new(config);
        let app_crab = Octocrab::builder()
            .base_uri(api_base_url.trim_end_matches('/'))
            .map_err(|e| GithubError::Config(format!("cannot use `{api_base_url}` as the github api url: {e}")))?
            .app(AppId(app_id), key.clone())
            // Our retry loop (client.rs) replaces octocrab's, which retries 5xx at once.
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(config.connect_timeout))
            .set_read_timeout(Some(config.request_timeout))
            .build()
            .map_err(|e| GithubError::Config(format!("cannot build the github client: {e}")))?;
        let app_crab = Arc::new(app_crab);
        let app = Transport::new(Arc::clone(&app_crab), Arc::clone(&config), Arc::clone(&base_path), None);
        Ok(Self {
            inner: Arc::new(Inner {
                app_id,
                key,
                config,
                base_path,
                app_crab,
                app,
                installations: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The App id.
    pub fn app_id(&self) -> u64 {
        self.inner.app_id
    }

    /// A fresh App JWT (RS256, `iss` = App id, `iat` 60 s ago, `exp` in 9 minutes).
    pub fn jwt(&self) -> Result<SecretString, GithubError> {
        octocrab::auth::create_jwt(AppId(self.inner.app_id), &self.inner.key)
            .map(SecretString::from)
            .map_err(|_| GithubError::Config("cannot sign the github app jwt; check the private key".to_owned()))
    }

    /// The shared client of installation `id`, with a token minted or cached
    /// (one mint however many callers ask at once).
    pub async fn installation(&self, id: u64) -> Result<InstallationClient, GithubError> {
        let transport = {
            let mut map = self.inner.installations.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(t) = map.get(&id) {
                t.clone()
            } else {
                let crab = self
                    .inner
                    .app_crab
                    .installation(InstallationId(id))
                    .map_err(|e| GithubError::Config(format!("cannot make a client for installation {id}: {e}")))?;
                let t = Transport::new(
                    Arc::new(crab),
                    Arc::clone(&self.inner.config),
                    Arc::clone(&self.inner.base_path),
                    Some(id),
                );
                map.insert(id, t.clone());
                t
            }
        };
        let client = InstallationClient::new(id, transport).with_app_id(self.inner.app_id);
        client.warm_up().await?;
        Ok(client)
    }

    /// Drops installation `id`'s client and its cached token (the installation
    /// was deleted or suspended: keep no tokens).
    pub fn forget_installation(&self, id: u64) {
        self.inner.installations.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    }

    /// Installation `id` as the App sees it (`GET /app/installations/{id}`, with
    /// the JWT); `Ok(None)` when GitHub no longer knows it.
    pub async fn installation_info(&self, id: u64) -> Result<Option<AppInstallation>, GithubError> {
        let path = format!("/app/installations/{id}");
        match self.inner.app.send(Some(&Call::get(path.clone()))).await {
            Ok(reply) => reply.json(Verb::Get, &path).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One page of the App's webhook deliveries (newest first), from `cursor`
    /// (the first page when `None`), `per_page` at most 100.
    pub async fn hook_deliveries_page(
        &self,
        cursor: Option<&str>,
        per_page: u32,
    ) -> Result<HookDeliveryPage, GithubError> {
        let mut path = format!("/app/hook/deliveries?per_page={}", per_page.clamp(1, 100));
        if let Some(c) = cursor {
            let query: String = reqwest::Url::parse_with_params("http://x/", [("cursor", c)])
                .ok()
                .and_then(|u| u.query().map(str::to_owned))
                .unwrap_or_default();
            path = format!("{path}&{query}");
        }
        let (deliveries, next) = self.inner.app.page::<HookDelivery>(path).await?;
        Ok(HookDeliveryPage { deliveries, next_cursor: next.as_deref().and_then(cursor_of) })
    }

    /// The App's most recent webhook deliveries, newest first, at most `max`.
    pub async fn list_hook_deliveries(&self, max: usize) -> Result<Vec<HookDelivery>, GithubError> {
        self.inner.app.paginate("/app/hook/deliveries?per_page=100".to_owned(), max).await
    }

    /// Asks GitHub to deliver delivery `delivery_id` again (same GUID).
    pub async fn redeliver(&self, delivery_id: u64) -> Result<(), GithubError> {
        let call = Call::new(Verb::Post, format!("/app/hook/deliveries/{delivery_id}/attempts"), None);
        self.inner.app.send(Some(&call)).await.map(drop)
    }
}
