//! The registry HTTP client shared by every caller (all installations of the
//! App, or one CLI run): one reqwest client behind the SSRF guard, the Bearer
//! token dance, rate-limit bookkeeping per registry, size caps, and request
//! counters for the benchmark.
//!
//! Credentials are not part of the client; each call passes the credential
//! (if any) for its registry, and tokens are cached per (registry,
//! repository, credential fingerprint).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};

use super::guard::{AddressRefused, Endpoint, Guard};
use super::{Credential, ResolveError};

/// Limits and timing.
#[derive(Clone, Debug)]
pub struct RegistryOptions {
    /// How long a tag's digest is reused before asking again.
    pub ttl: Duration,
    /// The longest `Retry-After` (or rate-limit reset) we wait for; longer
    /// ones fail the lookup with [`ResolveError::RateLimited`].
    pub max_wait: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Largest manifest or index we read.
    pub max_manifest_bytes: usize,
    /// Largest image config blob we read.
    pub max_config_bytes: usize,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        Self {
            ttl: Duration::from_mins(10),
            max_wait: Duration::from_mins(1),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_manifest_bytes: 4 * 1024 * 1024,
            max_config_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Request counters.
#[derive(Debug, Default)]
pub struct Stats {
    /// Manifest HEADs.
    pub manifest_heads: AtomicU64,
    /// Manifest GETs.
    pub manifest_gets: AtomicU64,
    /// Blob GETs (image configs).
    pub blob_gets: AtomicU64,
    /// Token requests.
    pub token_requests: AtomicU64,
    /// 429 answers received.
    pub rate_limited: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// Manifest HEADs.
    pub manifest_heads: u64,
    /// Manifest GETs.
    pub manifest_gets: u64,
    /// Blob GETs.
    pub blob_gets: u64,
    /// Token requests.
    pub token_requests: u64,
    /// 429 answers.
    pub rate_limited: u64,
}

impl Stats {
    /// The current counts.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            manifest_heads: self.manifest_heads.load(Ordering::Relaxed),
            manifest_gets: self.manifest_gets.load(Ordering::Relaxed),
            blob_gets: self.blob_gets.load(Ordering::Relaxed),
            token_requests: self.token_requests.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
        }
    }
}

/// What kind of request, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    ManifestHead,
    ManifestGet,
    BlobGet,
}

impl Kind {
    /// The `kind` label of the registry metrics.
    fn label(self) -> &'static str {
        match self {
            Self::ManifestHead => "manifest_head",
            Self::ManifestGet => "manifest_get",
            Self::BlobGet => "blob_get",
        }
    }
}

/// A registry reply.
#[derive(Debug)]
pub(crate) struct Reply {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

struct Token {
    value: SecretString,
    expires: Instant,
}

/// Shared registry state: the HTTP client, guard, caches and counters.
pub struct Registry {
    http: reqwest::Client,
    guard: Arc<Guard>,
    /// Options.
    pub options: RegistryOptions,
    tokens: Mutex<HashMap<(String, String, u64), Token>>,
    basic: Mutex<HashSet<(String, u64)>>,
    blocked: Mutex<HashMap<String, Instant>>,
    /// Request counters.
    pub stats: Stats,
    pub(crate) cache: super::resolver::Cache,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("guard", &self.guard).field("options", &self.options).finish_non_exhaustive()
    }
}

impl Registry {
    /// Builds the shared client.
    pub fn new(guard: Guard, options: RegistryOptions) -> Result<Arc<Self>, ResolveError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let guard = Arc::new(guard);
        let redirect_guard = Arc::clone(&guard);
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                return attempt.error("too many redirects");
            }
            match redirect_guard.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let http = reqwest::Client::builder()
            .user_agent(concat!("drydock/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(guard.resolver())
            .redirect(policy)
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .build()
            .map_err(|e| ResolveError::Network { registry: "-".into(), detail: chain(&e) })?;
        Ok(Arc::new(Self {
            http,
            guard,
            options,
            tokens: Mutex::new(HashMap::new()),
            basic: Mutex::new(HashSet::new()),
            blocked: Mutex::new(HashMap::new()),
            stats: Stats::default(),
            cache: super::resolver::Cache::default(),
        }))
    }

    /// Forgets every cached tag digest, so the next lookup of each tag asks
    /// the registry again (the start of a scheduled cycle; the benchmark).
    pub fn expire_tags(&self) {
        self.cache.clear_tags();
    }

    /// The guard.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// Sends a registry API request for `repo` on `registry`, handling auth,
    /// 429 and transient 5xx. `path` starts with `/v2/`.
    pub(crate) async fn request(
        &self,
        registry: &str,
        repo: &str,
        cred: Option<&Credential>,
        kind: Kind,
        path: &str,
        cap: usize,
    ) -> Result<Reply, ResolveError> {
        let ep = self.guard.endpoint(registry)?;
        let url: reqwest::Url = format!("{}{path}", ep.base())
            .parse()
            .map_err(|_| ResolveError::Invalid { registry: registry.into(), detail: format!("bad URL path {path}") })?;
        self.guard.check_url(&url)?;
        let cred_id = cred.map_or(0, Credential::id);
        let token_key = (ep.authority.clone(), repo.to_string(), cred_id);
        let method = if kind == Kind::ManifestHead { Method::HEAD } else { Method::GET };
        let mut authed = false;
        let mut transient = 0u32;
        for _attempt in 0..8 {
            self.wait_if_blocked(&ep.authority).await?;
            let mut req = self.http.request(method.clone(), url.clone());
            if kind != Kind::BlobGet {
                req = req.header(reqwest::header::ACCEPT, super::MANIFEST_ACCEPT);
            }
            if let Some(h) = self.auth_header(&token_key, cred) {
                req = req.header(reqwest::header::AUTHORIZATION, h);
            }
            let counter = match kind {
                Kind::ManifestHead => &self.stats.manifest_heads,
                Kind::ManifestGet => &self.stats.manifest_gets,
                Kind::BlobGet => &self.stats.blob_gets,
            };
            let resp = req.send().await.map_err(|e| network(registry, &e))?;
            // Counted once answered: refused connections never reach a registry.
            counter.fetch_add(1, Ordering::Relaxed);
            self.note_rate_headers(&ep.authority, resp.headers());
            let status = resp.status();
            metrics::counter!("drydock_registry_requests_total", "registry" => ep.authority.clone(),
                "kind" => kind.label(), "status" => status.as_str().to_owned())
            .increment(1);
            match status {
                s if s.is_success() => {
                    let headers = resp.headers().clone();
                    let body =
                        if method == Method::HEAD { Vec::new() } else { read_capped(resp, cap, registry).await? };
                    return Ok(Reply { headers, body });
                }
                StatusCode::UNAUTHORIZED if !authed => {
                    authed = true;
                    let challenge = header(resp.headers(), "www-authenticate").unwrap_or_default();
                    self.authenticate(registry, &ep, repo, cred, &challenge, &token_key).await?;
                }
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    let reason = match cred {
                        Some(_) => format!(
                            "the registry refused the credentials for `{repo}` ({status}); check the username, \
                             password and that they may pull this repository"
                        ),
                        None => format!(
                            "`{repo}` needs credentials ({status}); add them to the credentials file or `docker login`"
                        ),
                    };
                    return Err(ResolveError::Auth { registry: registry.into(), reason });
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                    let wait = retry_after(resp.headers()).unwrap_or(Duration::from_secs(1));
                    self.block(&ep.authority, wait);
                    if wait > self.options.max_wait {
                        return Err(ResolveError::RateLimited {
                            registry: registry.into(),
                            retry_after_secs: wait.as_secs(),
                        });
                    }
                }
                StatusCode::NOT_FOUND => {
                    return Err(ResolveError::NotFound { reference: format!("{registry}/{repo} ({path})") });
                }
                StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
                    if transient < 2 =>
                {
                    transient += 1;
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(transient))).await;
                }
                _ => {
                    let body = read_capped(resp, 4096, registry).await.unwrap_or_default();
                    let detail = String::from_utf8_lossy(&body).chars().take(200).collect::<String>();
                    return Err(ResolveError::Status { registry: registry.into(), status: status.as_u16(), detail });
                }
            }
        }
        Err(ResolveError::RateLimited { registry: registry.into(), retry_after_secs: self.options.max_wait.as_secs() })
    }

    fn auth_header(&self, key: &(String, String, u64), cred: Option<&Credential>) -> Option<String> {
        {
            let tokens = self.tokens.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(t) = tokens.get(key).filter(|t| t.expires > Instant::now()) {
                return Some(format!("Bearer {}", t.value.expose_secret()));
            }
        }
        let cred = cred?;
        let basic = self.basic.lock().unwrap_or_else(PoisonError::into_inner);
        basic.contains(&(key.0.clone(), key.2)).then(|| cred.basic_header())
    }

    #[allow(clippy::items_after_statements)]
    async fn authenticate(
        &self,
        registry: &str,
        ep: &Endpoint,
        repo: &str,
        cred: Option<&Credential>,
        challenge: &str,
        key: &(String, String, u64),
    ) -> Result<(), ResolveError> {
        let (scheme, params) = parse_challenge(challenge);
        if scheme.eq_ignore_ascii_case("basic") {
            if cred.is_none() {
                return Err(ResolveError::Auth {
                    registry: registry.into(),
                    reason: "the registry requires a login (Basic); add credentials for it to the credentials file \
                             or `docker login`"
                        .into(),
                });
            }
            self.basic.lock().unwrap_or_else(PoisonError::into_inner).insert((ep.authority.clone(), key.2));
            return Ok(());
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ResolveError::Auth {
                registry: registry.into(),
                reason: format!("the registry asks for `{scheme}` authentication, which drydock does not speak"),
            });
        }
        let realm = params.get("realm").cloned().ok_or_else(|| ResolveError::Auth {
            registry: registry.into(),
            reason: "the Bearer challenge names no realm; the registry is misconfigured".into(),
        })?;
        let mut url: reqwest::Url = realm.parse().map_err(|_| ResolveError::Auth {
            registry: registry.into(),
            reason: format!("the token realm `{realm}` is not a URL"),
        })?;
        self.guard.check_url(&url)?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(service) = params.get("service") {
                q.append_pair("service", service);
            }
            q.append_pair("scope", &format!("repository:{repo}:pull"));
        }
        let mut req = self.http.get(url);
        if let Some(c) = cred {
            req = req.header(reqwest::header::AUTHORIZATION, c.basic_header());
        }
        let resp = req.send().await.map_err(|e| network(registry, &e))?;
        self.stats.token_requests.fetch_add(1, Ordering::Relaxed);
        let status = resp.status();
        metrics::counter!("drydock_registry_requests_total", "registry" => ep.authority.clone(),
            "kind" => "token", "status" => status.as_str().to_owned())
        .increment(1);
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            let reason = match cred {
                Some(c) => format!(
                    "the token server rejected the credentials of user `{}` ({status}); check the password or token",
                    c.username
                ),
                None => format!(
                    "the token server refused anonymous access to `{repo}` ({status}); add credentials for this \
                     registry"
                ),
            };
            return Err(ResolveError::Auth { registry: registry.into(), reason });
        }
        if !status.is_success() {
            return Err(ResolveError::Auth {
                registry: registry.into(),
                reason: format!("the token server answered {status}; try again later"),
            });
        }
        let body = read_capped(resp, 64 * 1024, registry).await?;
        #[derive(serde::Deserialize)]
        struct TokenReply {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
            #[serde(default)]
            expires_in: Option<u64>,
        }
        let reply: TokenReply = serde_json::from_slice(&body).map_err(|_| ResolveError::Auth {
            registry: registry.into(),
            reason: "the token server sent something that is not a token reply".into(),
        })?;
        let Some(token) = reply.token.or(reply.access_token).filter(|t| !t.is_empty()) else {
            return Err(ResolveError::Auth {
                registry: registry.into(),
                reason: "the token server sent an empty token".into(),
            });
        };
        // The spec's default lifetime is 60 s; keep a margin and an upper bound.
        let life = reply.expires_in.unwrap_or(60).clamp(10, 3600).saturating_sub(5);
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner).insert(
            key.clone(),
            Token { value: SecretString::from(token), expires: Instant::now() + Duration::from_secs(life) },
        );
        Ok(())
    }

    async fn wait_if_blocked(&self, authority: &str) -> Result<(), ResolveError> {
        let until = self.blocked.lock().unwrap_or_else(PoisonError::into_inner).get(authority).copied();
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                let wait = until - now;
                if wait > self.options.max_wait {
                    return Err(ResolveError::RateLimited {
                        registry: authority.into(),
                        retry_after_secs: wait.as_secs().max(1),
                    });
                }
                tokio::time::sleep(wait).await;
            }
        }
        Ok(())
    }

    fn block(&self, authority: &str, wait: Duration) {
        let until = Instant::now() + wait;
        let mut blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        let e = blocked.entry(authority.to_string()).or_insert(until);
        if *e < until {
            *e = until;
        }
    }

    /// `RateLimit-Remaining: 0` (Docker Hub writes `0;w=21600`) with a
    /// `RateLimit-Reset` in seconds blocks the registry until the reset.
    fn note_rate_headers(&self, authority: &str, headers: &HeaderMap) {
        let remaining = header(headers, "ratelimit-remaining")
            .and_then(|v| v.split(';').next().and_then(|n| n.trim().parse::<u64>().ok()));
        if remaining != Some(0) {
            return;
        }
        let reset = header(headers, "ratelimit-reset")
            .and_then(|v| v.split(';').next().and_then(|n| n.trim().parse::<u64>().ok()))
            .or_else(|| retry_after(headers).map(|d| d.as_secs()))
            .unwrap_or(60);
        self.block(authority, Duration::from_secs(reset));
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = header(headers, "retry-after")?;
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// `Bearer realm="…",service="…"` → ("Bearer", {realm, service}).
pub(crate) fn parse_challenge(s: &str) -> (String, HashMap<String, String>) {
    let s = s.trim();
    let (scheme, rest) = s.split_once(' ').unwrap_or((s, ""));
    let mut params = HashMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((k, v)) = rest.split_once('=') else { break };
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let v = v.trim_start();
        let (value, tail) = if let Some(q) = v.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (q.get(..end).unwrap_or_default(), q.get(end + 1..).unwrap_or_default()),
                None => (q, ""),
            }
        } else {
            match v.find(',') {
                Some(end) => (v.get(..end).unwrap_or_default(), v.get(end..).unwrap_or_default()),
                None => (v, ""),
            }
        };
        params.insert(k, value.to_string());
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_string(), params)
}

async fn read_capped(mut resp: reqwest::Response, cap: usize, registry: &str) -> Result<Vec<u8>, ResolveError> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(ResolveError::TooLarge { registry: registry.into(), cap });
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| network(registry, &e))? {
        if buf.len() + chunk.len() > cap {
            return Err(ResolveError::TooLarge { registry: registry.into(), cap });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn network(registry: &str, e: &reqwest::Error) -> ResolveError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<AddressRefused>() {
            return ResolveError::Refused { registry: registry.into(), reason: refused.to_string() };
        }
        if let Some(r) = s.downcast_ref::<ResolveError>() {
            return r.clone();
        }
        source = s.source();
    }
    let detail = if e.is_timeout() { format!("timed out ({})", chain(e)) } else { chain(e) };
    ResolveError::Network { registry: registry.into(), detail }
}

/// An error and its sources, joined with `: `.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_parsing() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(p["realm"], "https://auth.docker.io/token");
        assert_eq!(p["service"], "registry.docker.io");
        assert_eq!(p["scope"], "repository:library/node:pull");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!((s.as_str(), p["realm"].as_str()), ("Basic", "Registry Realm"));
        let (_, p) = parse_challenge("Bearer realm=https://x/token, service=x");
        assert_eq!(p["service"], "x");
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after", HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }
}
