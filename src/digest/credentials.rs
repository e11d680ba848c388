//! Registry credentials: drydock's own (a JSON file for the CLI; per
//! installation for the App, later) and, for the CLI, docker's
//! `config.json` (`$DOCKER_CONFIG`, `~/.docker/config.json`, including
//! `credsStore`/`credHelpers`) through `docker_credential`.
//!
//! Passwords are [`SecretString`]s: `Debug` redacts them and nothing here
//! logs them. A credential's [`Credential::id`] is a one-way fingerprint used
//! to key token and digest caches, so callers with different credentials never
//! share what one of them may see.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use secrecy::{ExposeSecret, SecretString};

/// A username and password (or token) for one registry.
#[derive(Clone, Debug)]
pub struct Credential {
    /// User name (`oauth2accesstoken`, `_json_key`, `AWS`… for cloud registries).
    pub username: String,
    /// Password or token.
    pub password: SecretString,
}

impl Credential {
    /// Builds a credential.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self { username: username.into(), password: SecretString::from(password.into()) }
    }

    /// A fingerprint for cache keys (never the secret itself).
    pub fn id(&self) -> u64 {
        let digest = super::sha256_digest(format!("{}\0{}", self.username, self.password.expose_secret()).as_bytes());
        let hex = digest.strip_prefix("sha256:").unwrap_or(&digest);
        u64::from_str_radix(hex.get(..16).unwrap_or("0"), 16).unwrap_or(0)
    }

    /// The `Authorization: Basic …` value.
    pub fn basic_header(&self) -> String {
        use base64::Engine as _;
        let raw = format!("{}:{}", self.username, self.password.expose_secret());
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }
}

/// Where credentials come from, per registry (normalised: `docker.io`).
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    map: HashMap<String, Credential>,
    docker_config: bool,
}

#[derive(serde::Deserialize)]
struct FileEntry {
    username: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    password_env: Option<String>,
}

impl Credentials {
    /// No credentials: anonymous access only.
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds a credential for `registry`.
    #[must_use]
    pub fn with(mut self, registry: &str, credential: Credential) -> Self {
        self.map.insert(normalise(registry), credential);
        self
    }

    /// Also consults docker's `config.json` for registries not configured here.
    #[must_use]
    pub fn with_docker_config(mut self, on: bool) -> Self {
        self.docker_config = on;
        self
    }

    /// Reads a JSON file `{"registry": {"username": "…", "password": "…"}}`;
    /// `password_env` names an environment variable instead of a literal.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the registry credentials file `{}`", path.display()))?;
        let entries: HashMap<String, FileEntry> = serde_json::from_str(&text).with_context(|| {
            format!(
                "`{}` is not a credentials file; write {{\"registry\": {{\"username\": \"…\", \"password_env\": \
                 \"VAR\"}}}}",
                path.display()
            )
        })?;
        let mut out = Self::default();
        for (registry, e) in entries {
            let password = match (e.password, e.password_env) {
                (Some(p), _) => p,
                (None, Some(var)) => std::env::var(&var).with_context(|| {
                    format!("credentials for `{registry}` name the environment variable {var}, which is not set")
                })?,
                (None, None) => bail!("credentials for `{registry}` need `password` or `password_env`"),
            };
            out.map.insert(normalise(&registry), Credential::new(e.username, password));
        }
        Ok(out)
    }

    /// The credential for `registry`, if any.
    pub fn for_registry(&self, registry: &str) -> Option<Credential> {
        let key = normalise(registry);
        if let Some(c) = self.map.get(&key) {
            return Some(c.clone());
        }
        if !self.docker_config {
            return None;
        }
        // docker_credential maps `docker.io` to `https://index.docker.io/v1/`.
        match docker_credential::get_credential(&key) {
            Ok(docker_credential::DockerCredential::UsernamePassword(u, p)) => Some(Credential::new(u, p)),
            // An identity token is an OAuth refresh token we cannot exchange.
            Ok(docker_credential::DockerCredential::IdentityToken(_)) | Err(_) => None,
        }
    }
}

fn normalise(registry: &str) -> String {
    let r = registry.trim().trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/');
    let r = r.strip_suffix("/v1").or_else(|| r.strip_suffix("/v2")).unwrap_or(r).to_ascii_lowercase();
    match r.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io".into(),
        _ => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_spellings_are_one_registry() {
        let c = Credentials::none().with("https://index.docker.io/v1/", Credential::new("u", "p"));
        assert!(c.for_registry("docker.io").is_some());
        assert!(c.for_registry("registry-1.docker.io").is_some());
        assert!(c.for_registry("ghcr.io").is_none());
    }

    #[test]
    fn debug_redacts_and_ids_differ() {
        let a = Credential::new("u", "hunter2");
        assert!(!format!("{a:?}").contains("hunter2"));
        assert_ne!(a.id(), Credential::new("u", "other").id());
        assert_eq!(a.basic_header(), "Basic dTpodW50ZXIy");
    }
}
